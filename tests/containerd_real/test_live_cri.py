"""``pauselint.live.cri.read_runtime`` against real containerd daemons and real sockets.

One daemon per Debian containerd version (module-scoped: started once, some 0.1 s
each here) on a config that sets a sandbox image no version defaults to. Two images
are imported into its ``k8s.io`` namespace with that version's own ``ctr`` from
OCI archives made here (no registry: nothing is pulled), the sandbox image and
another. What each daemon was seen to answer:

- ``runtime_version`` is the third word of the binary's ``containerd --version``
  (Debian's "1.6.20~ds1", "1.7.24~ds1", "2.1.9+unknown"), ``runtime_name``
  "containerd", ``runtime_api_version`` "v1".
- ``Status(verbose=True).info`` keys: cniconfig, config, golang, lastCNILoadStatus,
  lastCNILoadStatus.default on all three; ``config.sandboxImage`` on 1.6.20 and
  1.7.24 only.
- ``ListImages`` marks the sandbox image pinned on 1.7.24 and 2.1.9, nothing on
  1.6.20; never the other image.

The error cases use real sockets: a missing path, a stale socket file, a socket
server that is not gRPC, one that never answers, containerd with its CRI plugin
disabled, and a real containerd socket of mode 0000 read by a child without the
capabilities that let root ignore file modes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

pytest.importorskip("cri_api", reason="container-runtime-interface-api (the node extra) "
                    "is not installed: no CRI client")

from pauselint.live.cri import SANDBOX_IMAGE_FROM, LiveError, LiveRuntime, read_runtime

from .daemon import running, why_not_here

VERSIONS = ("1.6.20", "1.7.24", "2.1.9")
# No version defaults to it, so seeing it proves the config was read.
SANDBOX = "registry.k8s.io/pause:3.6-pauselint"
OTHER = "example.test/pauselint/other:1"
CONFIGS = {
    "1": f'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "{SANDBOX}"\n',
    "2": (f'version = 3\n[plugins."io.containerd.cri.v1.images".pinned_images]\n'
          f'  sandbox = "{SANDBOX}"\n'),
}
CRI_DISABLED = 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
# Pinned images as seen: 1.6.20 predates CRI's pinning of its sandbox image.
PINNED = {"1.6.20": (), "1.7.24": (SANDBOX,), "2.1.9": (SANDBOX,)}

needs_daemon = pytest.mark.skipif(why_not_here() is not None, reason=str(why_not_here()))


class Seen(NamedTuple):
    """One daemon's version, binary, and what read_runtime returned for it."""

    version: str
    binary: Path
    answer: LiveRuntime | LiveError


