"""containerd's config loading, release by release: which files it loads, whether it
starts, and which sandbox image it ends up with.

The reader (``containerd.py``) reads one file; this module does what containerd's
``LoadConfig`` does with a main file and its imports, for one release, from the facts
of ``containerd.loading`` in data/compat.yaml (each with its source):

* the files, breadth-first from the main one, each path once; a missing import, a
  glob that matches a folder or a file that does not parse makes the daemon refuse
  to start (its ``LoadConfig`` returns the error);
* a relative glob import matched against the daemon's working directory (``/``
  under systemd) before 1.6.29 / 1.7.16, against the importing file's folder after;
* the merge: 1.x replaces an earlier file's whole ``[plugins.X]`` table with an
  import's (so an import that only sets ``SystemdCgroup`` drops the main file's
  ``sandbox_image``); 2.x merges the tables key by key. The config version is the last
  non-zero one in load order (mergo's override), and 2.x migrates a version 0/1 file to
  the version merged so far first (``plugins.cri`` becomes ``io.containerd.grpc.v1.cri``);
* the checks after loading (``ValidateV2`` / ``ValidateVersion``): a version above
  what the release loads, a disabled plugin or plugin key that is no plugin URI;
* where the sandbox image is read: 1.x decodes ``plugins.cri`` (version 1) or
  ``plugins."io.containerd.grpc.v1.cri"`` (any other version) onto its defaults,
  matching ``sandbox_image`` whatever its case (go-toml v1); 2.x reads
  ``plugins."io.containerd.cri.v1.images".pinned_images.sandbox`` after migrating a
  version 2 config's ``sandbox_image`` there. A disabled CRI plugin means no sandbox
  image at all. Nothing set: the release's built-in default.

The TOML decoders differ too (verified against Debian's 1.6.20, 1.7.24 and 2.1.9):
go-toml v1 (1.x) accepts a UTF-8 BOM, takes a CR alone for a line end, matches
``sandbox_image`` also as ``SANDBOX_IMAGE`` (it tries a field's tag and its title
case) and keeps a quoted key written with an escape as written, so
``"io.containerd.grpc.v1\u002ecri"`` names no plugin; go-toml v2 (2.x) refuses a BOM
and a bare CR, matches keys exactly and resolves escapes.
An empty sandbox image stays empty in 1.x (every sandbox then fails to pull ``""``);
2.x's sandbox controller uses its default instead.

What differs from the real binaries is a bug here, found by tests/containerd_real.
"""


from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pauselint.compat import Loading
from pauselint.model import ConfigFile, InputError, Location
from pauselint.records import NamedTuple
from pauselint.sources.layering import path_key, placed
from pauselint.sources.node_paths import resolve_written

if TYPE_CHECKING:
    from pathlib import Path

CRI_PLUGIN = "io.containerd.grpc.v1.cri"
IMAGES_PLUGIN = "io.containerd.cri.v1.images"
V1_CRI = "cri"


class Found(NamedTuple):
    """The sandbox value containerd takes, where, and under which key. ``value`` is as
    decoded: a value that is no string makes the release refuse (``_not_a_string``)."""

    value: object
    location: Location
    key: str


class Reading(NamedTuple):
    """What one containerd release makes of a main config and its imports."""

    release: Loading
    files: tuple[ConfigFile, ...]  # loaded, in load order
    refusal: InputError | None  # why the daemon does not start; None: it starts
    found: Found | None  # the sandbox image set in the files (None: none set, or no CRI)
    no_sandbox: bool  # the CRI plugin is disabled: no sandbox image at all
    version: int  # the merged config version
    # (the replaced table's first value, the import that replaced it, whether that
    # dropped a sandbox image and so changed the one used, against a merge)
    replaced: tuple[tuple[Location, str, bool], ...] = ()
    # An empty value set where the release then uses its default (2.x) instead.
    empty: Found | None = None
    # What the refusal is about: "import", "unparsed", "version", "plugin-key",
    # "disabled-plugin", "bom" or "line-ends" (rules report each kind once: PL402 the
    # version).
    refusal_kind: str | None = None
    # Where the release decodes a sandbox value (a later one may override it), where
    # a value sat in a table an import replaced (1.x), and the key(s) it reads, in words.
    read: frozenset[Location] = frozenset()
    dropped: frozenset[Location] = frozenset()
    reads: str = ""


