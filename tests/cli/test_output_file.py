"""``--output FILE`` through the real CLI: never onto an input, never replacing a device,
keeping a file's mode and owner and a symlink, atomic for regular files."""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

FROZEN = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "k8s.gcr.io/pause:3.10"
"""
IMPORTING = 'version = 2\nimports = ["conf.d/extra.toml"]\n'
KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: t}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
"""


def pauselint(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "pauselint", *args], cwd=cwd,
                          capture_output=kwargs.pop("capture_output", True), check=False,
                          **kwargs)


def check(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess[bytes]:
    return pauselint("check", "--no-config", "-k", "1.31", "--format", "json", *args,
                     cwd=cwd, **kwargs)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """config.toml (with a finding), an import with none, a node folder, a config file."""
    (tmp_path / "config.toml").write_text(FROZEN)
    (tmp_path / "main.toml").write_text(IMPORTING)
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "extra.toml").write_text(FROZEN.replace("k8s.gcr.io", "registry.k8s.io"))
    (tmp_path / "node" / "etc" / "containerd").mkdir(parents=True)
    (tmp_path / "node" / "etc" / "containerd" / "config.toml").write_text(FROZEN)
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.toml").symlink_to("config.toml")
    os.link(tmp_path / "config.toml", tmp_path / "hard.toml")
    (tmp_path / "pauselint.yaml").write_text("kubernetes-version: '1.31'\n")
    return tmp_path


def snapshot(path: Path) -> tuple[bytes, int, int]:
    info = path.stat()
    return path.read_bytes(), info.st_ino, info.st_mtime_ns


@pytest.mark.parametrize(
    ("inputs", "output", "victim"),
    [
        (["config.toml"], "config.toml", "config.toml"),
        (["config.toml"], "./sub/../config.toml", "config.toml"),
        (["config.toml"], "link.toml", "config.toml"),  # a symlink to the input
        (["config.toml"], "hard.toml", "config.toml"),  # a hard link: same inode
        (["link.toml"], "config.toml", "config.toml"),  # the input named by its link
        (["node"], "node/etc/containerd/config.toml", "node/etc/containerd/config.toml"),
        (["main.toml"], "conf.d/extra.toml", "conf.d/extra.toml"),  # reached by imports
        (["--config", "pauselint.yaml", "config.toml"], "pauselint.yaml", "pauselint.yaml"),
    ],
)
def test_output_onto_an_input_is_refused(project: Path, inputs: list[str], output: str,
                                         victim: str) -> None:
    before = snapshot(project / victim)
    config = [] if "--config" in inputs else ["--no-config"]
    result = pauselint("check", *config, "-k", "1.31", "--format", "json", *inputs,
                       "--output-file", output, cwd=project)
    assert result.returncode == 2
    assert result.stdout == b""
    message = result.stderr.decode()
    assert message.startswith(f"pauselint: error: --output-file {output}")
    assert "is one of the inputs: not written, choose another file" in message
    assert snapshot(project / victim) == before
    assert not list(project.rglob(".pauselint-*"))


def test_output_onto_redirected_stdin_is_refused(project: Path) -> None:
    before = snapshot(project / "config.toml")
    with open(project / "config.toml", "rb") as stdin:
        result = check("--type", "containerd", "-", "--output-file", "config.toml", cwd=project,
                       stdin=stdin)
    assert result.returncode == 2
    assert b"--output-file config.toml (the same file as /dev/stdin) is one of the inputs" \
        in result.stderr
    assert snapshot(project / "config.toml") == before


