"""Real containerd binaries for the differential tests: Debian's packages, cached.

``fetch()`` gives the ``containerd`` binary of Debian's containerd 1.6.20 (bookworm),
1.7.24 (trixie) and 2.1.9 (sid). Each is downloaded once with ``apt-get download``
through a private apt configuration made under the cache folder (its own sources
list, lists, cache and status file, Debian's archive keyring, no part of the
machine's apt configuration read), unpacked with ``dpkg -x`` into a temporary folder
and renamed into place. The archive address is the one this machine's own apt
sources name; it is never written into the project.

The cache is ``$PAUSELINT_RUNTIME_CACHE`` or ``~/.cache/pauselint/runtimes``; with
every binary there, ``fetch()`` does no network at all. An fcntl lock on the cache
folder lets two test processes fetch at once.

The private-apt helpers are tests/realparts/debian.py's. Run as a script it fetches and prints ``<version> <path> <containerd --version>``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a script: tests/ holds the shared Debian fetcher
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The private apt configuration's parts shared with every real-part fetch (one copy).
from realparts.debian import (
    FetchError,
    PrivateApt,
    _archive_address,
    _locked,
    _run,
)

# Upstream version -> the Debian suite that ships it.
SUITES: dict[str, str] = {"1.6.20": "bookworm", "1.7.24": "trixie", "2.1.9": "sid"}
PACKAGE = "containerd"
BINARY = Path("usr/bin/containerd")

# Debian's own suite names: an apt source naming one of these is Debian's archive.
_DEBIAN_SUITES = frozenset({
    "buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid",
    "oldoldstable", "oldstable", "stable", "testing", "unstable",
})
_DOWNLOAD_TIMEOUT = 300


def cache_root() -> Path:
    """Where the unpacked runtimes live, outside any checkout."""
    configured = os.environ.get("PAUSELINT_RUNTIME_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "pauselint" / "runtimes"


def binary_path(version: str, root: Path | None = None) -> Path:
    """Where ``containerd`` of ``version`` is once fetched."""
    return (root or cache_root()) / f"containerd-{version}" / BINARY


def fetch(versions: tuple[str, ...] = tuple(SUITES)) -> dict[str, Path]:
    """The ``containerd`` binary of each Debian version, fetched where not cached.

    Raises FetchError with the reason where any cannot be had.
    """
    root = cache_root()
    found = {v: binary_path(v, root) for v in versions}
    if all(p.is_file() for p in found.values()):
        return found
    unknown = [v for v in versions if v not in SUITES]
    if unknown:
        raise FetchError(f"no Debian suite known for containerd {', '.join(unknown)}")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(f"cannot create the runtime cache {root}: {exc}") from exc
    with _locked(root / ".lock"):
        missing = [v for v in versions if not found[v].is_file()]
        if missing:
            try:
                apt = _ContainerdApt(root / "apt", _archive_address(), SUITES.values())
                apt.update()
                for version in missing:
                    _install(apt, version, root)
            finally:
                # The lists (some 300 MB) serve only a fetch, which updates them anew.
                shutil.rmtree(root / "apt", ignore_errors=True)
    return found


def _install(apt: _ContainerdApt, version: str, root: Path) -> None:
    suite = SUITES[version]
    debian_version = apt.debian_version(version, suite)
    target = root / f"containerd-{version}"
    work = Path(tempfile.mkdtemp(prefix=f".containerd-{version}-", dir=root))
    try:
        deb = apt.download_version(debian_version, work)
        tree = work / "tree"
        _run(["dpkg", "-x", str(deb), str(tree)], f"unpacking {deb.name}", _DOWNLOAD_TIMEOUT)
        if not (tree / BINARY).is_file():
            raise FetchError(f"{deb.name} has no {BINARY}")
        if target.exists():  # a half-made folder from an older layout: replace it
            shutil.rmtree(target)
        tree.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _ContainerdApt(PrivateApt):
    """The shared private apt (realparts/debian.py) over every suite in SUITES, able to
    find the Debian version of one upstream containerd release."""

    def debian_version(self, upstream: str, suite: str) -> str:
        """The Debian version of the package in ``suite`` whose upstream part is ``upstream``."""
        out = _run(["apt-cache", *self.options, "madison", PACKAGE], "apt-cache madison",
                   60, self.env)
        offered: list[str] = []
        for line in out.splitlines():
            fields = [f.strip() for f in line.split("|")]
            if len(fields) < 3 or fields[0] != PACKAGE:
                continue
            where = fields[2].split()
            if len(where) < 2 or where[1].split("/")[0] != suite:
                continue
            offered.append(fields[1])
            if _upstream_part(fields[1]) == upstream:
                return fields[1]
        raise FetchError(f"Debian {suite} offers no {PACKAGE} {upstream} "
                         f"(it offers: {', '.join(offered) or 'none'})")

    def download_version(self, debian_version: str, folder: Path) -> Path:
        return self.download(f"{PACKAGE}={debian_version}", folder)


def _upstream_part(debian_version: str) -> str:
    """``1:1.6.20~ds1-1+b1`` -> ``1.6.20``: no epoch, revision or repack suffix."""
    version = debian_version.split(":", 1)[-1]
    if "-" in version:
        version = version.rsplit("-", 1)[0]
    return re.split(r"[~+]", version, maxsplit=1)[0]


def version_line(binary: Path) -> str:
    """What ``containerd --version`` prints (or why it could not run)."""
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                              timeout=30, check=False)
    except OSError as exc:
        return f"cannot run: {exc}"
    return (done.stdout or done.stderr).strip()


def main() -> int:
    """Fetch every version; print where each is and what it says it is."""
    start = time.monotonic()
    try:
        binaries = fetch()
    except FetchError as exc:
        print(f"cannot fetch containerd: {exc}", file=sys.stderr)
        return 1
    for version, path in binaries.items():
        print(version, path, version_line(path))
    print(f"({time.monotonic() - start:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