ConfigAt = Callable[["Path"], ConfigFile | None]


Resolve = Callable[[str, ConfigFile], "list[Path]"]


def resolver(root: "str | Path | None", errors: list[InputError],
             present: frozenset[str] | None = None) -> Resolve:
    """Expands an import (pattern, importing file) once per run, whichever releases ask:
    a glob bounded at 10,000 folder entries costs that once, and says so once.
    ``present``: the node is only these files (one wrapper's), nothing on disk."""
    done: dict[tuple[str, str], list[Path]] = {}

    def resolve(pattern: str, importer: ConfigFile) -> "list[Path]":
        key = (pattern, placed(importer))
        if key not in done:
            resolved = resolve_written(pattern, placed(importer), root, globs=True,
                                       present=present)
            if resolved.problem is not None:
                errors.append(InputError(importer.path, None, f"imports: {resolved.problem}"))
            done[key] = resolved.paths
        return done[key]

    return resolve


def read(main: ConfigFile, release: Loading, config_at: ConfigAt,
         root: "str | Path | None", resolve: Resolve,
         present: frozenset[str] | None = None) -> Reading:
    """``main`` and its imports as ``release`` loads them."""
    files, refusal, kind = load_files(main, release, config_at, root, resolve, present)
    if refusal is not None:
        return Reading(release, tuple(files), refusal, None, False, 0, refusal_kind=kind)
    reading = _read_v1_line(release, files) if release.major < 2 else _read_v2_line(release, files)
    found = reading.found
    wrong = _not_a_string(found, release)
    if wrong is not None:
        return reading._replace(refusal=wrong, found=None, refusal_kind="value")
    if reading.no_sandbox:
        return reading._replace(found=None)
    if found is not None and found.value == "" and not release.keeps_empty:
        return reading._replace(found=None, empty=found)  # the controller's default is used
    return reading


def load_files(main: ConfigFile, release: Loading, config_at: ConfigAt, root: "str | Path | None",
               resolve: Resolve, present: frozenset[str] | None = None,
               ) -> tuple[list[ConfigFile], InputError | None, str | None]:
    """The files ``release`` loads, in its order, and the error that stops it, if any,
    with its kind (``Reading.refusal_kind``).

    Breadth-first, each path once (``LoadConfig``'s ``loaded`` map); an import is
    opened when its turn comes, so the first missing or unparsable file in that order
    is the one containerd names. With ``present`` (the node's files are one wrapper's)
    an import the wrapper does not write may still be on the machine's image: it is
    passed over, never said to be missing.
    """
    files: list[ConfigFile] = []
    loaded: set[str] = set()
    # The main file by its placed path (only its key is needed); imports as Paths.
    pending: deque[tuple[Path | str, ConfigFile | None]] = deque([(placed(main), None)])
    while pending:
        path, importer = pending.popleft()
        key = path_key(path)
        if key in loaded:
            continue
        config = main if importer is None else None
        if importer is not None and present is not None:
            config = config_at(path) if str(path) in present else None
            if config is None:
                continue
        elif importer is not None:
            if path.is_dir():
                return files, _refused(importer, f"import {_shown(path, root)} is a folder: "
                                       "containerd fails to read it ('is a directory') "
                                       "and does not start"), "import"
            if not path.is_file():
                return files, _refused(importer, f"import {_shown(path, root)} does not exist: "
                                       "containerd fails to open it ('no such file or "
                                       "directory') and does not start"), "import"
            config = config_at(path)
            if config is None:
                continue
        assert config is not None
        files.append(config)
        if not config.parsed:
            first = config.errors[0] if config.errors else None
            why = first.message if first else "it cannot be read"
            return files, InputError(config.path, first.line if first else None,
                                     f"containerd cannot load this file ({why}) and does "
                                     "not start"), "unparsed"
        # The decoder's own refusals, as the file is unmarshalled (its turn in the order).
        refusal, kind = _decoder_refusal(config, release)
        if refusal is not None:
            return files, refusal, kind
        loaded.add(key)
        for target in _imports(config, release, resolve):
            pending.append((target, config))
    return files, None, None


def _imports(config: ConfigFile, release: Loading, resolve: Resolve) -> "list[Path]":
    """The paths ``config`` imports, as ``release`` resolves them (``resolveImports``)."""
    found: list[Path] = []
    for written in config.imports:
        pattern = written
        if "*" in written and not written.startswith("/") and release.glob_base == "cwd":
            pattern = "/" + written  # the daemon's working directory: / under systemd
        found.extend(resolve(pattern, config))
    return found


