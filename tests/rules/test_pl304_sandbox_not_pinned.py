"""PL304: kubelet >= 1.29 relies on the runtime to pin the pause image, and it will not."""

from __future__ import annotations

import pytest

from pauselint.imageref import parse_image
from pauselint.model import Component, Location, NodeFacts, Role, Setting, Severity, Skip
from pauselint.rules import pl304_sandbox_not_pinned as rule
from pauselint.rules.framework import ImageUse

CONTAINERD = "etc/containerd/config.toml"
CRIO = "etc/crio/crio.conf"
DIGEST_310 = "sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a"


def _relies(kubernetes):
    return (
        f"kubelet {kubernetes} keeps the pause image from garbage collection only when the "
        "runtime pins it (from 1.29), so under disk pressure it can be deleted and, where it "
        "cannot be pulled again, no pod starts"
    )


def _node(value=None, runtime=Component.CONTAINERD, *, name="worker-1"):
    path = CRIO if runtime is Component.CRIO else CONTAINERD
    setting = None
    if value is not None:
        setting = Setting(runtime, Role.SANDBOX_IMAGE, "sandbox", value, Location(path, 67, 20))
    return NodeFacts(name=name, runtime=runtime,
                     sandbox_settings=(setting,) if setting else (),
                     effective_sandbox=setting, runtime_config_path=path)


def _default(table, node, image):
    ref = parse_image(image)
    upstream, mirror = table.resolve(ref)
    return ImageUse(ref, upstream, mirror, Location(node.runtime_config_path), node.runtime,
                    Role.SANDBOX_IMAGE, "default", None, node, node.name)


@pytest.mark.parametrize(
    ("kubernetes", "runtime", "message"),
    [
        ("1.29", "containerd=1.7.2",
         f"containerd 1.7.2 does not pin the sandbox image, but {_relies('1.29')}; "
         "upgrade containerd to 1.7.3 or later"),
        ("1.30.4", "containerd=1.6.21",
         f"containerd 1.6.21 does not pin the sandbox image, but {_relies('1.30.4')}; "
         "upgrade containerd to 1.6.22 or later"),
        ("1.29", "containerd=1.5.18",
         f"containerd 1.5.18 does not pin the sandbox image, but {_relies('1.29')}; "
         "upgrade containerd to 1.6.22 or later"),
        ("1.29", "cri-o=1.27.3",
         f"CRI-O 1.27.3 does not pin its pause image (pinned_images came in CRI-O 1.28.0), "
         f"but {_relies('1.29')}; upgrade CRI-O to 1.28.0 or later"),
    ],
)
def test_runtime_without_pinning(context, kubernetes, runtime, message):
    node = _node("registry.k8s.io/pause:3.9", Component(runtime.partition("=")[0]))
    found = list(rule.check(context(kubernetes=kubernetes, runtime=runtime, nodes=[node])))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL304", "sandbox-not-pinned", Severity.WARNING)
    assert (f.location, f.image, f.node) == (node.effective_sandbox.location,
                                             "registry.k8s.io/pause:3.9", "worker-1")
    assert (f.expected, f.fixable) == (None, False)
    assert f.fix == message.rsplit("; ", 1)[1]
    assert f.message == message


def test_runtime_default_is_reported_at_the_config_file(context, table):
    node = _node()
    found = list(rule.check(context(
        kubernetes="1.29", runtime="containerd=1.7.0", nodes=[node],
        images=[_default(table, node, "registry.k8s.io/pause:3.8")],
    )))
    assert [(f.location, f.image) for f in found] == [
        (Location(CONTAINERD), "registry.k8s.io/pause:3.8")
    ]


