"""PL303: the kubelet flag differs from the image the node's runtime really uses."""

from __future__ import annotations

import pytest

from pauselint.imageref import parse_image
from pauselint.model import Component, Location, NodeFacts, Role, Setting, Severity, Skip
from pauselint.rules import pl303_pod_infra_flag_mismatch as rule
from pauselint.rules.framework import ImageUse, same_image

FLAGS_ENV = "var/lib/kubelet/kubeadm-flags.env"
CONTAINERD = "etc/containerd/config.toml"
CRIO = "etc/crio/crio.conf"
DIGEST_39 = "sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"
DIGEST_310 = "sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a"
GC = (
    "the kubelet's image garbage collector keeps only the flag's image, so the real pause "
    "image can be deleted under disk pressure and pods stop starting (kubernetes#81756)"
)


def _flag(value, *, effective=True):
    return Setting(Component.KUBELET, Role.POD_INFRA_FLAG, "--pod-infra-container-image",
                   value, Location(FLAGS_ENV, 1, 60), effective=effective)


def _sandbox(value, runtime=Component.CONTAINERD, *, line=67, effective=True):
    path = CRIO if runtime is Component.CRIO else CONTAINERD
    return Setting(runtime, Role.SANDBOX_IMAGE, "sandbox_image", value,
                   Location(path, line, 20), effective=effective)


def _node(flags, sandboxes=(), runtime=Component.CONTAINERD):
    effective = next((s for s in sandboxes if s.effective), None)
    return NodeFacts(name="worker-1", runtime=runtime, sandbox_settings=tuple(sandboxes),
                     other_settings=tuple(flags), effective_sandbox=effective,
                     runtime_config_path=CRIO if runtime is Component.CRIO else CONTAINERD)


def _uses(table, node, default=None):
    """ImageUses as the engine builds them for one node (and its runtime default)."""
    uses = []
    for setting in (*node.sandbox_settings, *node.other_settings):
        ref = parse_image(setting.value)
        upstream, mirror = table.resolve(ref)
        uses.append(ImageUse(ref, upstream, mirror, setting.location, setting.component,
                             setting.role, "setting", setting, node, node.name,
                             effective=setting.effective))
    if default is not None:
        ref = parse_image(default)
        upstream, mirror = table.resolve(ref)
        uses.append(ImageUse(ref, upstream, mirror, Location(node.runtime_config_path),
                             node.runtime, Role.SANDBOX_IMAGE, "default", None, node, node.name))
    return uses


def _check(context, table, node, *, default=None, **kw):
    return list(rule.check(context(nodes=[node], images=_uses(table, node, default), **kw)))


@pytest.mark.parametrize(
    ("kubernetes", "flag", "sandbox", "runtime", "why", "advice"),
    [
        # kubernetes#81756: before 1.29 only the flag's image is kept from GC.
        ("1.28", "registry.k8s.io/pause:3.6", "registry.k8s.io/pause:3.9", "containerd",
         f"before kubelet 1.29, {GC}", "use registry.k8s.io/pause:3.9"),
        # kubeadm#1927: the repository was renamed, kubeadm upgrade left the old flag.
        ("1.18", "vmware/pause:3.1", "vmware.io/pause:3.1", "containerd",
         f"before kubelet 1.29, {GC}", "use vmware.io/pause:3.1"),
        # k8s#86081: the same trap with CRI-O.
        ("1.17", "k8s.gcr.io/pause:3.1", "docker.io/mirrorgooglecontainers/pause:3.1", "cri-o",
         f"before kubelet 1.29, {GC}", "use docker.io/mirrorgooglecontainers/pause:3.1"),
        # From 1.29 the flag is ignored: drift only.
        ("1.30", "registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.10", "containerd",
         "kubelet 1.30 ignores the flag (the runtime pins the sandbox image), so it only "
         "misleads", "remove the flag"),
        ("1.29", "registry.k8s.io/pause:3.6", "registry.k8s.io/pause:3.9", "cri-o",
         "kubelet 1.29 ignores the flag (the runtime pins the sandbox image), so it only "
         "misleads", "remove the flag"),
        (None, "registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.10", "containerd",
         f"before kubelet 1.29, {GC}; from 1.29 the flag is ignored",
         "use registry.k8s.io/pause:3.10"),
    ],
)
def test_fires_at_the_flag(context, table, kubernetes, flag, sandbox, runtime, why, advice):
    component = Component(runtime)
    node = _node([_flag(flag)], [_sandbox(sandbox, component)], component)
    found = _check(context, table, node, kubernetes=kubernetes)
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL303", "pod-infra-flag-mismatch", Severity.WARNING)
    assert (f.location, f.image, f.node) == (Location(FLAGS_ENV, 1, 60), flag, "worker-1")
    if advice == "remove the flag":  # the flag is ignored: nothing to set it to
        assert (f.expected, f.fix, f.fixable) == (None, "remove the flag", False)
    else:
        assert (f.expected, f.fix, f.fixable) == (sandbox, f"use {sandbox}", True)
    assert f.message == (
        f"kubelet --pod-infra-container-image={flag} differs from {sandbox} that {runtime} "
        f"uses for pod sandboxes: {why}; {advice}"
    )