def _imports_line(config: ConfigFile) -> int | None:
    shape = config.structure
    return shape.imports_location.line if shape is not None else None


def _refused(importer: ConfigFile, why: str) -> InputError:
    return InputError(importer.path, _imports_line(importer), why)


def _shown(path: "Path", root: "str | Path | None") -> str:
    if root is None:
        return str(path)
    try:
        return "/" + str(path.relative_to(root))
    except ValueError:
        return str(path)


def _decoder_refusal(config: ConfigFile, release: Loading) -> tuple[InputError | None, str | None]:
    """What go-toml v2 (containerd 2.x) refuses that go-toml v1 (1.x) reads: a UTF-8 BOM,
    a CR that ends no CRLF. The kind is "bom" or "line-ends"."""
    shape = config.structure
    if release.decoder != "go-toml-v2" or shape is None:
        return None, None
    if shape.bom:
        return InputError(config.path, 1, f"containerd {release.version} refuses to start: "
                          "the file begins with a UTF-8 BOM ('failed to unmarshal TOML at row "
                          "1 column 1: toml: invalid character at start of key: U+00EF'); save "
                          "it without one"), "bom"
    if shape.bare_cr is not None and shape.bare_cr_at is not None:
        row, column = shape.bare_cr
        at = shape.bare_cr_at
        return InputError(at.path or config.path, at.line, f"containerd {release.version} "
                          "refuses to start: a line ends in CR alone, which TOML does not allow "
                          f"('failed to unmarshal TOML at row {row} column {column}'); save the "
                          "file with LF line ends", at.column), "line-ends"
    return None, None


def _version_of(config: ConfigFile) -> int:
    """The file's ``version`` as containerd decodes it (0 when absent)."""
    raw = config.structure.version if config.structure is not None else None
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0


def _read_v1_line(release: Loading, files: Sequence[ConfigFile]) -> Reading:
    version = 0
    version_file = files[0]  # the file whose `version` line is the merged one
    tables: dict[str, tuple[object, ConfigFile]] = {}
    replaced: list[tuple[str, Location, str, bool]] = []
    disabled: list[str] = []
    for config in files:
        shape = config.structure
        if _version_of(config):
            version, version_file = _version_of(config), config
        for table in _go_toml_v1_tables(shape.tables):
            name = table.plugin
            earlier = tables.get(name)
            if earlier is not None:
                lost = _sandbox_key(earlier[0].keys, any_case=True)
                replaced.append((name, earlier[0].location, config.path, lost))
            tables[name] = (table, config)
        disabled.extend(shape.disabled_plugins)
    merged = version or 1
    refusal, kind = _validate_v1_line(release, merged, tables, disabled, version_file)
    if refusal is not None:
        return Reading(release, tuple(files), refusal, None, False, merged, refusal_kind=kind)
    plugin = V1_CRI if merged == 1 else CRI_PLUGIN
    # What a key-by-key merge would have given: the last sandbox key in load order.
    merged_found = None
    for config in files:
        for table in _go_toml_v1_tables(config.structure.tables):
            if table.plugin == plugin:
                merged_found = _sandbox_key(table.keys, any_case=True) or merged_found
    reads = (f"`sandbox_image` under [plugins.{plugin}]" if plugin == V1_CRI
             else f'`sandbox_image` under [plugins."{plugin}"]') + \
        f" of a version {merged} config"
    entry = tables.get(plugin)
    found = _sandbox_key(entry[0].keys, any_case=True) if entry else None
    # Only the CRI plugin's own table holds the sandbox image; a replacement changes it
    # where the value differs from what a merge would give (PL407's error).
    changed = (None if found is None else found.value) != (
        None if merged_found is None else merged_found.value)
    cri_replaced = tuple((where, by, lost is not None and changed)
                         for name, where, by, lost in replaced if name == plugin)
    dropped = frozenset(lost.location for name, _, _, lost in replaced
                        if name == plugin and lost is not None)
    if plugin in disabled:
        return Reading(release, tuple(files), None, None, True, merged, cri_replaced,
                       reads=reads)
    read = frozenset([found.location]) if found is not None else frozenset()
    return Reading(release, tuple(files), None, found, False, merged, cri_replaced,
                   read=read | dropped, dropped=dropped, reads=reads)


