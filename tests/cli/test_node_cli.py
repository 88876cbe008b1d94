"""`pauselint node` without a running runtime: what it reads, what it says it could not.

The real containerd daemons are in tests/containerd_real/test_node_live.py; here the
node's files under --root, the sources that are absent, and bad input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

CONTAINERD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "{}"\n'


def node_root(tmp_path: Path, image: str = "registry.k8s.io/pause:3.8") -> Path:
    config = tmp_path / "host" / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CONTAINERD.format(image), encoding="utf-8")
    return tmp_path / "host"


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["node", *args], env=env)


def test_files_are_checked_and_every_absent_source_is_said(tmp_path: Path) -> None:
    root = node_root(tmp_path)
    result = run("--root", str(root), "-k", "1.31", "-o", "json",
                 env={"NODE_NAME": "", "KUBERNETES_SERVICE_HOST": ""})
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [f["rule"] for f in doc["findings"]] == ["PL201"]
    context = doc["context"]
    assert context["mode"] == "node" and context["live_runtime"] is None
    assert context["live_runtime_unread"].startswith(f"no CRI socket at {root}/run/containerd")
    assert context["kubelet_process_unread"].startswith(f"no /proc under {root}")
    not_read = {entry["path"]: entry["reason"] for entry in doc["not_read"]}
    assert not_read[f"{root}/proc"] == context["kubelet_process_unread"]
    assert "the container runtime (CRI)" in not_read
    # PL410 could not judge, and says why instead of passing.
    [skip] = [s for s in doc["skipped"] if s["rule"] == "PL410"]
    assert "no CRI socket" in skip["reason"]


def test_the_node_name_comes_from_node_name(tmp_path: Path) -> None:
    root = node_root(tmp_path)
    doc = json.loads(run("--root", str(root), "-k", "1.31", "-o", "json",
                         env={"NODE_NAME": "worker-7"}).output)
    assert {f["node"] for f in doc["findings"]} == {"worker-7"}
    assert [n["name"] for n in doc["nodes"]] == ["worker-7"]


def test_the_node_name_falls_back_to_the_roots_hostname(tmp_path: Path) -> None:
    root = node_root(tmp_path)
    (root / "etc" / "hostname").write_text("node-from-etc\n", encoding="utf-8")
    doc = json.loads(run("--root", str(root), "-k", "1.31", "-o", "json",
                         env={"NODE_NAME": ""}).output)
    assert doc["context"]["node"] == "node-from-etc"


def test_show_prints_without_judging(tmp_path: Path) -> None:
    root = node_root(tmp_path)
    result = run("--root", str(root), "--show")
    assert result.exit_code == 0, result.output
    assert "sandbox image: registry.k8s.io/pause:3.8 (set at" in result.output
    assert "PL201" not in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--root", "/no/such/folder"], "--root /no/such/folder: no such folder"),
    (["--kubelet-pid", "kubelet"], "--kubelet-pid 'kubelet': give auto, a process id or none"),
])
def test_bad_input_is_a_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    if "--root" not in args:
        args = ["--root", str(node_root(tmp_path)), *args]
    result = run(*args)
    assert result.exit_code == 2 and message in result.output


def test_a_root_with_no_known_config_is_an_error(tmp_path: Path) -> None:
    result = run("--root", str(tmp_path), "--kubelet-pid", "none")
    assert result.exit_code == 2
    assert f"no config pauselint reads was found under {tmp_path}" in result.output


def test_check_never_imports_the_live_readers(tmp_path: Path) -> None:
    """The pre-commit path pays nothing for node mode: no gRPC, no CRI protos."""
    config = node_root(tmp_path) / "etc" / "containerd" / "config.toml"
    code = ("import sys\nfrom pauselint.cli import main\n"
            "try:\n    main(['check', '--no-config', sys.argv[1]])\nexcept SystemExit:\n"
            "    pass\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('grpc', 'cri_api')"
            " or m.startswith('pauselint.live'))\nprint(bad, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, str(config)], capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"}, check=False)
    assert done.stderr.strip().splitlines()[-1] == "[]"


def _until_exec(pid: int, binary: Path) -> None:
    """Popen returns once the child called exec, which can be before the kernel has
    set up the new argv (an empty cmdline, seen under load): wait until /proc shows
    it, with a deadline."""
    import time

    deadline = time.monotonic() + 10
    while not Path(f"/proc/{pid}/cmdline").read_bytes().startswith(bytes(binary)):
        assert time.monotonic() < deadline, f"process {pid} never showed its argv"
        time.sleep(0.005)


def test_the_running_kubelets_flags_are_read_from_its_process(tmp_path: Path) -> None:
    """A real process named kubelet, its flags read from /proc and judged against the
    runtime's file: the flag differs from containerd's image (PL303), found by PID."""
    import shutil

    root = node_root(tmp_path, "registry.k8s.io/pause:3.10")
    (root / "proc").symlink_to("/proc")  # the host's /proc, as a pod mounts it at /host/proc
    kubelet = tmp_path / "bin" / "kubelet"
    kubelet.parent.mkdir()
    shutil.copy("/bin/sh", kubelet)
    flag = "--pod-infra-container-image=registry.k8s.io/pause:3.9"
    process = subprocess.Popen([str(kubelet), "-c", "read _", "kubelet", flag,
                                "--config=/var/lib/kubelet/config.yaml"],
                               stdin=subprocess.PIPE)
    _until_exec(process.pid, kubelet)
    try:
        doc = json.loads(run("--root", str(root), "--kubelet-pid", str(process.pid),
                             "-k", "1.31", "-o", "json", env={"NODE_NAME": "n1"}).output)
    finally:
        process.kill()
        process.wait()
    assert doc["context"]["kubelet_process"] == f"{root}/proc/{process.pid}/cmdline", doc["context"]
    flagged = [f for f in doc["findings"] if f["path"].endswith("/cmdline")]
    assert {f["rule"] for f in flagged} == {"PL302", "PL303"}
    assert all(f["image"] == "registry.k8s.io/pause:3.9" for f in flagged)


def test_show_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    root = node_root(tmp_path)
    for args, message in ((["-o", "sarif"], "--show prints text or json, not sarif"),
                          (["--output-file", str(tmp_path / "x.json")], "--show prints to")):
        result = run("--root", str(root), "--kubelet-pid", "none", "--show", *args)
        assert result.exit_code == 2 and message in result.output
        assert not (tmp_path / "x.json").exists()
