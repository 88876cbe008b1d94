"""PL301: --pod-infra-container-image on a kubelet that no longer has it (1.35+)."""

from __future__ import annotations

import pytest

from pauselint.model import Component, Location, NodeFacts, Role, Setting, Severity, Skip
from pauselint.rules import pl301_pod_infra_flag_removed as rule

FLAGS_ENV = "var/lib/kubelet/kubeadm-flags.env"
EXIT = "`failed to parse kubelet flag: unknown flag: --pod-infra-container-image`"


def _flag(value, *, path=FLAGS_ENV, line=1, column=100, component=Component.KUBELET,
          effective=True, ignored=False):
    return Setting(component, Role.POD_INFRA_FLAG, "--pod-infra-container-image", value,
                   Location(path, line, column), effective=effective, ignored=ignored)


def _node(*flags, runtime=None):
    return NodeFacts(name=None, runtime=runtime, other_settings=flags)


@pytest.mark.parametrize(
    ("kubernetes", "setting", "suffix"),
    [
        # kubeadm#3281: kubeadm-flags.env still carries the flag when the kubelet is 1.35.
        ("1.35", _flag("registry.k8s.io/pause:3.10"), ""),
        ("1.36.1", _flag("registry.k8s.io/pause:3.10", path="etc/default/kubelet", line=1,
                         column=20), ""),
        # kubeadm#1927: a stale value left behind by kubeadm upgrade.
        ("1.35.0", _flag("vmware/pause:3.1"), ""),
        # kubeletExtraArgs survive kubeadm upgrade.
        ("1.35", _flag("registry.k8s.io/pause:3.9", path="kubeadm-config.yaml", line=12,
                       column=36, component=Component.KUBEADM),
         " (kubeadm upgrade does not strip it from nodeRegistration.kubeletExtraArgs)"),
        # Overridden by a later flag: the kubelet still parses it, and exits.
        ("1.35", _flag("registry.k8s.io/pause:3.6", effective=False), ""),
    ],
)
def test_fires_wherever_the_flag_is(context, kubernetes, setting, suffix):
    found = list(rule.check(context(kubernetes=kubernetes, nodes=[_node(setting)])))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL301", "pod-infra-flag-removed", Severity.ERROR)
    assert f.location == setting.location
    assert f.image == setting.value
    assert (f.expected, f.fix, f.fixable) == (None, "remove the flag", False)
    assert f.message == (
        f"--pod-infra-container-image={setting.value} is given to kubelet {kubernetes}, but "
        f"kubelet 1.35 and later exit with {EXIT}; remove the flag{suffix}"
    )


def test_every_occurrence_once(context):
    first = _flag("registry.k8s.io/pause:3.6", effective=False)
    second = _flag("registry.k8s.io/pause:3.9", path="etc/systemd/system/kubelet.service.d/"
                   "20-extra.conf", line=3, column=40)
    node = _node(first, second, runtime=Component.CONTAINERD)
    # The same node facts listed twice (the engine may hand the same flag on two views).
    found = list(rule.check(context(kubernetes="1.35", nodes=[node, node])))
    assert [(f.location.path, f.location.line) for f in found] == [
        (FLAGS_ENV, 1), ("etc/systemd/system/kubelet.service.d/20-extra.conf", 3),
    ]


@pytest.mark.parametrize("kubernetes", ["1.34", "1.34.9", "1.24", "1.18"])
def test_silent_before_removal(context, kubernetes):
    nodes = [_node(_flag("registry.k8s.io/pause:3.9"))]
    assert list(rule.check(context(kubernetes=kubernetes, nodes=nodes))) == []


def test_ignored_flag_and_other_settings_are_not_flags(context):
    sandbox = Setting(Component.CONTAINERD, Role.SANDBOX_IMAGE, "sandbox_image",
                      "registry.k8s.io/pause:3.10", Location("etc/containerd/config.toml", 3))
    node = _node(_flag("registry.k8s.io/pause:3.9", ignored=True), sandbox)
    assert list(rule.check(context(kubernetes="1.35", nodes=[node]))) == []


def test_skips_without_kubernetes_version(context):
    found = list(rule.check(context(nodes=[_node(_flag("registry.k8s.io/pause:3.9"))])))
    assert found == [Skip(rule="PL301",
                          reason="Kubernetes version unknown (use --kubernetes-version)")]


def test_no_flag_no_skip(context):
    assert list(rule.check(context(nodes=[_node()]))) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL301 pod-infra-flag-removed: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
