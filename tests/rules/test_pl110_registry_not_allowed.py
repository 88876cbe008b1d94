"""PL110 registry-not-allowed: sandbox images outside ``allowed-registries``."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity
from pauselint.rules import pl110_registry_not_allowed as rule
from pauselint.rules.framework import Policy

ALIYUN = "registry.cn-hangzhou.aliyuncs.com/google_containers"


def _run(context, use_of, image: str, allowed: tuple[str, ...]) -> list:
    return list(rule.check(context(images=[use_of(image, line=3, column=17)],
                                   policy=Policy(allowed_registries=allowed))))


@pytest.mark.parametrize(
    ("image", "allowed", "message", "expected"),
    [
        ("registry.k8s.io/pause:3.9", ("registry.example.com",),
         "registry.k8s.io/pause:3.9 is pulled from registry.k8s.io, which is not in "
         "allowed-registries (registry.example.com)",
         None),
        # Path prefixes match whole components only.
        ("registry.example.com/k8s-old/pause:3.9", ("registry.example.com/k8s",),
         "registry.example.com/k8s-old/pause:3.9 is pulled from registry.example.com, which "
         "is not in allowed-registries (registry.example.com/k8s)",
         None),
        # Short names are Docker Hub's.
        ("pause:3.9", ("registry.k8s.io",),
         "pause:3.9 is pulled from docker.io, which is not in allowed-registries "
         "(registry.k8s.io)",
         None),
        # An allowed prefix that is a known mirror: the same image there.
        ("registry.k8s.io/pause:3.9", (ALIYUN,),
         f"registry.k8s.io/pause:3.9 is pulled from registry.k8s.io, which is not in "
         f"allowed-registries ({ALIYUN}); use {ALIYUN}/pause:3.9",
         f"{ALIYUN}/pause:3.9"),
        ("registry.k8s.io/pause:3.10.2", ("docker.io/rancher",),
         "registry.k8s.io/pause:3.10.2 is pulled from registry.k8s.io, which is not in "
         "allowed-registries (docker.io/rancher); use docker.io/rancher/mirrored-pause:3.10.2",
         "docker.io/rancher/mirrored-pause:3.10.2"),
        # Not a pause image the table knows: the policy still applies.
        ("quay.io/acme/sandbox:1.0", ("registry.k8s.io",),
         "quay.io/acme/sandbox:1.0 is pulled from quay.io, which is not in allowed-registries "
         "(registry.k8s.io)",
         None),
    ],
)
def test_fires(context, use_of, image, allowed, message, expected):
    assert _run(context, use_of, image, allowed) == [
        Finding(
            rule="PL110", name="registry-not-allowed", severity=Severity.ERROR,
            message=message, location=Location("etc/containerd/config.toml", 3, 17),
            image=image, expected=expected, fixable=expected is not None,
            fix=f"use {expected}" if expected else None,
        )
    ]


def test_no_suggestion_for_unpublished_tag(context, use_of):
    (found,) = _run(context, use_of, "registry.k8s.io/pause:3.4", (ALIYUN,))
    assert found.expected is None


@pytest.mark.parametrize(
    ("image", "allowed"),
    [
        ("registry.k8s.io/pause:3.9", ("registry.k8s.io",)),
        ("Registry.K8s.io/pause:3.9", ("REGISTRY.K8S.IO/",)),
        ("registry.example.com/k8s/pause:3.9", ("registry.example.com/k8s",)),
        ("docker.io/rancher/mirrored-pause:3.6", ("rancher",)),  # Docker Hub namespace
        ("rancher/mirrored-pause:3.6", ("docker.io/rancher",)),
        ("registry.k8s.io/pause:3.9", ("quay.io", "registry.k8s.io")),
        ("registry.k8s.io/pause:3.9", ()),  # no policy: nothing at all
    ],
)
def test_quiet(context, use_of, image, allowed):
    assert _run(context, use_of, image, allowed) == []


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL110 registry-not-allowed: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc
