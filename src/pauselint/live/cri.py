"""The running container runtime, asked over its CRI socket, read-only.

``read_runtime(endpoint)`` makes three calls and nothing else, each bounded by the
timeout, on one channel closed afterwards: ``RuntimeService.Version``,
``RuntimeService.Status(verbose=True)`` and ``ImageService.ListImages``. None of them
creates or changes anything on the node, which is why a DaemonSet may make them.
Every way the node can fail to answer (no socket, no permission, not CRI, too slow)
comes back as a ``LiveError`` with one line, never as an exception.

What each runtime says (the sandbox image it *runs with*, not what its files say):

- containerd 1.6 and 1.7: ``Status(verbose=True).info["config"]`` is the JSON of its
  whole CRI config, ``sandboxImage`` in it. Measured on Debian's 1.6.20 and 1.7.24
  (tests/containerd_real/test_live_cri.py).
- containerd 2.x: ``info["config"]`` is there but holds the runtime part of the CRI
  config only; no ``sandboxImage`` and no ``pinned_images`` anywhere in ``info``
  (measured on Debian's 2.1.9). It does label the image it pins: ListImages says
  ``pinned`` for the sandbox image once present (2.1.9 and 1.7.24 measured; 1.6.20
  pins nothing: the ``io.cri-containerd.pinned`` label came with
  containerd/containerd@v1.6.22 and @v1.7.3:pkg/cri/labels/labels.go), so
  ``pinned_images`` is the nearest live answer there.
- CRI-O: ``createRuntimeInfo`` in cri-o/cri-o@v1.36.3:server/runtime_status.go
  answers a verbose Status with ``info = {"config": json({"sandboxImage":
  <pause_image>, "crio": <its runtime config>})}``; the ``sandboxImage`` key came
  with cri-o/cri-o@v1.27.0 (commit 875c3a2b15, same file; ``"crio"`` was added by
  v1.33.0), before which verbose Status has no info at all. ``pause_image`` is
  reported as configured, not normalised. CRI-O pins its pause image as well as its
  ``pinned_images`` (cri-o/cri-o@v1.36.3:internal/storage/image.go,
  ``GetImageService``), and reloads both on SIGHUP without a restart
  (cri-o/cri-o@v1.36.3:server/server.go ``startReloadWatcher``,
  pkg/config/reload.go ``ReloadPauseImage``). Its ``Version`` says
  ``runtime_name`` "cri-o" (server/version.go). No CRI-O binary can be run here,
  so that reading is covered by the same code path containerd 1.x takes, not by a
  stand-in.

gRPC and the CRI protos are the optional extra ``node``; they are imported only
when a runtime is asked, so the file-checking path never needs them.
"""

from __future__ import annotations

import grp
import json
import os
import re
import socket
import stat
from typing import Any

from pauselint.records import NamedTuple

MISSING_CLIENT = "the CRI client is not installed: pip install 'pauselint[node]'"
SANDBOX_IMAGE_FROM = "CRI Status(verbose) config.sandboxImage"
# What kubelet allows a CRI answer to be; a node with many images needs more than
# gRPC's default 4 MiB for ListImages.
MAX_MESSAGE = 16 * 1024 * 1024
_UNIX = "unix://"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_LEADING_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


class LiveRuntime(NamedTuple):
    """What the running runtime said about itself over CRI.

    ``sandbox_image`` is exactly what the runtime reports (an empty string if it
    reports an empty one), None where it reports none; ``not_reported`` says, in
    sentences for the user, what this runtime does not tell.
    """

    endpoint: str
    name: str
    version: str
    api_version: str
    sandbox_image: str | None
    sandbox_image_from: str | None
    pinned_images: tuple[str, ...]
    not_reported: tuple[str, ...]


class LiveError(NamedTuple):
    """The runtime at ``endpoint`` could not be read; ``reason`` is one line."""

    endpoint: str
    reason: str


class _Stop(Exception):
    """A reason to give up on this endpoint, carried to read_runtime's one return."""


