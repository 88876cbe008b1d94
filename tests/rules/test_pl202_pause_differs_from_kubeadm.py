"""PL202: the runtime's effective sandbox image compared with kubeadm's, normalized."""

from __future__ import annotations

import pytest

from pauselint.model import Component, Location, Role, Severity, Skip
from pauselint.rules import pl202_pause_differs_from_kubeadm as rule

DIGEST_310 = "sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a"
ALIYUN = "registry.cn-hangzhou.aliyuncs.com/google_containers"


@pytest.mark.parametrize(
    ("kubernetes", "image", "expected", "fix"),
    [
        # A newer tag on kubeadm's registry: the tag change is the fix.
        ("1.31", "registry.k8s.io/pause:3.10.1", "registry.k8s.io/pause:3.10",
         "use registry.k8s.io/pause:3.10"),
        # A mirror: reported, but never "fixed" onto a registry the node may not reach.
        ("1.31", f"{ALIYUN}/pause:3.10", "registry.k8s.io/pause:3.10", None),
        # A short name is docker.io/library/pause, not kubeadm's image.
        ("1.31", "pause:3.10", "registry.k8s.io/pause:3.10", None),
        # 1.27 is the first kubeadm that warns.
        ("1.27", "registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.9",
         "use registry.k8s.io/pause:3.9"),
        # A digest without a tag is another string to kubeadm.
        ("1.31", f"registry.k8s.io/pause@{DIGEST_310}", "registry.k8s.io/pause:3.10",
         "use registry.k8s.io/pause:3.10"),
    ],
)
def test_fires(context, use_of, kubernetes, image, expected, fix):
    found = list(rule.check(context(kubernetes=kubernetes, images=[use_of(image, line=12)])))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL202", "pause-differs-from-kubeadm", Severity.INFO)
    assert f.location == Location("etc/containerd/config.toml", 12, 17)
    assert f.expected == expected
    assert f.fix == fix
    assert f.fixable is (fix is not None)
    minor = kubernetes
    assert f.message.startswith(
        f"the runtime's sandbox image {image} differs from {expected} that kubeadm {minor} "
        "expects: kubeadm 1.27 and later warn that the sandbox image is inconsistent; "
        f"use {expected}"
    )


def test_runtime_default_is_compared(context, use_of):
    default = use_of("registry.k8s.io/pause:3.10.1", origin="default", line=None, column=None)
    found = list(rule.check(context(kubernetes="1.33", images=[default])))
    assert len(found) == 1
    assert found[0].message.startswith(
        "the runtime's built-in default sandbox image registry.k8s.io/pause:3.10.1 differs "
        "from registry.k8s.io/pause:3.10"
    )
    assert found[0].location == Location("etc/containerd/config.toml", None, None)


@pytest.mark.parametrize(
    ("kubernetes", "image", "extra"),
    [
        ("1.31", "registry.k8s.io/pause:3.10", {}),
        ("1.31", "Registry.K8s.io/pause:3.10", {}),  # same after normalization
        ("1.31", f"registry.k8s.io/pause:3.10@{DIGEST_310}", {}),  # digest on same name:tag
        ("1.29", "registry.k8s.io/pause:3.6", {}),  # older: PL201 reports it
        # kubeadm before 1.27 has no sandbox-image check: nothing warns.
        ("1.24", "registry.k8s.io/pause:3.7", {}),
        ("1.26", "registry.k8s.io/pause:3.10", {}),
        ("1.17", "registry.k8s.io/pause:3.10", {}),  # older than the table: no skip either
        ("1.31", f"{ALIYUN}/pause:3.10", {"image_repository": ALIYUN}),  # kubeadm uses it too
        ("1.31", f"{ALIYUN}/pause:3.10", {"image_repository": ALIYUN + "/"}),
    ],
)
def test_silent(context, use_of, kubernetes, image, extra):
    ctx = context(kubernetes=kubernetes, images=[use_of(image)], **extra)
    assert list(rule.check(ctx)) == []


def test_only_the_effective_sandbox_image_counts(context, use_of):
    shadowed = use_of("registry.k8s.io/pause:3.10.1", effective=False)
    flag = use_of("registry.k8s.io/pause:3.10.1", component=Component.KUBELET,
                  role=Role.POD_INFRA_FLAG)
    assert list(rule.check(context(kubernetes="1.31", images=[shadowed, flag]))) == []


@pytest.mark.parametrize(
    ("kubernetes", "reason"),
    [
        (None, "Kubernetes version unknown (use --kubernetes-version)"),
        ("1.38", "Kubernetes 1.38 is newer than the compat table (2026-12-04)"),
    ],
)
def test_skips(context, use_of, kubernetes, reason):
    ctx = context(kubernetes=kubernetes, images=[use_of("registry.k8s.io/pause:3.10")])
    assert list(rule.check(ctx)) == [Skip(rule="PL202", reason=reason)]


def test_nothing_to_compare_no_skip(context, use_of):
    shadowed = use_of("registry.k8s.io/pause:3.10", effective=False)
    assert list(rule.check(context(kubernetes=None, images=[shadowed]))) == []
