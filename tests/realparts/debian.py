"""Debian packages unpacked for tests, without touching the machine's own apt or dpkg.

``fetch(package)`` gives the root of ``package`` as Debian's ``SUITE`` ships it,
unpacked with ``dpkg -x`` (``root / "usr/bin/promtool"``). A package is downloaded
once with ``apt-get download`` through a private apt configuration under the cache
folder (its own sources list, lists, cache and status file, Debian's archive
keyring, none of /etc/apt read but to learn the archive address), as
tests/containerd_real/binaries.py does for containerd. Nothing is installed: no
maintainer script runs, no dependency is pulled (the programs wanted here are Go
binaries that need none).

The cache is ``$PAUSELINT_RUNTIME_CACHE/debian`` or ``~/.cache/pauselint/debian``;
with every package there, ``fetch()`` does no network at all. An fcntl lock on the
cache folder lets two test processes fetch at once.

Run as a script (``python tests/realparts/debian.py prometheus``) it fetches and
prints ``<package> <version> <root>``.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Debian's stable release when this was written: what an operator installs today.
SUITE = "trixie"
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
# Written into an unpacked root once it is whole: its presence means "cached".
VERSION_FILE = ".debian-version"

_DEBIAN_SUITES = frozenset({
    "buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid",
    "oldoldstable", "oldstable", "stable", "testing", "unstable",
})
_UPDATE_TIMEOUT = 600
_DOWNLOAD_TIMEOUT = 300


class FetchError(Exception):
    """The package cannot be had here; ``str()`` says why (tests skip with it)."""


def cache_root() -> Path:
    """Where unpacked packages live, outside any checkout."""
    configured = os.environ.get("PAUSELINT_RUNTIME_CACHE")
    if configured:
        return Path(configured).expanduser() / "debian"
    return Path.home() / ".cache" / "pauselint" / "debian"


def package_root(package: str, suite: str = SUITE, cache: Path | None = None) -> Path:
    """Where ``package`` of ``suite`` is unpacked once fetched."""
    return (cache or cache_root()) / suite / package


def fetch(*packages: str, suite: str = SUITE) -> dict[str, Path]:
    """package -> its unpacked root, each fetched where not cached.

    Raises FetchError with the reason where any cannot be had.
    """
    cache = cache_root()
    found = {p: package_root(p, suite, cache) for p in packages}
    if all((root / VERSION_FILE).is_file() for root in found.values()):
        return found
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(f"cannot create the package cache {cache}: {exc}") from exc
    with _locked(cache / ".lock"):
        missing = [p for p, root in found.items() if not (root / VERSION_FILE).is_file()]
        if missing:
            folder = cache / f".apt-{suite}"
            try:
                apt = PrivateApt(folder, _archive_address(), suite)
                apt.update()
                for package in missing:
                    _unpack(apt, package, found[package])
            finally:
                # The lists serve only a fetch, which updates them anew.
                shutil.rmtree(folder, ignore_errors=True)
    return found


def version_of(root: Path) -> str:
    """The Debian version of the package unpacked at ``root``."""
    return (root / VERSION_FILE).read_text().strip()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _unpack(apt: PrivateApt, package: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{package}-", dir=target.parent))
    try:
        deb = apt.download(package, work)
        tree = work / "tree"
        _run(["dpkg", "-x", str(deb), str(tree)], f"unpacking {deb.name}", _DOWNLOAD_TIMEOUT)
        version = _run(["dpkg-deb", "-f", str(deb), "Version"], f"reading {deb.name}", 60)
        (tree / VERSION_FILE).write_text(version.strip() + "\n")
        if target.exists():  # a half-made folder: replace it
            shutil.rmtree(target)
        tree.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


class PrivateApt:
    """apt-get with a configuration of its own under ``folder``, for ``suites`` (one
    name, or several: tests/containerd_real takes one package from three)."""

    def __init__(self, folder: Path, archive: str, suites: str | Iterable[str]) -> None:
        if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
            raise FetchError("apt-get or dpkg is not on this machine (Debian tools needed)")
        if not KEYRING.is_file():
            raise FetchError(f"Debian's archive keyring {KEYRING} is missing")
        self.archive = archive
        etc = folder / "etc"
        for sub in ("etc/parts", "etc/preferences.d", "etc/sources.list.d",
                    "lists/partial", "cache/archives/partial"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        sources = etc / "sources.list"
        names = [suites] if isinstance(suites, str) else list(dict.fromkeys(suites))
        sources.write_text("".join(f"deb [signed-by={KEYRING}] {archive} {name} main\n"
                                   for name in names))
        (etc / "preferences").write_text("")
        (folder / "status").write_text("")
        settings = {
            "Dir::Etc::Main": "/dev/null",
            "Dir::Etc::Parts": str(etc / "parts"),
            "Dir::Etc::SourceList": str(sources),
            "Dir::Etc::SourceParts": str(etc / "sources.list.d"),
            "Dir::Etc::Preferences": str(etc / "preferences"),
            "Dir::Etc::PreferencesParts": str(etc / "preferences.d"),
            "Dir::State": str(folder),
            "Dir::State::Lists": str(folder / "lists"),
            "Dir::State::status": str(folder / "status"),
            "Dir::Cache": str(folder / "cache"),
            "Acquire::Languages": "none",
            # A dated mirror's Release may be past Valid-Until; signatures are still checked.
            "Acquire::Check-Valid-Until": "false",
            # The cache may sit in root's home, which apt's _apt user cannot enter.
            "APT::Sandbox::User": "root",
        }
        config = etc / "apt.conf"
        config.write_text("".join(f'{key} "{value}";\n' for key, value in settings.items()))
        # APT_CONFIG is read before anything else, and its Dir::Etc::* point away from /etc/apt.
        self.env = {**os.environ, "APT_CONFIG": str(config), "LC_ALL": "C"}
        self.options = [arg for key, value in settings.items() for arg in ("-o", f"{key}={value}")]

    def update(self) -> None:
        out = _run(["apt-get", *self.options, "-q", "update"], "apt-get update",
                   _UPDATE_TIMEOUT, self.env)
        failed = [line for line in out.splitlines() if line.startswith(("Err:", "E:", "W:"))]
        if failed:
            raise FetchError(f"apt-get update against {self.archive} failed: "
                             + " | ".join(failed[:4]))

    def download(self, package: str, folder: Path) -> Path:
        """``package`` (``name`` or ``name=version``) as a .deb in ``folder``."""
        _run(["apt-get", *self.options, "-q", "download", package],
             f"apt-get download {package}", _DOWNLOAD_TIMEOUT, self.env, cwd=folder)
        debs = sorted(folder.glob(f"{package.split('=', 1)[0]}_*.deb"))
        if len(debs) != 1:
            raise FetchError(f"apt-get download {package} left {len(debs)} .deb")
        return debs[0]


def _archive_address() -> str:
    """The Debian archive this machine's own apt sources name (never written down here)."""
    etc = Path("/etc/apt")
    files = [etc / "sources.list"] if (etc / "sources.list").is_file() else []
    parts = etc / "sources.list.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    for path in files:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        reader = _deb822_sources if path.suffix == ".sources" else _one_line_sources
        for uri, suites in reader(text):
            if uri.startswith(("http://", "https://")) and _DEBIAN_SUITES & set(suites):
                return uri.rstrip("/")
    raise FetchError("no Debian archive found in /etc/apt/sources.list or sources.list.d")


def _one_line_sources(text: str) -> Iterator[tuple[str, list[str]]]:
    for line in text.splitlines():
        line = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0])
        fields = line.split()
        if len(fields) >= 3 and fields[0] == "deb":
            yield fields[1], [fields[2]]


def _deb822_sources(text: str) -> Iterator[tuple[str, list[str]]]:
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            yield uri, fields.get("suites", "").split()


def _run(command: list[str], what: str, timeout: float, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env=env, cwd=cwd, check=False)
    except FileNotFoundError as exc:
        raise FetchError(f"{what}: {command[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise FetchError(f"{what}: no answer in {timeout:.0f} s (archive unreachable?)") from exc
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise FetchError(f"{what} failed (exit {done.returncode}): " + " | ".join(lines[-3:]))
    return done.stdout + done.stderr


def main(argv: list[str]) -> int:
    """Fetch the packages named; print each one's version and root."""
    try:
        roots = fetch(*argv)
    except FetchError as exc:
        print(f"cannot fetch {' '.join(argv)}: {exc}", file=sys.stderr)
        return 1
    for package, root in roots.items():
        print(package, version_of(root), root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
