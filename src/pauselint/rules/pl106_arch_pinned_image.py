"""PL106 arch-pinned-image: a per-arch pause image, even one that matches the node.

What it finds
    A pause image pinned to one architecture by its tag (``3.9-linuxarm64``,
    ``3.5-windows-1809-amd64``) or its repository (``registry.k8s.io/pause-amd64``),
    whatever the node's platform. PL105 reports the ones that do not match the node;
    this rule reports the habit itself, and needs no platform.

Why it breaks
    It works on the architecture it names, but the same config, image list or golden
    image applied to a node of another architecture (a mixed amd64/arm64 pool, a new
    Graviton or Ampere node group) breaks every pod there. Per-arch repositories also
    stopped receiving tags after 3.3, so they pin the node to an old pause.

How to fix
    Use the multi-arch name, e.g. ``registry.k8s.io/pause:3.9``: the runtime picks the
    node's platform from its manifest list. The finding's ``expected`` names it when
    the table shows it exists.

Facts and sources
    ``repositories`` entries with ``arch`` (per-arch repositories carry 3.2/3.3 only,
    and legacy 3.1) and ``mirrors`` ``tag_suffixes`` in data/compat.yaml. Upstream:
    kubernetes/kubernetes build/pause/Makefile @038ee2770ab9 (``ALL_ARCH``: one manifest
    list over amd64, arm, arm64, ppc64le and s390x, beside ``pause-<arch>`` images) and
    the promoter manifest kubernetes/k8s.io
    registry.k8s.io/images/k8s-staging-kubernetes/images.yaml @005f14191335 (per-arch
    repositories for 3.2 and 3.3 only; per-arch tags never promoted).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding
from pauselint.rules.images import kubernetes_pause_uses, multi_arch_reference, pinned_platform

ID = "PL106"
NAME = "arch-pinned-image"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report every per-arch pause image, matching or not."""
    table = ctx.table
    for use in kubernetes_pause_uses(ctx):
        pinned = pinned_platform(use, table)
        if pinned is None:
            continue
        expected = multi_arch_reference(use, table, pinned)
        advice = f"; use the multi-arch {expected}" if expected else "; use a multi-arch image"
        yield finding(
            _RULE,
            f"{use.ref.original} is pinned to {pinned} by its {pinned.by}: nodes of any "
            f"other platform cannot run it{advice}",
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )
