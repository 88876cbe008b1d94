"""Build pauselint's container image for real, offline once its parts are cached.

``build()`` makes ``pauselint.oci.tar``, an OCI archive of the top-level Containerfile
built with Debian's ``buildah bud``, in four steps, each with a timeout and an error
naming it:

1. **tools**: Debian bookworm's ``debootstrap``, ``buildah`` (with ``libgpgme11``, the
   one library of it this machine lacks, and ``golang-github-containers-common`` for
   its signature policy) and ``runc``, unpacked with ``dpkg -x`` by
   tests/realparts/debian.py: nothing is installed, no maintainer script runs.
2. **base**: a minimal Debian root, ``debootstrap --variant=minbase
   --include=python3-venv bookworm``, run from its unpacked tree (``DEBOOTSTRAP_DIR``)
   in a mount namespace of its own (its /proc and /dev mounts die with it), against
   the archive this machine's own apt sources name (never written into the project).
   Docs, man pages, locales and apt's caches are dropped; it is committed as the base
   image with ``buildah from scratch`` + ``mount`` + ``commit``.
3. **wheels**: ``pip wheel`` of a copy of this checkout's source (so no build/ or
   egg-info lands in the checkout) with the ``node`` extra, through this machine's
   pip configuration. Bookworm is the suite because its Python (3.11) is the one
   these tests run on: wheels made here install there with ``--no-index``.
4. **image**: ``buildah bud --isolation chroot --pull-never`` with vfs storage under
   the cache folder, the base passed as ``--build-arg BASE``, run in a network
   namespace of its own (``unshare --net``: loopback only, and down), so a build that
   reached for the network would fail; pushed as an OCI archive, its manifest digest
   kept beside it. (buildah refuses ``--network none`` with chroot isolation.)

Everything is cached under ``$PAUSELINT_RUNTIME_CACHE/image`` or
``~/.cache/pauselint/image``: the base keyed by the suite, packages and debootstrap's
version, the wheels by a hash of the source tree, the image by a hash of the
Containerfile, the source tree, the wheels, the base and buildah's version. A warm ``build()`` only hashes files.
An fcntl lock on the cache folder lets two test processes build at once.

Run as a script it builds and prints the archive, its digest, its size and the time
each step took.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import its neighbours as pytest does
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# pytest imports tests/<package>/ with tests/ on sys.path (tests/ is no package itself).
from realparts import debian

REPO = Path(__file__).resolve().parents[2]
CONTAINERFILE = REPO / "Containerfile"
SUITE = "bookworm"
TOOLS = ("debootstrap", "buildah", "libgpgme11", "golang-github-containers-common", "runc")
BASE_PACKAGES = ("python3-venv",)
# What goes into the wheel (setup.py ships data/compat.yaml; pyproject names README.md).
SOURCE_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "data", "src/pauselint")
IMAGE_NAME = "localhost/pauselint"
# Dropped from the base root: nothing in the image reads them (copyright files stay).
TRIMMED = ("usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian",
           "var/cache/apt", "var/lib/apt/lists", "var/log")
# Per step, in seconds: cold on 2 cores debootstrap takes ~50 s, bud ~40 s.
TIMEOUTS = {"tools": 600.0, "debootstrap": 900.0, "base": 300.0, "wheels": 600.0,
            "bud": 900.0, "push": 300.0}
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")


class BuildError(Exception):
    """A step of the build failed; ``str()`` names the step and says why.

    ``unavailable`` is True where the cause is this machine (not root, a tool or the
    Debian archive missing), not the build: tests skip then, and fail otherwise.
    """

    def __init__(self, message: str, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


@dataclass(frozen=True, slots=True)
class Image:
    """A built image: its OCI archive, the name inside it, its manifest digest, and
    how long each step took this time (0 where it came from the cache)."""

    archive: Path
    name: str
    digest: str
    size: int
    source_key: str
    seconds: dict[str, float] = field(default_factory=dict)
    cached: bool = False


@dataclass(frozen=True, slots=True)
class Tools:
    """Paths into the unpacked Debian packages."""

    debootstrap: Path
    debootstrap_dir: Path
    buildah: Path
    library_path: Path
    policy: Path
    runc: Path
    versions: dict[str, str]


def cache_root() -> Path:
    """Where the image and its parts are kept, outside any checkout."""
    configured = os.environ.get("PAUSELINT_RUNTIME_CACHE")
    if configured:
        return Path(configured).expanduser() / "image"
    return Path.home() / ".cache" / "pauselint" / "image"


def why_not_here() -> str | None:
    """Why the image cannot be built on this machine, or None when it can."""
    if os.geteuid() != 0:
        return "building the image needs root (debootstrap chroots; buildah's vfs keeps file owners)"
    for program in ("unshare", "dpkg", "apt-get", "tar"):
        if shutil.which(program) is None:
            return f"{program} is not installed here"
    if not KEYRING.is_file():
        return f"Debian's archive keyring {KEYRING} is missing (debootstrap checks the archive with it)"
    return None


def tools() -> Tools:
    """The Debian packages the build runs, fetched once (tests/realparts/debian.py)."""
    try:
        roots = debian.fetch(*TOOLS, suite=SUITE)
    except debian.FetchError as exc:
        raise BuildError(f"tools: cannot fetch Debian's {', '.join(TOOLS)}: {exc}",
                         unavailable=True) from exc
    return Tools(
        debootstrap=roots["debootstrap"] / "usr/sbin/debootstrap",
        debootstrap_dir=roots["debootstrap"] / "usr/share/debootstrap",
        buildah=roots["buildah"] / "usr/bin/buildah",
        library_path=roots["libgpgme11"] / "usr/lib/x86_64-linux-gnu",
        policy=roots["golang-github-containers-common"] / "etc/containers/policy.json",
        runc=roots["runc"] / "usr/sbin/runc",
        versions={p: debian.version_of(r) for p, r in roots.items()},
    )


def build(cache: Path | None = None) -> Image:
    """The image, built where the cache does not hold it for these inputs."""
    reason = why_not_here()
    if reason:
        raise BuildError(reason, unavailable=True)
    cache = cache or cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    with debian._locked(cache / ".lock"):
        start = time.monotonic()
        parts = tools()
        seconds["tools"] = time.monotonic() - start
        source_key = source_tree_key()
        wheels = _wheels(cache, source_key, seconds)
        # The base and buildah too: a new debootstrap or buildah makes a new image.
        image_key = _hash_parts([CONTAINERFILE.read_bytes(), source_key.encode(),
                                 _tree_hash(wheels, ("",)).encode(), _base_key(parts).encode(),
                                 parts.versions["buildah"].encode()])
        folder = cache / "images" / image_key[:16]
        name = f"{IMAGE_NAME}:{image_key[:12]}"
        if (folder / "digest").is_file():
            return _image(folder, name, source_key, seconds, cached=True)
        buildah = _Buildah(parts, cache)
        base = _base(parts, buildah, cache, seconds)
        _bud(buildah, base, wheels, name, folder, seconds)
        _prune(cache, keep=(folder, wheels))
        return _image(folder, name, source_key, seconds, cached=False)


def _prune(cache: Path, keep: tuple[Path, ...]) -> None:
    """Drop the archives and wheels of older inputs: the source tree changes with every
    edit, and each image is some 80 MB (the base image and root stay)."""
    for kind in ("images", "wheels"):
        for path in (cache / kind).iterdir():
            if path not in keep:
                shutil.rmtree(path, ignore_errors=True)


def source_tree_key() -> str:
    """The hash of what goes into pauselint's wheel, as this checkout has it now."""
    return _tree_hash(REPO, SOURCE_FILES)


