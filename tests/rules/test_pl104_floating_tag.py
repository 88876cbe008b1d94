"""PL104 floating-tag: ``:latest`` or no tag, and no digest."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity
from pauselint.rules import pl104_floating_tag as rule

DIGEST = "sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"


def _run(context, use_of, image: str, **kw) -> list:
    return list(rule.check(context(images=[use_of(image, line=4, column=1)], **kw)))


# What the floating tag does where the table knows the repository's tags.
LEGACY = ("registry.k8s.io/pause has a latest tag, but no pause release updates it and no "
          "record says which image it names: the sandbox is an old, unknown image")
FLOATS = ("a floating tag is not reproducible: nodes built on different days can run "
          "different sandboxes")
ABSENT = ("k8s.gcr.io/pause is not known to carry a latest tag: where it has none the pull "
          "fails and no pod sandbox starts, and where a copy answers the image is not "
          "reproducible")


@pytest.mark.parametrize(
    ("image", "kubernetes", "what", "why", "expected"),
    [
        ("registry.k8s.io/pause", "1.29", "no tag (read as latest)", LEGACY,
         "registry.k8s.io/pause:3.9"),
        ("registry.k8s.io/pause:latest", "1.34", "tag latest", LEGACY,
         "registry.k8s.io/pause:3.10.1"),
        # The user's mirror is kept; whether it carries latest is not known.
        ("registry.aliyuncs.com/google_containers/pause:latest", "1.31", "tag latest", FLOATS,
         "registry.aliyuncs.com/google_containers/pause:3.10"),
        # k8s.gcr.io never got 3.10: kubeadm's own image instead.
        ("k8s.gcr.io/pause", "1.31", "no tag (read as latest)", ABSENT,
         "registry.k8s.io/pause:3.10"),
        # A per-arch repository is not kept.
        ("registry.k8s.io/pause-amd64", "1.29", "no tag (read as latest)",
         ABSENT.replace("k8s.gcr.io/pause", "registry.k8s.io/pause-amd64"),
         "registry.k8s.io/pause:3.9"),
        ("pause", "1.36", "no tag (read as latest)", FLOATS, "registry.k8s.io/pause:3.10.2"),
        ("example.com/pause:latest", "1.29", "tag latest", FLOATS, "registry.k8s.io/pause:3.9"),
    ],
)
def test_fires_with_kubeadm_image(context, use_of, image, kubernetes, what, why, expected):
    assert _run(context, use_of, image, kubernetes=kubernetes) == [
        Finding(
            rule="PL104", name="floating-tag", severity=Severity.ERROR,
            message=f"{image} has {what}: {why}; use {expected}",
            location=Location("etc/containerd/config.toml", 4, 1), image=image,
            expected=expected, fixable=True, fix=f"use {expected}",
        )
    ]


def test_image_repository_from_kubeadm_wins(context, use_of):
    (found,) = _run(context, use_of, "example.com/pause", kubernetes="1.29",
                    image_repository="example.com/k8s")
    assert found.expected == "example.com/k8s/pause:3.9"


@pytest.mark.parametrize("kubernetes", [None, "1.99"])
def test_fires_without_expected_when_version_unknown(context, use_of, kubernetes):
    (found,) = _run(context, use_of, "registry.k8s.io/pause:latest", kubernetes=kubernetes)
    assert found.message == (
        f"registry.k8s.io/pause:latest has tag latest: {LEGACY}; pin the pause tag kubeadm "
        "expects"
    )
    assert (found.expected, found.fix) == (None, None)


@pytest.mark.parametrize(
    "image",
    [
        "registry.k8s.io/pause:3.9",
        f"registry.k8s.io/pause@{DIGEST}",  # pinned by digest
        f"registry.k8s.io/pause:latest@{DIGEST}",
    ],
)
def test_quiet(context, use_of, image):
    assert _run(context, use_of, image, kubernetes="1.29") == []


def test_by_role_a_sandbox_value_of_any_name_is_judged(context, use_of):
    # Issue 11: `example.com/sandbox` set as the sandbox image floats like any other.
    (found,) = _run(context, use_of, "example.com/sandbox", kubernetes="1.29")
    assert found.message.startswith("example.com/sandbox has no tag")


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL104 floating-tag: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
