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
    each carries, ``tag_suffixes`` for a mirror's per-arch scheme) in data/compat.yaml;
    pause-facts.md §3.1 (3.4 never promoted), §3.3 (per-arch tags not promoted),
    §4.2 (tags per registry), §9 item 6.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from packaging.version import InvalidVersion, Version

from pauselint.compat import CompatTable, Repository
from pauselint.imageref import ImageRef, tag_suffix
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import ImageUse, RuleContext, finding
from pauselint.rules.pl111_short_name import is_docker_hub_short_name

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


def checked_uses(ctx: RuleContext) -> Iterator[ImageUse]:
    """Pause image uses with a fixed tag that name the Kubernetes image (or a copy).

    Floating tags are PL104's and Docker Hub short names PL111's: the tag facts in the
    table do not describe the images those names pull.
    """
    for use in ctx.images:
        if not ctx.table.is_pause_image(use.ref) or is_docker_hub_short_name(use, ctx.table):
            continue
        if ctx.table.is_floating_tag(use.ref.tag):
            continue
        yield use


def unknown_repository_skip(rule_id: str, use: ImageUse, table: CompatTable) -> Skip:
    """The skip for a repository the table does not describe (deduplicated by the engine)."""
    host = use.upstream.registry
    if table.knows_registry(host):
        name = use.upstream.name
        return Skip(rule=rule_id, reason=f"repository {name} is not in the compat table")
    return Skip(rule=rule_id, reason=f"registry {host} is not in the compat table")


def mirror_suffix(use: ImageUse) -> str | None:
    """The mirror's own per-arch suffix on the tag (``-linuxarm64``), if it has one."""
    tag = use.ref.tag
    if use.mirror is None or tag is None:
        return None
    for suffix in use.mirror.tag_suffixes:
        if tag.endswith(suffix) and len(tag) > len(suffix):
            return suffix
    return None


def lookup_tag(use: ImageUse) -> str | None:
    """The tag to look up in the table: the tag as written, minus a mirror's own suffix.

    Upstream-style per-platform suffixes (``3.9-linux-arm64``) are kept: those tags
    were never promoted, so they must not be mistaken for the multi-arch tag.
    """
    tag = use.upstream.tag
    suffix = mirror_suffix(use)
    if tag is None or suffix is None:
        return tag
    return tag[: -len(suffix)]


def written_name(ref: ImageRef) -> str:
    """The image name as the user wrote it, without tag and digest (keeps their registry)."""
    text = ref.original.partition("@")[0]
    if ref.tag is not None:
        text = text[: -(len(ref.tag) + 1)]
    return text


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
