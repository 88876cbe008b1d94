"""Reader for containerd's ``config.toml`` (and the files it ``imports``).

It reports every sandbox-image key it finds, where, and whether the file's
``version = N`` makes containerd read it at all. The tables below are the format
fact that decides that (pause-facts.md §5.2, containerd RELEASES.md and
docs/cri/config.md per release); no other judgement is made here.
"""


import os
import re
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pauselint.display import cut
from pauselint.model import (
    Component,
    ConfigFile,
    InputError,
    Location,
    NodeFacts,
    Role,
    Setting,
)
from pauselint.records import NamedTuple
from pauselint.sources.kinds import InputType
from pauselint.sources.layering import LayerContext, Layered, path_key, placed, runtime_node
from pauselint.sources.node_paths import resolve_written
from pauselint.sources.source_text import RepeatsRemembered, SourceText, at_paths, moved
from pauselint.sources.toml_locator import (
    BareCRs,
    TomlPath,
    bare_crs,
    check_toml_limits,
    decode_error_line,
    locate_values,
    parse_toml,
    value_at,
)

if TYPE_CHECKING:
    from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


class SandboxKey(NamedTuple):
    """One place containerd has read the sandbox image from, and which versions read it."""

    table: tuple[str, ...]
    key: str
    read_by: frozenset[int]


CRI_V1 = ("plugins", "cri")
CRI_V2 = ("plugins", "io.containerd.grpc.v1.cri")
PINNED_IMAGES = ("plugins", "io.containerd.cri.v1.images", "pinned_images")

# Config version -> the key containerd reads the sandbox image from. A missing
# `version` line means version 1; 2 needs containerd >= 1.3, 3 >= 2.0, 4 >= 2.3.
SANDBOX_KEYS: tuple[SandboxKey, ...] = (
    SandboxKey(CRI_V1, "sandbox_image", frozenset({1})),
    SandboxKey(CRI_V2, "sandbox_image", frozenset({2})),
    SandboxKey(PINNED_IMAGES, "sandbox", frozenset({3, 4})),
)
SUPPORTED_VERSIONS = frozenset({1, 2, 3, 4})
DEFAULT_VERSION = 1

# Spellings people write where the real key belongs; containerd silently ignores them.
MISSPELLINGS: dict[tuple[str, ...], tuple[str, ...]] = {
    CRI_V1: ("sandbox-image", "sandboxImage", "sandbox_images", "pause_image"),
    CRI_V2: ("sandbox-image", "sandboxImage", "sandbox_images", "pause_image"),
    PINNED_IMAGES: ("sandbox-image", "sandbox_image"),
}

# The right key in the wrong table: containerd 2.x's images and runtime plugins have no
# sandbox key of their own (the image belongs under images.pinned_images), so a
# sandbox image written directly under either is silently ignored.
IMAGES = ("plugins", "io.containerd.cri.v1.images")
RUNTIME = ("plugins", "io.containerd.cri.v1.runtime")
MISPLACED: dict[tuple[str, ...], tuple[str, ...]] = {
    IMAGES: ("sandbox_image", "sandbox"),
    RUNTIME: ("sandbox_image", "sandbox"),
}

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

def read_containerd(path: str, text: str) -> ConfigFile:
    """Read one containerd config file: its version, imports and sandbox-image keys.

    Never raises: invalid TOML (templates included) gives a ConfigFile with one
    InputError and no settings, because a file containerd cannot load sets nothing.

    What a text says does not depend on its path, and a fleet's repo holds one text
    for many nodes: a text that repeats is read twice, not once per file
    (``source_text.RepeatsRemembered``), and each file gets that reading with its own
    path in every place (``source_text.at_paths``).
    """
    found = _READINGS.lookup(text, _read, path, text)
    return at_paths(found, {found.path: path})


# The readings of texts that repeat, each as of the file that held it first.
_READINGS = RepeatsRemembered()


