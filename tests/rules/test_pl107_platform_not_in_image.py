"""PL107 platform-not-in-image: the node's platform is missing from the manifest list."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity, Skip
from pauselint.rules import pl107_platform_not_in_image as rule


def _run(context, use_of, image: str, platform: str | None, kubernetes: str | None = None):
    return list(rule.check(context(images=[use_of(image, line=6, column=15)],
                                   platform=platform, kubernetes=kubernetes)))


@pytest.mark.parametrize(
    ("image", "platform", "kubernetes", "message", "expected"),
    [
        ("registry.k8s.io/pause:3.9", "linux/riscv64", None,
         "registry.k8s.io/pause:3.9 has no linux/riscv64 image (its manifest list has linux "
         "amd64, arm, arm64, ppc64le, s390x)",
         None),
        ("registry.k8s.io/pause:3.10.1", "windows/amd64:ltsc2025", "1.34",
         "registry.k8s.io/pause:3.10.1 has no windows/amd64:ltsc2025 image (its manifest list "
         "has Windows 1809, ltsc2022); use registry.k8s.io/pause:3.10.2",
         "registry.k8s.io/pause:3.10.2"),
        # 20H2: newest tag that has it is 3.8.
        ("registry.k8s.io/pause:3.9", "windows/amd64:20H2", "1.29",
         "registry.k8s.io/pause:3.9 has no windows/amd64:20H2 image (its manifest list has "
         "Windows 1809, ltsc2022); use registry.k8s.io/pause:3.8",
         "registry.k8s.io/pause:3.8"),
        # 1909 is missing from 3.10.2 (1809 is there, per RKE2's pulls: secondary).
        ("registry.k8s.io/pause:3.10.2", "windows/amd64:1909", None,
         "registry.k8s.io/pause:3.10.2 has no windows/amd64:1909 image (its manifest list "
         "has Windows 1809, ltsc2022, ltsc2025); use registry.k8s.io/pause:3.6",
         "registry.k8s.io/pause:3.6"),
        # Windows before 3.4.1; kubeadm's 3.9 carries ltsc2022 and is preferred.
        ("k8s.gcr.io/pause:3.2", "windows/amd64:ltsc2022", "1.29",
         "k8s.gcr.io/pause:3.2 has no windows/amd64:ltsc2022 image (its manifest list has no "
         "Windows images); use registry.k8s.io/pause:3.9",
         "registry.k8s.io/pause:3.9"),  # never the frozen store itself
        # An alias (ltsc2019 is 1809) and a mirror that keeps its name.
        ("registry.aliyuncs.com/google_containers/pause:3.3", "windows/amd64:ltsc2019", None,
         "registry.aliyuncs.com/google_containers/pause:3.3 has no windows/amd64:ltsc2019 "
         "image (its manifest list has no Windows images); use "
         "registry.aliyuncs.com/google_containers/pause:3.10.2",
         "registry.aliyuncs.com/google_containers/pause:3.10.2"),
    ],
)
def test_fires(context, use_of, image, platform, kubernetes, message, expected):
    assert _run(context, use_of, image, platform, kubernetes) == [
        Finding(
            rule="PL107", name="platform-not-in-image", severity=Severity.ERROR,
            message=message, location=Location("etc/containerd/config.toml", 6, 15),
            image=image, expected=expected, fixable=expected is not None,
            fix=f"use {expected}" if expected else None,
        )
    ]


@pytest.mark.parametrize(
    ("image", "platform"),
    [
        ("registry.k8s.io/pause:3.9", "linux/arm64"),
        ("registry.k8s.io/pause:3.10.2", "windows/amd64:ltsc2025"),
        ("registry.k8s.io/pause:3.10.2", "windows/amd64:ltsc2019"),  # 1809: secondary, RKE2
        ("registry.k8s.io/pause:3.10.2", "windows/amd64:10.0.17763"),
        ("registry.k8s.io/pause:3.8", "windows/amd64:20H2"),
        ("registry.k8s.io/pause:3.9", "windows/amd64:10.0.20348"),  # build number
        ("registry.k8s.io/pause:3.4", "linux/riscv64"),  # unknown tag: PL101
        ("registry.k8s.io/pause-amd64:3.2", "linux/riscv64"),  # per-arch: PL105
        ("mcr.microsoft.com/oss/kubernetes/pause:3.6", "windows/amd64:ltsc2025"),  # vendor
        ("pause:3.9", "linux/riscv64"),  # Docker Hub short name: PL111
        ("example.com/pause:3.9", "linux/riscv64"),
        ("registry.k8s.io/pause:latest", "linux/riscv64"),  # PL104
    ],
)
def test_quiet(context, use_of, image, platform):
    assert _run(context, use_of, image, platform) == []


@pytest.mark.parametrize(
    ("image", "platform", "reason"),
    [
        ("registry.k8s.io/pause:3.9", None, "node platform unknown (use --platform)"),
        ("registry.k8s.io/pause:3.9", "windows/amd64",
         "Windows OS version unknown; use --platform windows/amd64:ltsc2022"),
        ("registry.k8s.io/pause:3.9", "windows/amd64:ltsc2030",
         "Windows OS version ltsc2030 is not in the compat table"),
        # Unverified / disputed Windows versions (pause-facts.md §3.2): no verdict.
        ("registry.k8s.io/pause:3.4.1", "windows/amd64:20H2",
         "whether pause 3.4.1 carries a 20H2 image is unverified"),
    ],
)
def test_skips(context, use_of, image, platform, reason):
    assert _run(context, use_of, image, platform) == [Skip(rule="PL107", reason=reason)]


def test_no_skip_without_checkable_image(context, use_of):
    assert _run(context, use_of, "example.com/pause:3.9", None) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL107 platform-not-in-image: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
