"""What `pauselint registry REPOSITORY` prints: a repository's pause tags as the
registry serves them, beside what the compat table says upstream publishes.

A mirror's users ask three things of each tag: is it there, for my platform, and is it
the image upstream published. The registry answers the first two (digest, media type,
platforms); the table answers what upstream has (its tags' manifest-list digests and
per-architecture facts, :mod:`pauselint.compat`). This module puts them side by side
and renders the result; it asks nothing of the network (the command does) and reads
no file.

A digest is compared only where the comparison means something: on a repository the
table says serves upstream's digests (``digests: upstream``: registry.k8s.io itself,
its frozen predecessor, a mirror that copies byte for byte). Everywhere else a
different digest is expected -- a re-push, a re-build, a per-arch copy -- so the row
says "not a copy: not compared" instead of raising a false alarm.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pauselint.imageref import ImageRef, tag_suffix
from pauselint.report.escaping import printable

if TYPE_CHECKING:
    from pauselint.compat import CompatTable, PauseTag
    from pauselint.online.results import Failure, Manifest, RemotePlatform

SCHEMA = 1
# What a pause release tag looks like (3.9, 3.10.2, v3.1): the registry's other tags
# (latest, go, test, sha256-....sig) are left out unless --all-tags.
_VERSION = re.compile(r"v?[0-9]+\.[0-9]+(?:\.[0-9]+)?")
_ORDER = re.compile(r"v?([0-9]+(?:\.[0-9]+)*)(.*)")
# Upstream's Windows images are all amd64 (the pause Makefile builds no other).
_WINDOWS_ARCH = "amd64"
SHORT_DIGEST = 12

# digest_check values, and what the text form says for each.
SAME, DIFFERS, NOT_A_COPY, NO_UPSTREAM_DIGEST, NOT_ASKED = (
    "same", "differs", "not-a-copy", "no-upstream-digest", "not-asked")
CHECK_TEXT = {
    SAME: "same as upstream",
    DIFFERS: "DIFFERS from upstream",
    NOT_A_COPY: "not a copy: not compared",
    NO_UPSTREAM_DIGEST: "no upstream digest to compare",
    NOT_ASKED: "-",
}


@dataclass(frozen=True, slots=True)
class UpstreamFacts:
    """What the table says about the listed repository as a copy of upstream.

    ``copies_digests``: its tags must have upstream's manifest-list digests.
    ``arch``: a per-architecture repository (``pause-arm64``), which serves one
    platform per tag and has digests of its own. ``note`` is one line saying which.
    """

    repository: str | None
    copies_digests: bool
    arch: str | None
    note: str


@dataclass(frozen=True, slots=True)
class TagRow:
    """One listed tag: the registry's answer (or why there is none) beside upstream's.

    ``lacks`` is None when the table has no facts for the tag (unknown), else the
    platforms upstream's tag has that this one does not, as ``linux/arm64`` or
    ``windows/amd64:ltsc2022`` (the table's Windows version names).
    """

    tag: str
    manifest: Manifest | None
    failure: Failure | None
    upstream_tag: str | None
    upstream_digest: str | None
    digest_check: str
    lacks: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Listing:
    """The whole answer for one repository (``failure``: the tag list could not be had)."""

    repository: str
    host: str
    name: str
    plain_http: bool
    table_date: str
    upstream: UpstreamFacts
    tags_listed: int
    pages: int
    all_tags: bool
    rows: tuple[TagRow, ...]
    failure: Failure | None = None


def is_pause_like(tag: str, table: CompatTable) -> bool:
    """A tag the table knows, a release-looking tag, or a per-platform variant of one
    (``3.9-linuxarm64``, ``3.5-windows-1809-amd64``): what a pause mirror carries."""
    if table.pause_tag(tag) is not None or _VERSION.fullmatch(tag):
        return True
    suffix = tag_suffix(tag)
    return (suffix is not None and bool(_VERSION.fullmatch(suffix.base))
            and (suffix.os is not None or suffix.arch is not None))


def tag_order(tag: str) -> tuple[int, tuple[int, ...], str, str]:
    """Release tags oldest first (3.9 before 3.10), each followed by its variants;
    every other tag after them, alphabetically."""
    match = _ORDER.fullmatch(tag)
    if match is None:
        return (1, (), "", tag)
    return (0, tuple(int(part) for part in match[1].split(".")), match[2], tag)


def upstream_facts(table: CompatTable, ref: ImageRef) -> UpstreamFacts:
    """Whether the table says ``ref``'s repository copies upstream's digests, and why."""
    resolved, mirror = table.resolve(ref)
    entry = table.repository(resolved.name)
    if mirror is not None:
        if entry is None:
            return UpstreamFacts(resolved.name, False, None,
                                 f"a mirror of {resolved.name} per the compat table, which "
                                 "does not describe that repository: digests not compared")
        copies = mirror.upstream_digests and entry.upstream_digests
        said = "copies its digests" if copies else "does not say it copies its digests"
        return UpstreamFacts(resolved.name, copies, entry.arch,
                             f"a mirror of {resolved.name} that the compat table {said}")
    if entry is not None:
        said = ("serves upstream's digests" if entry.upstream_digests
                else "is not a copy of upstream's digests")
        return UpstreamFacts(entry.name, entry.upstream_digests, entry.arch,
                             f"in the compat table, which says it {said}")
    return UpstreamFacts(None, False, None,
                         "not in the compat table: digests not compared (a compat-overlay "
                         "repository with `digests: upstream` says it copies upstream's)")


def tag_row(table: CompatTable, upstream: UpstreamFacts, tag: str,
            answer: Manifest | Failure) -> TagRow:
    """One tag's row: the answer beside the upstream tag's digest and platforms."""
    from pauselint.online.results import Failure

    suffix = tag_suffix(tag)
    variant = suffix is not None and (suffix.os is not None or suffix.arch is not None)
    base = suffix.base if variant and suffix is not None else tag
    pause = table.pause_tag(base)
    # The table's digest is that of upstream's multi-platform index: a per-platform tag
    # or a per-arch repository has another, which the table does not hold.
    digest = pause.digest if pause is not None and not variant and not upstream.arch else None
    if isinstance(answer, Failure):
        return TagRow(tag, None, answer, base if pause else None, digest, NOT_ASKED, None)
    if not upstream.copies_digests:
        check = NOT_A_COPY
    elif digest is None:
        check = NO_UPSTREAM_DIGEST
    else:
        check = SAME if answer.digest == digest else DIFFERS
    lacks = None
    if pause is not None:
        present = set(_named(table, answer.platforms))
        lacks = tuple(p for p in _expected(table, pause, upstream, suffix if variant else None)
                      if p not in present)
    return TagRow(tag, answer, None, base if pause else None, digest, check, lacks)


def _expected(table: CompatTable, pause: PauseTag, upstream: UpstreamFacts,
              suffix: Any) -> list[str]:
    """The platforms upstream's tag has that this tag should have too: all of them,
    or the one a per-platform tag or per-arch repository names."""
    linux = [f"linux/{arch}" for arch in pause.linux]
    windows = [f"windows/{_WINDOWS_ARCH}:{table.windows_version(w) or w}" for w in pause.windows]
    if suffix is not None:
        os_name = suffix.os or ("windows" if suffix.os_version else "linux")
        if os_name == "windows":
            wanted = table.windows_version(suffix.os_version) if suffix.os_version else None
            return [w for w in windows
                    if (wanted is None or w.endswith(f":{wanted}"))
                    and (suffix.arch in (None, _WINDOWS_ARCH))]
        return [p for p in linux if suffix.arch is None or p == f"linux/{suffix.arch}"]
    if upstream.arch:
        return [p for p in linux if p == f"linux/{upstream.arch}"]
    return linux + windows


def _named(table: CompatTable, platforms: Iterable[RemotePlatform]) -> Iterable[str]:
    """Platforms as :func:`_expected` names them: Linux by architecture (upstream's
    facts carry no arm variant), Windows by the table's name for its OS build."""
    for platform in platforms:
        if platform.os == "linux":
            yield f"linux/{platform.architecture}"
        elif platform.os == "windows" and platform.os_version:
            name = (table.windows_version_for_build(platform.os_version)
                    or table.windows_version(platform.os_version))
            if name:
                yield f"windows/{platform.architecture}:{name}"


# --- JSON -------------------------------------------------------------------------------

def listing_document(listing: Listing) -> dict[str, Any]:
    """The JSON form (tests/schemas/registry.schema.json): digests whole, platforms as
    their fields, every value the text form shortens or words given as data."""
    return {
        "schema": SCHEMA,
        "repository": listing.repository,
        "host": listing.host,
        "name": listing.name,
        "plain_http": listing.plain_http,
        "compat_table_date": listing.table_date,
        "upstream": {"repository": listing.upstream.repository,
                     "copies_digests": listing.upstream.copies_digests,
                     "arch": listing.upstream.arch, "note": listing.upstream.note},
        "tags_listed": listing.tags_listed,
        "pages": listing.pages,
        "all_tags": listing.all_tags,
        "failure": _failure(listing.failure),
        "tags": [_row_document(row) for row in listing.rows],
    }


def _failure(failure: Failure | None) -> dict[str, str] | None:
    if failure is None:
        return None
    return {"kind": failure.kind.value, "host": failure.host, "reason": failure.reason}


def _row_document(row: TagRow) -> dict[str, Any]:
    manifest = row.manifest
    return {
        "tag": row.tag,
        "digest": manifest.digest if manifest else None,
        "media_type": manifest.media_type if manifest else None,
        "is_index": manifest.is_index if manifest else None,
        "platforms": [{"os": p.os, "architecture": p.architecture, "variant": p.variant,
                       "os_version": p.os_version} for p in manifest.platforms]
        if manifest else None,
        "upstream_tag": row.upstream_tag,
        "upstream_digest": row.upstream_digest,
        "digest_check": row.digest_check,
        "lacks": list(row.lacks) if row.lacks is not None else None,
        "failure": _failure(row.failure),
    }


# --- text -------------------------------------------------------------------------------

HEADERS = ("TAG", "TYPE", "DIGEST", "PLATFORMS", "UPSTREAM DIGEST", "DIGEST CHECK",
           "UPSTREAM HAS, THIS LACKS")


def render_listing(listing: Listing) -> str:
    """The text form: two lines saying what was asked and what is compared, then one
    aligned row per tag (digests shortened to their first 12 hex digits). A registry's
    text (tags, media types) is shown escaped, cell by cell, so columns stay aligned."""
    shown = len(listing.rows)
    scheme = " (plain HTTP)" if listing.plain_http else ""
    which = "tags" if listing.all_tags else "pause tags"
    lines = [f"{listing.repository}{scheme}: {shown} {which} of {listing.tags_listed} listed"
             + ("" if listing.all_tags or shown == listing.tags_listed
                else " (--all-tags shows every one)"),
             f"{listing.repository}: {listing.upstream.note}; upstream facts from the compat "
             f"table of {listing.table_date}"]
    lines = [printable(line) for line in lines]
    if not listing.rows:
        return "\n".join(lines)
    lines.append("")
    lines += aligned([HEADERS, *(tuple(printable(cell) for cell in _row_cells(row))
                                 for row in listing.rows)])
    return "\n".join(lines)


def _row_cells(row: TagRow) -> tuple[str, ...]:
    lacks = ("unknown (tag not in the compat table)" if row.lacks is None and row.manifest
             else "-" if row.lacks is None else ", ".join(row.lacks) or "nothing")
    upstream = short(row.upstream_digest) if row.upstream_digest else "-"
    if row.manifest is None:
        failure = row.failure
        kind = failure.kind.value if failure is not None else "?"
        return (row.tag, f"error: {kind}", "-", "-", upstream, CHECK_TEXT[row.digest_check],
                lacks)
    platforms = ", ".join(str(p) for p in row.manifest.platforms) or "none stated"
    return (row.tag, kind_of(row.manifest), short(row.manifest.digest), platforms, upstream,
            CHECK_TEXT[row.digest_check], lacks)


def kind_of(manifest: Manifest) -> str:
    """``index (OCI)``, ``list (Docker)``, ``manifest (OCI)``, ``manifest (Docker)``,
    or the media type itself for anything else."""
    from pauselint.online import distribution as api

    return {api.OCI_INDEX: "index (OCI)", api.DOCKER_LIST: "list (Docker)",
            api.OCI_MANIFEST: "manifest (OCI)",
            api.DOCKER_MANIFEST: "manifest (Docker)"}.get(manifest.media_type,
                                                           manifest.media_type or "?")


def short(digest: str) -> str:
    """``sha256:`` and the first 12 hex digits: enough to tell digests apart by eye."""
    algorithm, _, hexits = digest.partition(":")
    return f"{algorithm}:{hexits[:SHORT_DIGEST]}" if hexits else digest


def aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as columns two spaces apart, each as wide as its widest cell; the last
    column is not padded, so no line ends in spaces."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)),
                       row[-1]]) for row in rows]
