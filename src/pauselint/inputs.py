"""Turn command-line arguments into input files: named files, folders, and stdin.

Kept apart from the readers because it is about the filesystem (walking folders,
decoding bytes, refusing binaries), not about any config format.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

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


def decode(path: str, data: bytes) -> tuple[str | None, InputError | None]:
    """Decode config bytes as UTF-8 (BOM tolerated); binary or other encodings are errors."""
    if b"\x00" in data[:8192]:
        return None, InputError(path, None, "binary file, not a configuration file")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, InputError(path, line, f"not UTF-8 text (byte {exc.start})")


def read_path(path: str, *, explicit: bool) -> InputFile:
    """Read one file, never raising: problems become an InputError on the InputFile."""
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            return InputFile(path, None, explicit,
                             InputError(path, None, f"file is {size} bytes; not a node config"))
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return InputFile(path, None, explicit, InputError(path, None, exc.strerror or str(exc)))
    text, error = decode(path, data)
    return InputFile(path, text, explicit, error)


def walk(folder: str, skip: Callable[[str], bool] | None = None) -> Iterator[str]:
    """Every regular file under ``folder``, sorted, skipping VCS and virtualenv folders
    and whatever ``skip`` (the config's ``exclude``) rules out -- excluded folders are
    not even entered, so their files are never read."""
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS
                         and not (skip and skip(os.path.join(current, d))))
        for name in sorted(files):
            full = os.path.join(current, name)
            if os.path.isfile(full) and not (skip and skip(full)):
                yield full


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


def collect(arguments: Iterable[str], stdin_text: str | None = None,
            skip: Callable[[str], bool] | None = None) -> list[InputFile]:
    """Expand the command line: files as given, folders walked, ``-`` read from stdin.

    ``skip`` (the config's ``exclude``) applies to named files and walked ones alike,
    never to standard input.
    """
    out: list[InputFile] = []
    for arg in arguments:
        if arg == "-":
            out.append(InputFile(STDIN_NAME, stdin_text or "", explicit=True))
        elif os.path.isdir(arg):
            out.extend(read_path(p, explicit=False)._replace(group=node_root(arg, p))
                       for p in walk(arg, skip))
        elif not (skip and skip(arg)):
            out.append(read_path(arg, explicit=True))
    return out
