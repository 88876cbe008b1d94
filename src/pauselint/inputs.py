"""Turn command-line arguments into input files: named files, folders, and stdin.

Kept apart from the readers because it is about the filesystem (walking folders,
decoding bytes, refusing binaries), not about any config format. Which node a file
belongs to is ``node_layout``'s to say; this module only asks it.

A folder walk may be a real host (``pauselint check /``), so it reads as little as it
can: pseudo filesystems (/proc, /sys, /dev, /run) are never entered, a file is read
whole only once its head (or its name) says it is a config, and what it passes over is
counted by reason, not reported file by file.
"""


import codecs
import functools
import operator
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from pauselint.model import STDIN_NAME, InputError
from pauselint.node_layout import (
    MAX_DROPINS,
    is_process_cmdline,
    known_files,
    node_root_of,
    normalize_root,
)
from pauselint.records import NamedTuple
from pauselint.sources.kinds import InputType
from pauselint.sources.node_paths import escapes_root

# Files larger than this are not node configs; refusing them keeps a mistaken
# `pauselint check /` from reading a disk image into memory.
MAX_BYTES = 4 * 1024 * 1024
# Folder walks skip these: VCS metadata and virtualenvs are never node configs.
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__"})
# How much of a walked file is read before deciding whether it is a config at all:
# as much as detection's content rules look at (sources.registry.HEAD_CHARS).
HEAD_BYTES = 64 * 1024
# A walk of a real host never enters these (by real path): kernel and device views,
# runtime state. /proc/kmsg alone blocks a reader forever.
PRUNED_FOLDERS = frozenset({"/proc", "/sys", "/dev", "/run"})
# Filesystems that hold no files of a node's own: a folder mounted with one of these is
# not walked either, wherever it is mounted (autofs: entering it would mount shares).
_PSEUDO_FILESYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs",
    "tracefs", "pstore", "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs", "binfmt_misc",
    "efivarfs", "nsfs", "rpc_pipefs", "autofs", "selinuxfs"})


class InputFile(NamedTuple):
    """One input: its path as the user gave it, and its text (None when unreadable)."""

    path: str
    text: str | None
    explicit: bool  # named on the command line (vs found while walking a folder)
    error: InputError | None = None
    # Inputs that describe one node share a group: the node root (node_layout) when
    # the path has one, else the folder argument it was found in; files named with no
    # node layout are group "", one node together.
    group: str = ""
    # The file ended its lines with CR alone (decode() turned them into LF): formats
    # that refuse that (TOML, systemd, env files) say so, with the settings still read;
    # a format whose program's releases differ gets them back (``Format.sees_raw``).
    cr_line_ends: bool = False
    # Named on the command line (or standard input). Unlike ``explicit``, which
    # --ignore-unknown clears, this stays: --output-file never overwrites a named file.
    named: bool = False
    # The bytes began with a UTF-8 BOM (decode() drops it): a format whose program
    # refuses one (containerd 2.x) gets it back (``Format.sees_raw``).
    bom: bool = False
    # What detection made of a walked file whose head was the very text read, so
    # reading does not detect it a second time (None: not detected yet).
    kind: InputType | None = None


