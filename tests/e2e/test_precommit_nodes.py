"""The issue's four-node config repo through the real `pre-commit`.

pre-commit passes every staged file to one pauselint call. Each node must still be
judged with its own kubeadm version and mirror, and a commit that stages one node's
kubeadm bump alone must fail on the kubelet flag that bump breaks. The hook is
installed as users get it: cloned from this checkout's committed HEAD.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

NODES = {
    "node1": ("v1.30.4", "mirror-one.example.com/k8s", "3.9"),
    "node2": ("v1.31.0", "mirror-two.example.com/k8s", "3.10"),
    "node3": ("v1.35.2", "mirror-three.example.com/k8s", "3.10"),
    "node4": ("v1.32.1", "mirror-four.example.com/k8s", "3.10"),
}
KUBEADM = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n" \
          "kubernetesVersion: {version}\nimageRepository: {repo}\n"
FLAGS = "nodes/{}/var/lib/kubelet/kubeadm-flags.env"


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def _head() -> str | None:
    try:
        return _git(REPO, "rev-parse", "HEAD")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None


pytestmark = [
    pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit is not installed"),
    pytest.mark.skipif(_head() is None, reason="this checkout is not a git repository"),
]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return env


def node_files() -> dict[str, str]:
    files: dict[str, str] = {}
    for name, (version, repo, tag) in NODES.items():
        root = f"nodes/{name}"
        files[f"{root}/etc/containerd/config.toml"] = (
            f'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
            f'  sandbox_image = "{repo}/pause:{tag}"\n')
        files[FLAGS.format(name)] = (
            'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/'
            f'containerd.sock --pod-infra-container-image={repo}/pause:{tag}"\n')
        files[f"{root}/etc/kubernetes/kubeadm-config.yaml"] = KUBEADM.format(
            version=version, repo=repo)
    return files


@pytest.fixture(scope="module")
def config_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("four-nodes")
    _git(folder, "init", "-q")
    for name, text in node_files().items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (folder / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {REPO}\n  rev: {_head()}\n  hooks:\n  - id: pauselint\n")
    _git(folder, "add", "-A")
    return folder


def _pre_commit(folder: Path, env: dict[str, str], *args: str,
                ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pre-commit", "run", "--color", "never", "--verbose", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=900,
                          check=False)


def _finding_lines(output: str) -> set[tuple[str, str]]:
    return set(re.findall(r"^(nodes/\S+?):\d+:\d+: \w+ (PL\d+)", output, re.M))


def test_each_node_is_judged_with_its_own_kubeadm_version(config_repo: Path,
                                                          environment: dict[str, str]) -> None:
    result = _pre_commit(config_repo, environment, "--all-files")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    found = _finding_lines(result.stdout)
    assert {path for path, rule in found if rule == "PL301"} == {FLAGS.format("node3")}, out
    assert {path for path, rule in found if rule == "PL302"} == {
        FLAGS.format(n) for n in ("node1", "node2", "node4")}, out
    assert not any(rule == "PL203" for _, rule in found), out
    assert re.search(r"^12 files checked", result.stdout, re.M), out

    # The same call the hook makes, as JSON: no finding names another node's mirror.
    direct = subprocess.run(
        [sys.executable, "-m", "pauselint", "check", "--ignore-unknown", "--format", "json",
         *sorted(node_files())], cwd=config_repo, capture_output=True, text=True,
        timeout=120, check=False)
    doc = json.loads(direct.stdout)
    for finding in doc["findings"]:
        node = finding["path"].split("/")[1]
        others = {NODES[n][1].split("/")[0] for n in NODES if n != node}
        assert not any(host in finding["message"] for host in others), finding


def test_a_kubeadm_bump_staged_alone_fails_on_the_kubelet_flag(config_repo: Path,
                                                               environment: dict[str, str],
                                                               ) -> None:
    _git(config_repo, "commit", "-q", "--no-verify", "-m", "four nodes")
    kubeadm = config_repo / "nodes/node1/etc/kubernetes/kubeadm-config.yaml"
    kubeadm.write_text(KUBEADM.format(version="v1.35.0", repo=NODES["node1"][1]))
    _git(config_repo, "add", str(kubeadm))
    assert _git(config_repo, "diff", "--cached", "--name-only") == (
        "nodes/node1/etc/kubernetes/kubeadm-config.yaml")
    result = _pre_commit(config_repo, environment)  # the staged files only, as on commit
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert (FLAGS.format("node1"), "PL301") in _finding_lines(result.stdout), out
    assert {path.split("/")[1] for path, _ in _finding_lines(result.stdout)} == {"node1"}, out
