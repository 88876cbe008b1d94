"""The text a reader reads, and where it came from, so every finding points into a user's file.

A reader sees one text and counts lines and columns in it. When that text is a whole
file, those are the positions to report. When it is a document embedded in another
file (a kubeadm ClusterConfiguration held as a string in a ConfigMap, later a
cloud-init ``write_files`` entry), its line 1 is some line further down the outer
file and its columns sit right of the block's indentation. A :class:`SourceText`
carries that mapping, and :meth:`SourceText.relocate` moves everything a reader found
(settings, errors, suppressions) to the outer file's positions, so readers stay
unaware that they were wrapped.
"""

# No ``from __future__ import annotations``: the NamedTuple's fields are evaluated, not
# compiled from strings when the class is made (tests/startup/test_record_annotations.py).
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from pauselint.model import ConfigFile, InputError, Location, Setting, Suppression
from pauselint.records import NamedTuple

# How many distinct texts a reader's parse and scan are remembered for, by text. A
# fleet's config repo holds one hosts.toml, drop-in, kubeadm or kubelet config for many
# nodes, byte for byte: each text that repeats is parsed and scanned twice per run, not
# once per file (a text's results are a few KB). Callers only read what they get back
# (tests/sources/test_remembered_texts.py).
TEXTS_REMEMBERED = 256

_UNSEEN = object()


class RepeatsRemembered:
    """``function(text)``, its result remembered once a text comes a second time.

    Keeping every text's result cost a tree of unique files 3-5% (results held for
    nothing, and memory freed cold): a text seen once is only noted (its hash, for the
    last ``TEXTS_REMEMBERED * 4`` texts); its second reading is kept, for the last
    ``TEXTS_REMEMBERED``. An exception is never remembered.
    """

    __slots__ = ("_function", "_results", "_seen")

    def __init__(self, function: Callable[[str], Any] | None = None) -> None:
        self._function = function
        self._results: dict[Hashable, Any] = {}
        self._seen: dict[int, None] = {}

    def __call__(self, text: str) -> Any:
        return self.lookup(text, self._function, text)

    def lookup(self, key: Hashable, compute: Callable[..., Any], *args: Any) -> Any:
        """The result remembered for ``key`` (a text, or the texts of several files
        read together), else ``compute(*args)``, kept if the key repeats: for a reader
        whose result also holds something besides the text (a path) that its caller
        moves, so one store serves every file with that text."""
        found = self._results.get(key, _UNSEEN)
        if found is not _UNSEEN:
            return found
        digest = hash(key)
        if digest not in self._seen:
            keep_newest(self._seen, digest, None, TEXTS_REMEMBERED * 4)
            return compute(*args)
        result = compute(*args)
        keep_newest(self._results, key, result, TEXTS_REMEMBERED)
        return result

    def cache_clear(self) -> None:
        """Forget every text (tests)."""
        self._results.clear()
        self._seen.clear()


def keep_newest(kept: dict, key: Any, value: Any, most: int) -> None:
    """``kept[key] = value``, the oldest entry dropped past ``most``."""
    kept[key] = value
    if len(kept) > most:
        del kept[next(iter(kept))]  # the oldest