@pytest.mark.parametrize("how", ["--kubeconfig", "KUBECONFIG"])
def test_cluster_output_onto_a_kubeconfig_is_refused(tmp_path: Path, how: str) -> None:
    (tmp_path / "first.yaml").write_text(KUBECONFIG)
    (tmp_path / "kube.yaml").write_text(KUBECONFIG)
    before = snapshot(tmp_path / "kube.yaml")
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    args = ["cluster", "--no-config", "--request-timeout", "2", "--output-file", "kube.yaml"]
    if how == "--kubeconfig":
        args += ["--kubeconfig", "kube.yaml"]
    else:  # the second entry of a colon-separated list
        env["KUBECONFIG"] = f"first.yaml{os.pathsep}{tmp_path / 'kube.yaml'}"
    result = pauselint(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert b"--output-file kube.yaml" in result.stderr
    assert b"is one of the inputs" in result.stderr
    assert snapshot(tmp_path / "kube.yaml") == before


def test_a_device_is_written_to_not_replaced(project: Path) -> None:
    # A null device of our own (root may make one), so nothing system-wide is at stake.
    device = project / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    (project / "to-null").symlink_to(device)
    for output in (str(device), "to-null"):
        result = check("config.toml", "--output-file", output, cwd=project)
        assert result.returncode == 1, result.stderr
        assert stat.S_ISCHR(os.stat(project / output).st_mode)
    assert (project / "to-null").is_symlink()
    assert not list(project.glob(".pauselint-*"))


def test_dev_null_stays_a_device(project: Path) -> None:
    result = check("config.toml", "--output-file", "/dev/null", cwd=project)
    assert result.returncode == 1, result.stderr
    assert result.stdout == b"" and result.stderr == b""
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_to(project: Path) -> None:
    fifo = project / "pipe"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        [sys.executable, "-m", "pauselint", "check", "--no-config", "-k", "1.31", "--format",
         "json", "config.toml", "--output-file", str(fifo)], cwd=project, stderr=subprocess.PIPE)
    with open(fifo, "rb") as reader:  # blocks until the writer opens it
        data = reader.read()
    assert writer.wait(timeout=60) == 1, writer.stderr.read()
    writer.stderr.close()
    assert json.loads(data)["summary"]["warning"] == 1
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("output", ["/dev/fd/1", "/dev/stdout", "/proc/self/fd/1"])
def test_stdout_by_name_appends_to_what_it_is(project: Path, output: str) -> None:
    log = project / "ci.log"
    log.write_bytes(b"an earlier step's line\n")
    with open(log, "ab") as stdout:  # `>> ci.log`
        result = check("config.toml", "--output-file", output, cwd=project, capture_output=False,
                       stdout=stdout, stderr=subprocess.PIPE)
    assert result.returncode == 1, result.stderr
    earlier, _, report = log.read_bytes().partition(b"\n")
    assert earlier == b"an earlier step's line"
    assert json.loads(report)["summary"]["warning"] == 1
    assert not list(project.glob(".pauselint-*"))


def test_existing_file_keeps_mode_and_owner_and_is_replaced(project: Path) -> None:
    report = project / "report.json"
    report.write_text("old\n")
    os.chmod(report, 0o640)
    os.chown(report, 1234, 5678)  # another user's file, as root may write it
    old_inode = report.stat().st_ino
    result = check("config.toml", "--output-file", "report.json", cwd=project)
    assert result.returncode == 1, result.stderr
    info = report.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o640, 1234, 5678)
    assert info.st_ino != old_inode  # replaced in one step, not rewritten in place
    assert json.loads(report.read_text())["summary"]["warning"] == 1
    assert not list(project.glob(".pauselint-*"))


def test_a_symlink_is_kept_and_its_target_replaced(project: Path) -> None:
    shared = project / "shared"
    shared.mkdir()
    (shared / "report.json").write_text("old\n")
    os.chmod(shared / "report.json", 0o600)
    (project / "report.json").symlink_to("shared/report.json")
    (project / "dangling.json").symlink_to("shared/new.json")
    for link, target in (("report.json", "report.json"), ("dangling.json", "new.json")):
        result = check("config.toml", "--output-file", link, cwd=project)
        assert result.returncode == 1, result.stderr
        assert (project / link).is_symlink()
        assert os.readlink(project / link) == f"shared/{target}"
        assert json.loads((shared / target).read_text())["summary"]["warning"] == 1
    assert stat.S_IMODE((shared / "report.json").stat().st_mode) == 0o600
    assert not list(project.rglob(".pauselint-*"))


def _small_file_limit() -> None:
    # In the child: files may not grow past 64 bytes, and going past is EFBIG, not
    # SIGXFSZ (an ignored signal stays ignored across exec).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))


