"""Find the running kubelet under a root's ``/proc``, by name, as kube-bench does.

The running kubelet's flags are the truth that unit files only predict, and from a
DaemonSet pod the host's processes are visible only when the pod shares the host PID
namespace (``hostPID: true``) or mounts the host's ``/proc`` under its root (``/host``).
So this reads ``ROOT/proc`` and nothing else: it never runs ``ps``, which would list
the pod's own namespace, and never signals or attaches to anything.

The rule is kube-bench's, from aquasecurity/kube-bench ``cmd/util.go`` (``ps``,
``verifyBin``, ``findExecutable``) and ``cfg/config.yaml`` (the kubelet's ``bins``) at
commit a73ce378418c71c5861e6963753f50dec3badadf: the candidates are ``"hyperkube
kubelet"`` then ``"kubelet"``, the first candidate that is running wins, and a process
runs a candidate when

* ``ps -C WORD`` selects it: its command name (``/proc/PID/comm``, the kernel's
  15-character name of the executable) is the candidate's first word, and
* its command line (``ps -o cmd``: argv joined by spaces) matches
  ``^(\\S*/)*CANDIDATE`` -- argv[0] is the candidate's program, perhaps behind a path,
  so ``/usr/bin/kubelet`` matches and ``/bin/sh /tmp/kubelet`` (a script) does not.

kube-bench runs the check once per candidate and takes every matching line; with
several kubelets it audits their flags mixed. Here several is a skip that names the
PIDs, since one node runs one kubelet and a wrong guess would check the wrong flags.

k3s runs the kubelet inside its own process (``k3s server``/``k3s agent``), so there is
no kubelet process to find; kube-bench's k3s benchmarks audit ``journalctl`` instead.
RKE2 starts the kubelet as a child process of ``rke2`` (rancher/rke2
``pkg/podexecutor/staticpod.go``, ``StaticPodConfig.Kubelet``: ``exec.Command`` of its
staged ``kubelet``, restarted when it exits), so it is found like any kubelet, and an
``rke2`` without one means the kubelet is not running at the moment. Both cases say so
in the reason.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pauselint.records import NamedTuple

# What kube-bench looks for, in its order (cfg/config.yaml `bins`): the first word is
# the command name, the whole the start of the command line.
KUBELET_CANDIDATES = ("hyperkube kubelet", "kubelet")
# The kernel keeps TASK_COMM_LEN - 1 characters of the executable's name.
COMM_CHARS = 15
# argv is capped by ARG_MAX (2 MiB by default); a larger "cmdline" is not /proc's.
MAX_CMDLINE_BYTES = 4 * 1024 * 1024

_DISTRIBUTIONS = ("k3s", "rke2")


class KubeletProcess(NamedTuple):
    """The kubelet found: its PID, the cmdline file it was read from, and its argv."""

    pid: int
    cmdline_path: str  # ROOT/proc/PID/cmdline
    args: tuple[str, ...]  # argv, argv[0] included


class _Unreadable(NamedTuple):
    reason: str


def _read(path: Path, limit: int = MAX_CMDLINE_BYTES) -> bytes | _Unreadable | None:
    """The file's bytes; None when it is gone (the process exited); else why not."""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except (FileNotFoundError, ProcessLookupError, NotADirectoryError):
        return None
    except PermissionError:
        return _Unreadable("permission denied")
    except OSError as exc:  # ESRCH mid-exit reads as "gone"; anything else, say it
        if exc.errno == 3:
            return None
        return _Unreadable((exc.strerror or type(exc).__name__).lower())


def _argv(data: bytes) -> tuple[str, ...]:
    text = data.decode("utf-8", "replace")
    return tuple(text.removesuffix("\x00").split("\x00")) if text else ()


def _comm(proc: Path, pid: str) -> str | None:
    data = _read(proc / pid / "comm", 64)
    if not isinstance(data, bytes):
        return None
    return data.decode("utf-8", "replace").removesuffix("\n")


def runs(candidate: str, comm: str, args: tuple[str, ...]) -> bool:
    """Whether a process (command name ``comm``, argv ``args``) runs ``candidate``, by
    kube-bench's rule: ``ps -C`` on the first word, then ``^(\\S*/)*CANDIDATE``."""
    first = candidate.split()[0]
    if comm != first[:COMM_CHARS]:
        return False
    return re.match(r"^(\S*/)*" + re.escape(candidate), " ".join(args)) is not None