def _image(folder: Path, name: str, source_key: str, seconds: dict[str, float],
           cached: bool) -> Image:
    archive = folder / "pauselint.oci.tar"
    return Image(archive=archive, name=name, digest=(folder / "digest").read_text().strip(),
                 size=archive.stat().st_size, source_key=source_key, seconds=seconds,
                 cached=cached)


def _base_key(parts: Tools) -> str:
    return _hash_parts([SUITE.encode(), " ".join(BASE_PACKAGES).encode(),
                        parts.versions["debootstrap"].encode(), " ".join(TRIMMED).encode()])


def _base(parts: Tools, buildah: _Buildah, cache: Path, seconds: dict[str, float]) -> str:
    """The base image's name in buildah's storage, made from a debootstrap'd root."""
    key = _base_key(parts)
    name = f"localhost/pauselint-base:{key[:12]}"
    if buildah.has_image(name):
        return name
    rootfs = cache / "base" / key[:16] / "rootfs.tar"
    if not rootfs.is_file():
        start = time.monotonic()
        _debootstrap(parts, rootfs)
        seconds["debootstrap"] = time.monotonic() - start
    start = time.monotonic()
    container = buildah.run(["from", "--signature-policy", str(parts.policy), "scratch"],
                            "base: buildah from scratch").strip()
    try:
        mountpoint = buildah.run(["mount", container], "base: buildah mount").strip()
        _step(["tar", "-x", "-p", "--numeric-owner", "-f", str(rootfs), "-C", mountpoint],
              "base: unpacking the debootstrap root", TIMEOUTS["base"])
        buildah.run(["config", "--cmd", "/bin/sh", "--os", "linux", "--arch", "amd64",
                     "--label", f"org.opencontainers.image.base.name=debian:{SUITE}-debootstrap",
                     container], "base: buildah config")
        buildah.run(["commit", "--signature-policy", str(parts.policy), "--rm", container,
                     name], "base: buildah commit")
    except BuildError:
        buildah.run(["rm", container], "base: buildah rm", check=False)
        raise
    seconds["base"] = time.monotonic() - start
    return name