def decode(path: str, data: bytes) -> tuple[str | None, InputError | None]:
    """Decode config bytes as UTF-8 (BOM tolerated); binary or other encodings are errors.

    CR-only line ends (old Mac) become LF here, once, so detection, every reader and
    every locator count lines as an editor shows them. Whether the format itself
    accepts them is the reader's to say (see :func:`has_cr_line_ends`).
    """
    if b"\x00" in data[:8192]:
        if is_process_cmdline(path):  # NUL-separated arguments (kubelet_cmdline reads them)
            return data.decode("utf-8", "replace"), None
        return None, InputError(path, None, "binary file, not a configuration file")
    try:
        # UTF-8, then the BOM dropped: "utf-8-sig" counted the byte of an error from
        # after the BOM (three short of the file's), and is a codec written in Python.
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, InputError(path, line, f"not UTF-8 text (byte {exc.start})")
    return normalize_line_ends(text.removeprefix("\ufeff")), None


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


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def read_path(path: str, *, explicit: bool) -> InputFile:
    """Read one regular file, never raising: problems become an InputError on the InputFile.

    Only regular files are read, and at most MAX_BYTES + 1 bytes of them: a size
    from stat() means nothing for /dev/zero, a FIFO or a file still growing, so the
    read itself is capped. The file is opened with O_NONBLOCK, so a FIFO with no
    writer cannot block the open, and refused after fstat() as not a regular file.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        return InputFile(path, None, explicit, InputError(path, None, exc.strerror or str(exc)))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return InputFile(path, None, explicit, InputError(
                path, None, f"{_special_kind(info.st_mode)}, not a regular file: not read"))
        data = _read_capped(fd, info.st_size)
    except OSError as exc:
        return InputFile(path, None, explicit, InputError(path, None, exc.strerror or str(exc)))
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        return InputFile(path, None, explicit, InputError(path, None, _too_big()))
    text, error = decode(path, data)
    return InputFile(path, text, explicit, error, cr_line_ends=has_cr_line_ends(data),
                     bom=data.startswith(codecs.BOM_UTF8))


def _read_capped(fd: int, size: int, limit: int = MAX_BYTES + 1) -> bytes:
    """At most ``limit`` bytes of ``fd`` (to its end), asked for by its size from
    fstat() (one more, to see a file that grew): a buffered read(MAX_BYTES + 1)
    allocated 4 MiB for every file, 4x the time of reading 1,000 small files (52 ms
    against 11 ms)."""
    chunks: list[bytes] = []
    total = 0
    want = size + 1
    while total < limit:
        chunk = os.read(fd, min(max(want, 65_536), limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_stream(stream: BinaryIO, name: str = STDIN_NAME) -> InputFile:
    """Standard input with the same cap as a file: an endless pipe is an error, not a hang
    on memory. Decoded like a file (UTF-8, BOM tolerated, line ends normalised)."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return InputFile(name, None, True, InputError(name, None, _too_big()), named=True)
    text, error = decode(name, data)
    return InputFile(name, text, True, error, cr_line_ends=has_cr_line_ends(data), named=True,
                     bom=data.startswith(codecs.BOM_UTF8))


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


# Why a walk skipped a file, as counted in Report.files_skipped.
SKIP_NO_KIND = "no known kind"
SKIP_DOCUMENT = "documentation"
SKIP_BINARY = "binary"
SKIP_NOT_UTF8 = "not UTF-8"
SKIP_TOO_BIG = "too big"
SKIP_SPECIAL = "special file"
SKIP_UNREADABLE = "unreadable"
SKIP_BROKEN_LINK = "broken symlink"
SKIP_OUTSIDE_LINK = "symlink to outside the folder"
SKIP_PSEUDO_LINK = "symlink into a pseudo filesystem"


def config_by_name(path: str) -> bool:
    """Whether ``path``'s name alone says it is a config pauselint reads: such a file
    passed over or unreadable in a walk is reported, anything else only counted."""
    from pauselint.sources.detect import detect_type

    return detect_type(path, "") is not None


class _Passed:
    """Where a walk's passed-over files go: listed (``notes``) when the name says they
    are configs, so a node's unread config is never silent; else counted by reason."""

    def __init__(self, notes: list[WalkNote] | None, skipped: dict[str, int] | None) -> None:
        self.notes, self.skipped = notes, skipped

    def note(self, path: str, reason: str) -> None:
        if self.notes is not None:
            self.notes.append(WalkNote(path, reason))

    def count(self, reason: str) -> None:
        if self.skipped is not None:
            self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def file(self, path: str, reason: str, note: str) -> None:
        if config_by_name(path):
            self.note(path, note)
        else:
            self.count(reason)


