"""PL302: --pod-infra-container-image on a kubelet that has it deprecated (1.24-1.34)."""

from __future__ import annotations

import pytest

from pauselint.model import Component, Location, NodeFacts, Role, Setting, Severity, Skip
from pauselint.rules import pl302_pod_infra_flag_deprecated as rule

FLAGS_ENV = "var/lib/kubelet/kubeadm-flags.env"
HEAD = (
    "--pod-infra-container-image={image} has no effect on the sandbox with CRI runtimes "
    "(deprecated since kubelet 1.24) and is removed in 1.35, where the kubelet refuses to "
    "start with it; "
)
REMOVE = "remove the flag and set the sandbox image in the runtime's configuration"
KEEP = (
    "until kubelet 1.29 it still protects that image from garbage collection, so keep it "
    "equal to the runtime's sandbox image and remove it when the kubelet reaches 1.29"
)


def _node(value, *, effective=True, component=Component.KUBELET):
    flag = Setting(component, Role.POD_INFRA_FLAG, "--pod-infra-container-image", value,
                   Location(FLAGS_ENV, 1, 60), effective=effective)
    return NodeFacts(name="worker-1", runtime=None, other_settings=(flag,))


@pytest.mark.parametrize(
    ("kubernetes", "image", "advice", "fix"),
    [
        # k8s#62732: the flag pointed at a Docker Hub copy; containerd ignored it.
        ("1.24", "docker.io/mirrorgooglecontainers/pause:3.1", KEEP, None),
        ("1.28.15", "registry.k8s.io/pause:3.9", KEEP, None),
        ("1.29", "registry.k8s.io/pause:3.9", REMOVE, "remove the flag"),
        ("1.34.2", "registry.k8s.io/pause:3.10", REMOVE, "remove the flag"),
    ],
)
def test_fires_while_deprecated(context, kubernetes, image, advice, fix):
    found = list(rule.check(context(kubernetes=kubernetes, nodes=[_node(image)])))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL302", "pod-infra-flag-deprecated", Severity.WARNING)
    assert (f.location, f.image, f.node) == (Location(FLAGS_ENV, 1, 60), image, "worker-1")
    assert (f.expected, f.fix, f.fixable) == (None, fix, False)
    assert f.message == HEAD.format(image=image) + advice


def test_kubeadm_extra_args_and_overridden_flags_count(context):
    nodes = [_node("registry.k8s.io/pause:3.9", effective=False, component=Component.KUBEADM)]
    assert [f.rule for f in rule.check(context(kubernetes="1.30", nodes=nodes))] == ["PL302"]


@pytest.mark.parametrize("kubernetes", ["1.23", "1.23.17", "1.35", "1.36"])
def test_silent_outside_the_deprecation_window(context, kubernetes):
    nodes = [_node("registry.k8s.io/pause:3.9")]
    assert list(rule.check(context(kubernetes=kubernetes, nodes=nodes))) == []


def test_skips_without_kubernetes_version(context):
    found = list(rule.check(context(nodes=[_node("registry.k8s.io/pause:3.9")])))
    assert found == [Skip(rule="PL302",
                          reason="Kubernetes version unknown (use --kubernetes-version)")]


def test_no_flag_no_skip(context):
    assert list(rule.check(context(nodes=[NodeFacts(name=None, runtime=None)]))) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL302 pod-infra-flag-deprecated: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
