"""What the online rules share: the sandbox image uses that were looked up on the
registries their node pulls from (``--online``), each with its answer.

Offline, ``ctx.online`` is None and the online rules say nothing at all: they are
not skipped for want of context, they were not asked to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pauselint.rules.framework import ImageUse, RuleContext, is_effective_sandbox, online_key


def looked_up(ctx: RuleContext) -> Iterator[tuple[ImageUse, Any]]:
    """(use, Lookup) for every effective sandbox image that was looked up."""
    if ctx.online is None:
        return
    for use in ctx.images:
        if not is_effective_sandbox(use):
            continue
        lookup = ctx.online.get(online_key(use, ctx.platform))
        if lookup is not None:
            yield use, lookup


def endpoints(attempts: Any) -> str:
    """The endpoints of ``attempts``, as a message lists them."""
    return ", ".join(dict.fromkeys(a.target.shown for a in attempts))
