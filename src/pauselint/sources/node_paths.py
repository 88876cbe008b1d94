"""Paths written inside a config, resolved on the node the config belongs to.

A containerd ``imports`` entry or a systemd ``EnvironmentFile=`` names a path on the
node. When the node is a folder (a node root under review, or ``--root``), that
path must resolve inside the folder, never on the machine running pauselint: a
config under review is input, and its paths must not make pauselint read (and
quote) the reviewer's own files.

So a path is normalised lexically, as the node would see it (``/..`` at the root
stays at the root, as in Go's filepath.Join and the kernel), then placed under the
root. A symlink is followed only while it stays inside the root: a link whose
target leaves it (an absolute target means the *host's* file here, not the
node's) is refused with an error naming the path, never read.

A glob (containerd's ``imports``) is expanded as Go's filepath.Glob does, one path
component at a time: ``*``, ``?``, ``[...]`` (``[^...]`` negated) and ``\\`` escapes
per component, dotfiles included, each folder's names sorted, and a malformed
pattern an error (containerd refuses to load it). It never lists a folder reached
through a symlink that leaves the root, examines at most MAX_GLOB_ENTRIES folder
entries in all (symlinked folders can loop, and with no root the node is the whole
host), and pulls in at most MAX_GLOB_MATCHES files. Past either bound, none of the
matches is read and the glob is an error, because a partial, arbitrary prefix of the
matches is not the runtime's view. With no root (files named one by one on a host),
the node is this machine.
"""


import os
import posixpath
import re
import stat
from typing import TYPE_CHECKING

from pauselint.records import NamedTuple

if TYPE_CHECKING:
    from pathlib import Path

# A real config imports a handful of drop-ins at most; 64 leaves ample room and still
# stops `/usr/*/*/*/*` at once.
MAX_GLOB_MATCHES = 64
# Folder entries one glob may look at (every name listed, every literal part checked):
# a real conf.d holds dozens; this still ends a symlink loop or a host-wide
# `/*/*/*/*` within a fraction of a second.
MAX_GLOB_ENTRIES = 10_000


class Resolved(NamedTuple):
    """The files a written path names on the node, or why none is read."""

    paths: "list[Path]"
    problem: str | None = None


def node_path(written: str, importer: str, root: "str | Path | None") -> "Path":
    """Where ``written`` (in the file at ``importer``) lies, lexically, inside ``root``.

    Relative paths are relative to the importing file's folder; ``..`` never climbs
    above the root, as on the node itself.
    """
    from pathlib import Path  # on first use: most runs resolve no path (startup cost)

    if root is None:
        base = written if written.startswith("/") else os.path.join(
            os.path.dirname(os.path.abspath(importer)), written)
        return Path(os.path.normpath(base))
    if written.startswith("/"):
        inside = written
    else:
        folder = os.path.relpath(os.path.dirname(os.path.abspath(importer)), os.path.abspath(root))
        folder = "/" if folder == "." or folder.startswith("..") else "/" + folder
        inside = posixpath.join(folder.replace(os.sep, "/"), written)
    inside = posixpath.normpath("/" + inside)  # `/..` stays at `/`; `//x` is `/x`
    return Path(root, *[part for part in inside.split("/") if part])


def escapes_root(path: "str | Path", root: "str | Path | None") -> bool:
    """Whether ``path``, symlinks followed, ends outside ``root``."""
    if root is None:
        return False
    if _plainly_inside(os.fspath(path), os.fspath(root)):
        return False
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return os.path.commonpath([real_root, real]) != real_root


