"""PL109 unpinned-digest: pause images without a digest (off by default)."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity
from pauselint.rules import pl109_unpinned_digest as rule

D39 = "sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"
D3101 = "sha256:278fb9dbcca9518083ad1e11276933a2e96f23de604a3a08cc3c80002767d24c"


def _run(context, use_of, image: str) -> list:
    return list(rule.check(context(images=[use_of(image, line=1, column=16)])))


def test_off_by_default():
    assert rule.DEFAULT_ENABLED is False
    assert rule.SEVERITY is Severity.INFO


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("registry.k8s.io/pause:3.9", f"registry.k8s.io/pause:3.9@{D39}"),
        ("k8s.gcr.io/pause:3.9", f"k8s.gcr.io/pause:3.9@{D39}"),
        ("docker.io/rancher/mirrored-pause:3.10.1",
         f"docker.io/rancher/mirrored-pause:3.10.1@{D3101}"),
    ],
)
def test_fires_with_digest(context, use_of, image, expected):
    assert _run(context, use_of, image) == [
        Finding(
            rule="PL109", name="unpinned-digest", severity=Severity.INFO,
            message=f"{image} is not pinned by digest, so the registry decides which image "
                    f"the tag means; use {expected}",
            location=Location("etc/containerd/config.toml", 1, 16), image=image,
            expected=expected, fixable=True, fix=f"use {expected}",
        )
    ]


@pytest.mark.parametrize(
    "image",
    [
        "registry.k8s.io/pause:3.1",  # digest unknown
        "registry.aliyuncs.com/google_containers/pause:3.9",  # mirror's own digests
        "registry.k8s.io/pause-amd64:3.2",  # per-arch: not the manifest-list digest
        "registry.k8s.io/pause",
        "pause:3.9",  # Docker Hub: the Kubernetes digest would be wrong
        "example.com/pause:3.9",
    ],
)
def test_fires_without_digest_to_suggest(context, use_of, image):
    (found,) = _run(context, use_of, image)
    assert found.message == (f"{image} is not pinned by digest, so the registry decides which "
                             "image the tag means; append the tag's digest")
    assert (found.expected, found.fix) == (None, None)


@pytest.mark.parametrize(
    "image",
    [f"registry.k8s.io/pause:3.9@{D39}", f"registry.k8s.io/pause@{D39}", "example.com/sandbox:1"],
)
def test_quiet(context, use_of, image):
    assert _run(context, use_of, image) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL109 unpinned-digest: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
