"""PL105 arch-mismatch: per-arch images for another architecture than the node's."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity, Skip
from pauselint.rules import pl105_arch_mismatch as rule

SWR = "swr.cn-north-4.myhuaweicloud.com/ddn-k8s/registry.k8s.io/pause"
MCR = "mcr.microsoft.com/oss/kubernetes/pause"


def _run(context, use_of, image: str, platform: str | None) -> list:
    return list(rule.check(context(images=[use_of(image, line=5, column=3)],
                                   platform=platform)))


@pytest.mark.parametrize(
    ("image", "platform", "message", "expected"),
    [
        ("registry.k8s.io/pause-amd64:3.2", "linux/arm64",
         "registry.k8s.io/pause-amd64:3.2 is built for amd64 only (per-arch repository), but "
         "the node is linux/arm64; use the multi-arch registry.k8s.io/pause:3.2",
         "registry.k8s.io/pause:3.2"),
        (f"{SWR}:3.9-linuxarm64", "linux/amd64",
         f"{SWR}:3.9-linuxarm64 is built for linux/arm64 only (per-arch tag), but the node is "
         "linux/amd64; use the multi-arch registry.k8s.io/pause:3.9",
         "registry.k8s.io/pause:3.9"),
        ("registry.aliyuncs.com/google_containers/pause-arm64:3.3", "linux/amd64",
         "registry.aliyuncs.com/google_containers/pause-arm64:3.3 is built for arm64 only "
         "(per-arch repository), but the node is linux/amd64; use the multi-arch "
         "registry.aliyuncs.com/google_containers/pause:3.3",
         "registry.aliyuncs.com/google_containers/pause:3.3"),
        ("gcr.io/google_containers/pause-amd64:3.0", "linux/ppc64le",
         "gcr.io/google_containers/pause-amd64:3.0 is built for amd64 only (per-arch "
         "repository), but the node is linux/ppc64le; use the multi-arch "
         "registry.k8s.io/pause:3.0",
         "registry.k8s.io/pause:3.0"),  # the frozen store's successor, not the store
        # Right arch, wrong OS: a Windows per-OS tag on a Linux node.
        (f"{MCR}:3.5-windows-1809-amd64", "linux/amd64",
         f"{MCR}:3.5-windows-1809-amd64 is built for windows/amd64 only (per-arch tag), but "
         "the node is linux/amd64",
         None),
        # Linux-only on Windows: an error whatever the arch, and the fix is a tag whose
        # manifest list has the node's Windows (3.2's has none; 3.10.2 is the newest).
        ("registry.k8s.io/pause-amd64:3.2", "windows/amd64:ltsc2022",
         "registry.k8s.io/pause-amd64:3.2 is a Linux image (linux/amd64 only, per-arch "
         "repository): the pod sandbox cannot start on this windows/amd64:ltsc2022 node, so "
         "no pod can run there; use registry.k8s.io/pause:3.10.2",
         "registry.k8s.io/pause:3.10.2"),
        (f"{SWR}:3.9-linuxarm64", "windows/amd64:ltsc2025",
         f"{SWR}:3.9-linuxarm64 is a Linux image (linux/arm64 only, per-arch tag): the pod "
         "sandbox cannot start on this windows/amd64:ltsc2025 node, so no pod can run there; "
         "use registry.k8s.io/pause:3.10.2",
         "registry.k8s.io/pause:3.10.2"),
        # Without the Windows version no tag can be chosen for it.
        ("registry.k8s.io/pause-amd64:3.2", "windows/amd64",
         "registry.k8s.io/pause-amd64:3.2 is a Linux image (linux/amd64 only, per-arch "
         "repository): the pod sandbox cannot start on this windows/amd64 node, so no pod "
         "can run there",
         None),
    ],
)
def test_fires(context, use_of, image, platform, message, expected):
    assert _run(context, use_of, image, platform) == [
        Finding(
            rule="PL105", name="arch-mismatch", severity=Severity.ERROR, message=message,
            location=Location("etc/containerd/config.toml", 5, 3), image=image,
            expected=expected, fixable=expected is not None,
            fix=f"use {expected}" if expected else None, supersedes=("PL106",),
        )
    ]


@pytest.mark.parametrize(
    ("image", "platform"),
    [
        ("registry.k8s.io/pause-amd64:3.2", "linux/amd64"),
        (f"{SWR}:3.9-linuxarm64", "linux/arm64"),
        (f"{MCR}:3.5-windows-1809-amd64", "windows/amd64:1809"),
        ("registry.k8s.io/pause:3.9", "linux/riscv64"),  # multi-arch: PL107's question
        ("pause-amd64:3.1", "linux/arm64"),  # Docker Hub short name: PL111
        ("registry.k8s.io/pause:3.10.2-0", "linux/arm64"),  # a version suffix, no arch
    ],
)
def test_quiet(context, use_of, image, platform):
    assert _run(context, use_of, image, platform) == []


def test_skips_per_arch_image_without_platform(context, use_of):
    assert _run(context, use_of, "registry.k8s.io/pause-amd64:3.2", None) == [
        Skip(rule="PL105", reason="node platform unknown (use --platform)")
    ]


def test_no_skip_for_multi_arch_image_without_platform(context, use_of):
    assert _run(context, use_of, "registry.k8s.io/pause:3.9", None) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL105 arch-mismatch: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
