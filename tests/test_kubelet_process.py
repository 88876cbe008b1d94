"""The running kubelet, found under a root's /proc by kube-bench's rule, and its command
line read as the kubelet's flags.

The finder runs against a real /proc (a PID namespace's own, where unshare works) with
real processes named ``kubelet`` (a copy of /bin/sh, so the kernel's command name and
argv[0] are both ``kubelet`` as for the real binary), and against copied proc-like trees for what a
test machine cannot have (several kubelets at fixed PIDs, k3s, hyperkube).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pauselint.live.kubelet_process import KubeletProcess, find_kubelet
from pauselint.model import Component, InputError, Location, Role
from pauselint.sources import registry
from pauselint.sources.kubelet import read_kubelet_env
from pauselint.sources.kubelet_cmdline import (
    FlagValue,
    read_cmdline_file,
    read_kubelet_cmdline,
    read_kubelet_flags,
)
from pauselint.sources.source_text import SourceText

PAUSE = "registry.k8s.io/pause:3.9"
FLAGS = (f"--pod-infra-container-image={PAUSE}", "--config=/var/lib/kubelet/config.yaml")
SH = shutil.which("sh")


def _column(text: str, value: str) -> int:
    """The definition: 1-based offset of ``value`` in the text with NULs as spaces."""
    return text.replace("\x00", " ").index(value) + 1


# --- real processes under the real /proc --------------------------------------------
#
# Each test runs in a PID namespace of its own (`unshare --pid --mount-proc`, as root):
# /proc there is the real procfs, showing only the test's processes, so a kubelet that a
# concurrent test run starts cannot be mistaken for this one's. Without unshare the
# test runs against the host's /proc and skips when some other kubelet runs.

PRELUDE = """
import json, shutil, subprocess, sys
from pathlib import Path
from pauselint.live.kubelet_process import find_kubelet
from pauselint.sources.kubelet_cmdline import read_cmdline_file, read_kubelet_flags

tmp, SH, FLAGS = Path(sys.argv[1]), sys.argv[2], tuple(json.loads(sys.argv[3]))
already = find_kubelet(Path("/"))
if not isinstance(already, str):
    print(json.dumps({"skip": f"a kubelet already runs here (PID {already.pid})"}))
    sys.exit(0)


def start(folder="bin"):
    # A copy of sh named kubelet: the kernel's command name and argv[0] are `kubelet`.
    # `sh -c SCRIPT NAME ARGS` puts the kubelet-like flags in argv; it waits on stdin.
    # Popen returns once the child has called exec, which can be before the kernel
    # has set up the new argv (an empty cmdline, seen under load): wait until /proc
    # shows it, bounded.
    binary = tmp / folder / "kubelet"
    binary.parent.mkdir(exist_ok=True)
    shutil.copy(SH, binary)
    process = subprocess.Popen([str(binary), "-c", "read _", "kubelet", *FLAGS],
                               stdin=subprocess.PIPE)
    import time
    deadline = time.monotonic() + 10
    while not Path(f"/proc/{process.pid}/cmdline").read_bytes().startswith(bytes(binary)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"process {process.pid} never showed its argv")
        time.sleep(0.005)
    return process


def stop(process):
    process.stdin.close()
    process.wait(timeout=10)
"""


def _unshare_works() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    done = subprocess.run([unshare, "--pid", "--fork", "--mount-proc", "true"],
                          capture_output=True, timeout=30)
    return done.returncode == 0


@pytest.fixture(scope="module")
def own_namespace() -> list[str]:
    """The command prefix that gives a test its own PID namespace, or [] for the host's."""
    return ["unshare", "--pid", "--fork", "--mount-proc"] if _unshare_works() else []


