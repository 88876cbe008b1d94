"""Where a node's files live: the folders that mark a node's filesystem, and its known files.

A node's configs sit at fixed places under its root (``/`` on the node itself, or a
folder in a config repo): the runtime's config under ``etc/containerd/``, the kubelet's
flags under ``var/lib/kubelet/``, kubeadm's under ``etc/kubernetes/``... So the part of a
path before such a folder is the node it belongs to, however the file was named: alone,
in bulk by pre-commit, or found in a walk. ``nodes/node1/etc/containerd/config.toml``
belongs to ``nodes/node1``, and is never judged beside ``nodes/node3``'s kubeadm file.

Knowing the root, the node's other configs are known too (:data:`KNOWN_FILES`), so a
commit that touches one of them has the whole node judged. The list is bounded on
purpose: a real host's ``var/lib/kubelet`` holds every pod's volumes, so nothing here is
ever walked recursively, only these names and one-level globs are looked up.
"""

from __future__ import annotations

import fnmatch
import functools
import glob
import os
import re
from collections.abc import Callable

__all__ = ["KNOWN_FILES", "LAYOUT_PARTS", "MAX_DROPINS", "is_process_cmdline", "known_files",
           "node_root_of", "normalize_root"]

# Folders of a node's filesystem that hold configs pauselint reads, longest first where
# one ends another (``usr/lib/systemd`` before ``lib/systemd``), so a path is cut at the
# outermost one. Deliberately not ``etc`` or ``var`` alone: ``docs/etc/notes.txt`` is no node.
LAYOUT_PARTS: tuple[tuple[str, ...], ...] = (
    ("usr", "local", "lib", "systemd"),
    ("usr", "lib", "systemd"),
    ("var", "lib", "kubelet"),
    ("etc", "docker", "certs.d"),
    ("etc", "containerd"),
    ("etc", "containers"),
    ("etc", "crio"),
    ("etc", "systemd"),
    ("etc", "default"),
    ("etc", "sysconfig"),
    ("etc", "kubernetes"),
    ("etc", "rancher"),
    ("lib", "systemd"),
    ("run", "systemd"),
)
# The same, by first folder (in LAYOUT_PARTS order): a path segment is looked up
# once instead of compared with every layout (node_root_of runs for every input).
_LAYOUTS_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {
    first: tuple(layout for layout in LAYOUT_PARTS if layout[0] == first)
    for first in dict.fromkeys(layout[0] for layout in LAYOUT_PARTS)}

# The folders systemd reads units from, in the layout of a node.
_UNIT_FOLDERS = ("etc/systemd/system", "run/systemd/system", "usr/local/lib/systemd/system",
                 "usr/lib/systemd/system", "lib/systemd/system")
# Units whose command lines or environment carry a pause image: the kubelet's flags,
# and cri-dockerd's own --pod-infra-container-image.
_UNITS = ("kubelet.service", "cri-docker.service", "crio.service")

# A node's configs relative to its root: exact names and one-level globs, never a
# recursive walk. Imports and EnvironmentFile= targets are followed by their readers.
KNOWN_FILES: tuple[str, ...] = (
    "etc/containerd/config.toml",
    # Where pulls go (--online, show's pull path): containerd's registry hosts (2.2's
    # default config_path adds /etc/docker/certs.d), CRI-O's and podman's registries.
    "etc/containerd/certs.d/*/hosts.toml",
    "etc/docker/certs.d/*/hosts.toml",
    "etc/containers/registries.conf",
    "etc/containers/registries.conf.d/*.conf",
    "etc/crio/crio.conf",
    "etc/crio/crio.conf.d/*",
    "etc/default/kubelet",
    "etc/sysconfig/kubelet",
    "var/lib/kubelet/kubeadm-flags.env",
    "var/lib/kubelet/config.yaml",
    "etc/kubernetes/kubeadm*.yaml",
    "etc/kubernetes/kubeadm*.yml",
    "etc/rancher/k3s/config.yaml",
    "etc/rancher/k3s/config.yaml.d/*",
    "etc/rancher/rke2/config.yaml",
    "etc/rancher/rke2/config.yaml.d/*",
    *(f"{folder}/{unit}" for folder in _UNIT_FOLDERS for unit in _UNITS),
    *(f"{folder}/{unit}.d/*.conf" for folder in _UNIT_FOLDERS for unit in _UNITS),
)


# The most files read from one drop-in folder of a node (a real node holds a handful):
# a folder of 100,000 files must not cost minutes of every commit.
MAX_DROPINS = 256


def _parts(path: str) -> list[str]:
    return path.replace(os.sep, "/").split("/")


