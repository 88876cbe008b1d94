"""PL403 shadowed-setting: a later file overrides the sandbox image with another value.

What it finds
    Two places set the sandbox image for one runtime to different images, and the
    later one wins: a containerd ``imports`` file overriding the main config, a
    CRI-O drop-in in ``/etc/crio/crio.conf.d/`` overriding ``crio.conf`` or an
    earlier drop-in. Both places are reported: the overriding (effective) setting
    names the value it hides, and the hidden setting names what overrides it.
    Two places with the same image are not reported.

Why it breaks
    Whoever edits the file they know about (often the main config) changes nothing:
    the runtime keeps using the drop-in's image. Image pre-pull lists, mirrors and
    air-gap bundles built from the visible value miss the image really used.

How to fix
    Keep the sandbox image in one place -- usually the drop-in your configuration
    management owns -- and delete it from the other, or make both the same.

Facts and sources
    containerd ``imports``: "imported files will overwrite simple fields like int or
    string (if not empty)" (containerd-config.toml(5),
    https://github.com/containerd/containerd/blob/v2.3.0/docs/man/containerd-config.toml.5.md);
    CRI-O drop-ins are applied in lexical order, the last one wins (crio.conf.d(5),
    cri-o/cri-o docs/crio.conf.d.5.md). The readers decide which setting is effective.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.compat import CompatTable
from pauselint.display import cut
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import (
    IMAGE_VALUE_RULES,
    RuleContext,
    finding,
    location_text,
    same_image,
)

ID = "PL403"
NAME = "shadowed-setting"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report each (override, shadowed) pair with different images at both places."""
    seen: set[tuple[object, ...]] = set()
    for node in ctx.nodes:
        winner = node.effective_sandbox
        if winner is None:
            continue
        for hidden in node.sandbox_settings:
            if hidden.ignored or hidden.effective or not hidden.value.strip():
                continue
            if hidden.location == winner.location:
                continue
            if _same_value(ctx.table, hidden.value, winner.value):
                continue
            pair = (winner.location, hidden.location, node.name)
            if pair in seen:
                continue
            seen.add(pair)
            yield finding(
                _RULE,
                f"sandbox image {cut(winner.value)} here overrides {cut(hidden.value)} set at "
                f"{location_text(hidden.location)}; keep one of them",
                location=winner.location,
                image=winner.value,
                node=node.name,
            )
            yield finding(
                _RULE,
                f"sandbox image {cut(hidden.value)} here is not used: {cut(winner.value)} at "
                f"{location_text(winner.location)} overrides it",
                location=hidden.location,
                image=hidden.value,
                node=node.name,
                # A value the runtime does not use: only its shadowing is news.
                supersedes=IMAGE_VALUE_RULES,
            )


def _same_value(table: CompatTable, first: str, second: str) -> bool:
    """Whether two setting values name the same image (:func:`same_image`); values
    that are not image references compare as written."""
    a, b = table.parse(first), table.parse(second)
    if a is None or b is None:
        return first.strip() == second.strip()
    return same_image(a, b)


