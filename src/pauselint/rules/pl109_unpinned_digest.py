"""PL109 unpinned-digest: the pause image is not pinned by digest.

What it finds
    Any pause image without an ``@sha256:...`` digest. Off by default: enable it
    (``--enable PL109`` or ``enable: [PL109]``) when your supply-chain policy requires
    every image to be pinned by digest.

Why it breaks
    Nothing breaks today. A tag can be re-pointed by whoever controls the registry or
    mirror, so the node may run a different sandbox image than the one you reviewed,
    and nodes pulling on different days may differ.

How to fix
    Append the manifest-list digest of the tag: the finding's ``expected`` gives
    ``<name>:<tag>@<digest>`` when the table knows the digest and your registry serves
    upstream's digests; otherwise resolve it with ``crane digest`` or ``skopeo
    inspect``. Keep the tag for readability: runtimes pull by the digest.

Facts and sources
    ``pause_tags`` ``digest`` and ``digests: upstream`` on ``repositories``/``mirrors``
    in data/compat.yaml. Upstream: the manifest-list digests of the registry.k8s.io
    promoter manifest, kubernetes/k8s.io
    registry.k8s.io/images/k8s-staging-kubernetes/images.yaml @005f14191335 and
    @ecf019a88caa.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding
from pauselint.rules.images import is_docker_hub_short_name, known_digest, written_name

ID = "PL109"
NAME = "unpinned-digest"
SEVERITY = Severity.INFO
DEFAULT_ENABLED = False
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report every pause image without a digest."""
    table = ctx.table
    for use in ctx.images:
        if not table.is_pause_image(use.ref) or use.ref.digest is not None:
            continue
        known = None
        if not is_docker_hub_short_name(use, table) and not table.is_floating_tag(use.ref.tag):
            known = known_digest(use, table)
        expected = f"{written_name(use.ref)}:{use.ref.tag}@{known}" if known else None
        advice = f"; use {expected}" if expected else "; append the tag's digest"
        yield finding(
            _RULE,
            f"{use.ref.original} is not pinned by digest, so the registry decides which "
            f"image the tag means{advice}",
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )
