"""Read ``registries.conf`` and its ``registries.conf.d`` drop-ins (CRI-O, podman).

CRI-O pulls through containers/image, which decides from these files which endpoints
a pull tries: the ``[[registry]]`` whose ``prefix`` matches the image best, its
``[[registry.mirror]]`` entries in order, then its ``location``. This module reads the
files as containers/image v5.36.1 does (``pkg/sysregistriesv2/system_registries_v2.go``)
and keeps where each entry is written; ``pauselint.pullpath`` walks them.

Facts from that file (function names are containers/image's):

* v2 format: ``[[registry]]`` with ``prefix`` (defaults to ``location``; ``*.example.com``
  matches subdomains), ``location`` (no ``http://`` or ``https://``: refused),
  ``insecure``, ``blocked``, ``mirror-by-digest-only``, and ``[[registry.mirror]]`` with
  ``location``, ``insecure``, ``pull-from-mirror`` (``all``, ``digest-only``,
  ``tag-only``; since v5.21.0); top-level ``unqualified-search-registries``.
* v1 format (``[registries.search]``, ``.insecure``, ``.block``, each ``registries = [...]``)
  is converted (``ConvertToV2``): a blocked or insecure registry becomes a
  ``[[registry]]`` with that flag and no mirror; search becomes the search list. A file
  mixing v1 and v2 is refused; a drop-in in v1 is refused (``loadConfigFile`` forceV2).
* In one file the first ``[[registry]]`` of a prefix wins, later ones are dropped
  (``postProcessRegistries``). Drop-ins are read after the main file, in lexical order
  of their names, ``*.conf`` only, no sub-folders (``dropInConfigs``); a drop-in's
  registry replaces the one of the same prefix whole, and its search list, when set,
  replaces the search list (``updateWithConfigurationFrom``).
* Refused files (a validation error above) make every pull through containers/image
  fail with that error: they are reported as errors, located where the value is.
"""