@functools.lru_cache(maxsize=1)
def pseudo_mounts() -> frozenset[str]:
    """Mount points of pseudo filesystems on this machine (empty where /proc is absent)."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return frozenset()
    points = set()
    for line in lines:
        fields = line.split()
        if len(fields) >= 3 and fields[2] in _PSEUDO_FILESYSTEMS:
            # The kernel writes space, tab, newline and backslash as octal escapes.
            points.add(codecs.decode(fields[1], "unicode_escape"))
    return frozenset(points)


def is_pruned(real: str) -> bool:
    """Whether a walk must not enter the folder whose real path is ``real``."""
    return real in PRUNED_FOLDERS or real in pseudo_mounts()


def _under_pruned(real: str) -> bool:
    """Whether ``real`` lies in a folder walks never enter (``/etc/mtab`` -> /proc/...)."""
    return any(real == top or real.startswith(top.rstrip("/") + "/")
               for top in (*PRUNED_FOLDERS, *pseudo_mounts()))


_BY_NAME = operator.attrgetter("name")  # a folder's entries in name order, keyed in C


def walk(folder: str, skip: Callable[[str], bool] | None = None,
         notes: list[WalkNote] | None = None,
         errors: list[InputError] | None = None,
         skipped: dict[str, int] | None = None,
         gaps: list[str] | None = None, real_top: str | None = None) -> Iterator[str]:
    """Every regular file under ``folder``, sorted, skipping VCS and virtualenv folders,
    pseudo filesystems, and whatever ``skip`` (``exclude``) rules out -- excluded
    folders are not even entered, so their files are never read.

    Nothing is passed over silently. A folder that cannot be listed is an InputError
    in ``errors`` (its configs are unknown, so the run cannot be clean). Special files
    (FIFOs, sockets, devices) are never opened, and broken symlinks and symlinked
    folders are not followed: noted in ``notes`` when the name says config (and
    symlinked folders always), counted in ``skipped`` otherwise. Symlinked folders
    are not followed: a config repo or a mounted node root holds its files in place,
    and a link (often absolute, so pointing at the host running pauselint, or back up
    the tree) would read files of another machine or loop. A symlinked *file* is read,
    as the runtime would read it, while its target stays inside ``folder``.

    ``gaps`` gets the real path of everything the walk passed over without yielding
    it (excluded, not followed, refused, not listed): below none of them, every file
    was yielded, so a node root with no gap on its line needs no completion.
    ``real_top`` is the folder's real path when the caller has resolved it already.
    """
    passed = _Passed(notes, skipped)
    if gaps is None:
        gaps = []  # kept only for a caller that asks
    if real_top is None:
        real_top = os.path.realpath(folder)
    if is_pruned(real_top):
        passed.note(folder, "pseudo filesystem: not walked")
        gaps.append(real_top)
        return
    # (path as the walk names it, its real path): real paths are kept by joining names,
    # exact because symlinked folders are never entered.
    stack = [(folder, real_top)]
    while stack:
        current, real = stack.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
            if len(entries) > 1:  # most folders of a node's layout hold one entry
                entries.sort(key=_BY_NAME)
        except OSError as exc:
            if errors is not None:
                errors.append(InputError(exc.filename or current, None,
                                         f"folder not read: {exc.strerror or exc}; "
                                         "configs in it are unknown"))
            gaps.append(real)
            continue
        folders: list[tuple[str, str]] = []
        for entry in entries:
            full = entry.path
            try:
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            except OSError:
                is_link = is_dir = False
            if (skip and skip(full)) or (is_dir and entry.name in _SKIP_DIRS):
                gaps.append(os.path.join(real, entry.name))
                continue
            if is_dir:
                child_real = os.path.join(real, entry.name)
                if is_pruned(child_real):
                    passed.note(full, "pseudo filesystem: not walked")
                    gaps.append(child_real)
                    continue
                folders.append((full, child_real))
                continue
            if _walk_reads(full, entry, is_link, real_top, passed):
                yield full
            else:  # passed over: a completion must look here again
                gaps.append(os.path.join(real, entry.name))
        stack.extend(reversed(folders))


def _walk_reads(full: str, entry: os.DirEntry[str], is_link: bool, real_top: str,
                passed: _Passed) -> bool:
    """Whether a walk yields this entry (no folder); why not is said to ``passed``."""
    # A regular file by the listing's own type (d_type): no stat at all, where nearly
    # every file of a config repo is one. read_walked() checks it again, once open.
    try:
        if not is_link and entry.is_file(follow_symlinks=False):
            return True
    except OSError:
        pass  # the stat below says why
    try:
        mode = os.stat(full).st_mode if is_link else entry.stat(follow_symlinks=False).st_mode
    except OSError:
        if is_link:
            passed.file(full, SKIP_BROKEN_LINK, "broken symlink: not read")
        else:
            passed.count(SKIP_UNREADABLE)
        return False
    if is_link and stat.S_ISDIR(mode):
        passed.note(full, "symlinked folder: not followed")
        return False
    kind = _special_kind(mode)
    if kind is not None:
        passed.file(full, SKIP_SPECIAL, f"{kind}: not read")
        return False
    if is_link:
        target = os.path.realpath(full)
        if os.path.commonpath([real_top, target]) != real_top:
            # another machine's file, as far as this node goes
            passed.file(full, SKIP_OUTSIDE_LINK, "symlink to outside the folder: not read")
            return False
        if _under_pruned(target):
            passed.file(full, SKIP_PSEUDO_LINK, "symlink into a pseudo filesystem: not read")
            return False
    return True


def read_walked(path: str, *, read_all: bool = False,
                skipped: dict[str, int] | None = None) -> InputFile | None:
    """A file found in a walk, read only as far as needed; None when it is skipped.

    The head (HEAD_BYTES) decides: a NUL in it is a binary, and a head that detection
    does not recognise is no config (unless ``read_all``: --type reads every file as
    that type). Only then is the rest read. What is skipped is counted in ``skipped``;
    a file that cannot be read is an error only when its name says it is a config.
    """
    passed = _Passed(None, skipped)

    def refused(reason: str, message: str) -> InputFile | None:
        if config_by_name(path):
            return InputFile(path, None, False, InputError(path, None, message))
        passed.count(reason)
        return None

    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        return refused(SKIP_UNREADABLE, exc.strerror or str(exc))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # replaced since the walk saw it
            passed.count(SKIP_SPECIAL)
            return None
        # A file that fits in the head (nearly every config) is read whole at once; a
        # bigger one only as far as its head until detection says it is a config, and
        # so is one whose size says nothing (0: a FUSE or pseudo file may hold more).
        small = 0 < info.st_size <= HEAD_BYTES
        data = _read_capped(fd, info.st_size) if small else _read_capped(fd, HEAD_BYTES - 1,
                                                                         HEAD_BYTES)
        head = data[:HEAD_BYTES]
        if b"\x00" in head and not is_process_cmdline(path):
            return refused(SKIP_BINARY, "binary file, not a configuration file")
        found = None
        if not read_all:
            try:
                text = _head_text(head)
            except UnicodeDecodeError as exc:
                return refused(SKIP_NOT_UTF8, f"not UTF-8 text (byte {exc.start})")
            from pauselint.sources import registry

            found = registry.detect(path, text)
            if found is None:
                passed.count(SKIP_DOCUMENT if registry.is_documentation(path)
                             else SKIP_NO_KIND)
                return None
        if not small and len(data) == HEAD_BYTES:
            data += _read_capped(fd, info.st_size - HEAD_BYTES, MAX_BYTES + 1 - HEAD_BYTES)
    except OSError as exc:
        return refused(SKIP_UNREADABLE, exc.strerror or str(exc))
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        return refused(SKIP_TOO_BIG, _too_big())
    text, error = decode(path, data)
    if error is not None:
        return refused(SKIP_BINARY if text is None and "binary" in error.message
                       else SKIP_NOT_UTF8, error.message)
    cr_line_ends = has_cr_line_ends(data)
    bom = data.startswith(codecs.BOM_UTF8)
    # The head detected is the text read only for a file read whole at once whose
    # decoding changed nothing (no BOM dropped, no CR line ends made LF).
    same_text = found is not None and small and not cr_line_ends and not bom
    return InputFile(path, text, False, cr_line_ends=cr_line_ends, bom=bom,
                     kind=found.kind if same_text else None)


def _head_text(head: bytes) -> str:
    """The head of a file as text for detection; a character the head cuts in two is
    left out (the rest of the file may complete it), any other bad byte raises, at its
    offset in the file (a BOM included: the walk's error names the file's byte)."""
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end != len(head) or exc.reason != "unexpected end of data":
            raise
        return head[:exc.start].decode("utf-8")


# Top-level folders of a node's filesystem: in a walk, a file under one of these that
# node_layout does not place (``nodes/a/opt/x.toml``) still belongs to the folder above.
_ROOT_FOLDERS = frozenset({"etc", "var", "usr", "lib", "run", "opt"})


def node_root(folder: str, path: str) -> str:
    """The node a file found under ``folder`` belongs to.

    Its node root (``node_layout.node_root_of``) when it has one, so a folder of node
    folders (``nodes/a/etc/...``, ``nodes/b/etc/...``) is one node each and ``pauselint
    check nodes/`` never compares one node's kubelet flag with another node's runtime.
    Otherwise the folder above a node's top-level folder (``etc``, ``var``...), else
    ``folder`` itself. Always written as node_layout writes roots, so both agree.
    """
    found = node_root_of(path)
    if found is not None:
        return found
    parts = os.path.relpath(path, folder).split(os.sep)
    for index, part in enumerate(parts[:-1]):
        if part in _ROOT_FOLDERS:
            return normalize_root(os.path.join(folder, *parts[:index]) if index else folder)
    return normalize_root(folder)


def file_identity(path: str,
                  real: Callable[[str], str] = os.path.realpath) -> tuple[str, str]:
    """One key per file however it was written, so none is read twice.

    A file of a node is its place in the node: the node root's real path (so
    ``nodes/a``, ``$PWD/nodes/a``, ``nodes/b/../a`` and a link to ``nodes/a`` agree) and
    the path below it. Its own links are not resolved: ``etc/containerd/config.toml``
    linked to ``config-v2.toml`` beside it is still the file containerd reads by that
    name, and a config linked into two node roots is each node's file. A file with no
    node layout is its absolute path (``./a`` and ``a`` agree). ``real`` resolves the
    root (a run passes its memo: a node's files share the root's answer).
    """
    root = node_root_of(path)
    if root is None:
        return "", os.path.normcase(os.path.abspath(path))
    return os.path.normcase(real(root)), os.path.normcase(below_root(path, root))


def below_root(path: str, root: str) -> str:
    """``os.path.relpath(os.path.normpath(path), root)`` for a root found in ``path``.

    A root is a leading part of the normalised path as written, so the answer is
    usually that path cut after it: two abspath() calls (each a getcwd()) saved for
    every file a run reads. Anything else goes to relpath().
    """
    norm = os.path.normpath(path)
    if os.sep == "/":
        if root == ".":
            if not norm.startswith("/"):
                return norm
        elif root == "/":
            if norm.startswith("/") and not norm.startswith("//"):
                return norm[1:] or "."
        elif norm.startswith(root) and norm[len(root):len(root) + 1] == "/":
            return norm[len(root) + 1:]
    return os.path.relpath(norm, root)


class _NodeRoots:
    """The node roots a run touches, each under one spelling.

    ``nodes/a``, ``$PWD/nodes/a``, ``nodes/b/../a`` and a symlink to ``nodes/a`` are
    one node: judged once, together, under the spelling the user wrote first.
    """

    def __init__(self) -> None:
        self._spelling: dict[str, str] = {}
        self._real: dict[str, str] = {}
        self.touched: dict[str, None] = {}  # spellings of roots whose node is completed

    def real(self, root: str) -> str:
        """``os.path.realpath(root)``, resolved once a run: every file of a node asks
        it of the same root (a 10,000-file run spent a tenth of its time here).

        A root whose last part is a plain name and no symlink is its folder's real
        path with that name: the folder (``nodes`` of ``nodes/n0001``) is resolved
        once for all the nodes in it, and each node costs one lstat(), where
        realpath() asked getcwd() and lstat()'d every part of the path again (7.7 us
        a node folder here, a thirtieth of a pre-commit run on single-file nodes).
        ``.`` and ``..`` go to realpath(), which resolves them after the symlinks
        before them, as the kernel does."""
        found = self._real.get(root)
        if found is None:
            folder, name = os.path.split(root)
            if folder and name not in ("", ".", "..") and not os.path.islink(root):
                found = os.path.join(self.real(folder), name)
            else:
                found = os.path.realpath(root)
            self._real[root] = found
        return found

    def spell(self, root: str) -> str:
        """The one spelling of ``root`` (a group name): the first one seen."""
        if not root:
            return root
        key = os.path.normcase(self.real(root))
        return self._spelling.setdefault(key, root)

    def touch(self, root: str) -> str:
        """``root``'s spelling, remembered as a node to complete with its known files."""
        spelled = self.spell(root)
        self.touched.setdefault(spelled)
        return spelled


