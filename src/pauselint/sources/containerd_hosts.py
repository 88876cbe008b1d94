"""Read containerd's registry host configuration: ``hosts.toml`` and ``registry`` in config.toml.

Where a pause image is pulled from is not the registry its name says when the node has
a mirror: containerd's CRI plugin looks the registry host up under ``config_path``
(``<root>/<host>/hosts.toml``) or, the older way, in ``registry.mirrors`` of its own
config. This module reads both as containerd does and keeps where each entry is
written; ``pauselint.pullpath`` turns them into the endpoints a pull tries.

Facts, from containerd's source at the tags named:

* ``hosts.toml`` (``remotes/docker/config/hosts.go`` at v1.7.24, moved to
  ``core/remotes/docker/config/hosts.go`` at v2.1.9): ``[host."<url>"]`` tables are
  tried in the order they are written, then the top-level ``server`` -- the registry
  itself when ``server`` is absent. Keys per host: ``capabilities`` (pull, resolve,
  push; all three when unset), ``ca``, ``client``, ``skip_verify``, ``header``,
  ``override_path``; ``dial_timeout`` from 2.0. A host without a scheme is https; a
  path without ``/v2`` gets it unless ``override_path``.
* A file containerd cannot decode (bad TOML, a wrong type, an unknown capability) is
  not an error for the pull: ``loadHostDir`` logs it and falls back to the folder's
  certificate files, so pulls go to the registry itself. Before v1.7.32 (and in every
  1.6) a file with no ``[host]`` table at all is such a file (``getSortedHosts``:
  "invalid `host` tree"), ``server`` included -- fixed by containerd 24007441d.
* The order: 1.x sorts the ``host`` keys by their table's line (go-toml v1); 2.x walks
  the table headers (go-toml v2 ``unstable.Parser``) and appends a host each time the
  header's host differs from the previous header's, so ``[host.a]``, ``[host.b]``,
  ``[host.a.header]`` tries ``a`` twice, and a host written only as an inline table or
  dotted key is never tried.
* ``registry`` in config.toml (``pkg/cri/config/config.go`` v1.7.24,
  ``internal/cri/config/config.go`` v2.1.9): ``config_path`` is a path list
  (``filepath.SplitList``); ``mirrors."<host>".endpoint`` is deprecated and is an error
  together with a ``config_path`` (the CRI plugin does not load: "`mirrors` cannot be set
  when `config_path` is provided"), and so is ``configs."<host>".tls`` in 1.x; 2.x has
  no ``tls`` there at all.
"""


import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