@pytest.fixture
def run_real(tmp_path: Path, own_namespace: list[str]):
    """Run test code (after PRELUDE) with real kubelet-named processes; its `result`."""
    if SH is None:
        pytest.skip("no sh to copy")

    def run(code: str) -> Any:
        script = PRELUDE + textwrap.dedent(code) + "\nprint(json.dumps(result))\n"
        done = subprocess.run([*own_namespace, sys.executable, "-c", script, str(tmp_path), SH,
                               json.dumps(FLAGS)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout.splitlines()[-1])
        if isinstance(answer, dict) and "skip" in answer:
            pytest.skip(answer["skip"])
        return answer

    return run


def test_a_real_process_named_kubelet_is_found_with_its_argv(run_real) -> None:
    result = run_real("""
        process = start()
        found = find_kubelet(Path("/"))
        result = [process.pid, str(process.args[0]), found, found == find_kubelet(Path("/"),
                                                                                  process.pid)]
        stop(process)
    """)

    pid, binary, found, same_by_pid = result
    assert found == [pid, f"/proc/{pid}/cmdline", [binary, "-c", "read _", "kubelet", *FLAGS]]
    assert same_by_pid is True


def test_the_reader_gives_the_real_process_flag_at_its_column(run_real) -> None:
    text, path, settings, config = run_real("""
        process = start()
        found = find_kubelet(Path("/"))
        text = Path(found.cmdline_path).read_bytes().decode()
        read = read_cmdline_file(found.cmdline_path)
        flags = read_kubelet_flags(found.cmdline_path, text)
        result = [text, found.cmdline_path, read.settings, flags.config]
        stop(process)
    """)

    assert settings == [["kubelet", "pod-infra-flag", "--pod-infra-container-image", PAUSE,
                         [path, 1, _column(text, PAUSE)], True, False, None]]
    assert config == ["/var/lib/kubelet/config.yaml",
                      [path, 1, _column(text, "/var/lib/kubelet/config.yaml")]]


def test_two_real_kubelets_are_a_skip_naming_both(run_real) -> None:
    pids, reason, by_pid = run_real("""
        first, second = start("a"), start("b")
        result = [[first.pid, second.pid], find_kubelet(Path("/")),
                  find_kubelet(Path("/"), second.pid)]
        stop(first)
        stop(second)
    """)

    low, high = sorted(pids)
    assert reason == f"several kubelet processes: PIDs {low}, {high} (give --kubelet-pid)"
    assert by_pid[0] == pids[1]


def test_an_exited_kubelet_is_gone(run_real) -> None:
    pid, by_pid, by_name = run_real("""
        process = start()
        stop(process)
        result = [process.pid, find_kubelet(Path("/"), process.pid), find_kubelet(Path("/"))]
    """)

    assert by_pid == f"process {pid} is gone"
    assert by_name == "no kubelet process under /proc"


def test_a_given_pid_that_is_not_a_kubelet_is_refused() -> None:
    reason = find_kubelet(Path("/"), os.getpid())

    program = os.path.basename(Path(f"/proc/{os.getpid()}/cmdline").read_bytes().split(b"\0")[0]
                               .decode())
    assert reason == (f"process {os.getpid()} is `{program}`, not a kubelet (its command name "
                      "and argv[0] must be kubelet, or hyperkube kubelet)")


# --- copied proc-like trees ----------------------------------------------------------


def _process(root: Path, pid: int, comm: str, *argv: str) -> None:
    folder = root / "proc" / str(pid)
    folder.mkdir(parents=True)
    (folder / "comm").write_text(comm + "\n")
    (folder / "cmdline").write_bytes(b"".join(a.encode() + b"\0" for a in argv))


def _host(root: Path) -> Path:
    _process(root, 1, "systemd", "/sbin/init", "splash")
    _process(root, 812, "containerd", "/usr/bin/containerd")
    return root


def test_no_proc_under_the_root(tmp_path: Path) -> None:
    assert find_kubelet(tmp_path) == f"no /proc under {tmp_path} (host PID namespace not shared?)"


def test_no_kubelet_among_the_processes(tmp_path: Path) -> None:
    assert find_kubelet(_host(tmp_path)) == f"no kubelet process under {tmp_path}/proc"


def test_the_kubelet_in_a_host_root(tmp_path: Path) -> None:
    _process(_host(tmp_path), 1201, "kubelet", "/usr/bin/kubelet", *FLAGS)

    assert find_kubelet(tmp_path) == KubeletProcess(
        1201, f"{tmp_path}/proc/1201/cmdline", ("/usr/bin/kubelet", *FLAGS))


def test_several_kubelets_are_listed_in_pid_order(tmp_path: Path) -> None:
    _process(_host(tmp_path), 40, "kubelet", "kubelet", *FLAGS)
    _process(tmp_path, 12, "kubelet", "/usr/local/bin/kubelet", *FLAGS)

    assert find_kubelet(tmp_path) == ("several kubelet processes: PIDs 12, 40 "
                                      "(give --kubelet-pid)")


def test_k3s_runs_the_kubelet_in_its_own_process(tmp_path: Path) -> None:
    _process(_host(tmp_path), 733, "k3s-server", "/usr/local/bin/k3s", "server")

    assert find_kubelet(tmp_path) == (
        f"no kubelet process under {tmp_path}/proc: k3s (PID 733) runs the kubelet inside "
        "its own process; its kubelet flags are k3s's --kubelet-arg and --pause-image "
        "(config.yaml under /etc/rancher/k3s)")


def test_rke2_without_its_kubelet_child(tmp_path: Path) -> None:
    _process(_host(tmp_path), 640, "rke2", "/usr/local/bin/rke2", "agent")

    reason = find_kubelet(tmp_path)

    assert reason == (f"no kubelet process under {tmp_path}/proc: rke2 (PID 640) starts the "
                      "kubelet as a child process, which is not running; its flags are rke2's "
                      "--kubelet-arg (config.yaml under /etc/rancher/rke2)")


def test_rke2_with_its_kubelet_child_finds_the_kubelet(tmp_path: Path) -> None:
    _process(_host(tmp_path), 640, "rke2", "/usr/local/bin/rke2", "agent")
    binary = "/var/lib/rancher/rke2/data/v1.31.4-rke2r1-0123456789ab/bin/kubelet"
    _process(tmp_path, 702, "kubelet", binary, *FLAGS)

    found = find_kubelet(tmp_path)

    assert isinstance(found, KubeletProcess) and found.pid == 702


def test_hyperkube_kubelet_is_a_kubelet_and_other_hyperkube_parts_are_not(tmp_path: Path) -> None:
    _process(_host(tmp_path), 300, "hyperkube", "/hyperkube", "kube-proxy", "--v=2")
    _process(tmp_path, 301, "hyperkube", "/hyperkube", "kubelet", *FLAGS)

    found = find_kubelet(tmp_path)

    assert isinstance(found, KubeletProcess) and found.pid == 301
    assert find_kubelet(tmp_path, 300) == (
        "process 300 is `hyperkube`, not a kubelet (its command name and argv[0] must be "
        "kubelet, or hyperkube kubelet)")


@pytest.mark.parametrize(("comm", "argv"), [
    # kube-bench: argv joined must start with the program (behind a path): a script
    # run by its interpreter has the name as comm but not as argv[0].
    ("kubelet", ("/bin/sh", "/usr/local/bin/kubelet", *FLAGS)),
    # `ps -C kubelet` selects by command name: argv[0] alone does not make a kubelet.
    ("sleep", ("/usr/bin/kubelet", *FLAGS)),
    ("kubelet", ("/usr/bin/not-it", *FLAGS)),
])
def test_both_the_command_name_and_argv0_must_say_kubelet(tmp_path: Path, comm: str,
                                                          argv: tuple[str, ...]) -> None:
    _process(_host(tmp_path), 950, comm, *argv)

    assert find_kubelet(tmp_path) == f"no kubelet process under {tmp_path}/proc"


def test_a_process_that_exits_during_the_scan_is_passed_over(tmp_path: Path) -> None:
    _process(_host(tmp_path), 77, "kubelet", "/usr/bin/kubelet", *FLAGS)
    (tmp_path / "proc" / "78").mkdir()  # listed, then gone: no comm any more

    found = find_kubelet(tmp_path)

    assert isinstance(found, KubeletProcess) and found.pid == 77
    assert find_kubelet(tmp_path, 79) == "process 79 is gone"


@pytest.fixture
def shared_root() -> Iterator[Path]:
    """A folder another user can traverse (pytest's tmp_path is 0700)."""
    with tempfile.TemporaryDirectory(prefix="pauselint-proc-") as name:
        os.chmod(name, 0o755)
        yield Path(name)


def test_an_unreadable_cmdline_is_permission_denied(shared_root: Path) -> None:
    _process(_host(shared_root), 1201, "kubelet", "/usr/bin/kubelet", *FLAGS)
    cmdline = shared_root / "proc" / "1201" / "cmdline"
    cmdline.chmod(0)
    expected = f"cannot read {cmdline}: permission denied"
    if os.geteuid() != 0:
        assert find_kubelet(shared_root) == expected
        assert find_kubelet(shared_root, 1201) == expected
        return
    # root reads any file: ask as nobody, as a non-root DaemonSet pod would, in a forked
    # child (the interpreter may live where nobody cannot exec it).
    assert _as_nobody(lambda: [find_kubelet(shared_root), find_kubelet(shared_root, 1201)]) == [
        expected, expected]


def _as_nobody(call) -> object:
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.write(write_end, json.dumps(call()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return json.loads(answer)


# --- the reader --------------------------------------------------------------------


def _cmdline(*argv: str) -> str:
    return "".join(a + "\x00" for a in argv)


def test_the_flag_is_the_setting_the_env_reader_makes_at_the_value() -> None:
    text = _cmdline("/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml",
                    f"--pod-infra-container-image={PAUSE}")
    env = read_kubelet_env("/etc/default/kubelet",
                           f"KUBELET_EXTRA_ARGS=--pod-infra-container-image={PAUSE}\n")

    config = read_kubelet_cmdline("/host/proc/1201/cmdline", text)

    (setting,) = config.settings
    assert setting == env.settings[0]._replace(
        location=Location("/host/proc/1201/cmdline", 1, 84))
    assert _column(text, PAUSE) == 84
    assert config.errors == ()


def test_the_value_as_the_next_argument_and_the_last_one_wins() -> None:
    text = _cmdline("kubelet", "--pod-infra-container-image", "old/pause:3.1",
                    "--container-runtime-endpoint", "unix:///run/containerd/containerd.sock",
                    "--pod-infra-container-image", PAUSE, "--config", "/etc/kubelet.yaml")

    flags = read_kubelet_flags("cmdline", text)

    assert [(s.value, s.effective, s.location.column) for s in flags.settings] == [
        ("old/pause:3.1", False, _column(text, "old/pause:3.1")),
        (PAUSE, True, _column(text, PAUSE)),
    ]
    assert flags.runtime_endpoint == FlagValue(
        "unix:///run/containerd/containerd.sock",
        Location("cmdline", 1, _column(text, "unix:///")))
    assert flags.config == FlagValue("/etc/kubelet.yaml",
                                     Location("cmdline", 1, _column(text, "/etc/kubelet.yaml")))


def test_hyperkube_kubelet_and_cri_dockerd_as_the_unit_reader_tells_them() -> None:
    hyperkube = read_kubelet_flags("c", _cmdline("/hyperkube", "kubelet", FLAGS[0]))
    dockerd = read_kubelet_flags("c", _cmdline("/usr/bin/cri-dockerd", FLAGS[0]))

    assert [(s.component, s.role) for s in hyperkube.settings] == [
        (Component.KUBELET, Role.POD_INFRA_FLAG)]
    assert [(s.component, s.role) for s in dockerd.settings] == [
        (Component.CRI_DOCKERD, Role.SANDBOX_IMAGE)]


def test_another_program_passing_the_flag_is_not_read() -> None:
    text = _cmdline("/usr/local/bin/k3s", "server", FLAGS[0])

    config = read_kubelet_cmdline("c", text)

    assert config.settings == ()
    assert config.errors == (InputError(
        "c", 1, "`--pod-infra-container-image` is passed to `k3s`, which is neither the "
        "kubelet nor cri-dockerd: not read", _column(text, PAUSE)),)


def test_an_empty_value_and_a_missing_value() -> None:
    empty = read_kubelet_flags("c", _cmdline("kubelet", "--pod-infra-container-image="))
    missing = read_kubelet_flags("c", _cmdline("kubelet", "--config"))

    assert [(s.value, s.location.column) for s in empty.settings] == [("", 37)]
    assert missing.config is None
    assert missing.errors == (InputError("c", 1, "`--config` has no value", 9),)


def test_an_empty_cmdline_is_an_error_not_a_kubelet_without_flags() -> None:
    config = read_kubelet_cmdline("c", "")

    assert config.settings == ()
    assert [e.message for e in config.errors] == [
        "empty command line (a kernel thread, or the process has exited): no flags to read"]


def test_the_registry_knows_proc_cmdline_by_path_and_by_content(tmp_path: Path) -> None:
    text = _cmdline("/usr/bin/kubelet", FLAGS[0])

    by_name = registry.detect("/host/proc/1201/cmdline", "")
    by_content = registry.detect("saved-argv.txt", text)

    assert by_name is not None and by_name.name == "kubelet-cmdline"
    assert by_content is by_name
    assert registry.detect("/host/proc/self/cmdline", "") is None
    assert registry.detect("/host/proc/1201/environ", "") is None
    read = by_name.read_source(SourceText(text, "/host/proc/1201/cmdline"))
    assert [s.location for s in read.settings] == [
        Location("/host/proc/1201/cmdline", 1, _column(text, PAUSE))]
    # --type kubelet-env still means the env reader, for env text.
    env_text = f"KUBELET_EXTRA_ARGS={FLAGS[0]}\n"
    assert registry.format_for(by_name.kind, env_text).name == "kubelet-env"


def test_an_unreadable_cmdline_file_is_unparsed_not_empty(tmp_path: Path) -> None:
    config = read_cmdline_file(tmp_path / "proc" / "9" / "cmdline")

    assert config.parsed is False
    assert [e.message for e in config.errors] == ["cannot read: no such file or directory"]