def collect(arguments: Iterable[str], stdin: InputFile | str | None = None,
            skip: Callable[[str], bool] | None = None,
            notes: list[WalkNote] | None = None,
            skipped: dict[str, int] | None = None,
            read_all: bool = False,
            identities: dict[str, tuple[str, str]] | None = None) -> list[InputFile]:
    """Expand the command line: files as given, folders walked, ``-`` read from stdin,
    and each node touched completed with its other known files.

    ``stdin`` is standard input already read (:func:`read_stream`, capped like a file).
    ``skip`` (``exclude``) applies to named files, walked ones and a node's other
    files alike, never to standard input. What a walk passed over goes to ``notes``
    (listed) or ``skipped`` (counted by reason); a folder it could not list becomes an
    unreadable input, so the run reports it. ``read_all`` (--type) reads every walked
    file, recognised or not. ``identities`` gets each file's :func:`file_identity`,
    by path, for whoever keys on it next (pre-commit's batches).

    A file's group is its node root (``node_layout``), named or walked. When a file or
    folder of a node is named, the node's other known files are read too (not
    explicit, same group), so the node is judged whole: a commit staging only
    ``nodes/a/etc/kubernetes/kubeadm-config.yaml`` still has ``nodes/a``'s kubelet flags
    checked against it. No file is read twice.
    """
    out: list[InputFile] = []
    seen: set[tuple[str, str]] = set()
    roots = _NodeRoots()
    walked = _WalkedFolders()

    for arg in arguments:
        if arg == "-":
            if isinstance(stdin, InputFile):
                out.append(stdin._replace(named=True))
            else:
                out.append(InputFile(STDIN_NAME, normalize_line_ends(stdin or ""),
                                     explicit=True, named=True))
        elif os.path.isdir(arg):
            named_root = node_root_of(arg)
            if named_root is not None:
                roots.touch(named_root)
            unlisted: list[InputError] = []
            gaps: list[str] = []
            top = roots.real(arg)
            for path in walk(arg, skip, notes, unlisted, skipped, gaps, real_top=top):
                has_layout = node_root_of(path) is not None
                group = roots.touch(node_root(arg, path)) if has_layout \
                    else roots.spell(node_root(arg, path))
                key = file_identity(path, roots.real)
                if key in seen:
                    continue
                seen.add(key)
                if identities is not None:
                    identities[path] = key
                item = read_walked(path, read_all=read_all, skipped=skipped)
                if item is not None:
                    out.append(item._replace(group=group))
            out.extend(InputFile(e.path or arg, None, True, e,
                                 group=roots.spell(normalize_root(arg))) for e in unlisted)
            walked.add(top, gaps)
        elif not (skip and skip(arg)):
            root = node_root_of(arg)
            group = roots.touch(root) if root is not None else ""
            key = file_identity(arg, roots.real)
            if key in seen:
                continue
            seen.add(key)
            if identities is not None:
                identities[arg] = key
            out.append(read_path(arg, explicit=True)._replace(named=True, group=group))
    for root in roots.touched:
        if not walked.covers(roots.real(root)):
            out.extend(_rest_of_node(root, seen, skip, notes, roots.real, identities))
    return out


