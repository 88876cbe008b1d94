"""pauselint's image, built for real (build.py) and run by a real containerd with runc.

The OCI archive is imported into Debian's containerd 1.7.24 (tests/containerd_real:
its own root, state and socket, its own mount namespace) with that package's ``ctr``,
and run with ``ctr run --rm`` through ``io.containerd.runc.v2`` and Debian's runc
(``--runc-binary``). What the container prints is compared with what this checkout's
pauselint prints on the host for the same input, so nothing expected is written here
but the facts the example node was made to show.

``ctr`` makes the container's stdio FIFOs itself; the daemon's /run is an overlay only
its namespace sees, so they go in the daemon's temporary folder (``--fifo-dir``),
which both see.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from containerd_real.binaries import FetchError
from containerd_real.binaries import fetch as fetch_containerd
from containerd_real.daemon import Daemon, running
from containerd_real.daemon import why_not_here as daemon_not_here

from . import build

REPO = Path(__file__).resolve().parents[2]
NODE = REPO / "examples" / "kubeadm-mirror-node"
CONTAINERD = "1.7.24"  # Debian trixie's: what an operator installs today
NAMESPACE = "default"
RUN_TIMEOUT = 120.0


@pytest.fixture(scope="session")
def image() -> build.Image:
    """The image, built once per session (and cached across sessions by build.py)."""
    try:
        return build.build()
    except build.BuildError as exc:
        if exc.unavailable:
            pytest.skip(f"the image cannot be built here: {exc}")
        raise


@pytest.fixture(scope="session")
def tools(image: build.Image) -> build.Tools:
    """Debian's runc and the rest, unpacked by the build (cached: no network)."""
    return build.tools()


@pytest.fixture(scope="module")
def containerd(image: build.Image) -> Iterator[tuple[Daemon, Path]]:
    """A real containerd with the image imported, and its ``ctr``."""
    reason = daemon_not_here()
    if reason:
        pytest.skip(reason)
    try:
        binary = fetch_containerd((CONTAINERD,))[CONTAINERD]
    except FetchError as exc:
        pytest.skip(f"Debian's containerd {CONTAINERD} unavailable: {exc}")
    ctr = binary.parent / "ctr"
    with running(binary, "version = 2\n") as daemon:
        out = _ctr(ctr, daemon, ["images", "import", str(image.archive)])
        assert out.returncode == 0, out.stderr
        yield daemon, ctr


def _ctr(ctr: Path, daemon: Daemon, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ctr), "--address", str(daemon.socket), "--namespace",
                           NAMESPACE, *args], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL, check=False)


def _run_in_image(containerd: tuple[Daemon, Path], tools: build.Tools, image: build.Image,
                  name: str, command: list[str], mounts: tuple[str, ...] = (),
                  ) -> subprocess.CompletedProcess[str]:
    daemon, ctr = containerd
    fifo = daemon.socket.parent / "fifo"
    fifo.mkdir(exist_ok=True)
    args = ["run", "--rm", "--runtime", "io.containerd.runc.v2", "--runc-binary",
            str(tools.runc), "--fifo-dir", str(fifo)]
    for mount in mounts:
        args += ["--mount", mount]
    return _ctr(ctr, daemon, [*args, image.name, name, *command])


def _host_pauselint(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pauselint", *args], capture_output=True,
                          text=True, timeout=RUN_TIMEOUT, check=False)


def test_the_import_names_the_built_digest(containerd: tuple[Daemon, Path],
                                           image: build.Image) -> None:
    daemon, ctr = containerd
    out = _ctr(ctr, daemon, ["images", "ls", "--quiet"])
    listed = _ctr(ctr, daemon, ["images", "ls"])
    assert out.stdout.split() == [image.name]
    assert image.digest in listed.stdout


def test_version_in_the_container_is_this_checkouts(containerd: tuple[Daemon, Path],
                                                    tools: build.Tools,
                                                    image: build.Image) -> None:
    out = _run_in_image(containerd, tools, image, "pauselint-version",
                        ["pauselint", "--version"])
    host = _host_pauselint(["--version"])
    assert out.returncode == 0, out.stderr
    assert host.returncode == 0, host.stderr
    from pauselint import __version__
    from pauselint.compat import load_table

    first, second = out.stdout.splitlines()[:2]
    assert first == f"pauselint {__version__}"
    assert second.startswith(f"compat table {load_table().date}:")
    assert out.stdout == host.stdout


def test_node_over_a_bind_mounted_example_node(containerd: tuple[Daemon, Path],
                                               tools: build.Tools,
                                               image: build.Image) -> None:
    mount = f"type=bind,src={NODE},dst=/host,options=rbind:ro"
    args = ["node", "--root", "/host", "--kubelet-pid", "none", "-o", "json"]
    out = _run_in_image(containerd, tools, image, "pauselint-node", ["pauselint", *args],
                        mounts=(mount,))
    host = _host_pauselint([*args[:2], str(NODE), *args[3:]])
    inside, outside = json.loads(out.stdout), json.loads(host.stdout)
    # Findings make pauselint exit 1 in both; nothing went to stderr beyond that.
    assert (out.returncode, host.returncode) == (1, 1), out.stderr
    assert [_finding(f, "/host") for f in inside["findings"]] == [
        _finding(f, str(NODE)) for f in outside["findings"]]
    rule_paths = {(f["rule"], f["path"], f["line"]) for f in inside["findings"]}
    assert ("PL203", "/host/etc/containerd/config.toml", 6) in rule_paths
    context = inside["context"]
    assert context["live_runtime"] is None
    assert context["live_runtime_unread"].startswith(
        "no CRI socket at /host/run/containerd/containerd.sock")
    skipped = {s["rule"]: s["reason"] for s in inside["skipped"]}
    assert "could not be asked: no CRI socket at /host/run/" in skipped["PL410"]


def test_a_shell_finds_pauselint_as_the_non_root_user(containerd: tuple[Daemon, Path],
                                                      tools: build.Tools,
                                                      image: build.Image) -> None:
    """The DaemonSet's loop is ``/bin/sh -c '... pauselint node ...'``."""
    out = _run_in_image(containerd, tools, image, "pauselint-shell",
                        ["/bin/sh", "-c", "id -u; id -g; command -v pauselint"])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["65532", "65532", "/opt/pauselint/bin/pauselint"]


def test_image_config_runs_pauselint_by_default(image: build.Image) -> None:
    config = build.config_of(image.archive)["config"]
    assert config["Entrypoint"] == ["pauselint"]
    assert config["User"] == "65532:65532"


def test_a_second_build_comes_from_the_cache(image: build.Image) -> None:
    if build.source_tree_key() != image.source_key:
        pytest.skip("pauselint's source changed during the session: a rebuild is right")
    again = build.build()
    assert again.cached
    assert (again.digest, again.archive) == (image.digest, image.archive)


def _finding(finding: dict[str, object], root: str) -> tuple[object, ...]:
    """A finding with its root-dependent parts made relative (and no node name: the
    container's hostname is its own)."""
    def relative(value: object) -> object:
        return value.replace(root, "ROOT") if isinstance(value, str) else value

    keys = ("rule", "severity", "path", "line", "column", "message", "image", "expected",
            "fixable")
    return (*(relative(finding[key]) for key in keys),
            json.dumps(finding["related"], sort_keys=True))
