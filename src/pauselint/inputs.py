"""Turn command-line arguments into input files: named files, folders, and stdin.

Kept apart from the readers because it is about the filesystem (walking folders,
decoding bytes, refusing binaries), not about any config format.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, NamedTuple

from pauselint.model import InputError

STDIN_NAME = "<stdin>"
# Files larger than this are not node configs; refusing them keeps a mistaken
# `pauselint check /` from reading a disk image into memory.
MAX_BYTES = 4 * 1024 * 1024
# Folder walks skip these: VCS metadata and virtualenvs are never node configs.
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__"})


class InputFile(NamedTuple):
    """One input: its path as the user gave it, and its text (None when unreadable)."""

    path: str
    text: str | None
    explicit: bool  # named on the command line (vs found while walking a folder)
    error: InputError | None = None
    # Inputs that describe one node share a group: each folder argument is one node,
    # and the files named directly on the command line are one node together.
    group: str = ""
    # The file ended its lines with CR alone (decode() turned them into LF): formats
    # that refuse that (TOML, systemd, env files) say so, with the settings still read.
    cr_line_ends: bool = False


def decode(path: str, data: bytes) -> tuple[str | None, InputError | None]:
    """Decode config bytes as UTF-8 (BOM tolerated); binary or other encodings are errors.

    CR-only line ends (old Mac) become LF here, once, so detection, every reader and
    every locator count lines as an editor shows them. Whether the format itself
    accepts them is the reader's to say (see :func:`has_cr_line_ends`).
    """
    if b"\x00" in data[:8192]:
        return None, InputError(path, None, "binary file, not a configuration file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, InputError(path, line, f"not UTF-8 text (byte {exc.start})")
    return normalize_line_ends(text), None


def has_cr_line_ends(data: str | bytes) -> bool:
    """Whether ``data`` (text, or the bytes it was decoded from) ends its lines with
    CR alone: CRs and no LF at all.

    A stray CR inside an LF file is not a line end to an editor (it shows ``^M``),
    so only a file with no LF at all counts.
    """
    cr, lf = ("\r", "\n") if isinstance(data, str) else (b"\r", b"\n")
    return cr in data and lf not in data


def normalize_line_ends(text: str) -> str:
    """``text`` with CR-only line ends turned into LF; any other text unchanged."""
    return text.replace("\r", "\n") if has_cr_line_ends(text) else text


def read_path(path: str, *, explicit: bool) -> InputFile:
    """Read one regular file, never raising: problems become an InputError on the InputFile.

    Only regular files are read, and at most MAX_BYTES + 1 bytes of them: a size
    from stat() means nothing for /dev/zero, a FIFO or a file still growing, so the
    read itself is capped. The file is opened with O_NONBLOCK, so a FIFO with no
    writer cannot block the open, and refused after fstat() as not a regular file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        return InputFile(path, None, explicit, InputError(path, None, exc.strerror or str(exc)))
    try:
        kind = _special_kind(os.fstat(fd).st_mode)
        if kind is not None:
            return InputFile(path, None, explicit,
                             InputError(path, None, f"{kind}, not a regular file: not read"))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        return InputFile(path, None, explicit, InputError(path, None, exc.strerror or str(exc)))
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        return InputFile(path, None, explicit, InputError(path, None, _too_big()))
    text, error = decode(path, data)
    return InputFile(path, text, explicit, error, cr_line_ends=has_cr_line_ends(data))


