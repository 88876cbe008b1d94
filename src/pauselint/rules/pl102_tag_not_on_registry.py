"""PL102 tag-not-on-registry: a real pause tag, but not on this registry.

What it finds
    A pause image whose tag was published upstream but never pushed to the repository
    it names: ``k8s.gcr.io/pause:3.10`` (3.10 was promoted in 2024, after k8s.gcr.io
    froze on 2023-04-03), or ``registry.k8s.io/pause-amd64:3.9`` (the per-arch
    repositories only carry 3.2 and 3.3).

    Repositories whose tag list is unknown, and vendor repositories whose list is known
    to be incomplete, are not judged. Tags that were never published anywhere are
    PL101's.

Why it breaks
    The pull fails with "not found", so the node cannot create any pod sandbox. It
    often shows up only after an upgrade bumps the tag, or when a new node joins and
    has no cached copy.

How to fix
    Use the same tag where it exists: the successor registry of a frozen one
    (``registry.k8s.io/pause:3.10``), or the multi-arch repository instead of a per-arch
    one (``registry.k8s.io/pause:3.9``). The finding's ``expected`` names it.

Facts and sources
    ``repositories`` in data/compat.yaml (tags per repository, ``frozen``,
    ``successor``, ``arch``) and ``pause_tags`` (promotion dates). Upstream: the
    promoter manifest kubernetes/k8s.io
    registry.k8s.io/images/k8s-staging-kubernetes/images.yaml @005f14191335 and
    @ecf019a88caa (the per-arch repositories ``pause-<arch>`` carry 3.2 and 3.3 only);
    the k8s.gcr.io freeze on 2023-04-03
    (https://kubernetes.io/de/blog/2023/03/10/k8s-gcr-io-freeze-announcement/):
    k8s.gcr.io holds only the tags promoted before it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.compat import CompatTable, Repository
from pauselint.imageref import arch_of_repository
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import ImageUse, RuleContext, finding
from pauselint.rules.images import checked_uses, lookup_tag, written_name

ID = "PL102"
NAME = "tag-not-on-registry"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report published tags missing from the repository's known tag list."""
    table = ctx.table
    for use in checked_uses(ctx):
        repository = table.repository(use.upstream.name)
        tag = lookup_tag(use)
        if repository is None or repository.tags is None or tag is None:
            continue
        if tag in repository.tags or use.upstream.tag in repository.tags:
            continue
        published = table.pause_tag(tag)
        if published is None or not repository.tags_complete:
            continue
        expected = _where_it_exists(table, use, repository, tag)
        reason = ""
        if repository.frozen and published.promoted and published.promoted > repository.frozen:
            reason = (f" (promoted {published.promoted}, after the repository froze on "
                      f"{repository.frozen})")
        advice = f"; use {expected}" if expected else ""
        yield finding(
            _RULE,
            f"{use.ref.original}: tag {tag} exists upstream but was never pushed to "
            f"{repository.name}{reason}{advice}",
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )


def _where_it_exists(table: CompatTable, use: ImageUse, repository: Repository,
                     tag: str) -> str | None:
    """The same tag on the successor registry, or on the multi-arch repository."""
    if repository.successor:
        successor = table.repository(repository.successor)
        if successor is not None and tag in (successor.tags or ()):
            return f"{successor.name}:{tag}"
    per_arch = arch_of_repository(use.upstream.name)
    written = arch_of_repository(written_name(use.ref))
    if per_arch is not None and written is not None:
        multi_arch = table.repository(per_arch[0])
        if multi_arch is not None and tag in (multi_arch.tags or ()):
            return f"{written[0]}:{tag}"
    return None