from pauselint.model import Component, ConfigFile, InputError, Location
from pauselint.records import NamedTuple
from pauselint.sources.source_text import RepeatsRemembered, SourceText, moved
from pauselint.sources.toml_locator import (
    BareCRs,
    TomlPath,
    _Scanner,
    bare_crs,
    check_toml_limits,
    decode_error_line,
    locate_values,
    parse_toml,
    value_at,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

CAPABILITIES = ("pull", "resolve", "push")
# The folder containerd falls back to for any registry without a folder of its own.
DEFAULT_FOLDER = "_default"
HOSTS_FILE = "hosts.toml"

# Releases are compared as (major, minor, patch).
Release = tuple[int, int, int]
# containerd 24007441d: a hosts.toml without [host] tables is read (1.7.32, 2.0.0).
SERVER_ONLY_READ_FROM_17 = (1, 7, 32)
SERVER_ONLY_READ_FROM_2 = (2, 0, 0)

_GO_DURATION = re.compile(r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|[-+]?0")


def parse_release(text: str) -> Release:
    """``"1.7.24"`` (a leading ``v`` and any ``-rc.1`` suffix dropped) as a tuple."""
    core = text.strip().lstrip("v").split("-", 1)[0].split("+", 1)[0]
    parts = [int(p) for p in re.findall(r"\d+", core)[:3]]
    while len(parts) < 3:
        parts.append(0)
    return (parts[0], parts[1], parts[2])


def reads_server_only(release: Release) -> bool:
    """Whether this containerd reads a hosts.toml that has no ``[host]`` table."""
    if release[0] >= 2:
        return release >= SERVER_ONLY_READ_FROM_2
    return release >= SERVER_ONLY_READ_FROM_17


class Problem(NamedTuple):
    """Why containerd would not use a hosts.toml: it logs this and ignores the file.

    ``releases`` is ``"all"``, ``"1.x"`` (releases that reject a file without a
    ``[host]`` table) or ``"2.x"`` (a key only 2.x decodes, such as ``dial_timeout``).
    """

    message: str
    location: Location
    releases: str = "all"

    def applies_to(self, release: Release) -> bool:
        """Whether containerd ``release`` rejects the file for this reason."""
        if self.releases == "2.x":
            return release[0] >= 2
        if self.releases == "1.x":
            return not reads_server_only(release)
        return True


class HostEntry(NamedTuple):
    """One endpoint of a hosts.toml: a ``[host."..."]`` table, or the top level.

    ``url`` is the key (or ``server``) as written, "" for the top level without a
    ``server`` (the registry itself). ``capabilities`` is None when unset (then all).
    Header values are credentials often (``authorization``): kept for the requests the
    online check makes, never shown (:meth:`__repr__` leaves them out); ``header_names``
    are shown.
    """

    url: str
    location: Location
    capabilities: tuple[str, ...] | None = None
    capabilities_location: Location | None = None
    ca: tuple[str, ...] = ()
    client: tuple[tuple[str, str], ...] = ()
    skip_verify: bool | None = None
    skip_verify_location: Location | None = None
    header_names: tuple[str, ...] = ()
    header_values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    override_path: bool = False
    dial_timeout: str | None = None
    top_level: bool = False

    def relocate(self, move: Callable[[Location], Location]) -> "HostEntry":
        """The same entry with its places moved."""
        return self._replace(
            location=move(self.location),
            capabilities_location=_move(self.capabilities_location, move),
            skip_verify_location=_move(self.skip_verify_location, move))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}"
                          for name, value in zip(self._fields, self, strict=True)
                          if name != "header_values")
        return f"HostEntry({shown})"


class HostsFile(NamedTuple):
    """A hosts.toml as containerd reads it (``ConfigFile.structure`` of its reader).

    ``hosts_1x`` and ``hosts_2x`` are the ``[host]`` entries in the order each line tries
    them (they differ only in the quirks the module docstring names); ``top`` is the
    last endpoint, ``server`` or the registry itself. ``problems`` are the reasons a
    release would ignore the whole file. ``unknown_keys`` are keys containerd ignores.
    """

    path: str
    hosts_1x: tuple[HostEntry, ...]
    hosts_2x: tuple[HostEntry, ...]
    top: HostEntry
    problems: tuple[Problem, ...] = ()
    unknown_keys: tuple[tuple[str, Location], ...] = ()

    def hosts(self, release: Release) -> tuple[HostEntry, ...]:
        """The ``[host]`` entries ``release`` tries, in its order (``top`` comes after)."""
        return self.hosts_2x if release[0] >= 2 else self.hosts_1x

    def rejection(self, release: Release) -> Problem | None:
        """The first reason ``release`` ignores this file, or None when it reads it."""
        return next((p for p in self.problems if p.applies_to(release)), None)

    def relocate(self, move: Callable[[Location], Location]) -> "HostsFile":
        """The same file with every place moved (text embedded in another file)."""
        return self._replace(
            hosts_1x=tuple(h.relocate(move) for h in self.hosts_1x),
            hosts_2x=tuple(h.relocate(move) for h in self.hosts_2x),
            top=self.top.relocate(move),
            problems=tuple(p._replace(location=move(p.location)) for p in self.problems),
            unknown_keys=tuple((k, move(w)) for k, w in self.unknown_keys))


def _move(where: Location | None, move: Callable[[Location], Location]) -> Location | None:
    return None if where is None else move(where)


class _Header:
    """A table header: its resolved key path, whether ``[[...]]``, and where its key starts."""

    __slots__ = ("array", "column", "line", "path")

    def __init__(self, path: TomlPath, array: bool, line: int, column: int) -> None:
        self.path, self.array, self.line, self.column = path, array, line, column