def _plainly_inside(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` plus plain names (no ``.``, ``..``), none of them a
    symlink: then its real path is the root's own plus those names, inside the root.

    This is realpath's answer with one lstat per name below the root instead of one
    per component of both paths (realpath(root) is not needed): ~4 against ~40 µs,
    and every EnvironmentFile= and certs.d folder of every node asks. Anything else
    (a symlink, ``..``) is left to the full comparison. A name that does not exist
    ends the walk: nothing below it exists either, and realpath appends such names
    as written.
    """
    prefix = root.rstrip("/") + "/"
    if not path.startswith(prefix) or prefix == "/":
        return False
    names = path[len(prefix):].split("/")
    if "" in names or "." in names or ".." in names:
        return False
    here = prefix[:-1]
    for name in names:
        here = f"{here}/{name}"
        try:
            if stat.S_ISLNK(os.lstat(here).st_mode):
                return False
        except OSError:
            return True
    return True


def resolve_written(written: str, importer: str, root: "str | Path | None", *,
                    globs: bool = False, present: frozenset[str] | None = None) -> Resolved:
    """The files ``written`` names inside the node root (one, or a glob's matches).

    ``globs``: the format expands a ``*`` in the path (containerd's imports do, as
    Go's filepath.Glob; systemd's EnvironmentFile= does not).

    ``present``: the node is only these files (absolute paths on the node, all held
    in one wrapper such as a cloud-init user-data): ``written`` resolves among them
    and nothing on disk is looked at, whatever ``root`` is.

    A file that does not exist is returned as is (the caller reports a missing
    file its own way); one reached through a symlink leaving the root is a problem.
    """
    if present is not None:
        return _among(written, node_path(written, importer, None), present, globs)
    target = node_path(written, importer, root)
    if not (globs and "*" in written):
        if escapes_root(target, root):
            return Resolved([], f"`{written}` leads outside the node folder through a "
                                "symlink: not read")
        return Resolved([target])
    return _glob(written, target, root)


def _among(written: str, target: "Path", present: frozenset[str], globs: bool) -> Resolved:
    """``target`` resolved among ``present`` node paths: a glob matched as Go's
    filepath.Glob matches (component by component, each folder's names in byte order)."""
    if not (globs and "*" in written):
        return Resolved([target])
    from pathlib import Path

    try:
        matchers = [_component_matcher(part) for part in target.parts[1:]]
    except _BadPattern:
        return Resolved([], f"`{written}` is not a valid glob (syntax error in pattern, "
                            "as Go's filepath.Glob says): none of it read (containerd "
                            "fails to load a config naming it)")
    literal = target.parts[1:]
    matched = []
    for candidate in present:
        parts = Path(posixpath.normpath(candidate)).parts[1:]
        if len(parts) == len(matchers) and all(
                name == part if matcher is None else matcher.fullmatch(name)
                for name, part, matcher in zip(parts, literal, matchers, strict=True)):
            matched.append(parts)
    matched.sort(key=lambda parts: [os.fsencode(name) for name in parts])
    if len(matched) > MAX_GLOB_MATCHES:
        return Resolved([], f"`{written}` matches more than {MAX_GLOB_MATCHES} files: "
                            "none of them read (no runtime config imports that many)")
    return Resolved([Path("/", *parts) for parts in matched])


def _shown(path: str, root: "str | Path | None") -> str:
    """``path`` as the node sees it: from the node's ``/`` when there is a root."""
    if root is None:
        return path
    return "/" + os.path.relpath(path, root).replace(os.sep, "/")


def _glob(written: str, target: "Path", root: "str | Path | None") -> Resolved:
    """Go's filepath.Glob of ``target`` (``written`` placed in the node), bounded."""
    from pathlib import Path

    base = str(root) if root is not None else target.anchor
    parts = target.relative_to(base).parts
    try:
        matchers = [_component_matcher(part) for part in parts]
    except _BadPattern:
        return Resolved([], f"`{written}` is not a valid glob (syntax error in pattern, "
                            "as Go's filepath.Glob says): none of it read (containerd "
                            "fails to load a config naming it)")
    real_root = os.path.realpath(root) if root is not None else None
    examined = 0
    problems: list[str] = []
    # What matched so far, each with its real path (None with no root: nothing to leave).
    level: list[tuple[str, str | None]] = [(base, real_root)]
    for index, (part, matcher) in enumerate(zip(parts, matchers, strict=True)):
        last = index == len(parts) - 1
        found: list[tuple[str, str | None]] = []
        for folder, real in level:
            if matcher is None:  # a literal part: one lookup, no listing
                examined += 1
                names = [part] if os.path.lexists(os.path.join(folder, part)) else []
            else:
                listed = _list(folder, MAX_GLOB_ENTRIES - examined)
                examined += MAX_GLOB_ENTRIES + 1 if listed is None else len(listed)
                names = [name for name in listed or () if matcher.fullmatch(name)]
            if examined > MAX_GLOB_ENTRIES:
                return Resolved([], f"`{written}`: expanding it examined more than "
                                    f"{MAX_GLOB_ENTRIES:,} folder entries: none of them "
                                    "read (no runtime config imports from that many)")
            for name in names:
                child = os.path.join(folder, name)
                try:
                    child_real = real and (os.path.realpath(child) if os.path.islink(child)
                                           else os.path.join(real, name))
                except OSError:  # a link that cannot be resolved (/proc/1/cwd): no match
                    continue
                if not last and not os.path.isdir(child):
                    continue  # as in Go's Glob: only folders are searched further
                if not last and _pseudo(child):
                    continue  # /proc, /sys, /dev, /run hold no node config: never listed
                if not last and not _within(child_real, real_root):
                    if not problems:  # the first such folder is named
                        problems.append(f"`{written}` goes through `{_shown(child, root)}`, "
                                        "a symlinked folder outside the node folder: not read "
                                        "there")
                    continue
                found.append((child, child_real))
            if last and len(found) > MAX_GLOB_MATCHES:
                return Resolved([], f"`{written}` matches more than {MAX_GLOB_MATCHES} files: "
                                    "none of them read (no runtime config imports that many)")
        level = found
    inside = [Path(path) for path, real in level if _within(real, real_root)]
    if len(inside) < len(level):
        problems.append(f"`{written}` matches files outside the node folder through "
                        "a symlink: those are not read")
    return Resolved(inside, "; ".join(problems) or None)


def _within(real: str | None, real_root: str | None) -> bool:
    """Whether a real path (None: not checked) lies inside the real root."""
    return real is None or real_root is None or os.path.commonpath([real_root, real]) == real_root


def _pseudo(folder: str) -> bool:
    """Whether ``folder`` is one a folder walk never enters (a kernel or runtime
    filesystem), so that a glob with the host's ``/`` as root does not list it either."""
    from pauselint.inputs import is_pruned

    try:
        return is_pruned(os.path.realpath(folder))
    except OSError:
        return True


def _list(folder: str, room: int) -> list[str] | None:
    """The names in ``folder``, sorted as Go sorts them (by bytes); None past ``room``
    entries. A folder that cannot be listed has none (Go's Glob ignores I/O errors)."""
    names: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                names.append(entry.name)
                if len(names) > room:
                    return None
    except OSError:
        return []
    return sorted(names, key=os.fsencode)


class _BadPattern(ValueError):
    """Go's filepath.ErrBadPattern."""


_MAGIC = frozenset("*?[\\")


class _Matcher(NamedTuple):
    """Go's filepath.Match for one path component: runs of fixed-width terms (chunks)
    between runs of stars. Like Go, each chunk after a star takes its leftmost match
    and never backtracks, so a name is matched in linear time whatever the pattern."""

    chunks: tuple[re.Pattern[str], ...]
    last_width: int  # how many characters the last chunk matches

    def fullmatch(self, name: str) -> bool:
        if len(self.chunks) == 1:  # no star: the name is the one chunk
            return self.chunks[0].fullmatch(name) is not None
        first, *middle, last = self.chunks
        found = first.match(name)
        if found is None:
            return False
        position = found.end()
        for chunk in middle:
            found = chunk.search(name, position)
            if found is None:
                return False
            position = found.end()
        start = len(name) - self.last_width
        return start >= position and last.fullmatch(name, start) is not None


def _component_matcher(part: str) -> _Matcher | None:
    """How Go's filepath.Match matches names against ``part``; None when ``part`` has
    no magic characters (a literal name). Raises _BadPattern where Go does."""
    if not _MAGIC.intersection(part):
        return None
    chunks: list[list[str]] = [[]]  # the regex of each term, per run between stars
    i = 0
    while i < len(part):
        char = part[i]
        if char == "*":
            while i < len(part) and part[i] == "*":
                i += 1
            chunks.append([])
        elif char == "?":
            chunks[-1].append("(?s:.)")
            i += 1
        elif char == "[":
            regex, i = _char_class(part, i + 1)
            chunks[-1].append(regex)
        elif char == "\\":
            if i + 1 >= len(part):
                raise _BadPattern(part)
            chunks[-1].append(re.escape(part[i + 1]))
            i += 2
        else:
            chunks[-1].append(re.escape(char))
            i += 1
    return _Matcher(tuple(re.compile("".join(terms)) for terms in chunks), len(chunks[-1]))


def _char_class(part: str, i: int) -> tuple[str, int]:
    """The regex of the ``[...]`` class whose body starts at ``part[i]``, and the index
    after its ``]``; as Go parses it (``^`` negates, ``\\`` escapes, ``lo-hi``)."""
    negated = i < len(part) and part[i] == "^"
    if negated:
        i += 1
    ranges: list[str] = []
    count = 0
    while True:
        if i < len(part) and part[i] == "]" and count:
            i += 1
            break
        low, i = _class_char(part, i)
        high = low
        if part[i] == "-":
            high, i = _class_char(part, i + 1)
        if low <= high:  # Go accepts an empty range; it matches nothing
            ranges.append(f"{re.escape(low)}-{re.escape(high)}")
        count += 1
    body = "".join(ranges)
    if negated:
        return (f"[^{body}]" if body else "(?s:.)"), i
    return (f"[{body}]" if body else "(?!)"), i


def _class_char(part: str, i: int) -> tuple[str, int]:
    """One character of a class (Go's getEsc): the character and the index after it."""
    if i >= len(part) or part[i] in "-]":
        raise _BadPattern(part)
    if part[i] == "\\":
        i += 1
        if i >= len(part):
            raise _BadPattern(part)
    if i + 1 >= len(part):  # Go: a class must be closed after it
        raise _BadPattern(part)
    return part[i], i + 1