def test_a_failed_write_leaves_the_old_file_and_no_temporary(project: Path) -> None:
    report = project / "report.json"
    report.write_text("the old report\n")
    before = snapshot(report)
    result = check("config.toml", "--output-file", "report.json", cwd=project,
                   preexec_fn=_small_file_limit)
    assert result.returncode == 2
    assert result.stderr == b"pauselint: error: cannot write report.json: File too large\n"
    assert snapshot(report) == before
    assert not list(project.glob(".pauselint-*"))


def test_a_folder_is_refused(project: Path) -> None:
    result = check("config.toml", "--output-file", "sub", cwd=project)
    assert result.returncode == 2
    assert result.stderr == b"pauselint: error: cannot write sub: Is a directory\n"


CLEAN = FROZEN.replace("k8s.gcr.io", "registry.k8s.io")


@pytest.mark.parametrize(
    ("folder", "config", "expected"),
    [
        ("node", FROZEN, 1),
        ("clean", CLEAN, 0),
        (".", None, 1),  # `pauselint check . --output-file report.json`, the usual CI step
    ],
    ids=["findings", "clean", "dot"],
)
def test_a_report_in_the_walked_folder_is_not_an_input_next_time(
        project: Path, folder: str, config: str | None, expected: int) -> None:
    # The first run writes report.json into the folder it walks; the second walks it
    # too, skips it as unrecognised, and may replace it: same exit code, never 2.
    if config is not None:
        (project / folder / "etc" / "containerd").mkdir(parents=True, exist_ok=True)
        (project / folder / "etc" / "containerd" / "config.toml").write_text(config)
    output = os.path.join(folder, "report.json")
    reports = []
    for _ in range(2):
        result = check(folder, "--output-file", output, cwd=project)
        assert result.returncode == expected, result.stderr
        assert result.stdout == b"" and result.stderr == b""
        reports.append(json.loads((project / output).read_text()))
    assert reports[1]["findings"] == reports[0]["findings"]
    assert not list(project.rglob(".pauselint-*"))


@pytest.mark.parametrize(
    ("inputs", "output"),
    [
        # Found by a walk, but recognised and read as a config: still an input.
        (["node"], "node/etc/containerd/config.toml"),
        # Named on the command line, even unrecognised and skipped by --ignore-unknown.
        (["--ignore-unknown", "node", "notes.txt"], "notes.txt"),
        # Read as --type says, whatever its name.
        (["--type", "containerd", "node"], "node/etc/notes.txt"),
    ],
)
def test_inputs_beyond_the_report_are_still_refused(project: Path, inputs: list[str],
                                                    output: str) -> None:
    (project / "notes.txt").write_text("not a config\n")
    (project / "node" / "etc" / "notes.txt").write_text('title = "no marker, no name"\n')
    before = snapshot(project / output)
    result = check(*inputs, "--output-file", output, cwd=project)
    assert result.returncode == 2
    assert b"is one of the inputs: not written" in result.stderr
    assert snapshot(project / output) == before


def test_a_walked_file_that_is_no_config_may_be_replaced(project: Path) -> None:
    notes = project / "node" / "notes.txt"
    notes.write_text("not a config\n")
    result = check("node", "--output-file", "node/notes.txt", cwd=project)
    assert result.returncode == 1, result.stderr
    assert json.loads(notes.read_text())["summary"]["warning"] == 1


def test_a_report_written_to_a_file_leaves_one_line_on_the_terminal(tmp_path: Path) -> None:
    # Issue 11: with the report in a file a person saw nothing at all; a script (stderr
    # not a terminal) still gets no noise (the tests above).
    import pty

    config = tmp_path / "config.toml"
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      '  sandbox_image = "k8s.gcr.io/pause:3.9"\n')
    report = tmp_path / "report.json"
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "pauselint", "check", "--no-config",
                               "--format", "json", "--output-file", str(report), str(config)],
                              stdout=subprocess.PIPE, stderr=follower, timeout=60, check=False)
        os.close(follower)
        said = os.read(leader, 4096).decode()
    finally:
        os.close(leader)
    assert proc.returncode == 0 and proc.stdout == b""
    assert said.strip() == (f"pauselint: 1 file checked: 0 errors, 1 warning, 0 info; report "
                            f"written to {report}")
    assert json.loads(report.read_text())["summary"]["warning"] == 1
