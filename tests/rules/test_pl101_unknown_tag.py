"""PL101 unknown-tag: tags never published for the repository an image names."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity, Skip
from pauselint.rules import pl101_unknown_tag as rule

SWR = "swr.cn-north-4.myhuaweicloud.com/ddn-k8s/registry.k8s.io/pause"


def _run(context, use_of, image: str, **kw) -> list:
    return list(rule.check(context(images=[use_of(image, line=7, column=21)], **kw)))


@pytest.mark.parametrize(
    ("image", "message", "expected"),
    [
        ("registry.k8s.io/pause:3.4",
         "registry.k8s.io/pause:3.4: tag 3.4 was never published for registry.k8s.io/pause; "
         "use registry.k8s.io/pause:3.4.1",
         "registry.k8s.io/pause:3.4.1"),
        ("registry.k8s.io/pause:3.11",
         "registry.k8s.io/pause:3.11: tag 3.11 was never published for registry.k8s.io/pause; "
         "the newest tag it carries is 3.10.2",
         None),
        ("registry.k8s.io/pause:3.9-linux-arm64",
         "registry.k8s.io/pause:3.9-linux-arm64: tag 3.9-linux-arm64 was never published for "
         "registry.k8s.io/pause (per-platform tags are staging builds; only the multi-arch tag "
         "is published); use registry.k8s.io/pause:3.9",
         "registry.k8s.io/pause:3.9"),
        ("k8s.gcr.io/pause:3.4",
         "k8s.gcr.io/pause:3.4: tag 3.4 was never published for k8s.gcr.io/pause; "
         "use k8s.gcr.io/pause:3.4.1",
         "k8s.gcr.io/pause:3.4.1"),
        # A mirror is judged through the upstream it copies; the user's registry is kept.
        ("registry.aliyuncs.com/google_containers/pause:3.4",
         "registry.aliyuncs.com/google_containers/pause:3.4: tag 3.4 was never published for "
         "registry.k8s.io/pause; use registry.aliyuncs.com/google_containers/pause:3.4.1",
         "registry.aliyuncs.com/google_containers/pause:3.4.1"),
        # The mirror's own per-arch scheme: the suffix is kept, the base tag is wrong.
        (f"{SWR}:3.4-linuxarm64",
         f"{SWR}:3.4-linuxarm64: tag 3.4-linuxarm64 was never published for "
         f"registry.k8s.io/pause; use {SWR}:3.4.1-linuxarm64",
         f"{SWR}:3.4.1-linuxarm64"),
    ],
)
def test_fires(context, use_of, image, message, expected):
    assert _run(context, use_of, image) == [
        Finding(
            rule="PL101", name="unknown-tag", severity=Severity.ERROR, message=message,
            location=Location("etc/containerd/config.toml", 7, 21), image=image,
            expected=expected, fixable=expected is not None,
            fix=f"use {expected}" if expected else None,
        )
    ]


@pytest.mark.parametrize(
    "image",
    [
        "registry.k8s.io/pause:3.9",
        "registry.k8s.io/pause:3.10.2",
        "registry.k8s.io/pause:3.1",
        f"{SWR}:3.9-linuxarm64",  # the mirror publishes its own per-arch tags
        "k8s.gcr.io/pause:3.10",  # published upstream, missing there: PL102
        "registry.k8s.io/pause-amd64:3.9",  # PL102
        "registry.k8s.io/pause:3.0",  # a legacy tag it carries (crane ls in k/k #130102)
        "registry.k8s.io/pause:2.0",  # legacy too: PL201 says it is old
        "mcr.microsoft.com/oss/kubernetes/pause:3.5-windows-1809-amd64",
        "mcr.microsoft.com/oss/kubernetes/pause:3.6-hotfix.20220114",  # incomplete list
        "gcr.io/google_containers/pause:3.2",  # its newest (legacy backfill manifest)
        "registry.k8s.io/pause",  # no tag: PL104
        "registry.k8s.io/pause:latest",  # PL104
        "pause:3.11",  # Docker Hub short name: PL111, no noise here
        "pause:3.4",
        "docker.io/rancher/mirrored-pause:3.6",
        "example.com/sandbox:1.0",  # not a pause image
    ],
)
def test_quiet(context, use_of, image):
    assert _run(context, use_of, image) == []


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("example.com/pause:3.9", "registry example.com is not in the compat table"),
        # docker.io is known (rancher's copy), its library/pause is not.
        ("docker.io/library/pause:3.9",
         "repository docker.io/library/pause is not in the compat table"),
        ("registry.k8s.io/pause-riscv64:3.9",
         "repository registry.k8s.io/pause-riscv64 is not in the compat table"),
    ],
)
def test_skips_unknown_registry(context, use_of, image, reason):
    assert _run(context, use_of, image) == [Skip(rule="PL101", reason=reason)]


def test_no_images_no_skip(context):
    assert list(rule.check(context())) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL101 unknown-tag: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