class _HeaderScanner(_Scanner):
    """toml_locator's scanner, also noting every table header and where its key starts
    (the locator records values only; the host a header names is the value here)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.headers: list[_Header] = []

    def _table_header(self) -> TomlPath | None:
        start = self.pos
        array = self._startswith("[[")
        key_at = start + (2 if array else 1)
        path = super()._table_header()
        if path is not None:
            # A host's header points at the part naming the host (`"https://m"` in
            # `[host."https://m"]`), any other header at its first part.
            parts = _part_starts(self.text, key_at, 2)
            at = parts[1] if len(path) >= 2 and path[0] == "host" and len(parts) > 1 \
                else parts[0]
            line, column = self._position(at)
            self.headers.append(_Header(path, array, line, column))
        return path


# _part_starts' runs, each matched in C where a loop walked the header a character at
# a time (a hosts.toml host is a long quoted URL): blanks, a basic string up to its
# closing quote or line end (a backslash takes the next character, whatever it is), a
# literal string likewise without escapes, and a bare key (\w is str.isalnum() or `_`).
# A backslash that ends the text stops the basic string one short of the end; one past
# it is the end, where the loop stopped too.
_HEADER_BLANKS = re.compile(r"[ \t]*")
_BASIC_PART = re.compile(r'"(?:\\[\s\S]|[^"\\\n])*')
_LITERAL_PART = re.compile(r"'[^'\n]*")
_BARE_PART = re.compile(r"[\w-]*")


def _part_starts(text: str, index: int, count: int) -> list[int]:
    """Where the first ``count`` parts of the dotted key at ``index`` start (the text
    is one tomllib accepted, so a quoted part is closed on its line)."""
    starts: list[int] = []
    size = len(text)
    while len(starts) < count and index < size:
        index = _HEADER_BLANKS.match(text, index).end()
        if index >= size:
            break
        starts.append(index)
        quote = text[index]
        if quote == '"':
            index = _BASIC_PART.match(text, index).end() + 1  # past the closing quote
        elif quote == "'":
            index = _LITERAL_PART.match(text, index).end() + 1
        else:
            index = _BARE_PART.match(text, index).end()
        if index < size:
            index = _HEADER_BLANKS.match(text, index).end()
        if index >= size or text[index] != ".":
            break
        index += 1
    return starts or [index]


def _scan(text: str) -> tuple[dict[TomlPath, tuple[int, int]], list[_Header]]:
    scanner = _HeaderScanner(text)
    scanner.document()
    return scanner.found, scanner.headers


# Every value's position and every table header, in order (for readers of tables);
# remembered for a text that repeats (source_text.RepeatsRemembered): only to be read.
scan = RepeatsRemembered(_scan)


# --- hosts.toml --------------------------------------------------------------------

_HOST_KEYS = frozenset({"capabilities", "ca", "client", "skip_verify", "header",
                        "override_path", "dial_timeout"})


def read_hosts(path: str, text: str) -> ConfigFile:
    """Read one hosts.toml: its endpoints in the order containerd tries them, located.

    Never raises. A file containerd would not decode still gives a ConfigFile, with
    its ``problems`` in ``structure`` (an InputError for those every release has),
    because containerd's answer to such a file is to pull from the registry itself --
    a fact to report, not a reason to stop reading the node.
    """
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    bare = bare_crs(text)
    if bom or bare is not None:
        return _read_as_1x_reads(path, text, bom, bare)
    top_default = HostEntry("", Location(path, None, None), top_level=True)
    limit = check_toml_limits(text)
    if limit is not None:
        problem = Problem(f"not read: {limit.message}", Location(path, limit.line, None))
        return _config(path, HostsFile(path, (), (), top_default, (problem,)))
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError as exc:
        problem = Problem(f"invalid TOML: {exc}; containerd ignores this hosts.toml",
                          Location(path, decode_error_line(str(exc), text), None))
        return _config(path, HostsFile(path, (), (), top_default, (problem,)))
    except RecursionError:
        problem = Problem("too deeply nested to read", Location(path, None, None))
        return _config(path, HostsFile(path, (), (), top_default, (problem,)))

    positions, headers = scan(text)

    def where(key_path: TomlPath) -> Location:
        line, column = positions.get(key_path, (None, None))
        return Location(path, line, column)

    problems: list[Problem] = []
    unknown: list[tuple[str, Location]] = []
    server = data.get("server")
    if server is not None and not isinstance(server, str):
        problems.append(Problem(f"server must be a string, not {type(server).__name__}",
                                where(("server",))))
        server = None
    top = _host_entry(server or "", data, (), where, problems, unknown, path, top_level=True)
    if server:
        top = top._replace(location=where(("server",)))
    for key in data:
        if key not in _HOST_KEYS and key not in ("server", "host"):
            unknown.append((key, where((key,))))

    host_table = data.get("host")
    entries: dict[str, HostEntry] = {}
    if host_table is None:
        problems.append(Problem(
            "no [host] table: containerd 1.6 and 1.7 before 1.7.32 refuse such a hosts.toml "
            "(\"invalid `host` tree\") and pull from the registry itself, server ignored",
            Location(path, 1, 1), releases="1.x"))
    elif not isinstance(host_table, dict):
        problems.append(Problem("host must be a table of hosts", where(("host",))))
    else:
        header_at = {h.path[1]: h for h in reversed(headers)
                     if len(h.path) >= 2 and h.path[0] == "host" and not h.array}
        for name, config in host_table.items():
            if not isinstance(config, dict):
                problems.append(Problem(f"host.{name} must be a table", where(("host", name))))
                continue
            header = header_at.get(name)
            place = (Location(path, header.line, header.column) if header is not None
                     else where(_first_value(positions, ("host", name))))
            entries[name] = _host_entry(
                name, config, ("host", name), where, problems, unknown, path,
            )._replace(location=place)

    hosts_1x = tuple(sorted(entries.values(), key=lambda e: e.location.sort_key()))
    order_2x: list[str] = []
    for header in headers:
        if header.array or len(header.path) < 2 or header.path[0] != "host":
            continue
        name = header.path[1]
        if not isinstance(name, str) or (order_2x and order_2x[-1] == name):
            continue
        order_2x.append(name)
    hosts_2x = tuple(entries[name] for name in order_2x if name in entries)
    structure = HostsFile(path, hosts_1x, hosts_2x, top, tuple(problems), tuple(unknown))
    return _config(path, structure)


def _read_as_1x_reads(path: str, text: str, bom: bool, bare: BareCRs | None) -> ConfigFile:
    """A hosts.toml with a UTF-8 BOM or a bare CR: go-toml v1 (1.x) reads it, the CR a
    line end; go-toml v2 (2.x) refuses it, so 2.x ignores the file (verified with the
    daemons' pulls: 1.6.20 and 1.7.24 go to the file's host, 2.1.9 to the registry)."""
    config = read_hosts(path, bare.text if bare is not None else text)
    if bare is not None and bare.move is not None:
        config = moved(config, bare.move)
    structure = config.structure
    assert isinstance(structure, HostsFile)
    if bom:
        refused = Problem("it begins with a UTF-8 BOM, which containerd 2.x's TOML parser "
                          "refuses", Location(path, 1, 1), releases="2.x")
    else:
        assert bare is not None
        refused = Problem(f"a line ends in CR alone (row {bare.row} column {bare.column}), "
                          "which TOML does not allow and containerd 2.x's parser refuses",
                          Location(path, bare.row, bare.column), releases="2.x")
    return config._replace(structure=structure._replace(
        problems=(refused, *structure.problems)))


def _first_value(positions: Mapping[TomlPath, tuple[int, int]], prefix: TomlPath) -> TomlPath:
    """The written-first value under ``prefix`` (a table with no header of its own)."""
    under = [p for p in positions if p[: len(prefix)] == prefix]
    return min(under, key=lambda p: positions[p], default=prefix)


def _strings(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _host_entry(url: str, config: Mapping[str, Any], prefix: TomlPath,
                where: Callable[[TomlPath], Location], problems: list[Problem],
                unknown: list[tuple[str, Location]], path: str, *,
                top_level: bool = False) -> HostEntry:
    """One endpoint's settings, each checked as hosts.go's parseHostConfig checks it."""
    def bad(key: str, message: str, releases: str = "all") -> None:
        problems.append(Problem(message, where((*prefix, key)), releases))

    capabilities: tuple[str, ...] | None = None
    raw = config.get("capabilities")
    if raw is not None:
        names = raw if isinstance(raw, list) else None
        if names is None or not all(isinstance(c, str) for c in names):
            bad("capabilities", "capabilities must be a list of strings")
        else:
            for name in names:
                if name.lower() not in CAPABILITIES:
                    bad("capabilities", f"unknown capability {name!r} (pull, resolve or push)")
            # An empty list means all of them, as an unset one does (len() > 0 test).
            capabilities = tuple(dict.fromkeys(n.lower() for n in names)) or None
    ca: tuple[str, ...] = ()
    if "ca" in config:
        found = _strings(config["ca"])
        if found is None:
            bad("ca", "ca must be a path or a list of paths")
        else:
            ca = found
    client: list[tuple[str, str]] = []
    if "client" in config:
        value = config["client"]
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else None
        if items is None:
            bad("client", "client must be a path, a list of paths or of [cert, key] pairs")
        for item in items or ():
            if isinstance(item, str):
                client.append((item, ""))
            elif (isinstance(item, list) and len(item) == 2
                  and all(isinstance(i, str) for i in item)):
                client.append((item[0], item[1]))
            else:
                bad("client", f"invalid client entry {item!r}")
    skip_verify = config.get("skip_verify")
    if skip_verify is not None and not isinstance(skip_verify, bool):
        bad("skip_verify", "skip_verify must be true or false")
        skip_verify = None
    override = config.get("override_path", False)
    if not isinstance(override, bool):
        bad("override_path", "override_path must be true or false")
        override = False
    names: list[str] = []
    values: list[tuple[str, tuple[str, ...]]] = []
    header = config.get("header")
    if header is not None:
        if not isinstance(header, dict):
            bad("header", "header must be a table")
        else:
            for name, value in header.items():
                found = _strings(value)
                if found is None:
                    bad("header", f"header {name!r} must be a string or a list of strings")
                    continue
                names.append(name)
                values.append((name, found))
    dial_timeout = config.get("dial_timeout")
    if dial_timeout is not None and (
            not isinstance(dial_timeout, str) or not _GO_DURATION.fullmatch(dial_timeout)):
        bad("dial_timeout", f"dial_timeout {dial_timeout!r} is no Go duration (containerd "
            "2.x refuses it)", releases="2.x")
        dial_timeout = None
    if not top_level:
        for key in config:
            if key not in _HOST_KEYS:
                unknown.append((f"host.{url}.{key}", where((*prefix, key))))
    return HostEntry(
        url=url, location=Location(path, None, None), capabilities=capabilities,
        capabilities_location=where((*prefix, "capabilities")) if raw is not None else None,
        ca=ca, client=tuple(client), skip_verify=skip_verify,
        skip_verify_location=where((*prefix, "skip_verify")) if skip_verify is not None else None,
        header_names=tuple(names), header_values=tuple(values), override_path=override,
        dial_timeout=dial_timeout if isinstance(dial_timeout, str) else None,
        top_level=top_level)


def _config(path: str, structure: HostsFile) -> ConfigFile:
    """The ConfigFile: problems every release has are its errors; a release-dependent
    one (no [host] table, ``dial_timeout``) stays a fact in ``structure`` for the pull
    path to weigh, so a file is never an error for a release that reads it.

    ``parsed`` stays True even for invalid TOML: a hosts.toml never sets the sandbox
    image, and containerd's answer to one it cannot read is known (the registry
    itself), so it must not make the runtime's sandbox image unknown
    (``NodeFacts.unread_config``)."""
    errors = tuple(InputError(path, p.location.line, _error_message(p), p.location.column)
                   for p in structure.problems if p.releases == "all")
    return ConfigFile(path=path, component=Component.CONTAINERD, errors=errors,
                      structure=structure)


def _error_message(problem: Problem) -> str:
    if problem.message.startswith(("invalid TOML", "not read", "too deeply")):
        return problem.message
    return f"{problem.message}: containerd ignores this hosts.toml and pulls from the " \
           "registry itself"


def host_directory(host: str) -> str:
    """The folder name containerd looks up for ``host``: ``host:port`` is ``host_port_``."""
    index = host.rfind(":")
    if index > 0:
        return f"{host[:index]}_{host[index + 1:]}_"
    return host


def host_folders(root: str, host: str) -> list[str]:
    """The folders under one ``config_path`` root tried for ``host``, in order
    (``hostPaths`` in config_unix.go): ``host_port_``, ``host``, ``_default``."""
    root = root.rstrip("/") or "/"
    join = (lambda name: f"{root}{name}") if root.endswith("/") else (lambda name: f"{root}/{name}")
    folders = []
    converted = host_directory(host)
    if converted != host:
        folders.append(join(converted))
    folders += [join(host), join(DEFAULT_FOLDER)]
    return folders


# --- config.toml's registry table -----------------------------------------------------

# The table the CRI plugin's registry config is read from, by config version.
REGISTRY_TABLES: dict[int, tuple[str, ...]] = {
    1: ("plugins", "cri", "registry"),
    2: ("plugins", "io.containerd.grpc.v1.cri", "registry"),
    3: ("plugins", "io.containerd.cri.v1.images", "registry"),
}
IMAGES_V3 = ("plugins", "io.containerd.cri.v1.images")
CRI_V2 = ("plugins", "io.containerd.grpc.v1.cri")


class Mirror(NamedTuple):
    """``registry.mirrors."<host>".endpoint``: the endpoints as written, each located."""

    host: str
    endpoints: tuple[tuple[str, Location], ...]
    location: Location


class LegacyTLS(NamedTuple):
    """``registry.configs."<host>".tls`` (1.x only): how the endpoint's TLS is set up."""

    host: str
    insecure_skip_verify: bool
    ca_file: str
    location: Location


