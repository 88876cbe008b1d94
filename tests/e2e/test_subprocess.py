"""pauselint as users run it: a real process, and the check path's import cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_real_process_on_the_examples_reports_findings_and_exit_one() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pauselint", "check", "--kubernetes-version", "1.31",
         "--format", "json", "examples"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    rules = {f["rule"] for f in doc["findings"]}
    assert {"PL101", "PL103", "PL201", "PL401", "PL403"} <= rules
    assert proc.stderr == ""


def test_check_path_never_imports_kubernetes(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      '  sandbox_image = "registry.k8s.io/pause:3.9"\n')
    probe = (
        "import sys\n"
        "from pauselint.cli import main\n"
        "try:\n"
        f"    main(['check', '-k', '1.29', {str(config)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m == 'kubernetes' or m.startswith('kubernetes.'))\n"
        "print('KUBERNETES-MODULES', loaded)\n"
        "unused = ['pauselint.sources.kubelet', 'pauselint.sources.kubeadm', 'pauselint.sources.k3s',\n"
        "          'pauselint.sources.yaml_locator']\n"
        "print('UNUSED-READERS', [m for m in unused if m in sys.modules])\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=False)
    assert "KUBERNETES-MODULES []" in proc.stdout, proc.stdout + proc.stderr
    # Readers for kinds not among the inputs are not imported: start-up is per commit.
    assert "UNUSED-READERS []" in proc.stdout, proc.stdout


def test_internal_fault_is_one_line_without_traceback(tmp_path: Path) -> None:
    # A compat table that cannot be read is a fault of the installation, not of the input.
    probe = (
        "import pauselint.compat as c\n"
        "def broken():\n"
        "    raise RuntimeError('boom')\n"
        "c.load_table = broken\n"
        "import sys\n"
        "sys.argv = ['pauselint', 'check', '-']\n"
        "from pauselint.cli import run\n"
        "run()\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          input="", timeout=60, check=False)
    assert proc.returncode == 2
    assert "internal error: RuntimeError: boom" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_exit_after_the_collector_is_frozen_still_runs_atexit_and_keeps_the_report(
        tmp_path: Path) -> None:
    # run() freezes the collector before the interpreter shuts down (no last walk over
    # every object); what exit must still do is done: atexit handlers run (the
    # kubernetes client's temporary certificate files are removed that way), and the
    # report file and stdout are whole.
    report = tmp_path / "report.json"
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('ATEXIT frozen', gc.get_freeze_count() > 0))\n"
        "sys.argv = ['pauselint', 'check', '-k', '1.31', '--format', 'json',\n"
        f"            '--output-file', {str(report)!r}, 'examples']\n"
        "from pauselint.cli import run\n"
        "run()\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "ATEXIT frozen True" in proc.stdout, proc.stdout + proc.stderr
    assert {f["rule"] for f in json.loads(report.read_text())["findings"]} >= {"PL101", "PL401"}


def _fleet(folder: Path, nodes: int) -> None:
    """``nodes`` node folders of one containerd config each, pause 3.9: a report of
    hundreds of KiB, far more than a pipe holds."""
    for index in range(nodes):
        config = folder / f"n{index:03d}" / "etc" / "containerd" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                          '  sandbox_image = "registry.k8s.io/pause:3.9"\n')


def _read_a_little(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run pauselint, read the first bytes of its output and close the pipe, as
    ``| head -c 100`` does; its exit code and standard error."""
    proc = subprocess.Popen([sys.executable, "-m", "pauselint", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert len(proc.stdout.read(100)) == 100
    proc.stdout.close()
    proc.stdout = None  # gone, as the reader left it: communicate() reads stderr alone
    _, error = proc.communicate(timeout=120)  # bounded: a hang fails, never blocks CI
    return proc.returncode, error.decode()


def test_a_reader_that_goes_early_ends_the_output_not_the_verdict(tmp_path: Path) -> None:
    """`check ... | head`: the exit code is the run's own (1 for findings at --fail-on,
    else 0), never click's 1 for the broken pipe, and nothing is said about it."""
    _fleet(tmp_path, 600)
    for args, code in (
            (["check", "-k", "1.31", "--format", "json", "--fail-on", "warning", "."], 1),
            (["check", "-k", "1.31", "--format", "json", "."], 0),  # warnings only
            (["check", "-k", "1.31", "--fail-on", "warning", "."], 1),  # text
            (["show", "--format", "json", "."], 0),
            (["show", "."], 0)):
        whole = subprocess.run([sys.executable, "-m", "pauselint", *args], cwd=tmp_path,
                               capture_output=True, timeout=120, check=False)
        assert len(whole.stdout) > 128 * 1024, args  # twice what a pipe holds: it breaks
        assert whole.returncode == code, (args, whole.stderr)
        assert _read_a_little(args, tmp_path) == (code, ""), args


def _into_a_closed_pipe(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run pauselint with standard output on a pipe whose reader is already gone, so
    its first write fails however small the output; its exit code and stderr."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        proc = subprocess.run([sys.executable, "-m", "pauselint", *args], cwd=cwd,
                              stdout=writer, stderr=subprocess.PIPE, timeout=120, check=False)
    finally:
        os.close(writer)
    return proc.returncode, proc.stderr.decode()


def test_every_listing_exits_with_its_own_code_when_its_reader_is_gone(
        tmp_path: Path) -> None:
    """The listings (`rules | head -3`) exit 0 like the reports, never click's 1 for
    a closed pipe, and say nothing about it; an error still exits 2."""
    config = tmp_path / "host" / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      '  sandbox_image = "registry.k8s.io/pause:3.9"\n')
    for args, code in (
            (["rules"], 0), (["rules", "--format", "markdown"], 0),
            (["rules", "--format", "json"], 0), (["explain", "PL101"], 0),
            (["table"], 0), (["table", "-o", "json"], 0),
            (["recommend", "-k", "1.31"], 0),
            (["recommend", "-k", "1.31", "--runtime", "containerd",
              "--runtime-version", "2.1.0"], 0),
            (["node", "--root", "host", "--kubelet-pid", "none", "--show"], 0),
            (["show", "host"], 0),
            (["check", "-k", "1.31", "--fail-on", "warning", "host"], 1),
            (["--version"], 0),
            (["explain", "PL999"], 2)):
        exit_code, error = _into_a_closed_pipe(args, tmp_path)
        assert exit_code == code, (args, error)
        if code != 2:
            assert error == "", args
            # ...and it had something to write: read whole, the same exit and output.
            whole = subprocess.run([sys.executable, "-m", "pauselint", *args], cwd=tmp_path,
                                   capture_output=True, timeout=120, check=False)
            assert (whole.returncode, bool(whole.stdout)) == (code, True), args
