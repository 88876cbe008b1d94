"""The batches of one pre-commit run judge each node once (precommit_batches.py).

pre-commit runs a hook's batches one after another as children of its own process,
with PRE_COMMIT=1 in their environment; here the test process is that parent, and
each batch a real pauselint process. tests/e2e/test_precommit.py has the real
pre-commit split a node across two batches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pauselint import precommit_batches
from pauselint.inputs import collect, file_identity

BAD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n' \
      '  sandbox_image = "registry.k8s.io/pause:3.4"\n'
FLAGS = 'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
CONFIG = "nodes/a/etc/containerd/config.toml"
ENV_FILE = "nodes/a/var/lib/kubelet/kubeadm-flags.env"

pytestmark = pytest.mark.skipif(precommit_batches.start_time(os.getpid()) is None,
                                reason="no /proc: batches are not told apart here")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name, text in ((CONFIG, BAD), (ENV_FILE, FLAGS),
                       ("nodes/b/etc/containerd/config.toml", BAD)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "tmp").mkdir()
    return tmp_path


def batch(repo: Path, *args: str, pre_commit: bool = True) -> subprocess.CompletedProcess[str]:
    """One hook batch: pauselint as pre-commit starts it, a child of this process."""
    env = {k: v for k, v in os.environ.items() if k != "PRE_COMMIT"}
    env["TMPDIR"] = str(repo / "tmp")  # the state folder, private to the test
    if pre_commit:
        env["PRE_COMMIT"] = "1"
    return subprocess.run([sys.executable, "-m", "pauselint", "check", "--ignore-unknown",
                           "-o", "json", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def findings(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int]]:
    document = json.loads(result.stdout)
    return sorted((f["rule"], f["path"], f["line"]) for f in document["findings"])


def test_a_node_split_across_two_batches_is_judged_by_the_first_only(repo: Path) -> None:
    first = batch(repo, "--kubernetes-version", "1.31", CONFIG)
    second = batch(repo, "--kubernetes-version", "1.31", ENV_FILE,
                   "nodes/b/etc/containerd/config.toml")
    # The first batch read node a whole: its flag file's findings are the first's.
    assert ("PL303", ENV_FILE, 1) in findings(first)
    assert ("PL101", CONFIG, 3) in findings(first)
    assert {path for _, path, _ in findings(second)} == {"nodes/b/etc/containerd/config.toml"}
    assert json.loads(second.stdout)["files_skipped"] == {
        precommit_batches.SKIP_EARLIER_BATCH: 2}
    assert (first.returncode, second.returncode) == (1, 1)


def test_a_hook_with_other_options_is_another_run(repo: Path) -> None:
    first = batch(repo, "--kubernetes-version", "1.31", CONFIG)
    other = batch(repo, "--kubernetes-version", "1.35", ENV_FILE)
    assert ("PL301", ENV_FILE, 1) in findings(other)  # the flag is removed in 1.35
    assert "files_skipped" not in json.loads(other.stdout)
    assert first.returncode == other.returncode == 1


def test_outside_pre_commit_every_call_judges_its_nodes(repo: Path) -> None:
    first = batch(repo, "--kubernetes-version", "1.31", CONFIG, pre_commit=False)
    again = batch(repo, "--kubernetes-version", "1.31", ENV_FILE, pre_commit=False)
    assert findings(first) == findings(again)
    assert not (repo / "tmp" / f"pauselint-{os.getuid()}").exists()


def test_a_node_file_no_earlier_batch_read_has_the_node_judged_again(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder past the files a completion reads (or a file that appeared since):
    judging the node again repeats findings, skipping it could miss one."""
    monkeypatch.chdir(repo)
    state = precommit_batches.RunState(str(repo / "state"))
    state.add([file_identity(CONFIG)])  # an earlier batch read config.toml alone
    files = collect([CONFIG, ENV_FILE])
    kept, left_out = precommit_batches.skip_judged(files, state)
    assert (kept, left_out) == (files, 0)
    assert {tuple(json.loads(line)) for line in (repo / "state").read_text().splitlines()} \
        == {file_identity(CONFIG), file_identity(ENV_FILE)}


def test_a_state_line_that_does_not_parse_is_never_taken_as_read(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    (repo / "state").write_text('["cut off\n{"a": 1, "b": 2}\n["x"]\n' + json.dumps(file_identity(CONFIG))
                                + "\n")
    state = precommit_batches.RunState(str(repo / "state"))
    assert state.read() == {file_identity(CONFIG)}
    kept, left_out = precommit_batches.skip_judged(collect([CONFIG]), state)
    assert (kept, left_out) == ([], 2)  # config.toml read before: its node, flags too


def test_a_state_folder_others_can_write_is_not_used(repo: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(repo / "tmp"))
    shared = repo / "tmp" / f"pauselint-{os.getuid()}"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert precommit_batches.state_folder() is None
    assert precommit_batches.run_state(["check"]) is None
    shared.rmdir()
    shared.symlink_to(repo)  # a link planted where the folder belongs
    assert precommit_batches.state_folder() is None


def test_the_state_of_finished_runs_is_removed(repo: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(repo / "tmp"))
    folder = Path(precommit_batches.state_folder())
    finished = folder / "precommit-999999999-1-01234567"  # no such process
    finished.write_text("[]\n")
    # This process, but under another start time: its ID was reused since.
    reused = folder / f"precommit-{os.getpid()}-1-01234567"
    reused.write_text("[]\n")
    state = precommit_batches.run_state(["check"])
    assert state is not None
    assert not finished.exists() and not reused.exists()
    started = precommit_batches.start_time(os.getppid())
    assert Path(state.path).name.startswith(f"precommit-{os.getppid()}-{started}-")


def test_collect_hands_on_the_identities_skip_judged_would_work_out(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Named, walked and completed files alike: the identity collect recorded for a
    file is file_identity's own, so a batch keys its state as before."""
    monkeypatch.chdir(repo)
    (repo / "nodes/c/etc/crio").mkdir(parents=True)
    (repo / "nodes/c/etc/crio/crio.conf").write_text("[crio.image]\n")
    identities: dict[str, tuple[str, str]] = {}
    files = collect([CONFIG, f"{repo}/nodes/b", "nodes/c/etc/crio/../crio/crio.conf"],
                    identities=identities)
    assert {f.path for f in files} == {CONFIG, ENV_FILE, f"{repo}/nodes/b/etc/containerd/config.toml",
                                       "nodes/c/etc/crio/../crio/crio.conf"}
    for item in files:
        assert identities[item.path] == file_identity(item.path), item.path


def test_state_lines_are_what_json_writes_and_read_back_whole(tmp_path: Path) -> None:
    state = precommit_batches.RunState(str(tmp_path / "state"))
    keys = [("/srv/nodes/a", "etc/containerd/config.toml"),
            ('/srv/odd "quoted" \\ näme', "etc/\u2028\U0001f600\n.conf")]
    state.add(keys)
    lines = (tmp_path / "state").read_text().splitlines()
    assert lines == [json.dumps(list(key)) for key in keys]
    assert state.read() == set(keys)