class _WalkedFolders:
    """The folders a run walked, and what each walk passed over (``walk``'s gaps).

    A node root inside a walked folder with no gap at it, under it or above it had
    every file yielded by the walk, its known files included: completing it would
    look them all up again only to find each one read (a tenth of a 10,000-file
    walk). A gap on its line (an excluded or symlinked folder, a refused link, a
    folder not listed) leaves it to :func:`_rest_of_node`, which reads what the walk
    did not. Real paths throughout; every look-up climbs one path, so the work stays
    linear in the files and nodes.
    """

    def __init__(self) -> None:
        self._tops: set[str] = set()
        self._gaps: set[str] = set()
        self._above_gaps: set[str] = set()  # every folder holding a gap

    def add(self, top: str, gaps: list[str]) -> None:
        self._tops.add(top)
        for gap in gaps:
            self._gaps.add(gap)
            folder = os.path.dirname(gap)
            while folder not in self._above_gaps:
                self._above_gaps.add(folder)
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                folder = parent

    def covers(self, real_root: str) -> bool:
        """Whether walks yielded every file under ``real_root``."""
        if not self._tops or real_root in self._above_gaps:
            return False
        inside = False
        folder = real_root
        while True:
            if folder in self._gaps:
                return False
            inside = inside or folder in self._tops
            parent = os.path.dirname(folder)
            if parent == folder:
                return inside
            folder = parent