@pytest.mark.parametrize(
    ("kubernetes", "value", "expected", "message"),
    [
        # containerd 2.x compares the configured text with the stored name as strings.
        # A Docker Hub short name of pause: the Kubernetes image, as PL111 suggests.
        ("1.31", "pause:3.10", "registry.k8s.io/pause:3.10",
         "containerd 2.0.0 pins the sandbox image only when it is written exactly as the name "
         "it stores, so pause:3.10 (a short name for docker.io/library/pause:3.10 on Docker "
         "Hub, not the Kubernetes pause image) is never pinned: "
         f"{_relies('1.31')}; use registry.k8s.io/pause:3.10"),
        ("1.31", "pause", "registry.k8s.io/pause:3.10",
         "containerd 2.0.0 pins the sandbox image only when it is written exactly as the name "
         "it stores, and pause has no tag, so it is never pinned: "
         f"{_relies('1.31')}; write the full name with a tag, e.g. registry.k8s.io/pause:3.10"),
        # A known Docker Hub copy keeps its own (fully qualified) name.
        ("1.31", "rancher/mirrored-pause:3.6", "docker.io/rancher/mirrored-pause:3.6",
         "containerd 2.0.0 pins the sandbox image only when it is written exactly as the name "
         "it stores, docker.io/rancher/mirrored-pause:3.6, so rancher/mirrored-pause:3.6 is "
         f"never pinned: {_relies('1.31')}; use docker.io/rancher/mirrored-pause:3.6"),
        ("1.32", "Registry.K8s.io/pause:3.10", "registry.k8s.io/pause:3.10",
         "containerd 2.0.0 pins the sandbox image only when it is written exactly as the name "
         "it stores, registry.k8s.io/pause:3.10, so Registry.K8s.io/pause:3.10 is never "
         f"pinned: {_relies('1.32')}; use registry.k8s.io/pause:3.10"),
        # No tag: the stored name has one, so they never match; kubeadm's tag is suggested.
        ("1.31", "registry.k8s.io/pause", "registry.k8s.io/pause:3.10",
         "containerd 2.0.0 pins the sandbox image only when it is written exactly as the name "
         "it stores, and registry.k8s.io/pause has no tag, so it is never pinned: "
         f"{_relies('1.31')}; write the full name with a tag, e.g. registry.k8s.io/pause:3.10"),
    ],
)
def test_containerd2_name_not_exact(context, kubernetes, value, expected, message):
    node = _node(value)
    [f] = rule.check(context(kubernetes=kubernetes, runtime="containerd=2.0.0", nodes=[node]))
    assert (f.rule, f.location, f.image) == ("PL304", Location(CONTAINERD, 67, 20), value)
    assert (f.expected, f.fix, f.fixable) == (expected, f"use {expected}", True)
    assert f.message == message


def test_short_name_with_unpublished_tag_has_no_expected(context):
    [f] = rule.check(context(kubernetes="1.31", runtime="containerd=2.0.0",
                             nodes=[_node("pause:3.11")]))
    assert (f.expected, f.fix) == (None, None)
    assert f.message.endswith("; write the Kubernetes image's full name")


def test_short_name_uses_kubeadm_image_repository(context):
    [f] = rule.check(context(kubernetes="1.31", runtime="containerd=2.0.0",
                             nodes=[_node("pause:3.10")],
                             image_repository="registry.example/k8s"))
    assert f.expected == "registry.example/k8s/pause:3.10"


def test_no_tag_without_kubeadm_expectation(context):
    [f] = rule.check(context(kubernetes="1.38", runtime="containerd=2.3.0",
                             nodes=[_node("registry.k8s.io/pause")]))
    assert (f.expected, f.fix) == (None, None)
    assert f.message.endswith("; write the full name with a tag")


@pytest.mark.parametrize(
    ("kubernetes", "runtime", "value"),
    [
        ("1.29", "containerd=1.6.22", "registry.k8s.io/pause:3.9"),
        ("1.29", "containerd=1.7.3", "pause:3.9"),  # 1.x normalizes before comparing
        ("1.31", "containerd=2.0.0", "registry.k8s.io/pause:3.10"),
        ("1.31", "containerd=2.1.4", "docker.io/library/pause:3.10"),
        ("1.31", "containerd=2.0.0", f"registry.k8s.io/pause:3.10@{DIGEST_310}"),
        ("1.31", "containerd=2.1.0", None),  # the built-in default is fully qualified
        ("1.29", "cri-o=1.28.0", "registry.k8s.io/pause:3.9"),
        ("1.36", "cri-o=1.36.1", None),
        # Before 1.29 the kubelet protects the pause image itself.
        ("1.28", "containerd=1.7.2", "registry.k8s.io/pause:3.9"),
        ("1.28", "containerd=2.0.0", "pause:3.10"),
        ("1.27", "cri-o=1.27.0", None),
    ],
)
def test_silent(context, kubernetes, runtime, value):
    node = _node(value, Component(runtime.partition("=")[0]))
    assert list(rule.check(context(kubernetes=kubernetes, runtime=runtime, nodes=[node]))) == []


def test_other_runtimes_are_not_checked(context):
    nodes = [_node("rancher/mirrored-pause:3.6", Component.K3S),
             NodeFacts(name=None, runtime=None)]
    assert list(rule.check(context(nodes=nodes))) == []


@pytest.mark.parametrize(
    ("kubernetes", "runtime", "reason"),
    [
        (None, "containerd=1.7.2", "Kubernetes version unknown (use --kubernetes-version)"),
        ("1.30", None, "runtime version unknown: cannot tell whether containerd pins the "
                       "sandbox image (use --runtime-version containerd=X)"),
        ("1.31", "containerd=2.5.0", "containerd 2.5.0 is newer than the compat table "
                                     "(2026-12-04): cannot tell whether it pins the sandbox image"),
    ],
)
def test_skips(context, kubernetes, runtime, reason):
    nodes = [_node("registry.k8s.io/pause:3.9"), _node("registry.k8s.io/pause:3.9", name="w2")]
    found = list(rule.check(context(kubernetes=kubernetes, runtime=runtime, nodes=nodes)))
    assert found == [Skip(rule="PL304", reason=reason)]


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL304 sandbox-not-pinned: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
