"""PL105 arch-mismatch: a single-architecture pause image for another architecture.

What it finds
    A pause image pinned to one platform -- by its tag (``3.9-linuxarm64`` on a mirror
    that publishes such copies, ``3.5-windows-1809-amd64``) or by its repository
    (``registry.k8s.io/pause-amd64``) -- whose architecture (or OS) is not the node's.
    It needs the node's platform (``--platform linux/arm64``); without it the rule is
    skipped for such images.

Why it breaks
    The runtime pulls an image that cannot run on the node: the sandbox fails with
    "exec format error" (or no matching manifest), and every pod on the node stays in
    ContainerCreating.

How to fix
    Use the multi-arch image, which carries every architecture, e.g.
    ``registry.k8s.io/pause:3.9`` instead of ``registry.k8s.io/pause-amd64:3.2`` or
    ``...:3.9-linuxarm64`` (the finding's ``expected``). If you must keep a per-arch
    name, use the one for the node's architecture.

Facts and sources
    ``repositories`` entries with ``arch`` and ``mirrors`` ``tag_suffixes`` in
    data/compat.yaml; per-arch names follow the old Kubernetes Makefile
    (``pause-<arch>``) and mirror tag schemes (pause-facts.md §0, §3.3).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import NamedTuple

from pauselint.compat import CompatTable
from pauselint.imageref import arch_of_repository, tag_suffix
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import ImageUse, RuleContext, finding
from pauselint.rules.pl101_unknown_tag import lookup_tag, mirror_suffix, written_name
from pauselint.rules.pl111_short_name import is_docker_hub_short_name

ID = "PL105"
NAME = "arch-mismatch"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


class PinnedPlatform(NamedTuple):
    """The one platform a per-arch image carries, and what pins it."""

    os: str | None
    arch: str | None
    by: str  # "tag" or "repository"

    def __str__(self) -> str:
        return "/".join(part for part in (self.os, self.arch) if part)


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Compare each per-arch image's platform with the node's."""
    table = ctx.table
    for use in ctx.images:
        if not table.is_pause_image(use.ref) or is_docker_hub_short_name(use, table):
            continue
        pinned = pinned_platform(use, table)
        if pinned is None:
            continue
        if ctx.platform is None:
            yield Skip(rule=ID, reason="node platform unknown (use --platform)")
            continue
        platform = ctx.platform
        wrong_arch = pinned.arch is not None and pinned.arch != platform.arch
        wrong_os = pinned.os is not None and pinned.os != platform.os
        if not (wrong_arch or wrong_os):
            continue
        expected = multi_arch_reference(use, table, pinned)
        advice = f"; use the multi-arch {expected}" if expected else ""
        yield finding(
            _RULE,
            f"{use.ref.original} is built for {pinned} only (per-arch {pinned.by}), but the node "
            f"is {platform.os}/{platform.arch}{advice}",
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )


def pinned_platform(use: ImageUse, table: CompatTable) -> PinnedPlatform | None:
    """The platform a per-arch tag or per-arch repository pins this image to, if any."""
    tag = use.ref.tag
    if tag is not None:
        split = tag_suffix(tag)
        suffix = mirror_suffix(use)
        if suffix is not None and use.mirror is not None:
            return PinnedPlatform(split.os if split else None, use.mirror.tag_suffixes[suffix],
                                  "tag")
        if split is not None:
            return PinnedPlatform(split.os, split.arch, "tag")
    repository = table.repository(use.upstream.name)
    arch = repository.arch if repository is not None else None
    if arch is None:
        found = arch_of_repository(use.upstream.name)
        arch = found[1] if found else None
    if arch is not None:
        return PinnedPlatform(None, arch, "repository")
    return None


def multi_arch_reference(use: ImageUse, table: CompatTable,
                         pinned: PinnedPlatform) -> str | None:
    """The multi-arch image with the same tag, where the table shows it exists.

    A mirror's own per-arch copies point at the upstream multi-arch image: whether the
    mirror also carries a multi-arch tag is not known. Otherwise the user's registry
    is kept.
    """
    tag = lookup_tag(use)
    if tag is None or table.is_floating_tag(tag):
        return None
    if pinned.by == "tag":
        if mirror_suffix(use) is not None:
            upstream = table.repository(use.upstream.name)
            if upstream is not None and tag in (upstream.tags or ()):
                return f"{upstream.name}:{tag}"
            return None
        split = tag_suffix(tag)
        repository = table.repository(use.upstream.name)
        if split is not None and repository is not None and split.base in (repository.tags or ()):
            return f"{written_name(use.ref)}:{split.base}"
        return None
    base_upstream = arch_of_repository(use.upstream.name)
    base_written = arch_of_repository(written_name(use.ref))
    if base_upstream is None or base_written is None:
        return None
    multi_arch = table.repository(base_upstream[0])
    if multi_arch is not None and tag in (multi_arch.tags or ()):
        return f"{base_written[0]}:{tag}"
    return None
