"""PL105 arch-mismatch: a single-architecture pause image for another architecture.

What it finds
    A pause image pinned to one platform -- by its tag (``3.9-linuxarm64`` on a mirror
    that publishes such copies, ``3.5-windows-1809-amd64``) or by its repository
    (``registry.k8s.io/pause-amd64``) -- whose architecture (or OS) is not the node's.
    A Linux-only one (a per-arch repository, or a ``linux`` per-arch tag) on a Windows
    node is the same error whatever its architecture. It needs the node's platform
    (``--platform linux/arm64``); without it the rule is skipped for such images.

Why it breaks
    The runtime pulls an image that cannot run on the node: the sandbox fails with
    "exec format error" (or no matching manifest; on Windows, a Linux image cannot run
    at all), and every pod on the node stays in ContainerCreating.

How to fix
    Use the multi-arch image, which carries every architecture, e.g.
    ``registry.k8s.io/pause:3.9`` instead of ``registry.k8s.io/pause-amd64:3.2`` or
    ``...:3.9-linuxarm64`` (the finding's ``expected``). If you must keep a per-arch
    name, use the one for the node's architecture. On a Windows node the fix is the
    multi-arch image at a tag whose manifest list has the node's Windows version
    (kubeadm's tag when it does, else the newest), which needs ``windows/amd64:<version>``.

Facts and sources
    ``repositories`` entries with ``arch`` and ``mirrors`` ``tag_suffixes`` in
    data/compat.yaml; per-arch names follow the old Kubernetes Makefile
    (``pause-<arch>``: kubernetes/kubernetes build/pause/Makefile @038ee2770ab9,
    ``ALL_ARCH``) and mirror tag schemes (a public registry mirror's listing shows
    ``registry.k8s.io/pause:3.9-linuxarm64``, a tag upstream never published).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.imageref import arch_of_repository
from pauselint.model import Finding, Severity, Skip
from pauselint.platforms import tag_for_platform
from pauselint.rules.framework import ImageUse, RuleContext, finding
from pauselint.rules.images import (
    PinnedPlatform,
    kubernetes_pause_uses,
    multi_arch_reference,
    pinned_platform,
)

ID = "PL105"
NAME = "arch-mismatch"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
# On a node of another platform, "pinned to one platform" (PL106) is this, weaker.
SUPERSEDES = ("PL106",)
_RULE = sys.modules[__name__]

_LINUX = "linux"
_WINDOWS = "windows"


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Compare each per-arch image's platform with the node's."""
    table = ctx.table
    for use in kubernetes_pause_uses(ctx):
        pinned = pinned_platform(use, table)
        if pinned is None:
            continue
        if ctx.platform is None:
            yield Skip(rule=ID, reason="node platform unknown (use --platform)")
            continue
        platform = ctx.platform
        wrong_arch = pinned.arch is not None and pinned.arch != platform.arch
        if platform.os == _WINDOWS and _linux_only(pinned):
            expected = _for_windows(ctx, use, multi_arch_reference(use, table, pinned))
            advice = f"; use {expected}" if expected else ""
            yield finding(
                _RULE,
                f"{use.ref.original} is a Linux image ({_shown(pinned)} only, per-arch "
                f"{pinned.by}): the pod sandbox cannot start on this {platform} node, so no "
                f"pod can run there{advice}",
                use=use,
                expected=expected,
                fix=f"use {expected}" if expected else None,
            )
            continue
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


def _linux_only(pinned: PinnedPlatform) -> bool:
    """Whether a per-arch image is a Linux build.

    A tag says its OS when it has one (``-linuxarm64``, ``-windows-1809-amd64``). A
    per-arch repository (``pause-amd64``) is always Linux: the pause Makefile built
    ``$(IMAGE)-$(ARCH)`` for its Linux architectures only, and those repositories stop
    at 3.3, before the first Windows pause image (3.4.1; kubernetes/kubernetes
    build/pause/CHANGELOG.md).
    """
    return pinned.os == _LINUX or (pinned.os is None and pinned.by == "repository")


def _shown(pinned: PinnedPlatform) -> str:
    return str(pinned) if pinned.os else f"{_LINUX}/{pinned.arch}"


def _for_windows(ctx: RuleContext, use: ImageUse, multi_arch: str | None) -> str | None:
    """The multi-arch image again, at a tag whose manifest list has the node's Windows.

    The same tag rarely does (per-arch images end at 3.3; Windows starts at 3.4.1), so
    the tag is PL107's choice for the node: kubeadm's, else the newest that carries it.
    Without the node's Windows version nothing can be chosen.
    """
    if multi_arch is None or ctx.platform is None or not ctx.platform.os_version:
        return None
    name, _, _tag = multi_arch.rpartition(":")
    table = ctx.table
    # The multi-arch repository: the one named, else the upstream without its arch.
    base = arch_of_repository(use.upstream.name)
    for candidate in (name, base[0] if base else use.upstream.name):
        repository = table.repository(candidate)
        if repository is not None and repository.tags:
            tag = tag_for_platform(table, repository, ctx.platform, ctx.kubernetes)
            return None if tag is None else f"{name}:{tag}"
    return None
