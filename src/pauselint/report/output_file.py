"""Writing a report to ``--output-file FILE`` without ever losing a file.

What FILE is decides how it is written:

- a regular file (or nothing yet): replaced in one step -- a temporary file in the
  same folder, fsync, rename -- so it is either the old report or the whole new one.
  The new file keeps the old one's mode, and its owner and group where the user may
  set them (root may; others keep their own). A failure leaves the old file as it was
  and no temporary file behind.
- a symlink: its target is written as above and the link is kept, so a link
  ``report.json -> /shared/ci/report.json`` still points at the new report.
- a device, FIFO or socket (``/dev/null``, a named pipe), or a file descriptor's name
  (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/N``): written to, never replaced --
  replacing ``/dev/null`` with a regular file would break the system, and replacing the
  file behind ``/dev/stdout`` would lose what was already written to it (a ``>>`` log).

An output that is one of the run's inputs is refused before anything is written
(``input_named_by``): comparing real identities (device and inode), so a symlink, a
hard link or a ``./a/../b`` spelling of an input is refused too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterable

# The folders whose entries are a process's open file descriptors, after realpath.
_DESCRIPTOR_FOLDER = re.compile(r"^/proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd$")
_MAX_LINK_HOPS = 40  # Linux's own limit (MAXSYMLINKS)


def input_named_by(output_path: str, inputs: Iterable[str]) -> str | None:
    """The input that ``output_path`` would overwrite, or None.

    Only a regular file can be lost: ``pauselint check - -o /dev/stdout`` on a
    terminal reads and writes one tty, and that is fine. Inputs that no longer exist
    or cannot be looked at are passed over (they cannot be the output's inode).
    """
    try:
        output = os.stat(output_path)
    except OSError:
        return None  # does not exist yet (or cannot be reached): no input is lost
    if not stat.S_ISREG(output.st_mode):
        return None
    for path in inputs:
        try:
            found = os.stat(path)
        except (OSError, ValueError):  # ValueError: a NUL in a name
            continue
        if (found.st_dev, found.st_ino) == (output.st_dev, output.st_ino):
            return path
    return None


def write_report(path: str, data: Iterable[bytes]) -> None:
    """Write the pieces of ``data`` to ``path`` as the module says (replace, follow,
    or write into), each as it comes: a report is written while it is made.

    Raises OSError (IsADirectoryError for a folder) with the path to report; whatever
    stops ``data`` midway leaves a replaced file as it was.
    """
    try:
        found = os.stat(path)
    except FileNotFoundError:
        found = None  # a new file, or a symlink to one not there yet
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if found is not None and not stat.S_ISREG(found.st_mode):
        _write_into(path, data, append=False)
    elif _names_a_descriptor(path):
        # The file behind an open descriptor (`> out.json`, `>> ci.log`): add to it
        # where the descriptor's owner left off, as a shell redirection would.
        _write_into(path, data, append=True)
    else:
        write_atomically(os.path.realpath(path), data)


def write_atomically(path: str, data: Iterable[bytes]) -> None:
    """Replace ``path`` with the pieces of ``data`` in one step (temp file, fsync,
    rename): an exception from ``data`` itself leaves no temporary file either.

    The new file gets the old file's mode, owner and group (owner and group where
    permitted), else the mode a plain ``open()`` would give it: mkstemp's 0600 would
    hide a CI report from the next job's user.
    """
    folder = os.path.dirname(os.path.abspath(path))
    try:
        old = os.stat(path)
    except FileNotFoundError:
        old = None
    handle, temporary = tempfile.mkstemp(prefix=".pauselint-", suffix=".tmp", dir=folder)
    try:
        if old is not None:
            _copy_owner(handle, old)  # before the mode: chown clears setuid bits
            os.fchmod(handle, stat.S_IMODE(old.st_mode))
        else:
            os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as out:
            for piece in data:
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _write_into(path: str, data: Iterable[bytes], *, append: bool) -> None:
    with open(path, "ab" if append else "wb") as out:
        for piece in data:
            out.write(piece)


def _names_a_descriptor(path: str) -> bool:
    """Whether ``path`` (or a symlink it leads through) is ``/proc/<pid>/fd/<n>``:
    ``/dev/stdout`` and ``/dev/fd/N`` are such links on Linux."""
    current = path
    for _ in range(_MAX_LINK_HOPS):
        folder = os.path.realpath(os.path.dirname(os.path.abspath(current)))
        if _DESCRIPTOR_FOLDER.match(folder):
            return True
        if not os.path.islink(current):
            return False
        current = os.path.join(os.path.dirname(current), os.readlink(current))
    return False


def _copy_owner(handle: int, old: os.stat_result) -> None:
    mine = os.fstat(handle)
    if (mine.st_uid, mine.st_gid) == (old.st_uid, old.st_gid):
        return
    # Root may give the file back to its owner; anyone may set a group they are in.
    for uid, gid in ((old.st_uid, old.st_gid), (-1, old.st_gid)):
        try:
            os.fchown(handle, uid, gid)
            return
        except PermissionError:
            continue


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _sync_folder(folder: str) -> None:
    # The rename is durable only once the folder is on disk; a folder that cannot be
    # opened or synced (some network file systems) still has the new file.
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
