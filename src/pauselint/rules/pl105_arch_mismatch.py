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

from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding
from pauselint.rules.images import kubernetes_pause_uses, multi_arch_reference, pinned_platform

ID = "PL105"
NAME = "arch-mismatch"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


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
