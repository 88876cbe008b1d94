"""PL108 digest-mismatch: a pinned digest that is not the tag's manifest-list digest."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity
from pauselint.rules import pl108_digest_mismatch as rule

D39 = "sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"
D36 = "sha256:3d380ca8864549e74af4b29c10f9cb0956236dfb01c40ca076fb6c37253234db"
D3102 = "sha256:f548e0e8e3dc1896ca956272154dde3314e8cc4fde0a57577ee9fa1c63f5baf4"


def _run(context, use_of, image: str) -> list:
    return list(rule.check(context(images=[use_of(image, line=8, column=19)])))


@pytest.mark.parametrize(
    ("name", "tag", "written", "known"),
    [
        ("registry.k8s.io/pause", "3.9", D36, D39),
        ("k8s.gcr.io/pause", "3.6", D39, D36),
        # rancher's copy serves upstream digests.
        ("docker.io/rancher/mirrored-pause", "3.10.2", D39, D3102),
    ],
)
def test_fires(context, use_of, name, tag, written, known):
    image = f"{name}:{tag}@{written}"
    expected = f"{name}:{tag}@{known}"
    assert _run(context, use_of, image) == [
        Finding(
            rule="PL108", name="digest-mismatch", severity=Severity.ERROR,
            message=f"{image} pins {written}, which is not the manifest-list digest of tag "
                    f"{tag} ({known}); use {expected}",
            location=Location("etc/containerd/config.toml", 8, 19), image=image,
            expected=expected, fixable=True, fix=f"use {expected}",
        )
    ]


@pytest.mark.parametrize(
    "image",
    [
        f"registry.k8s.io/pause:3.9@{D39}",  # right digest
        f"registry.k8s.io/pause@{D36}",  # digest without tag
        "registry.k8s.io/pause:3.9",  # no digest: PL109
        f"registry.k8s.io/pause:3.1@{D39}",  # 3.1's digest is not known
        # aliyun re-pushes images: its digests are its own.
        f"registry.aliyuncs.com/google_containers/pause:3.9@{D36}",
        f"registry.k8s.io/pause-amd64:3.2@{D39}",  # per-arch: a single manifest
        f"mcr.microsoft.com/oss/kubernetes/pause:3.6@{D39}",  # vendor build
        f"pause:3.9@{D36}",  # Docker Hub short name: PL111
        f"example.com/pause:3.9@{D36}",
    ],
)
def test_quiet(context, use_of, image):
    assert _run(context, use_of, image) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL108 digest-mismatch: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
