"""One pre-commit run, several pauselint processes: each node judged by the first only.

pre-commit passes file names on the command line. Past its limit (128 KiB of names,
about 2,500 files of a config repo) it splits them into batches, contiguous in its
order and run one after another (the hook's ``require_serial``), each a pauselint
process of its own. pauselint judges a node whole, reading the node's other files
from the working tree, so a node whose files straddle two batches was judged in both
and its findings printed twice.

The batches of one run share a small state file: the files each batch read, node by
node. A later batch drops a node whose named files an earlier batch has already read
(it judged them, with the same working tree) and counts them as skipped. A node of
which this batch names a file no earlier batch read (a folder past the 256 files a
node's completion reads) is judged again in full: a repeated finding is better than
a missed one.

The run is pre-commit's process: the parent of every batch, told by its process ID and
its start time (Linux's ``/proc``, so a reused ID is never taken for the same run), and
the batch's own options (two pauselint hooks with different arguments are two runs).
Where any of that cannot be read, or the state folder is not private to this user,
each batch judges every node it touches, as without this module. Only ``check`` under
pre-commit (``PRE_COMMIT=1``, which pre-commit sets for its hooks) comes here.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import stat
import zlib
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii

from pauselint.inputs import InputFile, file_identity

SKIP_EARLIER_BATCH = "judged by an earlier pre-commit batch"
_PREFIX = "precommit-"


def under_pre_commit() -> bool:
    """Whether this process is a hook that pre-commit started."""
    return os.environ.get("PRE_COMMIT") == "1"


def start_time(pid: int) -> str | None:
    """Process ``pid``'s start time (clock ticks since boot), or None where there is no
    ``/proc`` or no such process: with the ID, it names one process for good."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            text = stat_file.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or ')'.
    fields = text.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def state_folder() -> str | None:
    """A folder for run state that only this user can read or write, made if missing;
    None if the path is taken by anything else (a link, another user's folder)."""
    # $TMPDIR as tempfile.gettempdir() reads it on Linux, the one system this runs on
    # (importing tempfile, and hashlib, cost the hook 6 ms of its start-up).
    folder = os.path.join(os.environ.get("TMPDIR") or "/tmp", f"pauselint-{os.getuid()}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    private = (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
               and not info.st_mode & 0o077)
    return folder if private else None


class RunState:
    """The state file of one pre-commit run: one JSON line per file a batch read."""

    def __init__(self, path: str) -> None:
        self.path = path

    def read(self) -> set[tuple[str, str]]:
        """The identities earlier batches read; a line that does not parse is left out
        (its file is then judged again, never skipped)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return set()
        with os.fdopen(fd, "rb") as state:
            lines = state.read().splitlines()
        read: set[tuple[str, str]] = set()
        for line in lines:
            try:
                key = json.loads(line)
            except ValueError:
                continue
            if isinstance(key, list) and len(key) == 2 and all(isinstance(part, str)
                                                                for part in key):
                read.add((key[0], key[1]))
        return read

    def add(self, identities: Sequence[tuple[str, str]]) -> None:
        """Append what this batch read, for the batches after it."""
        if not identities:
            return
        # json.dumps' own bytes for a list of two strings, without its call per line.
        quote = encode_basestring_ascii
        data = "".join(f"[{quote(root)}, {quote(below)}]\n"
                       for root, below in identities).encode()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                         | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError:
            return
        with os.fdopen(fd, "wb") as state:
            state.write(data)


def run_state(options: Sequence[str]) -> RunState | None:
    """This pre-commit run's state, or None where the run cannot be told for sure.

    ``options`` are the batch's arguments other than its file names, the same in every
    batch of one hook. Files of runs whose pre-commit process has gone are removed.
    """
    parent = os.getppid()
    started = start_time(parent)
    folder = state_folder() if started is not None else None
    if folder is None:
        return None
    _remove_finished(folder)
    key = f"{zlib.crc32(json.dumps([os.getcwd(), *options]).encode()):08x}"
    return RunState(os.path.join(folder, f"{_PREFIX}{parent}-{started}-{key}"))


def _remove_finished(folder: str) -> None:
    """Delete the state of pre-commit runs whose process is gone (or is another one now)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        pid, _, rest = name.removeprefix(_PREFIX).partition("-")
        if not name.startswith(_PREFIX) or not pid.isdigit():
            continue
        if start_time(int(pid)) != rest.partition("-")[0]:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def skip_judged(files: list[InputFile], state: RunState,
                known: dict[str, tuple[str, str]] | None = None,
                ) -> tuple[list[InputFile], int]:
    """``files`` without the nodes an earlier batch of the run judged, and how many
    files that left out; what this batch reads is added to the state for the next.

    Only files of a node layout are ever left out (they are judged by their node); a
    file of no layout belongs to this batch alone. ``known``: identities already
    worked out, by path (collect's); any other is worked out here.
    """
    earlier = state.read()
    known = known or {}
    real = functools.lru_cache(maxsize=None)(os.path.realpath)  # one answer per root
    identities = [(known.get(f.path) or file_identity(f.path, real)) if f.group else None
                  for f in files]
    judged: dict[str, bool] = {}  # group -> every file this batch names was read before
    for item, key in zip(files, identities, strict=True):
        if key is not None and item.named:
            judged[item.group] = judged.get(item.group, True) and key in earlier
    kept: list[InputFile] = []
    new: list[tuple[str, str]] = []
    for item, key in zip(files, identities, strict=True):
        if key is not None and judged.get(item.group, False):
            continue
        kept.append(item)
        if key is not None and key not in earlier:
            new.append(key)
    state.add(new)
    return kept, len(files) - len(kept)