class SourceText(NamedTuple):
    """A text to read plus its origin.

    ``path`` is the file to report (the one the user owns); ``node_path`` is where the
    file sits on the node, when that differs (a node root given with ``--root``);
    ``outer`` is the text this one is embedded in, None for a whole file.

    For an embedded text, its line ``n`` is line ``n + line_offset`` of ``outer``, and
    its column ``c`` is ``c + column_offset`` there (or ``c + column_offsets[n - 1]``
    where a per-line offset is given). ``fixed`` replaces the mapping when none exists
    (a quoted or folded string): every position is the string's own start.

    A NamedTuple, not a frozen dataclass: one is made for every file read, at a third
    of the cost, and the dataclass machinery cost ~1.6 ms of every run's start-up.
    """

    text: str
    path: str
    node_path: str | None = None
    outer: "SourceText | None" = None
    line_offset: int = 0
    column_offset: int = 0
    column_offsets: tuple[int, ...] = ()
    fixed: tuple[int, int] | None = None

    @property
    def is_embedded(self) -> bool:
        return self.outer is not None

    @property
    def where_on_node(self) -> str:
        """The path the program on the node reads (for resolving relative references)."""
        return self.node_path or self.path

    def embedded(self, text: str, *, line_offset: int = 0, column_offset: int = 0,
                 column_offsets: tuple[int, ...] = (),
                 fixed: tuple[int, int] | None = None) -> "SourceText":
        """A text held inside this one; offsets count in this text's positions."""
        return SourceText(text, self.path, self.node_path, self, line_offset, column_offset,
                          column_offsets, fixed)

    def position(self, line: int, column: int | None = None) -> tuple[int, int | None]:
        """Where this text's 1-based (line, column) is in the outermost file."""
        if self.outer is None:
            return line, column
        if self.fixed is not None:
            return self.outer.position(*self.fixed)
        shift = self.column_offset
        if 0 < line <= len(self.column_offsets):
            shift = self.column_offsets[line - 1]
        return self.outer.position(line + self.line_offset,
                                   None if column is None else column + shift)

    def location(self, line: int | None, column: int | None = None) -> Location:
        """A Location in the file to report."""
        if line is None:
            if self.outer is not None and self.fixed is not None:
                line, column = self.fixed
                return Location(self.path, *self.outer.position(line, column))
            return Location(self.path, None, None)
        return Location(self.path, *self.position(line, column))

    def relocate(self, config: ConfigFile) -> ConfigFile:
        """``config`` as read from this text, with every position moved into the outer file.

        For a whole file this changes nothing but the path (already the reported one).
        """
        if self.outer is None and config.path == self.path:
            return config
        structure = config.structure
        if structure is not None and hasattr(structure, "relocate"):
            # A format's own summary (containerd's plugin tables) moves its places too.
            structure = structure.relocate(lambda where: self.location(where.line, where.column))
        return config._replace(
            path=self.path,
            settings=tuple(self._setting(s) for s in config.settings),
            errors=tuple(self._error(e) for e in config.errors),
            suppressions=tuple(self._suppression(s) for s in config.suppressions),
            structure=structure,
        )

    def _setting(self, setting: Setting) -> Setting:
        where = setting.location
        return setting._replace(location=self.location(where.line, where.column))

    def _error(self, error: InputError) -> InputError:
        where = self.location(error.line, error.column)
        return error._replace(path=self.path, line=where.line,
                              column=where.column if error.column is not None else None)

    def _suppression(self, suppression: Suppression) -> Suppression:
        line = self.position(suppression.line)[0]
        return suppression._replace(path=self.path, line=line)


# moved()'s default: the file's own path stays (None is a path a key may map to).
_SAME = object()


def moved(config: ConfigFile, move: Callable[[Location], Location],
          path: Any = _SAME) -> ConfigFile:
    """``config`` with every place moved by ``move``: within its own file (a reader
    that read another spelling of the text: bare CRs made line ends), or to other
    files (:func:`at_paths`), the file's own path then becoming ``path``. The
    ``structure`` moves too where it has ``relocate(move)``."""

    def error(item: InputError) -> InputError:
        where = move(Location(item.path, item.line, item.column))
        return item._replace(path=where.path, line=where.line, column=where.column)

    def suppression(item: Suppression) -> Suppression:
        where = move(Location(item.path, item.line))
        return item._replace(path=where.path, line=where.line)

    structure = config.structure
    if structure is not None and hasattr(structure, "relocate"):
        structure = structure.relocate(move)
    # Most readings have no error and no suppression: those stay the empty tuples.
    return config._replace(
        path=config.path if path is _SAME else path,
        settings=tuple(s._replace(location=move(s.location)) for s in config.settings),
        errors=config.errors and tuple(map(error, config.errors)),
        suppressions=config.suppressions and tuple(map(suppression, config.suppressions)),
        structure=structure)


def at_paths(config: ConfigFile, paths: Mapping[str | None, str | None]) -> ConfigFile:
    """A reading remembered as of other files, as these files': every place on a path
    ``paths`` maps (the files it was read of) moved to the path it maps to. A reader
    whose result holds more places of its own (kubelet's traced variables) moves
    those itself."""
    if all(old == new for old, new in paths.items()):
        return config

    def move(where: Location) -> Location:
        return where._replace(path=paths[where.path]) if where.path in paths else where

    return moved(config, move, paths.get(config.path, config.path))


def relocate_among(config: ConfigFile, sources: Mapping[str, SourceText]) -> ConfigFile:
    """``config``, read at its node path from one of several texts held in one wrapper,
    with each position moved by the text its own path names: a systemd service read
    with its drop-ins places a flag in whichever part (or env file) wrote it.

    ``sources`` maps node paths to their texts (``config.path`` must be one); the
    result is reported in the wrapper and keeps its node path.
    """
    own = sources[config.path]

    def source_of(path: str | None) -> SourceText:
        return sources.get(path or "", own)

    return config._replace(
        path=own.path,
        node_path=config.path,
        settings=tuple(source_of(s.location.path)._setting(s) for s in config.settings),
        errors=tuple(source_of(e.path)._error(e) for e in config.errors),
        suppressions=tuple(source_of(x.path)._suppression(x) for x in config.suppressions),
    )


def whole_file(path: str, text: str) -> SourceText:
    """The SourceText of a file read as it is."""
    return SourceText(text, path)