def _read(path: str, text: str) -> ConfigFile:
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    bare = bare_crs(text)
    if bare is not None:
        return _read_bare_crs(path, bare, bom)
    limit = check_toml_limits(text)
    if limit is not None:
        error = InputError(path, limit.line, f"not read: {limit.message}")
        return ConfigFile(path=path, component=Component.CONTAINERD, errors=(error,), parsed=False)
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        error = InputError(path, decode_error_line(message, text), f"invalid TOML: {message}")
        return ConfigFile(path=path, component=Component.CONTAINERD, errors=(error,), parsed=False)
    except RecursionError:  # tomllib recurses once per nested `[` or `{`
        error = InputError(path, None, "too deeply nested to read")
        return ConfigFile(path=path, component=Component.CONTAINERD, errors=(error,), parsed=False)

    positions = locate_values(text)
    errors: list[InputError] = []
    settings: list[Setting] = []

    def location(key_path: TomlPath) -> Location:
        line, column = positions.get(key_path, (None, None))
        return Location(path, line, column)

    written_version, version = _config_version(data, path, location, errors, settings)
    imports = _imports(data, path, location, errors)

    for candidate in _candidate_keys(version):
        key_path = (*candidate.table, candidate.key)
        value = value_at(data, key_path)
        if value is None:
            continue
        if not isinstance(value, str):
            # No setting: whether containerd decodes this key, and so refuses a value
            # that is no string, is the release's (containerd_load._not_a_string).
            continue
        settings.append(
            Setting(
                component=Component.CONTAINERD,
                role=Role.SANDBOX_IMAGE,
                key=format_key(key_path),
                value=value,
                location=location(key_path),
                effective=candidate.reason is None,
                ignored=candidate.reason is not None,
                ignored_reason=candidate.reason,
            )
        )

    settings.sort(key=lambda s: s.location.sort_key())
    return ConfigFile(
        path=path,
        component=Component.CONTAINERD,
        settings=tuple(settings),
        errors=tuple(errors),
        imports=imports,
        config_version=written_version,
        structure=_shape(data, location, positions, text)._replace(bom=bom),
    )


def _read_bare_crs(path: str, bare: BareCRs, bom: bool) -> ConfigFile:
    """A file with bare CRs as containerd 1.x reads it: each a line end, places on the
    file's own lines; where 2.x stops is kept in its shape (``Shape.bare_cr``)."""
    config = _read(path, bare.text)
    if bare.move is not None:
        config = moved(config, bare.move)
    shape = config.structure
    if isinstance(shape, Shape):
        shape = shape._replace(bom=bom, bare_cr=(bare.row, bare.column),
                               bare_cr_at=Location(path, bare.row, bare.column))
        config = config._replace(structure=shape)
    return config


class Value(NamedTuple):
    """A key of a plugin table as written, its value and where."""

    key: str
    value: object
    location: Location


class PluginTable(NamedTuple):
    """One ``[plugins.X]`` table of a file: what containerd's loading needs of it."""

    plugin: str  # the key under [plugins], TOML escapes resolved
    location: Location  # its first value
    keys: tuple[Value, ...]  # its top-level keys that are no table
    pinned: tuple[Value, ...]  # its pinned_images table's entries (the images plugin)
    # go-toml v1 (1.x) files the keys under a header whose plugin name has a TOML escape
    # under that name as written: ``escaped`` says such a table exists, ``raw_keys``
    # which keys it holds, ``resolved`` whether the plugin's own table exists too.
    escaped: bool = False
    raw_keys: frozenset[str] = frozenset()
    resolved: bool = True


class Shape(NamedTuple):
    """A containerd file as containerd's config loader sees it (``ConfigFile.structure``)."""

    version: object  # as decoded; None when the file has no version line
    version_location: Location
    imports_location: Location
    tables: tuple[PluginTable, ...]
    disabled_plugins: tuple[str, ...]
    bom: bool = False  # the file starts with a UTF-8 BOM
    # Where go-toml v2 (containerd 2.x) stops at the file's first bare CR: (row, column)
    # as it counts them in the file on the node, and that place in the file reported.
    bare_cr: tuple[int, int] | None = None
    bare_cr_at: Location | None = None
    # The text read (``read_source``), kept and not parsed again: the registry table is
    # read from it only when a pull path is asked for (``node_pulls``), so check pays
    # nothing for it.
    source: SourceText | None = None

    def relocate(self, move: Callable[[Location], Location]) -> "Shape":
        """The same shape with every place moved (text embedded in another file)."""
        def values(items: tuple[Value, ...]) -> tuple[Value, ...]:
            return tuple(v._replace(location=move(v.location)) for v in items)

        return self._replace(
            version_location=move(self.version_location),
            imports_location=move(self.imports_location),
            bare_cr_at=None if self.bare_cr_at is None else move(self.bare_cr_at),
            tables=tuple(t._replace(location=move(t.location), keys=values(t.keys),
                                    pinned=values(t.pinned)) for t in self.tables))


# A table header naming a plugin: `[plugins.NAME...]`, NAME bare, "quoted" or 'literal'.
_PLUGIN_HEADER = re.compile(
    r"""^[ \t]*\[\[?[ \t]*plugins[ \t]*\.[ \t]*("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z0-9_-]+)""")
_ANY_HEADER = re.compile(r"^[ \t]*\[")
# A basic string that means what it says between its quotes: no escape, and none of
# the controls TOML refuses in one (tab is allowed).
_PLAIN_BASIC_STRING = re.compile(r'"[^\\\x00-\x08\x0a-\x1f\x7f"]*"')


def _plugin_headers(text: str) -> tuple[list[int], dict[int, tuple[str, bool]]]:
    """Every table header's line, and for those naming a plugin: (its name, whether the
    name is written with a TOML escape). go-toml v1 (containerd 1.x) keeps an escaped
    name in a header as written, so that table names no plugin; an escape in a dotted
    key it resolves (both verified against 1.6.20 and 1.7.24)."""
    lines: list[int] = []
    plugins: dict[int, tuple[str, bool]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not _ANY_HEADER.match(line):
            continue
        lines.append(number)
        match = _PLUGIN_HEADER.match(line)
        if match is None:
            continue
        written = match.group(1)
        name, escaped = written, False
        if _PLAIN_BASIC_STRING.fullmatch(written):  # nearly every header: no decoding
            name = written[1:-1]
        elif written.startswith('"'):
            escaped = "\\" in written
            try:
                name = tomllib.loads(f"k = {written}")["k"]
            except tomllib.TOMLDecodeError:
                continue
        elif written.startswith("'"):
            name = written[1:-1]
        plugins[number] = (name, escaped)
    return lines, plugins


def _shape(data: dict, location: Callable[[TomlPath], Location],
           positions: dict[TomlPath, tuple[int, int]], text: str) -> Shape:
    plugins = data.get("plugins")
    tables = []
    header_lines, plugin_headers = _plugin_headers(text)

    def under_escaped_header(name: str, line: int) -> bool:
        owner = max((h for h in header_lines if h <= line), default=None)
        return plugin_headers.get(owner, ("", False)) == (name, True)

    for name, table in (plugins.items() if isinstance(plugins, dict) else ()):
        if not isinstance(table, dict):
            continue
        lines = sorted(pos for key, pos in positions.items() if key[:2] == ("plugins", name))
        escaped_headers = [h for h, (n, esc) in plugin_headers.items() if n == name and esc]
        plain_headers = [h for h, (n, esc) in plugin_headers.items() if n == name and not esc]
        placed = [(key, under_escaped_header(name, line)) for key, (line, _) in positions.items()
                  if key[:2] == ("plugins", name)]
        raw_keys = frozenset(key[2] for key, raw in placed if raw and len(key) == 3)
        resolved = bool(plain_headers) or any(not raw for _, raw in placed)
        first = Location(location(("plugins", name)).path, *(lines[0] if lines else (None, None)))
        keys = tuple(Value(k, v, location(("plugins", name, k)))
                     for k, v in table.items() if not isinstance(v, dict))
        pinned_table = table.get("pinned_images")
        pinned = tuple(Value(k, v, location(("plugins", name, "pinned_images", k)))
                       for k, v in (pinned_table.items() if isinstance(pinned_table, dict)
                                    else ()))
        tables.append(PluginTable(name, first, keys, pinned, escaped=bool(escaped_headers),
                                  raw_keys=raw_keys, resolved=resolved or not escaped_headers))
    disabled = data.get("disabled_plugins")
    return Shape(data.get("version"), location(("version",)), location(("imports",)),
                 tuple(tables),
                 tuple(p for p in disabled if isinstance(p, str))
                 if isinstance(disabled, list) else ())


def containerd_effective(files: Sequence[ConfigFile]) -> tuple[Setting, ...]:
    """All sandbox-image settings of a main config and its imports, with ``effective`` set.

    ``files`` must be in containerd's load order (main first, then its imports,
    then theirs: breadth-first). Imports "overwrite simple fields like int or string
    (if not empty)", so the last non-empty value that is not ignored wins; the others
    are shadowed.

    An import without a ``version`` line is not a version 1 file in practice:
    containerd 1.x merges it into the main file and reads the result with the main
    file's version, and containerd 2.x (the only one that loads a version 3 or 4
    main file) migrates it from version 1, which keeps every sandbox key. Its keys
    are judged accordingly here, where the main file is known.
    """
    main_version = _main_version(files[0]) if files else None
    sandbox: list[Setting] = []
    for index, config in enumerate(files):
        for setting in config.settings:
            if setting.role is not Role.SANDBOX_IMAGE:
                continue
            if index > 0 and config.config_version is None and main_version is not None:
                setting = _judge_in_import(setting, main_version)
            sandbox.append(setting)
    winner = next(
        (i for i in range(len(sandbox) - 1, -1, -1) if not sandbox[i].ignored and sandbox[i].value),
        None,
    )
    return tuple(s._replace(effective=i == winner) for i, s in enumerate(sandbox))


def _main_version(main: ConfigFile) -> int | None:
    """The version that decides the main file's keys; None when it is unusable."""
    written = [s.value for s in main.settings if s.role is Role.CONFIG_VERSION]
    if not written:
        return DEFAULT_VERSION
    if not written[0].isdigit() or int(written[0]) not in SUPPORTED_VERSIONS | {0}:
        return None
    return int(written[0]) or DEFAULT_VERSION


def _judge_in_import(setting: Setting, main_version: int) -> Setting:
    misplaced = _MISPLACED_BY_NAME.get(setting.key)
    if misplaced is not None:  # ignored still, but it belongs where the main file's version says
        return setting._replace(ignored_reason=_misplaced_reason(misplaced, main_version))
    sandbox_key = _SANDBOX_KEY_BY_NAME.get(setting.key)
    if sandbox_key is None:  # a misspelling stays ignored wherever it is
        return setting
    reason = None
    if main_version < 3 and main_version not in sandbox_key.read_by:
        reason = (
            _ignored_reason(sandbox_key, main_version)
            + f" (an import without a `version` line is read as version {main_version}, "
            "the main file's)"
        )
    return setting._replace(ignored=reason is not None, ignored_reason=reason)


def import_paths(config: ConfigFile, config_path: "str | Path", root: "str | Path | None" = None,
                 errors: list[InputError] | None = None,
                 present: frozenset[str] | None = None) -> "list[Path]":
    """The existing files that ``config`` itself imports, in the order it names them.

    Only this file's own ``imports`` are resolved. An imported file may import
    others in turn: containerd loads breadth-first (the main file, then its imports,
    then theirs), skipping a path it has already loaded, so the caller builds that
    chain by calling this on every file in it. Relative paths resolve against the
    importing file's directory; absolute ones under ``root`` when checking a node
    folder -- and never outside it (see :mod:`pauselint.sources.node_paths`: ``..``
    stops at the root, a symlink out of it is refused, a glob is capped). A ``*``
    is globbed in sorted order, as Go's filepath.Glob does. ``..`` is resolved
    lexically, as Go's filepath.Join does. Missing files are left out (containerd
    fails on a missing non-glob import; reporting that is a rule's job). Paths
    refused go to ``errors``, naming the path as written. With ``present`` (the
    node's files all held in one wrapper) only those paths exist.
    """
    found: list[Path] = []
    for written in config.imports:
        resolved = resolve_written(written, str(config_path), root, globs=True,
                                   present=present)
        if resolved.problem is not None and errors is not None:
            errors.append(InputError(config.path, None, f"imports: {resolved.problem}"))
        found.extend(p for p in resolved.paths
                     if (str(p) in present if present is not None else p.is_file()))
    return found


def format_key(key_path: TomlPath) -> str:
    """Write a key path as containerd's docs do: ``plugins."io.containerd.grpc.v1.cri".x``."""
    parts = []
    for part in key_path:
        text = str(part)
        if _BARE_KEY.fullmatch(text):
            parts.append(text)
        else:
            parts.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return ".".join(parts)


class _Candidate(NamedTuple):
    table: tuple[str, ...]
    key: str
    reason: str | None  # why containerd ignores it; None when it is read
    misspelled: bool = False


def _candidate_keys(version: int | None) -> list[_Candidate]:
    """Every (table, key) that may hold a sandbox image, with why it is ignored.

    ``version`` None means the file's version could not be read: then no key is
    judged, since which one containerd would read is unknown.
    """
    candidates = []
    for sandbox_key in SANDBOX_KEYS:
        reason = None
        if version is not None and version not in sandbox_key.read_by:
            reason = _ignored_reason(sandbox_key, version)
        candidates.append(_Candidate(sandbox_key.table, sandbox_key.key, reason))
    for table, spellings in MISSPELLINGS.items():
        real = "sandbox" if table == PINNED_IMAGES else "sandbox_image"
        for spelling in spellings:
            reason = f"misspelled: containerd reads `{real}`"
            candidates.append(_Candidate(table, spelling, reason, misspelled=True))
    for table, keys in MISPLACED.items():
        for key in keys:
            reason = _misplaced_reason(table, version)
            candidates.append(_Candidate(table, key, reason, misspelled=True))
    return candidates


def _misplaced_reason(table: tuple[str, ...], version: int | None) -> str:
    """Why a sandbox key directly under ``table`` is ignored, and where it belongs."""
    where = (
        f"a version {version} file reads {_reader_key(version)}"
        if version is not None
        else "where it belongs depends on the file's `version`"
    )
    return (
        f"misplaced: containerd reads no sandbox image directly under [{format_key(table)}]; "
        + where
    )


def _ignored_reason(sandbox_key: SandboxKey, version: int) -> str:
    """A sentence a user understands: why this version of the format skips this key."""
    reads = _reader_key(version)
    if sandbox_key.table == CRI_V1:
        if version == 2:
            return (
                "`[plugins.cri]` is a version 1 key: containerd 1.5+ refuses it in a version 2 "
                "file ('invalid plugin key URI \"cri\"'); a version 2 file reads "
                f"{reads}"
            )
        return (
            f"`[plugins.cri]` is a version 1 key: a version {version} file addresses plugins "
            f"by fully qualified ID, so containerd never reads it (it reads {reads})"
        )
    if sandbox_key.table == CRI_V2:
        if version == 1:
            return (
                "a version 1 file addresses plugins by short ID (plugins.cri); the fully "
                "qualified ID is ignored by containerd 1.x (add `version = 2` or use "
                "[plugins.cri])"
            )
        return (
            "`sandbox_image` under io.containerd.grpc.v1.cri is not read in a version "
            f"{version} file (containerd 2.x reads {reads}); it is silently ignored"
        )
    return (
        f"pinned_images.sandbox is a version 3 key: a version {version} file reads {reads}, "
        "and containerd 1.x has no io.containerd.cri.v1.images plugin, so it is ignored "
        "(or declare `version = 3` for containerd 2.x)"
    )


def _reader_key(version: int) -> str:
    for sandbox_key in SANDBOX_KEYS:
        if version in sandbox_key.read_by:
            return format_key((*sandbox_key.table, sandbox_key.key))
    return "no sandbox image key"


def _config_version(
    data: dict[str, object],
    path: str,
    location: Callable[[TomlPath], Location],
    errors: list[InputError],
    settings: list[Setting],
) -> tuple[int | None, int | None]:
    """The ``version`` as written (None when absent) and the version that decides keys.

    The second is 1 when the line is absent (or 0, which containerd treats the same),
    and None when the value is unusable -- containerd refuses such a file.
    Also records an explicit ``version`` line as a CONFIG_VERSION setting.
    """
    if "version" not in data:
        return None, DEFAULT_VERSION
    raw = data["version"]
    where = location(("version",))
    settings.append(
        Setting(
            component=Component.CONTAINERD,
            role=Role.CONFIG_VERSION,
            key="version",
            value=str(raw).lower() if isinstance(raw, bool) else str(raw),
            location=where,
        )
    )
    if isinstance(raw, bool) or not isinstance(raw, int):
        message = f"`version` must be an integer, not {cut(repr(raw))}"
        errors.append(InputError(path, where.line, message))
        return None, None
    if raw != 0 and raw not in SUPPORTED_VERSIONS:
        # Not an error of the file: whether a release loads it is the release's
        # (containerd 1.6.20 reads `version = 5` as 2; 1.7.24 and 2.x refuse it).
        return raw, None
    return raw, raw or DEFAULT_VERSION


def _imports(
    data: dict[str, object],
    path: str,
    location: Callable[[TomlPath], Location],
    errors: list[InputError],
) -> tuple[str, ...]:
    raw = data.get("imports")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        errors.append(
            InputError(path, location(("imports",)).line, "`imports` must be a list of strings")
        )
        return ()
    return tuple(raw)


_SANDBOX_KEY_BY_NAME = {format_key((*k.table, k.key)): k for k in SANDBOX_KEYS}
_MISPLACED_BY_NAME = {
    format_key((*table, key)): table for table, keys in MISPLACED.items() for key in keys
}


# --- the reader protocol (sources/registry.py) ------------------------------------


def read_source(source: SourceText) -> ConfigFile:
    """:func:`read_containerd` on a SourceText, positions in the file to report."""
    config = source.relocate(read_containerd(source.path, source.text))
    if isinstance(config.structure, Shape):
        config = config._replace(structure=config.structure._replace(source=source))
    return config


def references(config: ConfigFile, root: "str | Path | None",
               errors: list[InputError]) -> "list[Path]":
    """The files ``config`` imports (see :func:`import_paths`)."""
    return import_paths(config, placed(config), root, errors)


def layer(files: Sequence[tuple[ConfigFile, str]], context: LayerContext) -> Layered:
    """One node per containerd main file, with its imports layered in load order.

    A file in another input's import chain is not a main file of its own. Imports
    that are among the inputs are used as read; others are loaded once, through the
    context.
    """
    configs = [config for config, _ in files]
    # Each file's key once (path_key asks getcwd() of a relative path): the layering
    # below asks it of every file four or five times.
    keys: dict[int, str] = {}

    def key_of(config: ConfigFile) -> str:
        key = keys.get(id(config))
        if key is None:
            key = keys[id(config)] = path_key(placed(config))
        return key

    inputs = {key_of(f): f for f in reversed(configs)}  # the first of a repeat wins
    loaded: dict[str, ConfigFile | None] = {}
    errors: list[InputError] = []

    def config_at(target: "Path") -> ConfigFile | None:
        key = path_key(target)
        if key in inputs:
            return inputs[key]
        if key not in loaded:
            loaded[key] = context.load(target, InputType.CONTAINERD)
            errors.extend(loaded[key].errors if loaded[key] is not None else ())
        return loaded[key]

    chains = [_import_chain(config, config_at, context, errors, key_of(config))
              for config in configs]
    imported = {key_of(f) for chain in chains for f in chain[1:]}
    covered: set[str] = set()
    nodes: list[NodeFacts] = []
    # Mains first; then any input left over (files importing each other in a cycle),
    # so that no input goes unchecked.
    mains = [i for i, f in enumerate(configs) if key_of(f) not in imported]
    order = [*mains, *sorted(set(range(len(configs))) - set(mains))]
    # Where a node's etc/containerd/config.toml is among them, that is the file
    # containerd reads: another config beside it that it does not import
    # (conf.d/a.toml, config.toml.orig) is never read, so it is no runtime of its own.
    if any(is_default_main(placed(configs[i])) for i in mains):
        order = [i for i in order if is_default_main(placed(configs[i]))]
    for index in order:
        if key_of(configs[index]) in covered:
            continue
        chain = chains[index]
        covered.update(map(key_of, chain))
        node = runtime_node(Component.CONTAINERD, chain, containerd_effective(chain))
        if context.table is not None and chain[0].parsed:
            node = _as_released(node, chain[0], context, config_at, errors)
        nodes.append(node)
    # An import shared by two chains is reported once.
    return Layered(nodes=tuple(nodes), errors=tuple(dict.fromkeys(errors)))


def _as_released(node: NodeFacts, main: ConfigFile, context: LayerContext,
                 config_at: "Callable[[Path], ConfigFile | None]",
                 errors: list[InputError]) -> NodeFacts:
    """``node`` as the given containerd release reads its files -- or, the release not
    known, as the newest line that starts with them and reads them as their config
    version says; ``by_release`` says what every line would use either way."""
    from pauselint.sources import containerd_load

    table = context.table
    assert table is not None
    given = context.versions.get(Component.CONTAINERD)
    lines = list(table.containerd_line_loadings())
    # Every line is read either way: without a version to choose one, with one to say
    # what the next line would do (PL409).
    loadings = lines
    if given is not None:
        own = table.containerd_loading(given)
        if own is None:  # a release older than every fact: the files' own reading stands
            return node
        loadings = [own, *lines]
    if not loadings:
        return node
    # The version-agnostic chain above resolved every import against its file's
    # folder and said what it could not expand; the releases reuse that work.
    found: list[InputError] = []
    resolve = containerd_load.resolver(context.root, found, context.present)

    def read_all() -> list:
        return [containerd_load.read(main, loading, config_at, context.root, resolve,
                                     context.present) for loading in loadings]

    readings, old = _released_readings(main, tuple(loadings), read_all)
    reported = {(e.path, e.message) for e in errors}
    errors.extend(e for e in found if (e.path, e.message) not in reported)

    def own(reading):  # a remembered reading made this file's: only those used whole
        return reading if old is None else _reading_at(reading, old, main)

    if given is not None:
        chosen, readings = readings[0], readings[1:]
    else:
        # The newest line that starts with the files and reads them as their config
        # version says: 2.3 also migrates a version 3 file's grpc.v1.cri sandbox_image
        # (ConfigVersion 4), which 2.0-2.2 ignore -- judged as written, PL401 says so.
        accepted = [r for r in readings if r.refusal is None]
        ignored = {x.location for x in node.sandbox_settings if x.ignored}
        if old is not None:  # the remembered readings' places are in the file ``old``
            ignored = {where._replace(path=old) if where.path == main.path else where
                       for where in ignored}
        as_written = [r for r in accepted if r.found is None or r.found.location not in ignored]
        chosen = (as_written or accepted or readings)[-1]
    # What each release would use is the same of any file with this text: its release,
    # whether it starts, and the value, none of them a place.
    by_release = tuple(
        (str(r.release.version), r.refusal is None, _value_of(r, table)) for r in readings)
    facts = _facts_of(node, own(chosen), by_release, "" if given is not None else " line")
    if given is None and chosen.refusal is None:
        refused = next((r for r in readings if r.refusal is not None), None)
        if refused is not None:
            refused = own(refused)
            facts = facts._replace(line_refusal=(refused.refusal, refused.refusal_kind))
    return facts


def _released_readings(main: ConfigFile, loadings: tuple, read_all: "Callable[[], list]",
                       ) -> tuple[list, str | None]:
    """Every release's reading of ``main`` (``read_all``), remembered by its text when
    the text alone decides them: a whole file that imports nothing, so each release
    loads that one file and nothing on disk or beside it counts. A fleet's nodes hold
    one config.toml: remembering its four readings saves 5% of the instructions of a
    check of 1,000 such nodes.

    With the readings comes the path of the file they were read of, where they were
    remembered (None: they are ``main``'s own). Such a reading is kept without
    ``files`` and in the other file's places; :func:`_reading_at` makes one
    ``main``'s, and the caller does that only for the readings it uses whole (one or
    two of four: moving all four was 6% of a check of 1,000 such nodes)."""
    shape = main.structure
    if (main.imports or main.node_path is not None or not isinstance(shape, Shape)
            or shape.source is None or shape.source.outer is not None):
        return read_all(), None

    def kept_apart() -> tuple[str, list]:  # the file itself is not kept with them
        return main.path, [reading._replace(files=()) for reading in read_all()]

    old, kept = _RELEASE_READINGS.lookup((shape.source.text, loadings), kept_apart)
    return kept, old


# The releases' readings of whole files that import nothing, by text and releases,
# with the path of the file they were read of.
_RELEASE_READINGS = RepeatsRemembered()


def _reading_at(reading, old: str, main: ConfigFile):
    """A reading of the file ``old`` with ``main``'s text, as ``main``'s."""
    if old == main.path:
        return reading._replace(files=(main,))
    new = main.path

    def move(where: Location) -> Location:
        return where._replace(path=new) if where.path == old else where

    def found_at(value):  # a Found, or None
        return None if value is None else value._replace(location=move(value.location))

    refusal = reading.refusal
    if refusal is not None and refusal.path == old:
        refusal = refusal._replace(path=new)
    return reading._replace(
        files=(main,), refusal=refusal, found=found_at(reading.found),
        empty=found_at(reading.empty),
        replaced=tuple((move(where), new if by == old else by, lost)
                       for where, by, lost in reading.replaced),
        read=frozenset(map(move, reading.read)), dropped=frozenset(map(move, reading.dropped)))


def _value_of(reading, table) -> str | None:
    """The sandbox image a reading ends with: set, the release's default, or None."""
    if reading.refusal is not None or reading.no_sandbox:
        return None
    if reading.found is not None:
        return reading.found.value
    default = table.containerd_default(reading.release.version)
    return default.image if default else None


def _facts_of(node: NodeFacts, reading, by_release: tuple, line: str) -> NodeFacts:
    """``node`` with the files, refusal and effective sandbox image of ``reading``."""
    found = reading.found
    # By place in each file: files held in one wrapper share its path.
    settings = list(dict.fromkeys(
        s for config in reading.files for s in node.sandbox_settings
        if s.location in {own.location for own in config.settings}))
    winner = None
    if found is not None:
        # By place and key: the values of one encoded text all share its place.
        at_place = [s for s in settings if s.location == found.location]
        winner = next((s for s in at_place if s.key.endswith(found.key)),
                      at_place[0] if at_place else None)
        if winner is None:  # a spelling only this release reads (go-toml v1: any case)
            winner = Setting(Component.CONTAINERD, Role.SANDBOX_IMAGE, found.key, found.value,
                             found.location)
            settings.append(winner)
        winner = winner._replace(effective=True, ignored=False, ignored_reason=None)
    release = reading.release.version
    marked = tuple(winner if winner is not None and s.location == winner.location
                   and s.key == winner.key
                   else _as_read(s, reading, f"{release}{line}") for s in settings)
    if winner is not None and winner not in marked:
        marked = (*marked, winner)
    return node._replace(
        files=tuple(reading.files) or node.files,
        sandbox_settings=tuple(sorted(marked, key=lambda s: _load_rank(s, reading.files))),
        effective_sandbox=winner,
        refusal=reading.refusal,
        refusal_kind=reading.refusal_kind,
        loaded_version=reading.version if reading.refusal is None else None,
        read_as=f"{release}{line}" if line else str(release),
        by_release=by_release,
        no_sandbox=reading.no_sandbox,
        replaced=reading.replaced,
    )


def _as_read(setting: Setting, reading, release: str) -> Setting:
    """A setting that is not the effective one, as the release treats it: overridden
    by a later value, dropped with its table (PL407), or not read at all (PL401)."""
    setting = setting._replace(effective=False)
    if reading.refusal is not None or reading.no_sandbox or setting.location in reading.read:
        return setting
    if setting.ignored and not (setting.key.startswith("plugins.cri.")
                                and reading.refusal is None):
        return setting  # the file's own format already says why
    # (`[plugins.cri]` in a version 2 file: 1.x refuses it, PL406; a release that starts
    # with it ignores it, and says what it reads instead.)
    return setting._replace(ignored=True, ignored_reason=(
        f"containerd {release} does not read it: it reads {reading.reads}"))


def _load_rank(setting: Setting, files) -> tuple[int, int]:
    index = next((i for i, f in enumerate(files)
                  if setting.location in {own.location for own in f.settings}), len(files))
    return index, setting.location.line or 0


def is_default_main(path: str) -> bool:
    """Whether ``path`` is where containerd reads its config by default
    (``etc/containerd/config.toml`` of a node root)."""
    parts = os.path.normpath(path).replace(os.sep, "/").split("/")
    return parts[-3:] == ["etc", "containerd", "config.toml"]


def _import_chain(main: ConfigFile, config_at: "Callable[[Path], ConfigFile | None]",
                  context: LayerContext, errors: list[InputError],
                  main_key: str) -> list[ConfigFile]:
    """``main`` (whose path_key is ``main_key``) and every file it imports, directly or
    not, in containerd's load order.

    containerd loads breadth-first: the main file, then its imports in order, then
    their imports, skipping a path already loaded (so a cycle ends). Each later file
    overrides the earlier ones.
    """
    chain: list[ConfigFile] = []
    seen = {main_key}
    pending: deque[ConfigFile] = deque([main])
    while pending:
        config = pending.popleft()
        chain.append(config)
        for target in import_paths(config, placed(config), context.root, errors,
                                   context.present):
            key = path_key(target)
            if key in seen:
                continue
            seen.add(key)
            found = config_at(target)
            if found is not None:
                pending.append(found)
    return chain
