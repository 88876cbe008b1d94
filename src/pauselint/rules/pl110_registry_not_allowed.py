"""PL110 registry-not-allowed: the sandbox image comes from a registry policy forbids.

What it finds
    A sandbox image (or kubelet ``--pod-infra-container-image`` value) whose registry is
    not in your ``allowed-registries`` policy. An entry is a registry host
    (``registry.example.com``) or a host and path prefix
    (``registry.example.com/k8s``), matched on whole path components; Docker Hub
    namespaces may be written short (``rancher`` is ``docker.io/rancher``). The rule does
    nothing unless the policy is configured.

    Unlike the tag rules it checks every sandbox image, not only names the table knows
    as pause images: a policy is about where pulls go, whatever the image is.

Why it breaks
    In a restricted network the node can only pull from the allowed registries: the
    sandbox pull fails and no pod starts, while the other images pull fine. Where the
    network is open, the node silently depends on a registry your policy excludes.

How to fix
    Point the sandbox image at an allowed registry that carries it. When an allowed
    prefix is a mirror the table knows, the finding's ``expected`` names the same
    image there (``registry.k8s.io/pause:3.9`` ->
    ``registry.cn-hangzhou.aliyuncs.com/google_containers/pause:3.9``).

Facts and sources
    Your ``allowed-registries`` setting; mirror prefixes from ``mirrors`` in
    data/compat.yaml (each entry names its source, e.g. kubernetes/minikube
    pkg/minikube/constants/constants.go ``AliyunMirror`` @eb25dbc70370, rancher/rke2
    scripts/version.sh and pkg/images/images.go). Names are compared normalized
    (distribution/reference rules, see ``imageref.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.compat import CompatTable
from pauselint.imageref import ImageRefError, normalize_prefix
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import ImageUse, RuleContext, finding

ID = "PL110"
NAME = "registry-not-allowed"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Match each sandbox image's name against the allowed prefixes."""
    allowed = [_normalized(entry) for entry in ctx.policy.allowed_registries]
    allowed = [entry for entry in allowed if entry]
    if not allowed:
        return
    for use in ctx.images:
        name = use.ref.name
        if any(_within(name, prefix) for prefix in allowed):
            continue
        expected = _on_allowed_mirror(use, ctx.table, allowed)
        advice = f"; use {expected}" if expected else ""
        yield finding(
            _RULE,
            f"{use.ref.original} is pulled from {use.ref.registry}, which is not in "
            f"allowed-registries ({', '.join(allowed)}){advice}",
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )


def _normalized(entry: str) -> str:
    try:
        return normalize_prefix(entry)
    except ImageRefError:
        return entry.strip().rstrip("/").lower()


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + "/")


def _on_allowed_mirror(use: ImageUse, table: CompatTable, allowed: list[str]) -> str | None:
    """The same upstream image on a known mirror inside an allowed prefix, if one exists."""
    upstream = use.upstream
    repository = table.repository(upstream.name)
    if repository is None or upstream.tag not in (repository.tags or ()):
        return None  # only suggest images the table shows exist
    for mirror in table.mirrors():
        prefix = _normalized(mirror.prefix)
        if not any(_within(prefix, entry) for entry in allowed):
            continue
        source = _normalized(mirror.upstream)
        if not _within(upstream.name, source):
            continue
        if upstream.digest is not None and not mirror.upstream_digests:
            continue  # the mirror's digests are its own
        text = prefix + upstream.normalized()[len(source):]
        if table.parse(text) is not None:
            return text
    return None