class RegistrySection(NamedTuple):
    """The CRI plugin's registry settings in one containerd config file, located.

    ``table`` is the table they were read from (the file's config version names it);
    ``config_path`` None means unset (the release's default applies), "" set empty.
    ``image_keys`` are the CRI image settings that decide 2.1+'s pull mode (the
    transfer service or the local pull), as written.
    """

    path: str
    version: int
    table: tuple[str, ...]
    config_path: str | None = None
    config_path_location: Location | None = None
    mirrors: tuple[Mirror, ...] = ()
    tls: tuple[LegacyTLS, ...] = ()
    configs_hosts: tuple[str, ...] = ()
    auths_hosts: tuple[str, ...] = ()
    image_keys: tuple[tuple[str, object], ...] = ()
    errors: tuple[InputError, ...] = ()

    def relocate(self, move: Callable[[Location], Location]) -> "RegistrySection":
        """The same settings with every place moved (text embedded in another file)."""
        return self._replace(
            config_path_location=_move(self.config_path_location, move),
            mirrors=tuple(m._replace(location=move(m.location),
                                  endpoints=tuple((e, move(w)) for e, w in m.endpoints))
                          for m in self.mirrors),
            tls=tuple(t._replace(location=move(t.location)) for t in self.tls),
            errors=tuple(e._replace(path=move(Location(e.path, e.line, e.column)).path,
                                    line=move(Location(e.path, e.line, e.column)).line)
                         for e in self.errors))

    def mirror_for(self, host: str) -> Mirror | None:
        """``mirrors[host]``, else ``mirrors["*"]`` (``registryEndpoints``)."""
        by_host = {m.host: m for m in self.mirrors}
        return by_host.get(host, by_host.get("*"))


