"""PL106 arch-pinned-image: per-arch images, whatever the node."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity
from pauselint.rules import pl106_arch_pinned_image as rule

SWR = "swr.cn-north-4.myhuaweicloud.com/ddn-k8s/registry.k8s.io/pause"


def _run(context, use_of, image: str, platform: str | None = None) -> list:
    return list(rule.check(context(images=[use_of(image, line=9, column=14)],
                                   platform=platform)))


@pytest.mark.parametrize(
    ("image", "platform", "pinned", "expected"),
    [
        # Matching the node still fires, and no platform is needed.
        ("registry.k8s.io/pause-amd64:3.2", "linux/amd64", "amd64 by its repository",
         "registry.k8s.io/pause:3.2"),
        ("registry.k8s.io/pause-amd64:3.2", None, "amd64 by its repository",
         "registry.k8s.io/pause:3.2"),
        (f"{SWR}:3.9-linuxarm64", "linux/arm64", "linux/arm64 by its tag",
         "registry.k8s.io/pause:3.9"),
        ("registry.k8s.io/pause:3.9-linux-arm64", None, "linux/arm64 by its tag",
         "registry.k8s.io/pause:3.9"),
        ("k8s.gcr.io/pause-s390x:3.1", None, "s390x by its repository",
         "registry.k8s.io/pause:3.1"),  # never the frozen multi-arch name
    ],
)
def test_fires_with_multi_arch_name(context, use_of, image, platform, pinned, expected):
    assert _run(context, use_of, image, platform) == [
        Finding(
            rule="PL106", name="arch-pinned-image", severity=Severity.WARNING,
            message=f"{image} is pinned to {pinned}: nodes of any other platform cannot run "
                    f"it; use the multi-arch {expected}",
            location=Location("etc/containerd/config.toml", 9, 14), image=image,
            expected=expected, fixable=True, fix=f"use {expected}",
        )
    ]


def test_fires_without_known_multi_arch_name(context, use_of):
    image = "mcr.microsoft.com/oss/kubernetes/pause:3.5-windows-1809-amd64"
    (found,) = _run(context, use_of, image)
    assert found.message == (f"{image} is pinned to windows/amd64 by its tag: nodes of any "
                             "other platform cannot run it; use a multi-arch image")
    assert (found.expected, found.fixable) == (None, False)


@pytest.mark.parametrize(
    "image",
    [
        "registry.k8s.io/pause:3.9",
        f"{SWR}:3.9",
        "docker.io/rancher/mirrored-pause:3.6",
        "pause-arm64:3.1",  # Docker Hub short name: PL111
        "mcr.microsoft.com/oss/kubernetes/pause:3.6-hotfix.20220114",
    ],
)
def test_quiet(context, use_of, image):
    assert _run(context, use_of, image, "linux/amd64") == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL106 arch-pinned-image: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