# Collecting asks this of each path two or three times in a row (its group, its
# identity), then once more when its node is completed, after every argument: 4,096
# answers (about 1 MB at most) cover a commit's files both times, where 512 missed
# all 1,000 of a 1,000-file commit the second time. The cache stays that size
# however many files a run reads.
@functools.lru_cache(maxsize=4096)
def node_root_of(path: str) -> str | None:
    """The node ``path`` belongs to, written as the user wrote it, or None.

    ``nodes/node1/etc/containerd/config.toml`` -> ``nodes/node1``;
    ``etc/containerd/config.toml`` -> ``.``; ``/etc/containerd/config.toml`` -> ``/``;
    a folder inside a node (``etc/containerd``) answers like its files. A path with no
    layout folder in it (``config.toml``, ``docs/notes.md``) has no node: None.

    ``..`` is resolved first (as written, no symlinks followed), so that
    ``nodes/a/etc/containerd/../../../b/etc/crio/crio.conf`` belongs to ``nodes/b``.
    """
    parts = _parts(path)
    if ".." in parts:
        parts = _parts(os.path.normpath(path))
    absolute = parts[0] == "" and len(parts) > 1
    # A process's command line under a node's proc (pauselint node reads the kubelet's
    # there): ROOT/proc/PID/cmdline belongs to ROOT.
    if is_process_cmdline(path):
        return _join(parts[:-3], absolute)
    for index, part in enumerate(parts):
        for layout in _LAYOUTS_BY_FIRST.get(part, ()):
            if tuple(parts[index:index + len(layout)]) == layout:
                return _join(parts[:index], absolute)
    return None


def is_process_cmdline(path: str) -> bool:
    """Whether ``path`` is a process's command line, ``.../proc/PID/cmdline``: its
    arguments are NUL-separated, which is text here, not a binary file."""
    if not path.endswith("cmdline"):  # the common case, without splitting the path
        return False
    parts = _parts(path)
    return len(parts) >= 3 and parts[-1] == "cmdline" and parts[-2].isdigit() \
        and parts[-3] == "proc"


def normalize_root(path: str) -> str:
    """``path`` written as :func:`node_root_of` writes roots (``nodes/a/`` -> ``nodes/a``,
    ``./`` -> ``.``), so a root found from a file and a folder argument compare equal."""
    parts = _parts(path)
    return _join(parts, parts[0] == "" and len(parts) > 1)


def _join(parts: list[str], absolute: bool) -> str:
    """The leading ``parts`` of a path as a root: ``/`` and ``.`` when nothing is left."""
    kept = [part for part in parts if part not in ("", ".")]
    if absolute:
        return "/" + "/".join(kept)
    if parts and parts[0] == "." and not kept:
        return "."
    return os.path.join(*kept) if kept else "."


def known_files(root: str, crowded: list[tuple[str, int]] | None = None) -> list[str]:
    """The known configs that exist under node ``root``, sorted, as paths under it.

    Only regular files (or links to them) are listed: what a folder walk would read.
    A drop-in folder holding more than :data:`MAX_DROPINS` files gives its first ones
    (in the lexical order runtimes read them); it goes to ``crowded`` with its count, so
    the caller says the rest, and so the node's effective configuration, is unknown.

    Every input's node is completed this way, so the look-ups are few: a folder of
    the layout that is not there (``usr/``, ``etc/rancher/`` on most nodes) rules out
    every pattern under it with one ``stat``, and a one-level glob is one listing.
    """
    found: set[str] = set()
    # Under ``.`` the files are written as a user names them: etc/..., not ./etc/...
    prefix = "" if root == "." else os.path.join(root, "")
    folders: list[bool] = []  # _FOLDERS' answers, parents first
    for below, parent in _FOLDERS:
        folders.append((parent < 0 or folders[parent]) and _is_layout_folder(prefix + below))
    listings: dict[str, dict[str, os.DirEntry[str]]] = {}
    for pattern, folder_index in _PATTERNS:
        if not folders[folder_index]:
            continue
        full = prefix + pattern
        if "*" not in pattern:
            found.update([full] if os.path.isfile(full) else [])
            continue
        folder, name = os.path.split(full)
        if folder.endswith("/*") and "*" not in folder[:-2] and not glob.has_magic(name):
            files = _in_each_folder(folder[:-2], name)  # certs.d/*/hosts.toml
        elif "*" in folder:  # another glob above the file: glob's own
            # Only the root is escaped: the pattern's own `*` must stay a glob.
            matches = sorted(glob.glob(
                pattern if root == "." else os.path.join(glob.escape(root), pattern)))
            files = [path for path in matches if os.path.isfile(path)]
        else:
            files = _one_level(folder, name, listings)
        if len(files) > MAX_DROPINS and crowded is not None:
            crowded.append((folder, len(files)))
        found.update(files[:MAX_DROPINS])
    return sorted(found)