import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from pauselint.model import Component, ConfigFile, InputError, Location
from pauselint.records import NamedTuple
from pauselint.sources.containerd_hosts import scan
from pauselint.sources.source_text import SourceText
from pauselint.sources.toml_locator import (
    TomlPath,
    check_toml_limits,
    decode_error_line,
    parse_toml,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

CR_ONLY_LINE_ENDS = (
    "lines end in CR alone (old Mac): TOML allows only LF or CRLF, and containers/image's "
    "TOML parser refuses this file; entries are located as if the line ends were LF"
)
DROPIN_DIR_NAME = "registries.conf.d"
MAIN_NAME = "registries.conf"

PULL_FROM_MIRROR = ("all", "digest-only", "tag-only")


class MirrorEntry(NamedTuple):
    """One ``[[registry.mirror]]``: ``location`` says where (its value's place)."""

    location: str
    where: Location
    insecure: bool = False
    pull_from_mirror: str = ""


class RegistryEntry(NamedTuple):
    """One ``[[registry]]``, normalized as postProcessRegistries leaves it.

    ``prefix`` is the effective prefix (``location`` when none is written); ``where`` is
    the ``location`` value, else the ``prefix`` value, else the table header.
    ``origin`` is the file it came from (drop-ins replace whole entries).
    """

    prefix: str
    location: str
    where: Location
    origin: str
    insecure: bool = False
    blocked: bool = False
    mirror_by_digest_only: bool = False
    mirrors: tuple[MirrorEntry, ...] = ()


class RegistriesConf(NamedTuple):
    """One file's registries (``ConfigFile.structure`` of the reader).

    ``registries`` keeps the first entry of each prefix, in file order; ``search`` is
    None when the file does not set ``unqualified-search-registries``; ``format`` is
    ``"v2"``, ``"v1"`` or ``"empty"``. ``refusal`` is why containers/image refuses the
    file, if it does.
    """

    path: str
    format: str
    registries: tuple[RegistryEntry, ...] = ()
    search: tuple[str, ...] | None = None
    search_where: Location | None = None
    refusal: InputError | None = None
    dropped: tuple[RegistryEntry, ...] = ()

    def relocate(self, move: Callable[[Location], Location]) -> "RegistriesConf":
        """The same file with every place moved (text embedded in another file)."""
        def entry(e: RegistryEntry) -> RegistryEntry:
            return e._replace(where=move(e.where), mirrors=tuple(
                m._replace(where=move(m.where)) for m in e.mirrors))

        refusal = self.refusal
        if refusal is not None:
            moved = move(Location(refusal.path, refusal.line, refusal.column))
            refusal = refusal._replace(path=moved.path, line=moved.line,
                                       column=moved.column if refusal.column else None)
        return self._replace(registries=tuple(entry(e) for e in self.registries),
                       dropped=tuple(entry(e) for e in self.dropped),
                       search_where=None if self.search_where is None else move(self.search_where),
                       refusal=refusal)


class Registries(NamedTuple):
    """The effective configuration of one node's files, merged as containers/image does.

    ``registries`` sorted by prefix (as containers/image keeps them); ``refusals`` the
    errors that make every pull fail (any one refused file does).
    """

    registries: tuple[RegistryEntry, ...] = ()
    search: tuple[str, ...] = ()
    search_where: Location | None = None
    refusals: tuple[InputError, ...] = ()
    files: tuple[str, ...] = ()

    def find(self, name: str) -> RegistryEntry | None:
        """The registry with the longest prefix matching ``name`` (``FindRegistry``):
        the first of equal length in prefix order, as the sorted list gives it."""
        best: RegistryEntry | None = None
        for entry in self.registries:
            if matching_prefix(name, entry.prefix) != -1 and (
                    best is None or len(entry.prefix) > len(best.prefix)):
                best = entry
        return best


def matching_prefix(ref: str, prefix: str) -> int:
    """``refMatchingPrefix``: how much of ``ref`` ``prefix`` covers, -1 for no match.

    A prefix matches whole: the reference is the prefix, or continues with ``:``, ``/``
    or ``@`` (so ``example.com`` also matches ``example.com:5000``, which containers/image
    calls unintended). ``*.example.com`` matches any subdomain's host part.
    """
    if prefix.startswith("*."):
        index = ref.find(prefix[1:])
        if index == -1 or "/" in ref[:index]:
            return -1
        index += len(prefix) - 1
        return index if index == len(ref) or ref[index] in ":/@" else -1
    if len(ref) < len(prefix) or not ref.startswith(prefix):
        return -1
    if len(ref) == len(prefix):
        return len(prefix)
    return len(prefix) if ref[len(prefix)] in ":/@" else -1


def read_registries_conf(path: str, text: str, *, dropin: bool = False) -> ConfigFile:
    """Read one registries.conf (``dropin``: a registries.conf.d file, v2 only).

    Never raises. Invalid TOML and files containers/image refuses come back with an
    InputError (and ``structure.refusal`` for the latter); what could be read is kept.
    """
    text = text.removeprefix("\ufeff")
    limit = check_toml_limits(text)
    if limit is not None:
        error = InputError(path, limit.line, f"not read: {limit.message}")
        return _config(path, RegistriesConf(path, "empty", refusal=error))
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError as exc:
        error = InputError(path, decode_error_line(str(exc), text), f"invalid TOML: {exc}")
        return _config(path, RegistriesConf(path, "empty", refusal=error))
    except RecursionError:
        error = InputError(path, None, "too deeply nested to read")
        return _config(path, RegistriesConf(path, "empty", refusal=error))
    positions, headers = scan(text)
    header_at = {h.path: (h.line, h.column) for h in headers}

    def where(key_path: TomlPath) -> Location:
        line, column = positions.get(key_path, header_at.get(key_path, (None, None)))
        return Location(path, line, column)

    problems: list[InputError] = []

    def refuse(message: str, place: Location) -> None:
        problems.append(InputError(path, place.line, f"containers/image refuses this file: "
                                   f"{message}", place.column))

    v1 = data.get("registries")
    v2_keys = [k for k in data if k != "registries"]
    has_v1 = isinstance(v1, dict) and any(isinstance(v1.get(t), dict) and "registries" in v1[t]
                                          for t in ("search", "insecure", "block"))
    if has_v1:
        v1_where = _table_where(path, positions, headers, "registries")
        if dropin:
            refuse("a drop-in must be in the v2 format, this one is v1", v1_where)
        elif "registry" in data or "unqualified-search-registries" in data:
            refuse("it mixes the v1 ([registries.search]) and v2 ([[registry]]) formats",
                   v1_where)
        structure = _from_v1(path, v1, where, refuse)
    else:
        structure = _from_v2(path, data, where, refuse)
        if not v2_keys:
            structure = structure._replace(format="empty")
    structure = structure._replace(refusal=problems[0] if problems else None)
    return _config(path, structure, errors=tuple(problems))


def _table_where(path: str, positions: dict[TomlPath, tuple[int, int]], headers: list[Any],
                 key: str) -> Location:
    """Where the first header or value under top-level ``key`` is written."""
    places = [pos for p, pos in positions.items() if p and p[0] == key]
    places += [(h.line, h.column) for h in headers if h.path and h.path[0] == key]
    line, column = min(places, default=(None, None))
    return Location(path, line, column)


def _location_value(value: object, key: str, place: Location,
                    refuse: Callable[[str, Location], None]) -> str:
    """``parseLocation``: trailing slashes dropped, a URI scheme refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        refuse(f"{key} must be a string", place)
        return ""
    trimmed = value.rstrip("/")
    if trimmed.startswith(("http://", "https://")):
        refuse(f"invalid {key} {value!r}: URI schemes are not supported", place)
    return trimmed


def _flag(table: dict[str, Any], key: str, place: Location,
          refuse: Callable[[str, Location], None]) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        refuse(f"{key} must be true or false", place)
        return False
    return value


def _from_v2(path: str, data: dict[str, Any], where: Callable[[TomlPath], Location],
             refuse: Callable[[str, Location], None]) -> RegistriesConf:
    entries: list[RegistryEntry] = []
    raw = data.get("registry", [])
    if not isinstance(raw, list):
        refuse("registry must be an array of tables ([[registry]])", where(("registry",)))
        raw = []
    for index, table in enumerate(raw):
        base: TomlPath = ("registry", index)
        if not isinstance(table, dict):
            refuse("each [[registry]] must be a table", where(base))
            continue
        location = _location_value(table.get("location"), "location",
                                   where((*base, "location")), refuse)
        written_prefix = table.get("prefix")
        place = (where((*base, "location")) if "location" in table
                 else where((*base, "prefix")) if "prefix" in table else where(base))
        if not written_prefix:
            if not location:
                refuse("both location and prefix are unset", place)
            prefix = location
        else:
            prefix = _location_value(written_prefix, "prefix", where((*base, "prefix")), refuse)
            if not prefix.startswith("*.") and not location:
                refuse("location is unset and prefix is not in the format *.example.com", place)
            if prefix.startswith("*.") and any(c in prefix for c in "/@:"):
                refuse(f"wildcarded prefix {prefix!r} must be in the format *.example.com",
                       where((*base, "prefix")))
        if "pull-from-mirror" in table:
            refuse(f"pull-from-mirror must not be set for a non-mirror registry {prefix!r}",
                   where((*base, "pull-from-mirror")))
        by_digest = _flag(table, "mirror-by-digest-only", place, refuse)
        mirrors: list[MirrorEntry] = []
        raw_mirrors = table.get("mirror", [])
        for m_index, mirror in enumerate(raw_mirrors if isinstance(raw_mirrors, list) else []):
            m_base: TomlPath = (*base, "mirror", m_index)
            if not isinstance(mirror, dict):
                refuse("each [[registry.mirror]] must be a table", where(m_base))
                continue
            m_place = where((*m_base, "location")) if "location" in mirror else where(m_base)
            m_location = _location_value(mirror.get("location"), "location", m_place, refuse)
            if not m_location:
                refuse("mirror location is unset", m_place)
            pull_from = mirror.get("pull-from-mirror", "")
            if pull_from and by_digest:
                refuse(f"mirror-by-digest-only for the registry ({prefix!r}) and "
                       f"pull-from-mirror for a mirror ({m_location!r}) at the same time",
                       where((*m_base, "pull-from-mirror")))
            if pull_from and pull_from not in PULL_FROM_MIRROR:
                refuse(f"unsupported pull-from-mirror value {pull_from!r} for mirror "
                       f"{m_location!r}", where((*m_base, "pull-from-mirror")))
            mirrors.append(MirrorEntry(m_location, m_place,
                                       _flag(mirror, "insecure", m_place, refuse),
                                       pull_from if isinstance(pull_from, str) else ""))
        entries.append(RegistryEntry(
            prefix=prefix, location=location, where=place, origin=path,
            insecure=_flag(table, "insecure", place, refuse),
            blocked=_flag(table, "blocked", place, refuse),
            mirror_by_digest_only=by_digest, mirrors=tuple(mirrors)))
    _check_conflicts(entries, refuse)
    kept, dropped = _first_per_prefix(entries)
    search, search_where = None, None
    if "unqualified-search-registries" in data:
        raw_search = data["unqualified-search-registries"]
        search_where = where(("unqualified-search-registries",))
        if not isinstance(raw_search, list) or not all(isinstance(s, str) for s in raw_search):
            refuse("unqualified-search-registries must be a list of host[:port]", search_where)
            raw_search = []
        search = tuple(_location_value(s, "unqualified-search-registries entry",
                                       search_where, refuse) for s in raw_search)
    return RegistriesConf(path, "v2", kept, search, search_where, dropped=dropped)


def _check_conflicts(entries: list[RegistryEntry],
                     refuse: Callable[[str, Location], None]) -> None:
    """One location written twice with different ``insecure``/``blocked`` is refused."""
    seen: dict[str, RegistryEntry] = {}
    for entry in entries:
        key = entry.location or entry.prefix
        other = seen.setdefault(key, entry)
        for flag in ("insecure", "blocked"):
            if getattr(other, flag) != getattr(entry, flag):
                refuse(f"registry {entry.location!r} is defined multiple times with "
                       f"conflicting {flag!r} setting", entry.where)


def _first_per_prefix(entries: list[RegistryEntry]) -> tuple[tuple[RegistryEntry, ...],
                                                           tuple[RegistryEntry, ...]]:
    kept: dict[str, RegistryEntry] = {}
    dropped = []
    for entry in entries:
        if entry.prefix in kept:
            dropped.append(entry)
        else:
            kept[entry.prefix] = entry
    return tuple(kept.values()), tuple(dropped)


def _from_v1(path: str, v1: dict[str, Any], where: Callable[[TomlPath], Location],
             refuse: Callable[[str, Location], None]) -> RegistriesConf:
    """``ConvertToV2``: blocked and insecure registries become entries, in that order."""
    order: dict[str, RegistryEntry] = {}
    for table, flag in (("block", "blocked"), ("insecure", "insecure")):
        names = v1.get(table, {}).get("registries", []) if isinstance(v1.get(table), dict) else []
        for index, name in enumerate(names if isinstance(names, list) else []):
            place = where(("registries", table, "registries", index))
            location = _location_value(name, "location", place, refuse)
            entry = order.get(location) or RegistryEntry(location, location, place, path)
            order[location] = entry._replace(**{flag: True})
    search_table = v1.get("search")
    search, search_where = None, None
    if isinstance(search_table, dict) and "registries" in search_table:
        search_where = where(("registries", "search", "registries"))
        names = search_table["registries"]
        search = tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else ()
    return RegistriesConf(path, "v1", tuple(order.values()), search, search_where)


def merge(main: RegistriesConf | None, dropins: Sequence[RegistriesConf]) -> Registries:
    """The node's effective registries: the main file, then each drop-in by name.

    Callers may pass drop-ins in any order; they are applied sorted by file name (Go's
    WalkDir reads a folder in lexical order). A refused file refuses the whole set.
    """
    ordered = ([main] if main is not None else []) + sorted(
        dropins, key=lambda f: (os.path.basename(f.path), f.path))
    by_prefix: dict[str, RegistryEntry] = {}
    search: tuple[str, ...] = ()
    search_where: Location | None = None
    refusals = []
    for conf in ordered:
        if conf.refusal is not None:
            refusals.append(conf.refusal)
        for entry in conf.registries:
            by_prefix[entry.prefix] = entry
        if conf.search is not None:
            search, search_where = conf.search, conf.search_where
    registries = tuple(by_prefix[p] for p in sorted(by_prefix))
    return Registries(registries, search, search_where, tuple(refusals),
                      tuple(c.path for c in ordered))


def _config(path: str, structure: RegistriesConf,
            errors: tuple[InputError, ...] = ()) -> ConfigFile:
    """The ConfigFile of one registries.conf. ``parsed`` stays True even for invalid
    TOML: the file never sets CRI-O's pause image, so it must not make that unknown
    (``NodeFacts.unread_config``); its refusal is an error and fails every pull."""
    if not errors and structure.refusal is not None:
        errors = (structure.refusal,)
    return ConfigFile(path=path, component=Component.CRIO, errors=errors,
                      structure=structure)


# --- the reader protocol (sources/registry.py) ------------------------------------


def is_dropin(path: str) -> bool:
    """Whether ``path`` is a registries.conf.d drop-in (read only when it ends in .conf)."""
    parent = os.path.basename(os.path.dirname(path.replace("\\", "/")))
    return parent == DROPIN_DIR_NAME


def read_source(source: SourceText) -> ConfigFile:
    """:func:`read_registries_conf` on a SourceText, positions in the file to report."""
    dropin = is_dropin(source.where_on_node)
    return source.relocate(read_registries_conf(source.path, source.text, dropin=dropin))
