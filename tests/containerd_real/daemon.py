"""A real containerd daemon for tests, answering over CRI which sandbox image it uses.

``running(binary, config_text, files)`` starts one ``containerd`` on a config of its
own: the given text with ``root``, ``state`` and every listening address (gRPC,
ttrpc, debug; no metrics listener) moved into a temporary folder, so it never meets
the machine's own containerd. Files it writes elsewhere by itself (``/etc/cni/net.d``,
``/opt/containerd``, ``/run/containerd``, ``/run/nri/nri.sock`` for 2.x) land in a
mount namespace of its own (``unshare --mount``) where ``/etc``, ``/opt``, ``/run``
and ``/var`` are overlays on a tmpfs, gone when it exits; its snapshotter's mounts
stay in that namespace too. Its registry traffic goes to a proxy address nothing
listens on, so no image is ever pulled and no pod sandbox ever starts: creating one
fails at once with the image containerd tried to get.

Two answers are read from the daemon:

- ``sandbox_image``: ``RuntimeService.Status(verbose=True)``, ``info["config"]``'s
  ``sandboxImage`` (what kubeadm's preflight reads). containerd 1.6 and 1.7 report it
  there; 2.1 reports no such key anywhere in ``info`` (its CRI config there is the
  runtime part only; the image part with ``pinned_images`` is not shown), so it is
  None for 2.x.
- ``pod_sandbox_image``: the image ``RunPodSandbox`` tries to get (host network, so
  no CNI is needed), read from containerd's error ``failed to get sandbox image "X"``.
  This is the image the node would really run, for every version.

Both are None where the daemon serves no CRI (``disabled_plugins`` names its CRI
plugin): it answers ``Version`` UNIMPLEMENTED, and ``Daemon.cri`` is False.

Needs root (containerd and ``unshare --mount`` do); ``why_not_here()`` says when not.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import grpc
from cri_api.v1 import api_pb2, api_pb2_grpc

READY_WITHIN = 30.0  # seconds for the socket to answer after start
STOP_WITHIN = 10.0  # seconds between SIGTERM and SIGKILL
CALL_TIMEOUT = 20.0  # seconds for one CRI call
# The folders a containerd writes into by itself, whatever its config says.
OVERLAID = ("/etc", "/opt", "/run", "/var")
# Nothing listens on the discard port: a pull fails at once, offline or not.
NO_REGISTRY = "http://127.0.0.1:9"
_SANDBOX_IMAGE_ERROR = re.compile(r'failed to get sandbox image "([^"]*)"')
# Tables and keys this module sets; a config that sets them too would be invalid TOML.
_OWN_TABLES = re.compile(r"^[ \t]*\[[ \t]*(grpc|ttrpc|debug|metrics)[ \t]*\]", re.M)
_OWN_KEYS = re.compile(r"^[ \t]*(root|state)[ \t]*=", re.M)


class DaemonRefused(Exception):
    """containerd exited before serving: it refused its configuration (or failed).

    ``line`` is containerd's own reason (its last ``containerd: ...`` stderr line),
    ``log`` all it wrote to stderr, ``returncode`` its exit status.
    """

    def __init__(self, line: str, log: str, returncode: int) -> None:
        super().__init__(line)
        self.line = line
        self.log = log
        self.returncode = returncode


class DaemonError(Exception):
    """The daemon did not become ready, or answered in a way this module cannot read."""


@dataclass(frozen=True, slots=True)
class Daemon:
    """A started containerd: its PID, gRPC socket, main config file and CRI client;
    ``cri`` is False where it serves no CRI at all (its CRI plugin disabled)."""

    pid: int
    socket: Path
    config: Path
    log: Path
    runtime: api_pb2_grpc.RuntimeServiceStub
    cri: bool


def why_not_here() -> str | None:
    """Why a daemon cannot be started on this machine, or None when it can."""
    if os.geteuid() != 0:
        return "a real containerd daemon needs root (it mounts and owns its state)"
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed: the daemon needs its own mount namespace"
    return None


def daemon_config(folder: Path, config_text: str) -> str:
    """``config_text`` with the daemon's folders and addresses in ``folder``.

    Top-level keys go first (TOML allows them only before any table), the listener
    tables last; neither touches a plugin table, so imports merge as they would.
    """
    for pattern, what in ((_OWN_TABLES, "table"), (_OWN_KEYS, "key")):
        found = pattern.search(config_text)
        if found:
            raise ValueError(f"config_text sets the {what} {found.group(1)!r}, "
                             "which the daemon's isolation sets itself")
    head = f'root = "{folder / "root"}"\nstate = "{folder / "state"}"\n'
    tail = (f'\n[grpc]\n  address = "{folder / "containerd.sock"}"\n'
            f'[ttrpc]\n  address = "{folder / "containerd.sock.ttrpc"}"\n'
            f'[debug]\n  address = "{folder / "debug.sock"}"\n'
            '[metrics]\n  address = ""\n')
    return head + config_text + ("" if config_text.endswith("\n") else "\n") + tail


@contextmanager
def running(binary: Path, config_text: str, files: dict[str, str] | None = None,
            ) -> Iterator[Daemon]:
    """Start ``binary`` as a daemon on ``config_text`` (written as
    ``etc/containerd/config.toml`` under a temporary folder, ``files`` beside it by
    their relative paths) and yield it once its CRI socket answers.

    Raises DaemonRefused with containerd's line when it exits instead, DaemonError
    when it does not answer within READY_WITHIN seconds. On exit the daemon is stopped
    by its PID, and its folder unmounted and removed.
    """
    folder = Path(tempfile.mkdtemp(prefix="pauselint-ctrd-"))
    process: subprocess.Popen[bytes] | None = None
    namespace: str | None = None
    try:
        config = _write_files(folder, config_text, files or {})
        log = folder / "containerd.log"
        with open(log, "wb") as stderr:
            process = subprocess.Popen(
                _command(binary, config, folder), stdin=subprocess.DEVNULL,
                stdout=stderr, stderr=stderr, cwd="/", env=_environment(folder))
        socket = folder / "containerd.sock"
        channel = grpc.insecure_channel(f"unix://{socket}")
        try:
            runtime = api_pb2_grpc.RuntimeServiceStub(channel)
            cri, namespace = _wait_ready(process, runtime, socket, log)
            yield Daemon(process.pid, socket, config, log, runtime, cri)
        finally:
            channel.close()
    finally:
        if process is not None:
            _stop(process, namespace)
        _unmount_under(folder)
        shutil.rmtree(folder, ignore_errors=True)


def sandbox_image(daemon: Daemon) -> str | None:
    """``Status(verbose=True)``'s ``info["config"]["sandboxImage"]``; None where the
    daemon reports no such key (containerd 2.x) or serves no CRI."""
    if not daemon.cri:
        return None
    response = daemon.runtime.Status(api_pb2.StatusRequest(verbose=True),
                                     timeout=CALL_TIMEOUT)
    raw = response.info.get("config")
    if raw is None:
        raise DaemonError(f"Status(verbose=True) has no config in info: {sorted(response.info)}")
    value = json.loads(raw).get("sandboxImage")
    return value if isinstance(value, str) else None


def run_pod_sandbox_error(daemon: Daemon) -> str:
    """containerd's error text for ``RunPodSandbox`` of a host-network pod.

    It always fails here (no registry can be reached); a success would mean a sandbox
    ran, which this module never wants, so it raises then.
    """
    if not daemon.cri:
        raise DaemonError("the daemon serves no CRI (its CRI plugin is disabled)")
    metadata = api_pb2.PodSandboxMetadata(name="pauselint-probe", uid="pauselint-probe",
                                          namespace="default", attempt=0)
    host_network = api_pb2.LinuxPodSandboxConfig(
        security_context=api_pb2.LinuxSandboxSecurityContext(
            namespace_options=api_pb2.NamespaceOption(network=api_pb2.NODE)))
    request = api_pb2.RunPodSandboxRequest(
        config=api_pb2.PodSandboxConfig(metadata=metadata, linux=host_network))
    try:
        response = daemon.runtime.RunPodSandbox(request, timeout=CALL_TIMEOUT)
    except grpc.RpcError as exc:
        return str(exc.details())  # type: ignore[attr-defined]
    raise DaemonError(f"RunPodSandbox started sandbox {response.pod_sandbox_id}; "
                      "no registry should have been reachable")


def pod_sandbox_image(daemon: Daemon) -> str | None:
    """The image containerd tries to get when asked to create a pod sandbox; None
    where it serves no CRI, so makes no pod sandbox at all."""
    if not daemon.cri:
        return None
    error = run_pod_sandbox_error(daemon)
    found = _SANDBOX_IMAGE_ERROR.search(error)
    if found is None:
        raise DaemonError(f"RunPodSandbox failed without naming a sandbox image: {error}")
    return found.group(1)


def _write_files(folder: Path, config_text: str, files: dict[str, str]) -> Path:
    etc = folder / "etc" / "containerd"
    for relative, text in files.items():
        path = etc / relative
        inside = etc.resolve() in path.resolve().parents
        if not inside or path.resolve() == (etc / "config.toml").resolve():
            raise ValueError(f"files: {relative!r} must name a file under the config's folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for sub in ("root", "state", "tmp", "overlay"):
        (folder / sub).mkdir()
    config = etc / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(daemon_config(folder, config_text))
    return config


def _command(binary: Path, config: Path, folder: Path) -> list[str]:
    """unshare, then overlays over OVERLAID (upper layers on a private tmpfs), then
    exec containerd: the PID Popen knows is the daemon's own."""
    overlay = folder / "overlay"
    steps = [f"mount -t tmpfs -o mode=0700 pauselint-ctrd {shlex.quote(str(overlay))}"]
    for target in OVERLAID:
        upper, work = overlay / target.strip("/") / "upper", overlay / target.strip("/") / "work"
        steps.append(f"mkdir -p {shlex.quote(str(upper))} {shlex.quote(str(work))}")
        steps.append(f"mount -t overlay overlay -o lowerdir={target},upperdir={upper},"
                     f"workdir={work} {target}")
    script = " && ".join(steps) + ' && exec "$0" --config "$1"'
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script,
            str(binary), str(config)]


