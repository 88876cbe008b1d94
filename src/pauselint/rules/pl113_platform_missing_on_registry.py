"""PL113 platform-missing-on-registry: the registry's copy has no image for the node.

What it finds
    With ``--online``: the tag exists on the endpoint the node pulls it from, but its
    manifest -- a single-platform image, or an index -- has no entry for the node's
    platform (``--platform``, or a live node's own). The message names what the
    registry does carry, and a per-platform tag it has instead (``3.9-linuxarm64``:
    some mirrors copy one platform per tag). Needs the node's platform; without it,
    it is skipped.

Why it breaks
    The runtime finds no image for its platform (``no match for platform in
    manifest``) or, on a single-platform copy, pulls an image for another
    architecture that cannot run (``exec format error``): no pod starts. The classic
    case is a mirror that copied ``linux/amd64`` only, serving an arm64 node.

How to fix
    Mirror the whole index (``crane copy --all-tags``, ``skopeo copy --all``), or
    point the node at the per-platform tag the registry has.

Facts and sources
    OCI image index ``manifests[].platform``
    (https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md); a
    single manifest's platform is its config's ``os``/``architecture``/``variant``
    (https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding
from pauselint.rules.online import looked_up

ID = "PL113"
NAME = "platform-missing-on-registry"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
# Runs only with --online: offline it is not counted among the rules that ran.
ONLINE = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """An error for each served sandbox image without the node's platform."""
    from pauselint.online.lookups import platform_served

    # An index with no runnable entry (none at all, or attestations only) serves no
    # platform; a single image without a platform in its config is not judged.
    served = [(use, lookup) for use, lookup in looked_up(ctx)
              if lookup.served is not None
              and (lookup.served.platforms or lookup.served.is_index)]
    if not served:
        return
    platform = ctx.platform
    if platform is None:
        yield Skip(rule=ID, reason="node platform unknown (use --platform)")
        return
    for use, lookup in served:
        manifest = lookup.served
        if platform_served(manifest, platform, ctx.table.windows_version_for_build):
            continue
        carried = ", ".join(dict.fromkeys(str(p) for p in manifest.platforms)) or (
            "no platform at all")
        kind = "index" if manifest.is_index else "image"
        message = (f"{use.ref.original} on {lookup.served_by.shown} is an {kind} for "
                   f"{carried}, with nothing for {platform}: the node cannot run it")
        expected = None
        if lookup.alternatives:
            name = use.ref.original.rsplit(":", 1)[0] if use.ref.tag else use.ref.original
            expected = f"{name.split('@')[0]}:{lookup.alternatives[0]}"
            message += f"; the registry has {lookup.alternatives[0]} for {platform}: use {expected}"
        else:
            message += "; mirror the whole index (crane copy --all-tags, skopeo copy --all)"
        yield finding(_RULE, message, use=use, expected=expected,
                      fix=f"use {expected}" if expected else None)