def _debootstrap(parts: Tools, rootfs: Path) -> None:
    """debootstrap into a fresh folder, trim it, and keep it as one tar file."""
    rootfs.parent.mkdir(parents=True, exist_ok=True)
    try:
        archive = debian._archive_address()
    except debian.FetchError as exc:
        raise BuildError(f"debootstrap: {exc}") from exc
    work = Path(tempfile.mkdtemp(prefix=".debootstrap-", dir=rootfs.parent))
    target = work / "root"
    try:
        env = {**os.environ, "DEBOOTSTRAP_DIR": str(parts.debootstrap_dir), "LC_ALL": "C",
               "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        # Its own mount namespace: the /proc, /sys and /dev it mounts in the target go
        # away with it, so removing the work folder can never reach the host's.
        _step(["unshare", "--mount", "--propagation", "private", "--",
               str(parts.debootstrap), "--variant=minbase",
               f"--include={','.join(BASE_PACKAGES)}", f"--keyring={KEYRING}",
               SUITE, str(target), archive],
              "debootstrap", TIMEOUTS["debootstrap"], env=env)
        for relative in TRIMMED:
            path = target / relative
            if path.is_dir():
                shutil.rmtree(path)
                path.mkdir()
        docs = target / "usr/share/doc"
        for path in docs.glob("*/*") if docs.is_dir() else ():
            if path.name != "copyright":
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        partial = rootfs.with_suffix(".tar.part")
        _step(["tar", "-c", "-p", "--numeric-owner", "--xattrs", "-f", str(partial),
               "-C", str(target), "."], "debootstrap: packing the root", TIMEOUTS["base"])
        partial.rename(rootfs)
    finally:
        _unmount_under(work)
        shutil.rmtree(work, ignore_errors=True)


def _wheels(cache: Path, source_key: str, seconds: dict[str, float]) -> Path:
    """pauselint (this checkout) and its dependencies as wheels, one folder per source."""
    folder = cache / "wheels" / source_key[:16]
    if (folder / ".complete").is_file():
        return folder
    start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=".wheels-", dir=cache))
    try:
        source = work / "source"
        for relative in SOURCE_FILES:
            from_path, to_path = REPO / relative, source / relative
            to_path.parent.mkdir(parents=True, exist_ok=True)
            if from_path.is_dir():
                shutil.copytree(from_path, to_path,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copyfile(from_path, to_path)
        out = work / "wheels"
        _step([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
               "--wheel-dir", str(out), f"{source}[node]"], "wheels: pip wheel",
              TIMEOUTS["wheels"])
        (out / ".complete").write_text("")
        if folder.exists():
            shutil.rmtree(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        out.rename(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds["wheels"] = time.monotonic() - start
    return folder


def _bud(buildah: _Buildah, base: str, wheels: Path, name: str, folder: Path,
         seconds: dict[str, float]) -> None:
    """buildah bud of the Containerfile on ``base``, pushed as an OCI archive."""
    start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=".context-", dir=buildah.cache))
    try:
        context = work / "context"
        context.mkdir()
        shutil.copyfile(CONTAINERFILE, context / "Containerfile")
        shutil.copytree(wheels, context / "wheels", ignore=shutil.ignore_patterns(".complete"))
        buildah.run(["bud", "--signature-policy", str(buildah.tools.policy),
                     "--isolation", "chroot", "--pull-never",
                     "--build-arg", f"BASE={base}", "--layers=false",
                     "--file", str(context / "Containerfile"), "--tag", name, str(context)],
                    "bud: buildah bud", timeout=TIMEOUTS["bud"], offline=True)
        seconds["bud"] = time.monotonic() - start
        start = time.monotonic()
        staged = work / "out"
        staged.mkdir()
        buildah.run(["push", "--signature-policy", str(buildah.tools.policy),
                     "--digestfile", str(staged / "digest"), name,
                     f"oci-archive:{staged / 'pauselint.oci.tar'}:{name}"],
                    "push: buildah push oci-archive", timeout=TIMEOUTS["push"])
        (staged / "build.json").write_text(json.dumps(
            {"name": name, "base": base, "tools": buildah.tools.versions}, indent=2) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staged.rename(folder)
        # The archive is the product; a copy in vfs storage (a full tree per image)
        # would only grow the cache.
        buildah.run(["rmi", name], "push: buildah rmi")
        seconds["push"] = time.monotonic() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _Buildah:
    """Debian's buildah on vfs storage of its own under the cache folder."""

    def __init__(self, parts: Tools, cache: Path) -> None:
        self.tools = parts
        self.cache = cache
        tmp = cache / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        registries = cache / "registries.conf"
        # No short name resolves anywhere: the build can only use what is local.
        registries.write_text("unqualified-search-registries = []\n")
        storage = cache / "storage.conf"
        storage.write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{cache / "storage"}"\n'
                           f'runroot = "{cache / "run"}"\n')
        self.env = {
            "PATH": f"{parts.runc.parent}:/usr/sbin:/usr/bin:/sbin:/bin",
            "LD_LIBRARY_PATH": str(parts.library_path),
            "TMPDIR": str(tmp),
            "HOME": str(cache),
            "CONTAINERS_REGISTRIES_CONF": str(registries),
            # None of the machine's containers.conf or storage.conf: only these files.
            "CONTAINERS_CONF": "/dev/null",
            "CONTAINERS_STORAGE_CONF": str(storage),
            "BUILDAH_ISOLATION": "chroot",
            "LC_ALL": "C",
        }
        self.options = ["--root", str(cache / "storage"), "--runroot", str(cache / "run"),
                        "--storage-driver", "vfs"]

    def run(self, args: list[str], step: str, timeout: float = 120.0, check: bool = True,
            offline: bool = False) -> str:
        """buildah ``args`` in a mount namespace of its own (``offline``: and a network
        namespace, so no network at all).

        buildah runs each RUN step by re-executing itself with the environment cleared,
        so LD_LIBRARY_PATH cannot carry libgpgme to it: in that namespace the unpacked
        library folder is a second, read-only lower layer of an overlay on the system's
        library folder, which the host never sees.
        """
        system = "/usr/lib/x86_64-linux-gnu"
        script = (f"mount -t overlay pauselint-libs -o lowerdir={system}:"
                  f"{self.tools.library_path} {system} && exec \"$0\" \"$@\"")
        flags = ["--mount", "--propagation", "private", *(["--net"] if offline else [])]
        return _step(["unshare", *flags, "--", "sh", "-c", script, str(self.tools.buildah),
                      *self.options, *args], step, timeout, env=self.env, check=check)

    def has_image(self, name: str) -> bool:
        try:
            self.run(["inspect", "--type", "image", name], "base: buildah inspect", timeout=60)
        except BuildError:
            return False
        return True


def _step(command: list[str], step: str, timeout: float, env: dict[str, str] | None = None,
          check: bool = True) -> str:
    """Run one step; BuildError names the step and gives its last lines of output."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env=env, check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise BuildError(f"{step}: {command[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"{step}: did not finish within {timeout:.0f} s") from exc
    if check and done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise BuildError(f"{step} failed (exit {done.returncode}): " + " | ".join(lines[-6:]))
    return done.stdout


def _tree_hash(root: Path, relatives: tuple[str, ...]) -> str:
    """sha256 over the paths and contents of the files under ``relatives``."""
    digest = hashlib.sha256()
    for relative in relatives:
        top = root / relative if relative else root
        files = [top] if top.is_file() else sorted(
            p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and p.suffix != ".pyc" and p.name != ".complete")
        for path in files:
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _hash_parts(parts: list[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _unmount_under(folder: Path) -> None:
    """Unmount, deepest first, whatever this namespace has mounted under ``folder``."""
    prefix = str(folder) + "/"
    try:
        mounts = [line.split()[4] for line in
                  Path("/proc/self/mountinfo").read_text().splitlines()]
    except OSError:
        return
    for point in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)


def manifest_of(archive: Path) -> dict[str, object]:
    """The image manifest inside an OCI archive (index.json's first manifest)."""
    with tarfile.open(archive) as tar:
        index = json.load(tar.extractfile("index.json"))  # type: ignore[arg-type]
        digest = index["manifests"][0]["digest"]
        blob = tar.extractfile(f"blobs/{digest.replace(':', '/', 1)}")
        return json.load(blob)  # type: ignore[arg-type]


def config_of(archive: Path) -> dict[str, object]:
    """The image configuration (user, entrypoint, env, layers' diff ids) in an archive."""
    digest = manifest_of(archive)["config"]["digest"]  # type: ignore[index]
    with tarfile.open(archive) as tar:
        blob = tar.extractfile(f"blobs/{digest.replace(':', '/', 1)}")
        return json.load(blob)  # type: ignore[arg-type]


def main() -> int:
    """Build (or find cached) and print what was made."""
    start = time.monotonic()
    try:
        image = build()
    except BuildError as exc:
        print(f"cannot build the image: {exc}", file=sys.stderr)
        return 1
    layers = manifest_of(image.archive)["layers"]
    print(f"archive {image.archive}")
    print(f"name    {image.name}")
    print(f"digest  {image.digest}")
    print(f"size    {image.size} bytes archive, {len(layers)} layers "  # type: ignore[arg-type]
          f"({sum(layer['size'] for layer in layers)} bytes compressed)")  # type: ignore[union-attr]
    print(f"cached  {image.cached}")
    for step, took in image.seconds.items():
        print(f"{step:12s}{took:7.1f} s")
    print(f"{'total':12s}{time.monotonic() - start:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
