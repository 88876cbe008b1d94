"""PL111 short-name: pause images written without a registry host."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity
from pauselint.rules import pl111_short_name as rule


def _run(context, use_of, image: str, **kw) -> list:
    return list(rule.check(context(images=[use_of(image, line=10, column=2)], **kw)))


def _finding(image: str, message: str, expected: str | None) -> Finding:
    return Finding(
        rule="PL111", name="short-name", severity=Severity.WARNING, message=message,
        location=Location("etc/containerd/config.toml", 10, 2), image=image,
        expected=expected, fixable=expected is not None,
        fix=f"use {expected}" if expected else None,
    )


@pytest.mark.parametrize(
    ("image", "kubernetes", "normalized", "expected"),
    [
        ("pause:3.9", None, "docker.io/library/pause:3.9", "registry.k8s.io/pause:3.9"),
        ("library/pause:3.6", "1.29", "docker.io/library/pause:3.6", "registry.k8s.io/pause:3.6"),
        # Before 1.25 kubeadm's default was k8s.gcr.io.
        ("pause:3.2", "1.20", "docker.io/library/pause:3.2", "k8s.gcr.io/pause:3.2"),
        # No tag: kubeadm's tag for the target version.
        ("pause", "1.31", "docker.io/library/pause", "registry.k8s.io/pause:3.10"),
    ],
)
def test_docker_hub_short_name(context, use_of, image, kubernetes, normalized, expected):
    assert _run(context, use_of, image, kubernetes=kubernetes) == [
        _finding(image, f"{image} has no registry host, so it means {normalized} on Docker "
                        f"Hub, not the Kubernetes pause image; use {expected}", expected)
    ]


def test_kubeadm_image_repository_wins(context, use_of):
    (found,) = _run(context, use_of, "pause:3.9", kubernetes="1.29",
                    image_repository="registry.example.com/k8s")
    assert found.expected == "registry.example.com/k8s/pause:3.9"


def test_no_tag_and_no_version_gives_no_expected(context, use_of):
    assert _run(context, use_of, "pause") == [
        _finding("pause", "pause has no registry host, so it means docker.io/library/pause on "
                          "Docker Hub, not the Kubernetes pause image", None)
    ]


def test_unpublished_tag_is_not_suggested(context, use_of):
    assert _run(context, use_of, "pause:3.11") == [
        _finding("pause:3.11", "pause:3.11 has no registry host, so it means "
                               "docker.io/library/pause:3.11 on Docker Hub, not the Kubernetes "
                               "pause image; and registry.k8s.io/pause has no tag 3.11", None)
    ]


def test_known_copy_asks_for_the_full_name(context, use_of):
    assert _run(context, use_of, "rancher/mirrored-pause:3.6") == [
        _finding("rancher/mirrored-pause:3.6",
                 "rancher/mirrored-pause:3.6 has no registry host; write the full name "
                 "docker.io/rancher/mirrored-pause:3.6, the only one containerd 2.x pins "
                 "against garbage collection",
                 "docker.io/rancher/mirrored-pause:3.6")
    ]


@pytest.mark.parametrize(
    "image",
    [
        "registry.k8s.io/pause:3.9",
        "docker.io/library/pause:3.9",  # explicit: another rule's question
        "docker.io/rancher/mirrored-pause:3.6",
        "localhost/pause:3.9",
    ],
)
def test_quiet(context, use_of, image):
    assert _run(context, use_of, image) == []


def test_by_role_a_sandbox_value_of_any_name_is_judged(context, use_of):
    # Issue 11: `acme/sandbox:1.0` as the sandbox image is pulled from Docker Hub too.
    (found,) = _run(context, use_of, "acme/sandbox:1.0")
    assert "docker.io/acme/sandbox:1.0" in found.message


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL111 short-name: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
