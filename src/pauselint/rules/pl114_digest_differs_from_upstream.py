"""PL114 digest-differs-from-upstream: the registry serves other content for the tag.

What it finds
    With ``--online``: the digest the node's registry answers for the sandbox image
    is not upstream's -- the table's manifest-list digest for the tag, on a
    repository the table says copies upstream's digests (``digests: upstream``:
    registry.k8s.io itself, and mirrors that copy manifests unchanged) -- or, for a
    reference that pins ``tag@sha256:...``, the tag on the registry now points
    elsewhere than the pin.

Why it breaks
    Nothing fails at once, which is why it is a warning: the node runs an image that
    is not the one its name promises. A mirror that re-built or flattened the tag, an
    air-gapped copy made from another platform, or a tag moved under a pin means the
    fleet no longer runs one pause image, and digest pins elsewhere (admission
    policies, PL108) stop matching.

How to fix
    Re-copy the tag from upstream keeping its manifest list (``crane copy``,
    ``skopeo copy --all``), or, if the registry's content is intended, pin its digest.

Facts and sources
    ``pause_tags[].digest`` and ``repositories[].digests`` in data/compat.yaml (the
    registry.k8s.io promoter manifest); the registry's digest is its
    ``Docker-Content-Digest`` (or the manifest's sha256) as
    https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md defines it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding
from pauselint.rules.images import known_digest
from pauselint.rules.online import looked_up

ID = "PL114"
NAME = "digest-differs-from-upstream"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
# Runs only with --online: offline it is not counted among the rules that ran.
ONLINE = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """A warning where the served digest is not upstream's or not the pinned one."""
    from pauselint.online.results import Manifest

    for use, lookup in looked_up(ctx):
        served = lookup.served
        if served is None:
            continue
        where = lookup.served_by.shown
        if use.ref.digest:
            tag = lookup.tag
            if isinstance(tag, Manifest) and tag.digest != use.ref.digest:
                yield finding(_RULE, f"{use.ref.original} pins {use.ref.digest}, but tag "
                              f"{use.ref.tag} on {where} is now {tag.digest}: the tag was "
                              "moved or re-pushed since the pin was taken", use=use)
            continue
        known = known_digest(use, ctx.table)
        if known is None or served.digest == known:
            continue
        yield finding(_RULE, f"{use.ref.original} on {where} is {served.digest}, not "
                      f"upstream's {known} for tag {use.ref.tag}: the registry does not "
                      "serve a copy of the upstream image", use=use)
