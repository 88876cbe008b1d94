"""``pauselint.live.cri`` without a daemon: endpoint forms, the missing client, and
CRI-O's answer served by a stand-in.

No CRI-O binary can be had here, so a small in-process gRPC server answers as
CRI-O does, in exactly the shape its source gives: ``Version`` from
cri-o/cri-o@v1.36.3:server/version.go (``version`` "0.1.0", ``runtime_name``
"cri-o"), verbose ``Status`` info from ``createRuntimeInfo`` in
cri-o/cri-o@v1.36.3:server/runtime_status.go (one key, ``config``, the JSON of
``{"sandboxImage": PauseImage, "crio": RuntimeConfig}``; before v1.27.0 no info at
all). The ``crio`` value here is a stand-in for Go's struct, which read_runtime does
not read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from pauselint.live.cri import (
    MISSING_CLIENT,
    SANDBOX_IMAGE_FROM,
    LiveError,
    LiveRuntime,
    read_runtime,
    socket_path,
)


@pytest.mark.parametrize(("endpoint", "path"), [
    ("unix:///run/containerd/containerd.sock", "/run/containerd/containerd.sock"),
    ("/run/crio/crio.sock", "/run/crio/crio.sock"),
    ("unix:///var/run/dockershim.sock", "/var/run/dockershim.sock"),
])
def test_socket_path_of_a_unix_endpoint(endpoint: str, path: str) -> None:
    assert socket_path(endpoint) == path


@pytest.mark.parametrize(("endpoint", "reason"), [
    ("tcp://10.0.0.1:10010", "unsupported endpoint scheme tcp:// in tcp://10.0.0.1:10010: "
                             "only unix:// sockets (or an absolute socket path)"),
    ("npipe:////./pipe/containerd-containerd",
     "unsupported endpoint scheme npipe:// in npipe:////./pipe/containerd-containerd: "
     "only unix:// sockets (or an absolute socket path)"),
    ("unix://run/containerd/containerd.sock",
     "unix endpoint unix://run/containerd/containerd.sock names no absolute path "
     "(write unix:///path/to.sock)"),
    ("run/containerd/containerd.sock",
     "endpoint 'run/containerd/containerd.sock' is neither unix:///path nor an absolute path"),
    ("", "endpoint '' is neither unix:///path nor an absolute path"),
])
def test_other_endpoints_are_refused_with_the_reason(endpoint: str, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        socket_path(endpoint)
    assert str(refused.value) == reason
    assert read_runtime(endpoint) == LiveError(endpoint, reason)


@pytest.mark.parametrize("missing", ["grpc", "cri_api.v1"])
def test_missing_client_is_a_live_error(missing: str, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    # A None entry in sys.modules makes `import` raise ImportError, as an install
    # without the extra would; the endpoint is valid so the import is reached.
    monkeypatch.setitem(sys.modules, missing, None)
    endpoint = f"unix://{tmp_path}/containerd.sock"
    assert read_runtime(endpoint) == LiveError(endpoint, MISSING_CLIENT)


def test_importing_the_module_imports_no_grpc() -> None:
    """The check path imports pauselint without the node extra; only asking a
    runtime may need gRPC."""
    code = "import sys, pauselint.live.cri; print(sorted({'grpc', 'cri_api'} & set(sys.modules)))"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, timeout=60)
    assert child.stdout.strip() == "[]"


class Answers(NamedTuple):
    """What the stand-in says: Version's name and version, Status info, images as
    (repo tags, repo digests, pinned)."""

    name: str
    version: str
    info: dict[str, str]
    images: tuple[tuple[tuple[str, ...], tuple[str, ...], bool], ...] = ()


def crio_info(pause_image: str) -> dict[str, str]:
    """CRI-O v1.33+'s verbose Status info (createRuntimeInfo)."""
    return {"config": json.dumps({"sandboxImage": pause_image,
                                  "crio": {"DefaultRuntime": "crun"}})}


@pytest.fixture
def stand_in(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A gRPC server on a unix socket answering Version, Status and ListImages as
    ``request.param`` (Answers) says; its endpoint."""
    grpc = pytest.importorskip("grpc")
    pytest.importorskip("cri_api")
    from cri_api.v1 import api_pb2, api_pb2_grpc

    answers: Answers = request.param

    class Runtime(api_pb2_grpc.RuntimeServiceServicer):
        def Version(self, req: Any, ctx: Any) -> Any:
            return api_pb2.VersionResponse(version="0.1.0", runtime_name=answers.name,
                                           runtime_version=answers.version,
                                           runtime_api_version="v1")

        def Status(self, req: Any, ctx: Any) -> Any:
            return api_pb2.StatusResponse(info=answers.info if req.verbose else {})

    class Images(api_pb2_grpc.ImageServiceServicer):
        def ListImages(self, req: Any, ctx: Any) -> Any:
            return api_pb2.ListImagesResponse(images=[
                api_pb2.Image(id=f"sha256:{i:064x}", repo_tags=tags, repo_digests=digests,
                              pinned=pinned)
                for i, (tags, digests, pinned) in enumerate(answers.images)])

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    api_pb2_grpc.add_RuntimeServiceServicer_to_server(Runtime(), server)
    api_pb2_grpc.add_ImageServiceServicer_to_server(Images(), server)
    socket = tmp_path / "crio.sock"
    server.add_insecure_port(f"unix://{socket}")
    server.start()
    try:
        yield f"unix://{socket}"
    finally:
        server.stop(grace=None)


PAUSE = "registry.k8s.io/pause:3.10"
CRIO = Answers("cri-o", "1.36.3", crio_info(PAUSE), (
    ((PAUSE,), (), True), (("quay.io/example/app:1",), (), False),
    ((), ("quay.io/example/pinned@sha256:" + "a" * 64,), True)))
CRIO_126 = Answers("cri-o", "1.26.4", {})


@pytest.mark.parametrize("stand_in", [CRIO], indirect=True)
def test_crio_reports_its_pause_image_and_pins(stand_in: str) -> None:
    assert read_runtime(stand_in) == LiveRuntime(
        endpoint=stand_in, name="cri-o", version="1.36.3", api_version="v1",
        sandbox_image=PAUSE, sandbox_image_from=SANDBOX_IMAGE_FROM,
        pinned_images=("quay.io/example/pinned@sha256:" + "a" * 64, PAUSE),
        not_reported=())


@pytest.mark.parametrize("stand_in", [CRIO_126], indirect=True)
def test_crio_before_127_reports_no_info(stand_in: str) -> None:
    answer = read_runtime(stand_in)
    assert isinstance(answer, LiveRuntime)
    assert (answer.sandbox_image, answer.sandbox_image_from) == (None, None)
    assert answer.not_reported == ("cri-o 1.26.4 gives no verbose CRI Status info, so no "
                                   "sandbox image",)


@pytest.mark.parametrize(("stand_in", "pins_nothing"), [
    (Answers("containerd", "1.6.21", {"config": "{}"}), True),
    (Answers("containerd", "1.6.22", {"config": "{}"}), False),
    (Answers("containerd", "v1.7.2", {"config": "{}"}), True),
    (Answers("containerd", "v1.7.3", {"config": "{}"}), False),
    (Answers("containerd", "2.0.0", {"config": "{}"}), False),
], indirect=["stand_in"])
def test_containerd_before_pinning_says_so(stand_in: str, pins_nothing: bool) -> None:
    answer = read_runtime(stand_in)
    assert isinstance(answer, LiveRuntime)
    said = any("marks no image pinned" in line for line in answer.not_reported)
    assert said is pins_nothing