def _program(comm: str | None, args: tuple[str, ...]) -> str:
    return os.path.basename(args[0]) if args and args[0] else (comm or "?")


def find_kubelet(root: Path, pid: int | None = None) -> KubeletProcess | str:
    """The running kubelet under ``root`` (``/`` or a host root such as ``/host``), or
    why it cannot be read, in one line (a skip for ``pauselint node``).

    With ``pid`` (``--kubelet-pid N``) that process is read, and must still be a
    kubelet by the rule above: flags of another program would be checked as the
    kubelet's. Without, every process of ``root/proc`` is looked at by name.
    """
    proc = root / "proc"
    if not proc.is_dir():
        return f"no /proc under {root} (host PID namespace not shared?)"
    if pid is not None:
        return _given(proc, pid)
    try:
        pids = sorted((entry for entry in os.listdir(proc) if entry.isascii() and entry.isdigit()),
                      key=int)
    except OSError as exc:
        return f"cannot list {proc}: {(exc.strerror or type(exc).__name__).lower()}"

    seen: list[tuple[str, str, tuple[str, ...] | _Unreadable]] = []  # (pid, comm, argv)
    distributions: list[tuple[str, str]] = []
    wanted = {candidate.split()[0][:COMM_CHARS] for candidate in KUBELET_CANDIDATES}
    for entry in pids:
        comm = _comm(proc, entry)
        if comm is None:
            continue
        name = comm.split("-", 1)[0]  # k3s names itself "k3s-server", "k3s-agent"
        if comm not in wanted and name not in _DISTRIBUTIONS:
            continue
        data = _read(proc / entry / "cmdline")
        if data is None:
            continue
        argv = data if isinstance(data, _Unreadable) else _argv(data)
        if comm in wanted:
            seen.append((entry, comm, argv))
        if name in _DISTRIBUTIONS:
            distributions.append((entry, name))

    for candidate in KUBELET_CANDIDATES:
        first = candidate.split()[0][:COMM_CHARS]
        unreadable = [(p, a) for p, c, a in seen if c == first and isinstance(a, _Unreadable)]
        if unreadable:
            pid_text, why = unreadable[0]
            return f"cannot read {proc / pid_text / 'cmdline'}: {why.reason}"
        found = [(p, a) for p, c, a in seen
                 if isinstance(a, tuple) and runs(candidate, c, a)]
        if len(found) > 1:
            listed = ", ".join(p for p, _ in found)
            return f"several kubelet processes: PIDs {listed} (give --kubelet-pid)"
        if found:
            pid_text, argv = found[0]
            return KubeletProcess(int(pid_text), str(proc / pid_text / "cmdline"), argv)
    return _none_found(proc, distributions)


def _none_found(proc: Path, distributions: list[tuple[str, str]]) -> str:
    reason = f"no kubelet process under {proc}"
    names = dict((name, pid) for pid, name in reversed(distributions))
    if "k3s" in names:
        return (f"{reason}: k3s (PID {names['k3s']}) runs the kubelet inside its own "
                "process; its kubelet flags are k3s's --kubelet-arg and --pause-image "
                "(config.yaml under /etc/rancher/k3s)")
    if "rke2" in names:
        return (f"{reason}: rke2 (PID {names['rke2']}) starts the kubelet as a child "
                "process, which is not running; its flags are rke2's --kubelet-arg "
                "(config.yaml under /etc/rancher/rke2)")
    return reason


def _given(proc: Path, pid: int) -> KubeletProcess | str:
    folder = proc / str(pid)
    cmdline = folder / "cmdline"
    if not folder.is_dir():
        return f"process {pid} is gone"
    data = _read(cmdline)
    if data is None:
        return f"process {pid} is gone"
    if isinstance(data, _Unreadable):
        return f"cannot read {cmdline}: {data.reason}"
    argv = _argv(data)
    comm = _comm(proc, str(pid))
    if not argv:
        return f"process {pid} has no command line (a kernel thread, or exiting): not a kubelet"
    if comm is None or not any(runs(c, comm, argv) for c in KUBELET_CANDIDATES):
        return (f"process {pid} is `{_program(comm, argv)}`, not a kubelet "
                "(its command name and argv[0] must be kubelet, or hyperkube kubelet)")
    return KubeletProcess(pid, str(cmdline), argv)