def _validate_v1_line(release: Loading, version: int, tables: dict, disabled: list[str],
                      main: ConfigFile) -> tuple[InputError | None, str | None]:
    """``ValidateV2`` of 1.x (nothing to check below version 2): the refusal and its kind."""
    if version < 2:
        return None, None
    if release.max_version is not None and version > release.max_version:
        return InputError(main.path, _version_line(main),
                          f"containerd {release.version} refuses to start: config version "
                          f"`{version}` is not supported, the max version is "
                          f"`{release.max_version}`"), "version"
    for name in disabled:
        if not _plugin_uri(name, release.plugin_key_rule):
            return InputError(main.path, None, f"containerd {release.version} refuses to "
                              f"start: invalid disabled plugin URI \"{name}\" expect "
                              "io.containerd.x.vx"), "disabled-plugin"
    for name, (table, _config) in tables.items():
        if not _plugin_uri(name, release.plugin_key_rule):
            return InputError(table.location.path, table.location.line,
                              f"containerd {release.version} refuses to start: invalid plugin "
                              f"key URI \"{name}\" expect io.containerd.x.vx (a version "
                              f"{version} config names plugins by URI: `[plugins.cri]` is "
                              "version 1's)"), "plugin-key"
    return None, None


def _version_line(config: ConfigFile) -> int | None:
    shape = config.structure
    return shape.version_location.line if shape is not None else None


def _plugin_uri(name: str, rule: str) -> bool:
    name = name.removeprefix(_GO_TOML_V1_RAW)
    if rule == "four-parts":
        return len(name.split(".")) >= 4
    if rule == "io.containerd-prefix":
        return name.startswith("io.containerd.") and len(name.split(".", 3)) >= 4
    return True


# An escaped plugin key as go-toml v1 keeps it: never equal to a plugin's URI, and
# still a dotted io.containerd. name for 1.x's plugin key check.
_GO_TOML_V1_RAW = "\\"


def _go_toml_v1_tables(tables: Sequence) -> list:
    """A file's plugin tables as go-toml v1 sees them: a header written with an escape
    makes a table of its own, named as written (so it names no plugin)."""
    out = []
    for table in tables:
        if table.resolved:
            out.append(table._replace(keys=tuple(k for k in table.keys
                                                 if k.key not in table.raw_keys)))
        if table.escaped:
            out.append(table._replace(plugin=_GO_TOML_V1_RAW + table.plugin,
                                      keys=tuple(k for k in table.keys
                                                 if k.key in table.raw_keys)))
    return out


def _sandbox_key(keys: Sequence, any_case: bool) -> Found | None:
    """The ``sandbox_image`` key of a plugin table. go-toml v1 (``any_case``) tries the
    field's tag and its title case (``SANDBOX_IMAGE``), the tag first; v2 only the tag."""
    exact = [k for k in keys if k.key == "sandbox_image"]
    loose = [k for k in keys if any_case and k.key == "SANDBOX_IMAGE"]
    chosen = (exact or loose or [None])[-1]
    if chosen is None:
        return None
    return Found(chosen.value, chosen.location, chosen.key)


def _not_a_string(found: Found | None, release: Loading) -> InputError | None:
    """containerd fails to decode a sandbox image that is no string ("Can't convert 5(int64)
    to string"), and does not start."""
    if found is None or isinstance(found.value, str):
        return None
    shown = str(found.value).lower() if isinstance(found.value, bool) else repr(found.value)
    return InputError(found.location.path, found.location.line,
                      f"containerd {release.version} refuses to start: `{found.key}` must be "
                      f"a string, not {shown}", found.location.column)