def socket_path(endpoint: str) -> str:
    """The unix socket path an endpoint names: ``unix:///path`` or ``/path``.

    Raises ValueError with the reason for anything else (another scheme, a relative
    path), since only a local unix socket is what a node's runtime listens on and
    a DaemonSet mounts.
    """
    if endpoint.startswith(_UNIX):
        path = endpoint[len(_UNIX):]
        if not path.startswith("/"):
            raise ValueError(f"unix endpoint {endpoint} names no absolute path "
                             "(write unix:///path/to.sock)")
        return path
    scheme = _SCHEME.match(endpoint)
    if scheme:
        raise ValueError(f"unsupported endpoint scheme {scheme.group(1)}:// in {endpoint}: "
                         "only unix:// sockets (or an absolute socket path)")
    if not endpoint.startswith("/"):
        raise ValueError(f"endpoint {endpoint!r} is neither unix:///path nor an absolute path")
    return endpoint


def read_runtime(endpoint: str, timeout: float = 5.0) -> LiveRuntime | LiveError:
    """Ask the runtime at ``endpoint`` its version, live sandbox image and pinned
    images; a LiveError with the reason when it cannot be asked."""
    try:
        path = socket_path(endpoint)
    except ValueError as exc:
        return LiveError(endpoint, str(exc))
    try:
        import grpc
        from cri_api.v1 import api_pb2, api_pb2_grpc
    except ImportError:
        return LiveError(endpoint, MISSING_CLIENT)
    try:
        # A plain connect first: gRPC folds "no file", "no permission" and "nobody
        # listens" into one UNAVAILABLE, while each needs its own advice.
        _probe(path, timeout)
        options = [("grpc.max_receive_message_length", MAX_MESSAGE)]
        with grpc.insecure_channel(_UNIX + path, options=options) as channel:
            runtime = api_pb2_grpc.RuntimeServiceStub(channel)
            images = api_pb2_grpc.ImageServiceStub(channel)
            version = _call(grpc, runtime.Version, api_pb2.VersionRequest(), timeout,
                            "RuntimeService.Version")
            status = _call(grpc, runtime.Status, api_pb2.StatusRequest(verbose=True),
                           timeout, "RuntimeService.Status")
            listed = _call(grpc, images.ListImages, api_pb2.ListImagesRequest(), timeout,
                           "ImageService.ListImages")
    except _Stop as stop:
        return LiveError(endpoint, str(stop))
    name, said = version.runtime_name, version.runtime_version
    image, image_gaps = _sandbox_image(name, said, dict(status.info))
    pinned, pin_gaps = _pinned(name, said, listed.images)
    return LiveRuntime(
        endpoint=endpoint, name=name, version=said,
        api_version=version.runtime_api_version, sandbox_image=image,
        sandbox_image_from=SANDBOX_IMAGE_FROM if image is not None else None,
        pinned_images=pinned, not_reported=image_gaps + pin_gaps)