# Keys whose presence makes 2.1+ pull locally (CheckLocalImagePullConfigs, v2.1.9
# internal/cri/config/config.go): (key, the value that does NOT trigger it).
LOCAL_PULL_KEYS: tuple[tuple[str, object], ...] = (
    ("disable_snapshot_annotations", True),
    ("discard_unpacked_layers", False),
    ("max_concurrent_downloads", 3),
    ("image_pull_with_sync_fs", False),
)


def read_registry_section(path: str, text: str) -> RegistrySection | None:
    """The registry settings of one containerd config file, or None when it has none
    readable (not TOML, or no registry table and no image keys that matter).

    The table is the one the file's ``version`` names (a missing version is 1); a v2
    file's ``io.containerd.grpc.v1.cri`` keys are what 2.x migrates into its images
    plugin, so one table serves every release that loads the file.
    """
    text = text.removeprefix("\ufeff")
    if check_toml_limits(text) is not None:
        return None
    try:
        data = parse_toml(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    written = data.get("version", 1)
    version = written if isinstance(written, int) and written in (1, 2, 3, 4) else 1
    version = min(version, 3)
    table = REGISTRY_TABLES[version]
    positions = locate_values(text)

    def where(key_path: TomlPath) -> Location:
        line, column = positions.get(key_path, (None, None))
        if line is None:
            key_path = _first_value(positions, key_path)
            line, column = positions.get(key_path, (None, None))
        return Location(path, line, column)

    registry = value_at(data, table)
    image_keys = _image_keys(data, version)
    if not isinstance(registry, dict):
        if not image_keys:
            return None
        registry = {}
    errors: list[InputError] = []
    config_path = registry.get("config_path")
    if config_path is not None and not isinstance(config_path, str):
        errors.append(InputError(path, where((*table, "config_path")).line,
                                 "config_path must be a string"))
        config_path = None
    mirrors: list[Mirror] = []
    raw_mirrors = registry.get("mirrors")
    if isinstance(raw_mirrors, dict):
        for host, mirror in raw_mirrors.items():
            key = (*table, "mirrors", host, "endpoint")
            endpoints = mirror.get("endpoint") if isinstance(mirror, dict) else None
            if not isinstance(endpoints, list) or not all(isinstance(e, str) for e in endpoints):
                errors.append(InputError(path, where(key).line,
                                         f"mirrors.{host}.endpoint must be a list of URLs"))
                continue
            located = tuple((e, where((*key, i))) for i, e in enumerate(endpoints))
            mirrors.append(Mirror(host, located, where(key)))
    tls: list[LegacyTLS] = []
    configs = registry.get("configs")
    configs_hosts: list[str] = []
    if isinstance(configs, dict):
        for host, config in configs.items():
            configs_hosts.append(host)
            entry = config.get("tls") if isinstance(config, dict) else None
            if isinstance(entry, dict):
                tls.append(LegacyTLS(host, entry.get("insecure_skip_verify") is True,
                                     str(entry.get("ca_file", "")),
                                     where((*table, "configs", host, "tls"))))
    auths = registry.get("auths")
    return RegistrySection(
        path=path, version=version, table=table, config_path=config_path,
        config_path_location=(where((*table, "config_path"))
                              if config_path is not None else None),
        mirrors=tuple(mirrors), tls=tuple(tls), configs_hosts=tuple(configs_hosts),
        auths_hosts=tuple(auths) if isinstance(auths, dict) else (),
        image_keys=image_keys, errors=tuple(errors))


def _image_keys(data: Mapping[str, Any], version: int) -> tuple[tuple[str, object], ...]:
    """The image settings that pick 2.1+'s pull mode, where 2.x reads them for this
    version: a v3 file's images table; a v2 file's CRI table as 2.x migrates it
    (``migrateConfig`` in plugins/cri/images/plugin.go: the snapshot keys come along
    only when ``containerd.runtimes`` is there too), and any images table beside it."""
    found: dict[str, object] = {}
    if version == 2:
        cri = value_at(data, CRI_V2)
        if isinstance(cri, dict):
            for key in ("max_concurrent_downloads", "image_pull_with_sync_fs"):
                if key in cri:
                    found[key] = cri[key]
            containerd = cri.get("containerd")
            if isinstance(containerd, dict) and "runtimes" in containerd:
                for key in ("disable_snapshot_annotations", "discard_unpacked_layers"):
                    if key in containerd:
                        found[key] = containerd[key]
    images = value_at(data, IMAGES_V3)
    if isinstance(images, dict) and version >= 2:
        for key, _ in (*LOCAL_PULL_KEYS, ("use_local_image_pull", False)):
            if key in images:
                found[key] = images[key]
    return tuple(found.items())


# --- the reader protocol (sources/registry.py) ------------------------------------


def read_source(source: SourceText) -> ConfigFile:
    """:func:`read_hosts` on a SourceText, positions in the file to report."""
    return source.relocate(read_hosts(source.path, source.text))


def registry_section_source(source: SourceText) -> RegistrySection | None:
    """:func:`read_registry_section` on a SourceText, positions in the file to report."""
    section = read_registry_section(source.path, source.text)
    if section is None or not source.is_embedded:
        return section
    return section.relocate(lambda where: source.location(where.line, where.column))
