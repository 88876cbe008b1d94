"""PL101 unknown-tag: the pause tag was never published for that repository.

What it finds
    A pause image whose tag does not exist in the repository it names:
    ``registry.k8s.io/pause:3.4`` (3.4 was never promoted; 3.4.1 was),
    ``registry.k8s.io/pause:3.11`` (no such release), or
    ``registry.k8s.io/pause:3.9-linux-arm64`` (per-platform tags are staging builds;
    only the multi-arch tag is promoted).

    A mirror the table describes is judged by its own tag scheme: on a mirror that
    publishes ``-linuxarm64`` copies, ``3.9-linuxarm64`` is fine because 3.9 is.
    Repositories whose tag list is unknown, and vendor repositories whose list is
    known to be incomplete, are not judged. For a registry the table does not know
    at all the rule is skipped, not guessed. A missing tag or ``latest`` is PL104's.

Why it breaks
    The runtime cannot pull the sandbox image, so no pod can start on the node
    ("failed to get sandbox image ... not found"). On a node that still has the image
    cached it works until the image is garbage-collected or the node is replaced.

How to fix
    Use a published tag: the finding's ``expected`` keeps your registry and names the
    published tag of the same release line (``3.4`` -> ``3.4.1``) or the multi-arch
    tag (``3.9-linux-arm64`` -> ``3.9``). Check ``pauselint table`` for the tags
    each repository carries.

Facts and sources
    ``pause_tags`` (every published tag) and ``repositories``/``mirrors`` (which tags
    each carries, ``tag_suffixes`` for a mirror's per-arch scheme) in data/compat.yaml.
    Upstream: the registry.k8s.io promoter manifest, kubernetes/k8s.io
    registry.k8s.io/images/k8s-staging-kubernetes/images.yaml @ecf019a88caa (its
    ``pause`` entry has no 3.4 and no per-arch tags such as ``3.9-linux-amd64``);
    kubernetes/kubernetes build/pause/CHANGELOG.md; 3.10.1 promoted in July 2025
    (https://github.com/kubernetes/k8s.io/pull/8261); k8s.gcr.io frozen on 2023-04-03
    (https://kubernetes.io/de/blog/2023/03/10/k8s-gcr-io-freeze-announcement/), so 3.10
    and later were never pushed there.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from packaging.version import InvalidVersion, Version

from pauselint.compat import CompatTable, Repository
from pauselint.imageref import tag_suffix
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import ImageUse, RuleContext, finding
from pauselint.rules.images import checked_uses, lookup_tag, mirror_suffix, written_name

ID = "PL101"
NAME = "unknown-tag"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Look every pause image's tag up in the table's list for its repository."""
    table = ctx.table
    for use in checked_uses(ctx):
        repository = table.repository(use.upstream.name)
        if repository is None:
            yield unknown_repository_skip(ID, use, table)
            continue
        tag = lookup_tag(use)
        tags = repository.tags
        if tags is None or tag is None or use.upstream.tag in tags or tag in tags:
            continue
        if table.pause_tag(tag) is not None or not repository.tags_complete:
            continue  # published upstream: PL102's question; incomplete list: unknown
        replacement = _replacement_tag(table, repository, tag)
        expected = None
        if replacement is not None:
            expected = f"{written_name(use.ref)}:{replacement}{mirror_suffix(use) or ''}"
        if expected is not None:
            advice = f"; use {expected}"
        else:
            advice = f"; the newest tag it carries is {_newest(table, repository)}"
        yield finding(
            _RULE,
            f"{use.ref.original}: tag {use.ref.tag} was never published for "
            f"{repository.name}{_why(tag)}{advice}",
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )


def unknown_repository_skip(rule_id: str, use: ImageUse, table: CompatTable) -> Skip:
    """The skip for a repository the table does not describe (deduplicated by the engine)."""
    host = use.upstream.registry
    if table.knows_registry(host):
        name = use.upstream.name
        return Skip(rule=rule_id, reason=f"repository {name} is not in the compat table")
    return Skip(rule=rule_id, reason=f"registry {host} is not in the compat table")


def _replacement_tag(table: CompatTable, repository: Repository, tag: str) -> str | None:
    """A published tag the writer most likely meant, or None when there is no clear one."""
    carried = [t.tag for t in table.pause_tags() if t.tag in (repository.tags or ())]
    split = tag_suffix(tag)
    if split is not None and split.base in carried:
        return split.base  # a per-platform tag of a published multi-arch tag
    wanted = _version(tag)
    if wanted is None:
        return None
    for candidate in carried:  # ascending: the first patch of the same line
        version = _version(candidate)
        if version is not None and version.release[:2] == wanted.release[:2] and version > wanted:
            return candidate
    return None


def _newest(table: CompatTable, repository: Repository) -> str:
    carried = [t.tag for t in table.pause_tags() if t.tag in (repository.tags or ())]
    return carried[-1] if carried else ", ".join(repository.tags or ())


def _why(tag: str) -> str:
    if tag_suffix(tag) is not None:
        return " (per-platform tags are staging builds; only the multi-arch tag is published)"
    return ""


def _version(tag: str) -> Version | None:
    try:
        return Version(tag)
    except InvalidVersion:
        return None