def _environment(folder: Path) -> dict[str, str]:
    proxy = {name: NO_REGISTRY for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
                                           "https_proxy")}
    return {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "TMPDIR": str(folder / "tmp"), "NO_PROXY": "", "no_proxy": "", **proxy}


def _wait_ready(process: subprocess.Popen[bytes], runtime: api_pb2_grpc.RuntimeServiceStub,
                socket: Path, log: Path) -> tuple[bool, str | None]:
    """Poll until gRPC answers CRI ``Version``; return whether CRI is served (a daemon
    without it answers UNIMPLEMENTED) and the daemon's mount namespace."""
    deadline = time.monotonic() + READY_WITHIN
    last = "no socket yet"
    while time.monotonic() < deadline:
        try:
            # Waiting on the process is the poll interval, and sees it exit at once.
            returncode = process.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass
        else:
            text = log.read_text(errors="replace")
            raise DaemonRefused(_error_line(text) or f"exit {returncode}", text, returncode)
        if not socket.exists():
            continue
        cri = True
        try:
            runtime.Version(api_pb2.VersionRequest(), timeout=1.0)
        except grpc.RpcError as exc:
            last = f"{exc.code()}: {exc.details()}"  # type: ignore[attr-defined]
            if exc.code() is not grpc.StatusCode.UNIMPLEMENTED:  # type: ignore[attr-defined]
                continue
            cri = False
        try:
            return cri, os.readlink(f"/proc/{process.pid}/ns/mnt")
        except OSError:
            return cri, None
    raise DaemonError(f"containerd (pid {process.pid}) did not answer on {socket} within "
                      f"{READY_WITHIN:.0f} s ({last}); its log: "
                      + _error_line(log.read_text(errors="replace")))


def _error_line(stderr: str) -> str:
    """containerd's own reason: its last ``containerd: `` line, else its last line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    reasons = [line for line in lines if line.startswith("containerd: ")]
    return (reasons or lines or [""])[-1]


def _stop(process: subprocess.Popen[bytes], namespace: str | None) -> None:
    """SIGTERM the daemon, SIGKILL it after STOP_WITHIN; then kill what it left in its
    mount namespace (a shim would outlive it and hold the namespace's mounts)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_WITHIN)
    if namespace is None or namespace == os.readlink("/proc/self/ns/mnt"):
        return  # never the namespace everything else runs in
    for pid in _pids_in_namespace(namespace):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _pids_in_namespace(namespace: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if os.readlink(entry / "ns" / "mnt") == namespace:
                    pids.append(int(entry.name))
    return pids


def _unmount_under(folder: Path) -> None:
    """Unmount, deepest first, whatever this namespace has mounted under ``folder``."""
    prefix = str(folder) + "/"
    with suppress(OSError):
        mounts = [line.split()[4] for line in
                  Path("/proc/self/mountinfo").read_text().splitlines()]
        for point in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
            subprocess.run(["umount", "-l", point], check=False, capture_output=True)
