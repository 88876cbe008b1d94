"""PL102 tag-not-on-registry: published tags missing from the named repository."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity
from pauselint.rules import pl102_tag_not_on_registry as rule


def _run(context, use_of, image: str) -> list:
    return list(rule.check(context(images=[use_of(image, line=12, column=5)])))


@pytest.mark.parametrize(
    ("image", "message", "expected"),
    [
        ("k8s.gcr.io/pause:3.10",
         "k8s.gcr.io/pause:3.10: tag 3.10 exists upstream but was never pushed to "
         "k8s.gcr.io/pause (promoted 2024-05-23, after the repository froze on 2023-04-03); "
         "use registry.k8s.io/pause:3.10",
         "registry.k8s.io/pause:3.10"),
        ("k8s.gcr.io/pause:3.10.2",
         "k8s.gcr.io/pause:3.10.2: tag 3.10.2 exists upstream but was never pushed to "
         "k8s.gcr.io/pause; use registry.k8s.io/pause:3.10.2",
         "registry.k8s.io/pause:3.10.2"),
        ("registry.k8s.io/pause-amd64:3.9",
         "registry.k8s.io/pause-amd64:3.9: tag 3.9 exists upstream but was never pushed to "
         "registry.k8s.io/pause-amd64; use registry.k8s.io/pause:3.9",
         "registry.k8s.io/pause:3.9"),
        ("k8s.gcr.io/pause-arm64:3.9",
         "k8s.gcr.io/pause-arm64:3.9: tag 3.9 exists upstream but was never pushed to "
         "k8s.gcr.io/pause-arm64; use registry.k8s.io/pause:3.9",
         "registry.k8s.io/pause:3.9"),
        # Through a mirror: the multi-arch repository on the user's own mirror.
        ("registry.aliyuncs.com/google_containers/pause-amd64:3.9",
         "registry.aliyuncs.com/google_containers/pause-amd64:3.9: tag 3.9 exists upstream "
         "but was never pushed to registry.k8s.io/pause-amd64; use "
         "registry.aliyuncs.com/google_containers/pause:3.9",
         "registry.aliyuncs.com/google_containers/pause:3.9"),
        # The Google-owned store froze at the 2020 domain flip, before 3.3.
        ("gcr.io/google_containers/pause:3.10",
         "gcr.io/google_containers/pause:3.10: tag 3.10 exists upstream but was never pushed "
         "to gcr.io/google_containers/pause (promoted 2024-05-23, after the repository "
         "froze on 2020-07-20); use registry.k8s.io/pause:3.10",
         "registry.k8s.io/pause:3.10"),
    ],
)
def test_fires(context, use_of, image, message, expected):
    assert _run(context, use_of, image) == [
        Finding(
            rule="PL102", name="tag-not-on-registry", severity=Severity.ERROR,
            message=message, location=Location("etc/containerd/config.toml", 12, 5),
            image=image, expected=expected, fixable=expected is not None,
            fix=f"use {expected}" if expected else None,
        )
    ]


@pytest.mark.parametrize(
    "image",
    [
        "k8s.gcr.io/pause:3.9",
        "registry.k8s.io/pause:3.10",
        "registry.k8s.io/pause-amd64:3.2",
        "registry.k8s.io/pause:3.4",  # never published anywhere: PL101
        "registry.k8s.io/pause:3.0",  # a legacy tag it carries (crane ls in k/k #130102)
        "gcr.io/google_containers/pause:3.2",
        "mcr.microsoft.com/oss/kubernetes/pause:3.9",  # vendor list incomplete
        "pause:3.10",  # Docker Hub short name: PL111
        "k8s.gcr.io/pause:latest",  # PL104
        "example.com/pause:3.10",  # unknown registry: PL101 skips
    ],
)
def test_quiet(context, use_of, image):
    assert _run(context, use_of, image) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL102 tag-not-on-registry: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