def test_runtime_default_is_compared(context, table):
    # kURL PR #4077: the flag still names 3.4.1 while containerd 1.6 uses its default 3.6.
    node = _node([_flag("k8s.gcr.io/pause:3.4.1")])
    [f] = _check(context, table, node, default="k8s.gcr.io/pause:3.6", kubernetes="1.23",
                 runtime="containerd=1.6.4")
    assert f.expected == "k8s.gcr.io/pause:3.6"
    assert f.message.startswith(
        "kubelet --pod-infra-container-image=k8s.gcr.io/pause:3.4.1 differs from the built-in "
        "default k8s.gcr.io/pause:3.6 that containerd uses for pod sandboxes: before kubelet 1.29"
    )


@pytest.mark.parametrize(
    ("flag", "sandbox"),
    [
        ("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"),
        ("pause:3.9", "docker.io/library/pause:3.9"),
        # A digest on the same name and tag is the same image.
        (f"registry.k8s.io/pause:3.9@{DIGEST_39}", "registry.k8s.io/pause:3.9"),
        ("Registry.K8s.io/pause:3.9", "registry.k8s.io/pause:3.9"),
    ],
)
def test_same_image_is_silent(context, table, flag, sandbox):
    node = _node([_flag(flag)], [_sandbox(sandbox)])
    assert _check(context, table, node, kubernetes="1.28") == []


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("pause:3.9", "docker.io/library/pause:3.9", True),
        (f"registry.k8s.io/pause:3.9@{DIGEST_39}", "registry.k8s.io/pause:3.9", True),
        (f"registry.k8s.io/pause@{DIGEST_39}", f"registry.k8s.io/pause@{DIGEST_39}", True),
        (f"registry.k8s.io/pause:3.9@{DIGEST_39}", f"registry.k8s.io/pause:3.9@{DIGEST_310}",
         False),
        (f"registry.k8s.io/pause@{DIGEST_39}", "registry.k8s.io/pause:3.9", False),
        ("pause:3.9", "registry.k8s.io/pause:3.9", False),
        ("registry.k8s.io/pause", "registry.k8s.io/pause:3.9", False),
    ],
)
def test_one_image_comparison_for_every_rule(first, second, same):
    a, b = parse_image(first), parse_image(second)
    assert (same_image(a, b), same_image(b, a)) == (same, same)


def test_two_digests_of_one_tag_differ(context, table):
    node = _node([_flag(f"registry.k8s.io/pause:3.9@{DIGEST_39}")],
                 [_sandbox(f"registry.k8s.io/pause:3.9@{DIGEST_310}")])
    [f] = _check(context, table, node, kubernetes="1.28")
    assert f.expected == f"registry.k8s.io/pause:3.9@{DIGEST_310}"


def test_only_effective_values_are_compared(context, table):
    # The stale flag is overridden by a later one that matches; the shadowed sandbox
    # setting is not what containerd uses.
    node = _node(
        [_flag("registry.k8s.io/pause:3.6", effective=False), _flag("registry.k8s.io/pause:3.9")],
        [_sandbox("registry.k8s.io/pause:3.8", line=5, effective=False),
         _sandbox("registry.k8s.io/pause:3.9")],
    )
    assert _check(context, table, node, kubernetes="1.28") == []


def test_another_nodes_runtime_is_not_compared(context, table):
    mine = _node([_flag("registry.k8s.io/pause:3.9")], [_sandbox("registry.k8s.io/pause:3.9")])
    other = _node([], [_sandbox("registry.k8s.io/pause:3.10")])._replace(name="worker-2")
    uses = [*_uses(table, other), *_uses(table, mine)]
    assert list(rule.check(context(nodes=[other, mine], images=uses, kubernetes="1.28"))) == []


@pytest.mark.parametrize(
    ("node", "runtime", "reason"),
    [
        (_node([_flag("registry.k8s.io/pause:3.9")], runtime=None), None,
         "kubelet --pod-infra-container-image found, but the inputs hold no single container "
         "runtime configuration for that node (none, or several): cannot compare it with the "
         "runtime's sandbox image"),
        (_node([_flag("registry.k8s.io/pause:3.9")]), None,
         "runtime version unknown: cannot tell which built-in default sandbox image containerd "
         "uses (use --runtime-version containerd=X)"),
        (_node([_flag("registry.k8s.io/pause:3.9")]), "containerd=1.2.13",
         "the built-in default sandbox image of containerd 1.2.13 is not in the compat table "
         "(2026-12-04)"),
    ],
)
def test_skips_when_the_runtime_image_is_unknown(context, table, node, runtime, reason):
    found = _check(context, table, node, kubernetes="1.28", runtime=runtime)
    assert found == [Skip(rule="PL303", reason=reason)]


def test_no_flag_no_skip(context, table):
    node = _node([], runtime=None)
    assert _check(context, table, node) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL303 pod-infra-flag-mismatch: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