def _probe(path: str, timeout: float) -> None:
    """Connect once and close; raise _Stop saying why the socket cannot be used."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise _Stop(f"no CRI socket at {path}") from None
    except PermissionError:
        raise _Stop(f"permission denied on {path}: run as root or as the socket's "
                    "group (a folder on the way to it is not searchable)") from None
    except OSError as exc:
        raise _Stop(f"cannot reach {path}: {exc.strerror}") from None
    if not stat.S_ISSOCK(mode):
        raise _Stop(f"{path} is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(timeout)
    try:
        probe.connect(path)
    except PermissionError:
        raise _Stop(f"permission denied on {path}: run as root or as the socket's "
                    f"group{_owner(path)}") from None
    except ConnectionRefusedError:
        raise _Stop(f"nothing listens on {path} (a socket left by a stopped runtime?)"
                    ) from None
    except TimeoutError:
        raise _Stop(f"timeout after {timeout:g}s connecting to {path}") from None
    except OSError as exc:
        raise _Stop(f"cannot connect to {path}: {exc.strerror}") from None
    finally:
        probe.close()


def _owner(path: str) -> str:
    """`` (group G, mode 0660)`` for the advice, or nothing when it cannot be told."""
    try:
        info = os.stat(path)
    except OSError:
        return ""
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    return f" (group {group}, mode {stat.S_IMODE(info.st_mode):04o})"


def _call(grpc: Any, method: Any, request: Any, timeout: float, what: str) -> Any:
    """One unary call within ``timeout``; its failure as a _Stop line."""
    try:
        return method(request, timeout=timeout)
    except grpc.RpcError as exc:
        code, details = exc.code(), exc.details()
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        raise _Stop(f"timeout after {timeout:g}s waiting for {what}")
    if code is grpc.StatusCode.UNIMPLEMENTED:
        raise _Stop(f"not a CRI endpoint (UNIMPLEMENTED): it does not serve CRI v1 {what} "
                    "(a runtime with its CRI plugin disabled, or older than CRI v1)")
    if code is grpc.StatusCode.UNAVAILABLE:
        # The socket accepted a connection (_probe), so this is a peer that does not
        # speak gRPC, or one that closed on us.
        raise _Stop(f"not a CRI endpoint (no gRPC answer to {what}: {_line(details)})")
    raise _Stop(f"{what} failed: {code.name}: {_line(details)}")


def _line(text: str | None) -> str:
    return " ".join((text or "no details").split())


def _sandbox_image(name: str, version: str, info: dict[str, str],
                   ) -> tuple[str | None, tuple[str, ...]]:
    """The sandbox image in ``info["config"]``, and what is missing where none."""
    who = f"{name} {version}"
    raw = info.get("config")
    if raw is None:
        if not info:
            return None, (f"{who} gives no verbose CRI Status info, so no sandbox image",)
        return None, (f"{who} reports no config in its CRI Status info (it gives "
                      f"{', '.join(sorted(info))}), so no sandbox image",)
    try:
        config = json.loads(raw)
    except ValueError:
        return None, (f"{who} reports a CRI Status config that is not JSON, so no "
                      "sandbox image could be read",)
    image = config.get("sandboxImage") if isinstance(config, dict) else None
    if isinstance(image, str):
        return image, ()
    if name == "containerd" and _major(version) >= 2:
        return None, (f"containerd {version} reports no sandbox image in CRI Status "
                      "(containerd 2.x leaves its image config out); the images it pins "
                      "are listed instead",)
    return None, (f"{who} reports no sandboxImage in its CRI Status config",)


def _pinned(name: str, version: str, images: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Repo tags of the pinned images (repo digests of a pinned image with no tag),
    and a sentence where the runtime is one known never to pin."""
    found: set[str] = set()
    for image in images:
        if image.pinned:
            found.update(image.repo_tags or image.repo_digests)
    gaps: tuple[str, ...] = ()
    first = _pinning_from(version) if not found and name == "containerd" else None
    if first is not None:
        gaps = (f"containerd {version} marks no image pinned (its line pins the sandbox "
                f"image from {first} on)",)
    return tuple(sorted(found)), gaps


def _numbers(version: str) -> tuple[int, int, int] | None:
    found = _LEADING_VERSION.match(version)
    if found is None:
        return None
    return int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)


def _major(version: str) -> int:
    numbers = _numbers(version)
    return numbers[0] if numbers else 0


def _pinning_from(version: str) -> str | None:
    """The first release of ``version``'s containerd line that labels its sandbox image
    pinned, when ``version`` is older (the compat table's ``containerd.pins_sandbox``);
    None when it pins, or the table does not say."""
    from pauselint.compat import CompatError, leading_release, load_table

    release = leading_release(version.lstrip("v"))
    if release is None:
        return None
    try:
        table = load_table()
    except CompatError:
        return None
    if table.containerd_pinning(release) is not None:
        return None
    first = table.containerd_pinning_from(release)
    return str(first) if first is not None else None