def _read_v2_line(release: Loading, files: Sequence[ConfigFile]) -> Reading:
    # The release's ConfigVersion (its max_version): where its default config starts,
    # and below which its images plugin migrates grpc.v1.cri's sandbox_image -- so in
    # 2.3 (ConfigVersion 4) a version 3 file's sandbox_image is migrated too
    # (plugins/cri/images/plugin.go configMigration @v2.3.0).
    config_version = release.max_version
    assert config_version is not None  # compat.containerd_loading requires it for 2.x
    version = config_version
    version_file: ConfigFile | None = None  # the file whose `version` line is the merged one
    cri_sandbox: Found | None = None  # plugins."io.containerd.grpc.v1.cri".sandbox_image
    pinned: Found | None = None  # plugins."io.containerd.cri.v1.images".pinned_images.sandbox
    cri_seen: list[Location] = []
    pinned_seen: list[Location] = []
    pinned_map: dict[str, object] = {}  # every pinned_images entry, merged key by key
    disabled: list[str] = []
    for config in files:
        shape = config.structure
        written = _version_of(config)
        # A version 0/1 file is migrated to the version merged so far (MigrateConfigTo:
        # one step at a time while below it; v1Migrate renames plugins on the step from
        # 1), then merged: a non-zero version overrides (mergo).
        migrated = False
        if written in (0, 1):
            if version > config_version:  # migrations[] has no step from ConfigVersion
                return Reading(release, tuple(files), InputError(
                    config.path, None, f"containerd {release.version} crashes at start "
                    f"('index out of range' in MigrateConfigTo): this file has no version "
                    f"above 1 and is migrated to version {version}, set by a file loaded "
                    f"before it, beyond {config_version}, the highest it knows"),
                    None, False, version, refusal_kind="version")
            migrated = version >= 2
            written = max(written, version)
        elif written:
            version_file = config
        version = written or version
        for table in shape.tables:
            plugin = _v1_migrated(table.plugin) if migrated else table.plugin
            if plugin == CRI_PLUGIN:  # the plugin maps merge key by key, "" included
                found = _sandbox_key(table.keys, any_case=False)
                if found is not None:
                    cri_sandbox = found
                    cri_seen.append(found.location)
            elif plugin == IMAGES_PLUGIN:
                pinned_map.update((k.key, k) for k in table.pinned)
                entry = next((k for k in table.pinned if k.key == "sandbox"), None)
                if entry is not None:
                    pinned_seen.append(entry.location)
                    pinned = Found(entry.value, entry.location,
                                   'plugins."io.containerd.cri.v1.images".pinned_images.sandbox')
        disabled.extend(_v1_migrated(p) if migrated else p for p in shape.disabled_plugins)
    if release.max_version is not None and version > release.max_version:
        where = version_file or files[0]
        return Reading(release, tuple(files),
                       InputError(where.path, _version_line(where),
                                  f"containerd {release.version} refuses to start: expected "
                                  "containerd config version equal to or less than "
                                  f"`{release.max_version}`, got `{version}`"),
                       None, False, version, refusal_kind="version")
    for name in disabled:
        if "." not in name:
            return Reading(release, tuple(files), InputError(
                files[0].path, None, f"containerd {release.version} refuses to start: invalid "
                f"disabled plugin URI \"{name}\" expect io.containerd.x.vx"), None, False,
                version, refusal_kind="disabled-plugin")
    migrates = version < config_version
    if migrates and cri_sandbox is not None:  # the images plugin's migration
        pinned = cri_sandbox
    # pinned_images is a map of strings: any other value fails the images plugin's decode.
    wrong = next((k for key, k in pinned_map.items() if key != "sandbox"
                  and not isinstance(k.value, str)), None)
    if wrong is not None and IMAGES_PLUGIN not in disabled:
        return Reading(release, tuple(files), _not_a_string(
            Found(wrong.value, wrong.location, f"pinned_images.{wrong.key}"), release),
            None, False, version, refusal_kind="value")
    read = frozenset(pinned_seen) | (frozenset(cri_seen) if migrates else frozenset())
    reads = ('`sandbox` under [plugins."io.containerd.cri.v1.images".pinned_images]'
             + (' (and, migrated over it, `sandbox_image` under '
                f'[plugins."io.containerd.grpc.v1.cri"]) of a version {version} config'
                if migrates else f" of a version {version} config"))
    if CRI_PLUGIN in disabled or IMAGES_PLUGIN in disabled:
        # The images plugin still decodes its config unless it is the one disabled.
        kept = pinned if IMAGES_PLUGIN not in disabled else None
        return Reading(release, tuple(files), None, kept, True, version, reads=reads)
    return Reading(release, tuple(files), None, pinned, False, version, read=read, reads=reads)


def _v1_migrated(plugin: str) -> str:
    """A version 1 plugin name as 2.x's v1Migrate renames it (only ``cri`` matters here)."""
    return CRI_PLUGIN if plugin == V1_CRI else plugin