def oci_archive(path: Path, name: str) -> Path:
    """A one-layer linux/amd64 OCI image archive named ``name`` for ``ctr import``.

    The layer holds the name, so two images never share a digest (CRI would merge
    them into one image with two tags).
    """
    def add(tar: tarfile.TarFile, member: str, data: bytes) -> None:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    def blob(tar: tarfile.TarFile, data: bytes, media_type: str) -> dict[str, object]:
        digest = hashlib.sha256(data).hexdigest()
        add(tar, f"blobs/sha256/{digest}", data)
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as layer_tar:
        add(layer_tar, "pause", name.encode())
    diff_id = "sha256:" + hashlib.sha256(layer.getvalue()).hexdigest()
    config = {"architecture": "amd64", "os": "linux", "config": {"Entrypoint": ["/pause"]},
              "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
    with tarfile.open(path, "w") as tar:
        manifest = {
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": blob(tar, json.dumps(config).encode(),
                           "application/vnd.oci.image.config.v1+json"),
            "layers": [blob(tar, gzip.compress(layer.getvalue(), mtime=0),
                            "application/vnd.oci.image.layer.v1.tar+gzip")]}
        entry = blob(tar, json.dumps(manifest).encode(),
                     "application/vnd.oci.image.manifest.v1+json")
        entry["annotations"] = {"io.containerd.image.name": name,
                                "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]}
        add(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add(tar, "index.json", json.dumps({"schemaVersion": 2, "manifests": [entry]}).encode())
    return path


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ...]:
    folder = tmp_path_factory.mktemp("oci")
    return tuple(oci_archive(folder / f"{i}.tar", name) for i, name in enumerate((SANDBOX, OTHER)))


@pytest.fixture(scope="module", params=VERSIONS)
def seen(request: pytest.FixtureRequest, containerd_binaries: dict[str, Path],
         archives: tuple[Path, ...]) -> Iterator[Seen]:
    """A daemon of one version with both images imported, and read_runtime's answer."""
    if why_not_here() is not None:
        pytest.skip(str(why_not_here()))
    version = request.param
    binary = containerd_binaries[version]
    with running(binary, CONFIGS[version[0]]) as daemon:
        for archive in archives:
            subprocess.run([str(binary.parent / "ctr"), "--address", str(daemon.socket),
                            "-n", "k8s.io", "images", "import", "--no-unpack", str(archive)],
                           check=True, capture_output=True, timeout=30)
        yield Seen(version, binary, read_runtime(f"unix://{daemon.socket}"))


def runtime(seen: Seen) -> LiveRuntime:
    assert isinstance(seen.answer, LiveRuntime), seen.answer
    return seen.answer


def test_name_and_version_are_what_the_binary_says(seen: Seen) -> None:
    said = subprocess.run([str(seen.binary), "--version"], capture_output=True, text=True,
                          check=True, timeout=30).stdout.split()
    live = runtime(seen)
    assert (live.name, live.version, live.api_version) == ("containerd", said[2], "v1")
    assert live.version.startswith(seen.version)


def test_sandbox_image_is_the_configured_one_where_reported(seen: Seen) -> None:
    live = runtime(seen)
    if seen.version.startswith("1."):
        assert (live.sandbox_image, live.sandbox_image_from) == (SANDBOX, SANDBOX_IMAGE_FROM)
        assert not any("sandbox image in CRI Status" in line for line in live.not_reported)
    else:
        assert (live.sandbox_image, live.sandbox_image_from) == (None, None)
        assert (f"containerd {live.version} reports no sandbox image in CRI Status "
                "(containerd 2.x leaves its image config out); the images it pins are "
                "listed instead") in live.not_reported


def test_pinned_images_are_the_sandbox_image_where_pinned(seen: Seen) -> None:
    live = runtime(seen)
    assert live.pinned_images == PINNED[seen.version]
    says_pins_nothing = any("marks no image pinned" in line for line in live.not_reported)
    assert says_pins_nothing == (PINNED[seen.version] == ())


@needs_daemon
@pytest.mark.parametrize("version", VERSIONS)
def test_cri_disabled_is_not_a_cri_endpoint(version: str,
                                            containerd_binaries: dict[str, Path]) -> None:
    with running(containerd_binaries[version], CRI_DISABLED) as daemon:
        answer = read_runtime(str(daemon.socket))
    assert isinstance(answer, LiveError)
    assert answer.endpoint == str(daemon.socket)
    assert answer.reason.startswith("not a CRI endpoint (UNIMPLEMENTED)"), answer.reason


@needs_daemon
def test_permission_denied_on_a_real_socket(containerd_binaries: dict[str, Path]) -> None:
    """Root ignores a socket's mode; a child without CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH is held to it, as a non-root pod would be."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed: cannot drop root's file capabilities")
    code = ("import sys; from pauselint.live.cri import read_runtime; "
            "print(read_runtime(sys.argv[1]).reason)")
    with running(containerd_binaries["2.1.9"], CONFIGS["2"]) as daemon:
        os.chmod(daemon.socket, 0)
        child = subprocess.run(
            ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--",
             sys.executable, "-c", code, f"unix://{daemon.socket}"],
            capture_output=True, text=True, timeout=30)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == (f"permission denied on {daemon.socket}: run as root or "
                                    "as the socket's group (group root, mode 0000)")


def test_missing_socket(tmp_path: Path) -> None:
    path = tmp_path / "containerd.sock"
    assert read_runtime(f"unix://{path}") == LiveError(f"unix://{path}",
                                                       f"no CRI socket at {path}")


def test_stale_socket_file(tmp_path: Path) -> None:
    path = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX) as left:
        left.bind(str(path))  # bound, never listening: what a killed daemon leaves
    assert read_runtime(str(path)).reason == (
        f"nothing listens on {path} (a socket left by a stopped runtime?)")


@pytest.fixture
def plain_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A unix socket server that is not gRPC: it answers each connection with
    ``request.param`` (bytes, then closes) or never answers (None)."""
    path = tmp_path / "plain.sock"
    reply: bytes | None = request.param
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return  # the server socket was closed: the test is over
            if reply is None:
                held.append(conn)
                continue
            try:
                conn.recv(4096)
                conn.sendall(reply)
            except OSError:
                pass  # the client may hang up first
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        server.shutdown(socket.SHUT_RDWR)
        server.close()
        thread.join(timeout=5)
        for conn in held:
            conn.close()


@pytest.mark.parametrize("plain_server", [b"HTTP/1.1 400 Bad Request\r\n\r\n"], indirect=True)
def test_a_socket_that_is_not_grpc(plain_server: Path) -> None:
    answer = read_runtime(str(plain_server), timeout=2.0)
    assert isinstance(answer, LiveError)
    assert answer.reason.startswith(
        "not a CRI endpoint (no gRPC answer to RuntimeService.Version: "), answer.reason


@pytest.mark.parametrize("plain_server", [None], indirect=True)
def test_a_socket_that_never_answers_times_out(plain_server: Path) -> None:
    assert read_runtime(str(plain_server), timeout=0.5) == LiveError(
        str(plain_server), "timeout after 0.5s waiting for RuntimeService.Version")