def _is_layout_folder(path: str) -> bool:
    """``os.path.isdir(path)``, asked the cheap way first: most of a node's layout
    folders are not there (a containerd node has no etc/crio/, usr/, etc/rancher/),
    and ``access()`` says so without the OSError a failed ``stat()`` raises and
    isdir() catches (1.5 against 3.1 us a folder here, 13 of the 15 a node looks
    up). It checks as the process's real user where stat() uses the effective one,
    which differ only in a setuid program; a folder it finds is then stat()'d."""
    return os.access(path, os.F_OK) and os.path.isdir(path)


def _literal_folder(pattern: str) -> str:
    """The folders of ``pattern`` above its first glob (or its file), as a path."""
    parts = pattern.split("/")[:-1]
    return "/".join(parts[:next((i for i, p in enumerate(parts) if "*" in p), len(parts))])


def _folder_plan() -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """Every folder a known file's pattern needs, with its parents, each once and after
    its parent (``(path, index of the parent or -1)``), and each pattern with the index
    of its literal folder.

    known_files() runs for every node a run touches: looking each folder up once, in
    this order, stats exactly the folders the recursive look-up did (none under a
    missing one) without its calls and path joins, half of its time.
    """
    index: dict[str, int] = {}
    folders: list[tuple[str, int]] = []
    for pattern in KNOWN_FILES:
        parts = _literal_folder(pattern).split("/")
        for depth in range(1, len(parts) + 1):
            below = "/".join(parts[:depth])
            if below not in index:
                index[below] = len(folders)
                folders.append((below, index["/".join(parts[:depth - 1])] if depth > 1 else -1))
    patterns = tuple((pattern, index[_literal_folder(pattern)]) for pattern in KNOWN_FILES)
    return tuple(folders), patterns


_FOLDERS, _PATTERNS = _folder_plan()


def _in_each_folder(parent: str, name: str) -> list[str]:
    """``sorted(glob.glob(glob.escape(parent) + "/*/" + name))`` filtered by
    ``os.path.isfile``, for a ``name`` with no glob in it, from one listing: every
    folder in ``parent`` (a link to one too) whose name does not begin with a dot, as
    glob's ``*`` takes them. A containerd node's certs.d, with glob: ~32 µs."""
    try:
        with os.scandir(parent) as listing:
            subfolders = [entry.name for entry in listing
                          if not entry.name.startswith(".") and _is_folder(entry)]
    except OSError:
        return []
    found = (os.path.join(parent, sub, name) for sub in subfolders)
    return sorted(path for path in found if os.path.isfile(path))


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows a link, as glob's does
    except OSError:
        return False


def _matcher(pattern: str) -> Callable[[str], bool]:
    """Whether a name matches ``pattern`` as fnmatch matches it on POSIX. A pattern of
    one ``*`` and no other glob (``*.conf``, ``kubeadm*.yaml``, every known file's) is a
    prefix and a suffix, without compiling fnmatch's regex."""
    head, star, tail = pattern.partition("*")
    if star and not glob.has_magic(head + tail):
        least = len(head) + len(tail)
        return lambda name: len(name) >= least and name.startswith(head) \
            and name.endswith(tail)
    return re.compile(fnmatch.translate(pattern)).match  # type: ignore[return-value]


_MATCHERS: dict[str, Callable[[str], bool]] = {}


def _one_level(folder: str, name: str,
               listings: dict[str, dict[str, os.DirEntry[str]]] | None = None) -> list[str]:
    """``sorted(glob.glob(glob.escape(folder) + "/" + name))`` filtered by
    ``os.path.isfile``, from one listing: names beginning with a dot are matched
    only by a pattern beginning with one, as glob matches them. ``listings`` keeps
    each folder's listing for the node's next pattern in it (kubeadm*.yaml, *.yml)."""
    entries = listings.get(folder) if listings is not None else None
    if entries is None:
        try:
            with os.scandir(folder) as listing:
                entries = {entry.name: entry for entry in listing}
        except OSError:
            entries = {}
        if listings is not None:
            listings[folder] = entries
    matches = _MATCHERS.get(name)
    if matches is None:
        matches = _MATCHERS[name] = _matcher(name)
    names = [entry for entry in entries if matches(entry)]
    if not name.startswith("."):
        names = [match for match in names if not match.startswith(".")]
    files = []
    for match in sorted(names):
        try:
            if entries[match].is_file():  # follows a link, as os.path.isfile does
                files.append(os.path.join(folder, match))
        except OSError:
            pass
    return files
