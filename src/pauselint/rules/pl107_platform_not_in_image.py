"""PL107 platform-not-in-image: the node's platform is not in the tag's manifest list.

What it finds
    A multi-arch pause tag whose manifest list has no image for the node's platform:
    any tag on a ``linux/riscv64`` node (no pause tag carries riscv64), any tag before
    3.4.1 on Windows, Windows Server 2025 (``ltsc2025``) with anything but 3.10.2,
    20H2 with anything outside 3.5-3.8, 1903/1909/2004 after 3.6.

    It needs the node's platform, and for Windows its OS version
    (``--platform windows/amd64:ltsc2022``); without them it is skipped. Where the
    sources disagree or are silent on whether a tag carries a Windows version
    (20H2 in 3.4.1, 1809/ltsc2019 in 3.10.2) it gives no verdict and says so in a
    skip. Only images the table describes are checked (the upstream repositories,
    their frozen predecessors and known mirrors); per-arch images are PL105's,
    unknown tags PL101's.

Why it breaks
    The runtime finds no matching entry in the manifest list ("no match for platform in
    manifest"), or on Windows pulls an image whose OS build does not match the host
    ("container OS version must match the host OS version"). No pod starts on the node.

How to fix
    Use a tag that carries the node's platform: the finding's ``expected`` names kubeadm's
    tag when it does, otherwise the newest tag on your registry that does. For riscv64
    there is no upstream pause image: build or mirror one and disable this rule for it.

Facts and sources
    ``pause_tags`` (``linux`` and ``windows`` platforms per tag) and
    ``windows_versions`` in data/compat.yaml. Upstream: kubernetes/kubernetes
    build/pause/CHANGELOG.md (the Windows versions each tag adds or drops) and
    build/pause/Makefile (``ALL_ARCH``, ``ALL_OSVERSIONS.windows``); 20H2 in 3.4.1 is
    disputed (https://github.com/kubernetes/kubernetes/issues/100708) and 1809 in 3.10.2
    unverified (https://github.com/kubernetes/kubernetes/pull/136960 adds ltsc2025):
    both are listed under ``windows_unverified``, which gives a skip, not an error. A
    Windows image must match the host's OS version
    (https://github.com/kubernetes/kubernetes/issues/80032).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.compat import CompatTable, PauseTag, Repository
from pauselint.model import Finding, Platform, Severity, Skip
from pauselint.platforms import carries, tag_for_platform
from pauselint.rules.framework import ImageUse, RuleContext, finding
from pauselint.rules.images import (
    checked_uses,
    lookup_tag,
    on_live_registry,
    pinned_platform,
    written_name,
)

ID = "PL107"
NAME = "platform-not-in-image"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]

_WINDOWS = "windows"
_LINUX = "linux"


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Look the node's platform up in each tag's manifest list."""
    table = ctx.table
    for use in checked_uses(ctx):
        known = _upstream_tag(use, table)
        if known is None:
            continue
        repository, tag = known
        platform = ctx.platform
        if platform is None:
            yield Skip(rule=ID, reason="node platform unknown (use --platform)")
            continue
        covered = _covers(table, tag, platform)
        if isinstance(covered, Skip):
            yield covered
            continue
        if covered:
            continue
        expected = _expected(ctx, use, repository, platform)
        listed = _listed(tag, platform)
        advice = f"; use {expected}" if expected else ""
        yield finding(
            _RULE,
            f"{use.ref.original} has no {_describe(platform)} image (its manifest list has "
            f"{listed}){advice}",
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )


def _upstream_tag(use: ImageUse, table: CompatTable) -> tuple[Repository, PauseTag] | None:
    """The repository and the upstream tag whose manifest list this image is, if known.

    Only copies of the upstream images qualify: a known mirror, a repository serving
    upstream digests, or a frozen predecessor of upstream. Vendor builds have their
    own manifest lists, and per-arch images have none (PL105 judges them).
    """
    repository = table.repository(use.upstream.name)
    tag = lookup_tag(use)
    if repository is None or tag is None or pinned_platform(use, table) is not None:
        return None
    if use.mirror is None and not repository.upstream_digests and repository.successor is None:
        return None
    published = table.pause_tag(tag)
    return None if published is None else (repository, published)


def _covers(table: CompatTable, tag: PauseTag, platform: Platform) -> bool | Skip:
    if platform.os == _LINUX:
        return carries(table, tag, platform)
    if platform.os != _WINDOWS:
        return True  # the table says nothing about other systems: no verdict
    if not platform.os_version:
        return Skip(rule=ID, reason="Windows OS version unknown; use --platform "
                                    "windows/amd64:ltsc2022")
    version = _windows_version(table, platform.os_version)
    if version is None:
        return Skip(rule=ID, reason=f"Windows OS version {platform.os_version} is not in "
                                    "the compat table")
    if carries(table, tag, platform):
        return True
    if version in {table.windows_version(w) or w for w in tag.windows_unverified}:
        return Skip(rule=ID, reason=f"whether pause {tag.tag} carries a "
                                    f"{_windows_names(table, version)} image is unverified")
    return False


def _windows_names(table: CompatTable, version: str) -> str:
    """``1809/ltsc2019``: the version and its aliases, as users write them."""
    return "/".join((version, *table.windows_aliases(version)))


def _windows_version(table: CompatTable, text: str) -> str | None:
    return table.windows_version(text) or table.windows_version_for_build(text)


def _expected(ctx: RuleContext, use: ImageUse, repository: Repository,
              platform: Platform) -> str | None:
    """kubeadm's tag when it covers the platform, else the newest carried tag that does;
    on the successor when the repository is frozen and the user's is no mirror of it
    (a fix never names a registry that gets no new pause images)."""
    tag = tag_for_platform(ctx.table, repository, platform, ctx.kubernetes)
    if tag is None:
        return None
    return on_live_registry(ctx.table, use, repository, written_name(use.ref), tag)


def _describe(platform: Platform) -> str:
    if platform.os == _WINDOWS and platform.os_version:
        return f"{platform.os}/{platform.arch}:{platform.os_version}"
    return f"{platform.os}/{platform.arch}"


def _listed(tag: PauseTag, platform: Platform) -> str:
    if platform.os == _WINDOWS:
        names = ", ".join(tag.windows)
        return f"Windows {names}" if names else "no Windows images"
    return f"{platform.os} " + ", ".join(tag.linux)
