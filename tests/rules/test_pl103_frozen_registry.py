"""PL103 frozen-registry: images on k8s.gcr.io and gcr.io/google_containers."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity
from pauselint.rules import pl103_frozen_registry as rule


def _run(context, use_of, image: str) -> list:
    return list(rule.check(context(images=[use_of(image, line=2, column=9)])))


@pytest.mark.parametrize(
    ("image", "repository", "expected"),
    [
        ("k8s.gcr.io/pause:3.9", "k8s.gcr.io/pause", "registry.k8s.io/pause:3.9"),
        ("k8s.gcr.io/pause:3.10", "k8s.gcr.io/pause", "registry.k8s.io/pause:3.10"),
        ("gcr.io/google_containers/pause:3.1", "gcr.io/google_containers/pause",
         "registry.k8s.io/pause:3.1"),
        ("gcr.io/google_containers/pause:3.3", "gcr.io/google_containers/pause",
         "registry.k8s.io/pause:3.3"),  # never reached the store: PL102 says so too
        ("k8s.gcr.io/pause-amd64:3.1", "k8s.gcr.io/pause-amd64", "registry.k8s.io/pause:3.1"),
        ("gcr.io/google_containers/pause-amd64:3.0", "gcr.io/google_containers/pause-amd64",
         "registry.k8s.io/pause:3.0"),
        ("k8s.gcr.io/pause:3.9-linux-amd64", "k8s.gcr.io/pause", "registry.k8s.io/pause:3.9"),
        ("K8S.GCR.IO/pause:3.6", "k8s.gcr.io/pause", "registry.k8s.io/pause:3.6"),
    ],
)
def test_fires_with_successor_tag(context, use_of, table, image, repository, expected):
    # Each store's own date: k8s.gcr.io 2023-04-03, gcr.io/google_containers 2020-07-20.
    frozen = table.repository(repository).frozen
    assert _run(context, use_of, image) == [
        Finding(
            rule="PL103", name="frozen-registry", severity=Severity.WARNING,
            message=f"{image} is on {repository}, frozen since {frozen}: it gets no new "
                    f"pause tags; use {expected}",
            location=Location("etc/containerd/config.toml", 2, 9), image=image,
            expected=expected, fixable=True, fix=f"use {expected}",
        )
    ]


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("gcr.io/google_containers/pause", "gcr.io/google_containers/pause"),
        ("k8s.gcr.io/pause:latest", "k8s.gcr.io/pause"),
        ("k8s.gcr.io/pause", "k8s.gcr.io/pause"),
    ],
)
def test_fires_without_a_tag_on_the_successor(context, use_of, table, image, repository):
    (found,) = _run(context, use_of, image)
    frozen = table.repository(repository).frozen
    assert found.message == (f"{image} is on {repository}, frozen since {frozen}: it gets "
                             "no new pause tags; use registry.k8s.io/pause")
    assert (found.expected, found.fix, found.fixable) == (None, None, False)


@pytest.mark.parametrize(
    "image",
    [
        "registry.k8s.io/pause:3.9",
        "registry.aliyuncs.com/google_containers/pause:3.9",
        "docker.io/rancher/mirrored-pause:3.6",
        "pause:3.9",
        "example.com/pause:3.9",
    ],
)
def test_quiet(context, use_of, image):
    assert _run(context, use_of, image) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL103 frozen-registry: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
