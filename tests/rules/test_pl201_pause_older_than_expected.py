"""PL201: pause images older than kubeadm's expectation, fixed on the same registry."""

from __future__ import annotations

import pytest

from pauselint.model import Component, Location, Role, Severity, Skip
from pauselint.rules import pl201_pause_older_than_expected as rule

DIGEST_36 = "sha256:3d380ca8864549e74af4b29c10f9cb0956236dfb01c40ca076fb6c37253234db"
HUAWEI = "swr.cn-north-4.myhuaweicloud.com/ddn-k8s/registry.k8s.io/pause"
ALIYUN = "registry.cn-hangzhou.aliyuncs.com/google_containers/pause"


@pytest.mark.parametrize(
    ("kubernetes", "image", "version", "wanted", "expected"),
    [
        ("1.29", "registry.k8s.io/pause:3.6", "3.6", "3.9", "registry.k8s.io/pause:3.9"),
        ("1.31", f"{ALIYUN}:3.8", "3.8", "3.10", f"{ALIYUN}:3.10"),
        ("1.31.4", "registry.example/pause:3.9", "3.9", "3.10", "registry.example/pause:3.10"),
        ("1.36", "registry.k8s.io/pause:3.10.1", "3.10.1", "3.10.2",
         "registry.k8s.io/pause:3.10.2"),
        # The digest pins the old tag: it is dropped from the fix.
        ("1.29", f"registry.k8s.io/pause:3.6@{DIGEST_36}", "3.6", "3.9",
         "registry.k8s.io/pause:3.9"),
        # A mirror's own per-arch tag scheme is kept.
        ("1.31", f"{HUAWEI}:3.8-linuxarm64", "3.8", "3.10", f"{HUAWEI}:3.10-linuxarm64"),
        # A per-arch tag the registry does not have is not carried into the fix.
        ("1.31", "registry.k8s.io/pause:3.9-linux-arm64", "3.9", "3.10",
         "registry.k8s.io/pause:3.10"),
        # Short names stay as written (PL111 reports the short name itself).
        ("1.34", "pause:3.10", "3.10", "3.10.1", "pause:3.10.1"),
    ],
)
def test_fires_with_expected_on_same_registry(
    context, use_of, kubernetes, image, version, wanted, expected
):
    found = list(rule.check(context(kubernetes=kubernetes, images=[use_of(image, line=7)])))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL201", "pause-older-than-expected", Severity.WARNING)
    assert f.location == Location("etc/containerd/config.toml", 7, 17)
    assert f.image == image
    assert f.expected == expected
    assert f.fix == f"use {expected}"
    assert f.fixable is True
    minor = ".".join(kubernetes.split(".")[:2])
    assert f.message == (
        f"{image} is pause {version}, older than pause {wanted} that kubeadm {minor} "
        f"expects; use {expected}"
    )


def test_kubelet_flag_and_runtime_default_are_checked(context, use_of):
    flag = use_of(
        "registry.k8s.io/pause:3.8", path="var/lib/kubelet/kubeadm-flags.env", line=1,
        column=60, component=Component.KUBELET, role=Role.POD_INFRA_FLAG,
    )
    default = use_of("registry.k8s.io/pause:3.8", origin="default", line=None, column=None)
    found = list(rule.check(context(kubernetes="1.31", images=[flag, default])))
    assert [(f.location.path, f.location.line) for f in found] == [
        ("var/lib/kubelet/kubeadm-flags.env", 1),
        ("etc/containerd/config.toml", None),
    ]
    assert found[1].message.startswith("the runtime's built-in default registry.k8s.io/pause:3.8")
    assert {f.expected for f in found} == {"registry.k8s.io/pause:3.10"}


@pytest.mark.parametrize(
    ("kubernetes", "image"),
    [
        ("1.29", "registry.k8s.io/pause:3.9"),  # exactly as expected
        ("1.29", "registry.k8s.io/pause:3.10"),  # newer: PL202's business
        ("1.31", "registry.k8s.io/pause:latest"),  # not a version: PL104's business
        ("1.31", f"registry.k8s.io/pause@{DIGEST_36}"),  # no tag at all
        ("1.31", "registry.k8s.io/coredns/coredns:v1.11.1"),  # not a pause image
    ],
)
def test_silent(context, use_of, kubernetes, image):
    assert list(rule.check(context(kubernetes=kubernetes, images=[use_of(image)]))) == []


@pytest.mark.parametrize(
    ("kubernetes", "reason"),
    [
        (None, "Kubernetes version unknown (use --kubernetes-version)"),
        ("1.38", "Kubernetes 1.38 is newer than the compat table (2026-12-04)"),
        ("1.12", "Kubernetes 1.12 is older than the oldest minor the compat table describes "
                 "(1.13)"),
    ],
)
def test_skips_without_an_expectation(context, use_of, kubernetes, reason):
    found = list(rule.check(context(kubernetes=kubernetes,
                                    images=[use_of("registry.k8s.io/pause:3.1")])))
    assert found == [Skip(rule="PL201", reason=reason)]


def test_no_images_no_skip(context):
    assert list(rule.check(context(kubernetes=None))) == []


@pytest.mark.parametrize(
    ("kubernetes", "image", "expected"),
    [
        # k8s.gcr.io never got 3.10 (frozen): the same registry would be a pull failure.
        ("1.31", "k8s.gcr.io/pause:3.6", "registry.k8s.io/pause:3.10"),
        # frozen even where it carries the tag (3.9): never suggest a frozen registry.
        ("1.29", "k8s.gcr.io/pause:3.6", "registry.k8s.io/pause:3.9"),
        # frozen repositories whose tag list is unknown (per-arch or not).
        ("1.31", "gcr.io/google_containers/pause-amd64:3.0", "registry.k8s.io/pause:3.10"),
        ("1.31", "gcr.io/google_containers/pause:3.1", "registry.k8s.io/pause:3.10"),
        # per-arch repositories stop at 3.3: the fix is the multi-arch image.
        ("1.31", "registry.k8s.io/pause-amd64:3.3", "registry.k8s.io/pause:3.10"),
        # a private registry the table does not know keeps its own name.
        ("1.31", "registry.example.com/k8s/pause:3.9", "registry.example.com/k8s/pause:3.10"),
    ],
)
def test_fix_never_names_a_tag_the_registry_lacks(use_of, context, kubernetes, image,
                                                  expected) -> None:
    [found] = list(rule.check(context(images=[use_of(image)], kubernetes=kubernetes)))
    assert found.expected == expected


@pytest.mark.parametrize(
    ("image_repository", "expected"),
    [
        (None, "registry.k8s.io/pause:3.10"),
        # kubeadm's imageRepository, as PL203 says for the same default.
        ("registry.example/k8s", "registry.example/k8s/pause:3.10"),
    ],
)
def test_runtime_default_fix_is_kubeadm_image(use_of, context, image_repository, expected):
    default = use_of("docker.io/rancher/mirrored-pause:3.6", origin="default", line=None,
                     column=None)
    [found] = rule.check(context(images=[default], kubernetes="1.31",
                                 image_repository=image_repository))
    assert (found.expected, found.fix) == (expected, f"use {expected}")