def read_stream(stream: BinaryIO, name: str = STDIN_NAME) -> InputFile:
    """Standard input with the same cap as a file: an endless pipe is an error, not a hang
    on memory. Decoded like a file (UTF-8, BOM tolerated, line ends normalised)."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return InputFile(name, None, True, InputError(name, None, _too_big()))
    text, error = decode(name, data)
    return InputFile(name, text, True, error, cr_line_ends=has_cr_line_ends(data))


def _too_big() -> str:
    return f"more than {MAX_BYTES:,} bytes; not a node config"


def _special_kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"))
    return next((name for test, name in kinds if test(mode)), "a special file")


class WalkNote(NamedTuple):
    """Something a folder walk passed over without reading, and why (for the summary)."""

    path: str
    reason: str


def walk(folder: str, skip: Callable[[str], bool] | None = None,
         notes: list[WalkNote] | None = None,
         errors: list[InputError] | None = None) -> Iterator[str]:
    """Every regular file under ``folder``, sorted, skipping VCS and virtualenv folders
    and whatever ``skip`` (the config's ``exclude``) rules out -- excluded folders are
    not even entered, so their files are never read.

    Nothing is passed over silently. A folder that cannot be listed is an InputError
    in ``errors`` (its configs are unknown, so the run cannot be clean). Special files
    (FIFOs, sockets, devices) are never opened, and broken symlinks and symlinked
    folders are noted in ``notes``. Symlinked folders are not followed: a config repo
    or a mounted node root holds its files in place, and a link (often absolute, so
    pointing at the host running pauselint, or back up the tree) would read files of
    another machine or loop. A symlinked *file* is read, as the runtime would read
    it, while its target stays inside ``folder``; one pointing outside is noted, not read.
    """
    def unlistable(exc: OSError) -> None:
        if errors is not None:
            where = exc.filename or folder
            errors.append(InputError(where, None, f"folder not read: {exc.strerror or exc}; "
                                     "configs in it are unknown"))

    real_top = os.path.realpath(folder)
    for current, dirs, files in os.walk(folder, onerror=unlistable):
        for name in sorted(dirs):
            if os.path.islink(os.path.join(current, name)) and notes is not None:
                notes.append(WalkNote(os.path.join(current, name),
                                      "symlinked folder: not followed"))
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS
                         and not os.path.islink(os.path.join(current, d))
                         and not (skip and skip(os.path.join(current, d))))
        for name in sorted(files):
            full = os.path.join(current, name)
            if skip and skip(full):
                continue
            try:
                mode = os.stat(full).st_mode
            except OSError:
                if notes is not None:
                    notes.append(WalkNote(full, "broken symlink: not read"))
                continue
            kind = _special_kind(mode)
            if kind is None and os.path.islink(full) and os.path.commonpath(
                    [real_top, os.path.realpath(full)]) != real_top:
                if notes is not None:  # another machine's file, as far as this node goes
                    notes.append(WalkNote(full, "symlink to outside the folder: not read"))
            elif kind is None:
                yield full
            elif notes is not None:
                notes.append(WalkNote(full, f"{kind}: not read"))


# Top-level folders of a node's filesystem: a folder holding one of these is a node root.
_ROOT_FOLDERS = frozenset({"etc", "var", "usr", "lib", "run", "opt"})


def node_root(folder: str, path: str) -> str:
    """The node a file found under ``folder`` belongs to.

    A folder laid out like one node's filesystem (``etc/containerd/...``) is one node;
    a folder of such folders (``nodes/a/etc/...``, ``nodes/b/etc/...``) is one node
    each, so ``pauselint check nodes/`` never compares one node's kubelet flag with
    another node's runtime. Files outside any such layout belong to ``folder``.
    """
    parts = os.path.relpath(path, folder).split(os.sep)
    for index, part in enumerate(parts[:-1]):
        if part in _ROOT_FOLDERS:
            return os.path.join(folder, *parts[:index]) if index else folder
    return folder


def collect(arguments: Iterable[str], stdin: InputFile | str | None = None,
            skip: Callable[[str], bool] | None = None,
            notes: list[WalkNote] | None = None) -> list[InputFile]:
    """Expand the command line: files as given, folders walked, ``-`` read from stdin.

    ``stdin`` is standard input already read (:func:`read_stream`, capped like a file).
    ``skip`` (the config's ``exclude``) applies to named files and walked ones alike,
    never to standard input. What a walk passed over goes to ``notes``; a folder it
    could not list becomes an unreadable input, so the run reports it.
    """
    out: list[InputFile] = []
    for arg in arguments:
        if arg == "-":
            if isinstance(stdin, InputFile):
                out.append(stdin)
            else:
                out.append(InputFile(STDIN_NAME, normalize_line_ends(stdin or ""), explicit=True))
        elif os.path.isdir(arg):
            unlisted: list[InputError] = []
            out.extend(read_path(p, explicit=False)._replace(group=node_root(arg, p))
                       for p in walk(arg, skip, notes, unlisted))
            out.extend(InputFile(e.path or arg, None, True, e, group=arg) for e in unlisted)
        elif not (skip and skip(arg)):
            out.append(read_path(arg, explicit=True))
    return out