def _rest_of_node(root: str, seen: set[tuple[str, str]], skip: Callable[[str], bool] | None,
                  notes: list[WalkNote] | None,
                  real: Callable[[str], str] = os.path.realpath,
                  identities: dict[str, tuple[str, str]] | None = None,
                  ) -> Iterator[InputFile]:
    """The known files of node ``root`` not read yet, each read in the node's group.

    One that leads outside the node through a symlink is noted, not read: it would be
    the host's file (or another node's), not this node's.
    """
    crowded: list[tuple[str, int]] = []
    for path in known_files(root, crowded):
        key = file_identity(path, real)
        if key in seen or (skip and skip(path)):
            continue
        seen.add(key)
        if escapes_root(path, root):
            if notes is not None:
                notes.append(WalkNote(path, "symlink to outside the node: not read"))
            continue
        if identities is not None:
            identities[path] = key
        yield read_path(path, explicit=False)._replace(group=root)
    for folder, count in crowded:
        rootkey, below = file_identity(os.path.join(folder, "-"), real)
        below = os.path.dirname(below) + os.sep
        if sum(1 for key, path in seen if key == rootkey and path.startswith(below)) >= count:
            continue  # all read already: the folder was walked
        yield InputFile(folder, None, False, InputError(
            folder, None, f"{count:,} files: only the first {MAX_DROPINS} (in the order the "
            "runtime reads them) were read to complete the node, so what the rest set, and "
            "the node's effective configuration, is unknown"), group=root)
