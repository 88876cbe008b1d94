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
node's) is refused with an error naming the path, never read. A glob pulls in at
most MAX_GLOB_MATCHES files; past that, none of them is read and the glob is an
error, because a partial, arbitrary prefix of the matches is not the runtime's view.
With no root (files named one by one on a host), the node is this machine.
"""

from __future__ import annotations

import glob
import itertools
import os
import posixpath
from pathlib import Path
from typing import NamedTuple

# A real config imports a handful of drop-ins at most; 64 leaves ample room and still
# stops `/usr/*/*/*/*` at once.
MAX_GLOB_MATCHES = 64


class Resolved(NamedTuple):
    """The files a written path names on the node, or why none is read."""

    paths: list[Path]
    problem: str | None = None


def node_path(written: str, importer: str, root: Path | None) -> Path:
    """Where ``written`` (in the file at ``importer``) lies, lexically, inside ``root``.

    Relative paths are relative to the importing file's folder; ``..`` never climbs
    above the root, as on the node itself.
    """
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


def escapes_root(path: Path, root: Path | None) -> bool:
    """Whether ``path``, symlinks followed, ends outside ``root``."""
    if root is None:
        return False
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return os.path.commonpath([real_root, real]) != real_root


def resolve_written(written: str, importer: str, root: Path | None, *,
                    globs: bool = False) -> Resolved:
    """The files ``written`` names inside the node root (one, or a glob's matches).

    ``globs``: the format expands a ``*`` in the path (containerd's imports do, as
    Go's filepath.Glob; systemd's EnvironmentFile= does not).

    A file that does not exist is returned as is (the caller reports a missing
    file its own way); one reached through a symlink leaving the root is a problem.
    """
    target = node_path(written, importer, root)
    if not (globs and "*" in written):
        if escapes_root(target, root):
            return Resolved([], f"`{written}` leads outside the node folder through a "
                                "symlink: not read")
        return Resolved([target])
    pattern = str(target)
    if root is not None:  # the root's own name is literal, even if it holds `*` or `[`
        pattern = os.path.join(glob.escape(str(root)), os.path.relpath(pattern, root))
    matches = sorted(itertools.islice(glob.iglob(pattern), MAX_GLOB_MATCHES + 1))
    if len(matches) > MAX_GLOB_MATCHES:
        return Resolved([], f"`{written}` matches more than {MAX_GLOB_MATCHES} files: "
                            "none of them read (no runtime config imports that many)")
    inside = [Path(p) for p in matches if not escapes_root(Path(p), root)]
    if len(inside) < len(matches):
        return Resolved(inside, f"`{written}` matches files outside the node folder through "
                                "a symlink: those are not read")
    return Resolved(inside)
