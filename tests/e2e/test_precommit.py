"""pauselint through the real `pre-commit`, as users install it from this repository.

The hook is installed the way any pre-commit user gets it: pre-commit clones this
repository at a commit and pip-installs it into its own environment. So the test
exercises the committed HEAD of this checkout (in CI: the submission itself).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

BAD = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.4"
"""
GOOD = BAD.replace("pause:3.4", "pause:3.10")


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


def _config_repo(folder: Path, files: dict[str, str], args: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _git(folder, "init", "-q")
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    quoted = ", ".join(f'"{a}"' for a in args)
    (folder / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {REPO}\n  rev: {_head()}\n  hooks:\n  - id: pauselint\n"
        f"    args: [{quoted}]\n")
    _git(folder, "add", "-A")
    return folder


def _run(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pre-commit", "run", "--all-files", "--color", "never"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=900, check=False)


def test_hook_fails_on_a_bad_config_and_passes_once_fixed(tmp_path: Path,
                                                         environment: dict[str, str]) -> None:
    repo = _config_repo(tmp_path / "configs", {
        "nodes/a/etc/containerd/config.toml": BAD,
        "pyproject.toml": "[project]\nname = 'x'\n",  # matched by the pattern, not read
        "README.md": "not a config\n",
    }, ["--kubernetes-version", "1.31"])
    failed = _run(repo, environment)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert ("nodes/a/etc/containerd/config.toml:3:19: error PL101 unknown-tag:"
            in failed.stdout), failed.stdout
    (repo / "nodes/a/etc/containerd/config.toml").write_text(GOOD)
    _git(repo, "add", "-A")
    passed = _run(repo, environment)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"pauselint \(pause/sandbox images\)\.+Passed", passed.stdout)


def test_a_cluster_api_template_of_any_name_is_checked(tmp_path: Path,
                                                      environment: dict[str, str]) -> None:
    """Cluster API objects are named anything (clusters/prod/md-0.yaml): the hook passes
    every YAML file, and pauselint reads the node files and flags they embed."""
    template = (
        "apiVersion: bootstrap.cluster.x-k8s.io/v1beta1\nkind: KubeadmConfigTemplate\n"
        "metadata:\n  name: md-0\nspec:\n  template:\n    spec:\n"
        "      joinConfiguration:\n        nodeRegistration:\n          kubeletExtraArgs:\n"
        "            pod-infra-container-image: registry.k8s.io/pause:3.9\n")
    repo = _config_repo(tmp_path / "capi", {
        "clusters/prod/md-0.yaml": template,
        "charts/app/values.yaml": "replicaCount: 1\n",  # YAML of no known kind: skipped
    }, ["--kubernetes-version", "1.35"])
    failed = _run(repo, environment)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "clusters/prod/md-0.yaml:11:40: error PL301 pod-infra-flag-removed:" in failed.stdout


def test_two_hundred_files_are_checked_in_one_process(tmp_path: Path,
                                                      environment: dict[str, str]) -> None:
    files = {f"nodes/n{i:03d}/etc/containerd/config.toml": GOOD for i in range(200)}
    repo = _config_repo(tmp_path / "many", files, ["--kubernetes-version", "1.31"])
    result = _run(repo, environment)
    assert result.returncode == 0, result.stdout + result.stderr
    # Passed hooks print nothing; run it verbose to see pauselint's own summary line.
    verbose = subprocess.run(["pre-commit", "run", "--all-files", "--verbose", "--color", "never"],
                             cwd=repo, env=environment, capture_output=True, text=True,
                             timeout=900, check=False)
    summaries = re.findall(r"^(\d+) files? checked", verbose.stdout, re.M)
    assert summaries == ["200"], verbose.stdout


def test_a_node_split_across_batches_is_reported_once(tmp_path: Path,
                                                      environment: dict[str, str]) -> None:
    """Past 128 KiB of names pre-commit runs the hook in several batches. One node whose
    names alone pass that limit must straddle two of them; its finding is printed by
    the first batch only, and the later one says what it left out."""
    # Long folder names make 250 files (fewer than the 256 a node's completion reads
    # from one certs.d) pass the limit: about 690 bytes each, 170 KiB in all.
    root = "nodes/" + "r" * 200 + "/" + "s" * 200
    label = "m" * 60
    files = {f"{root}/etc/containerd/certs.d/{i:03d}.{label}.{label}.{label}.{label[:50]}"
             "/hosts.toml": 'server = "https://registry.k8s.io"\n' for i in range(250)}
    files[f"{root}/etc/containerd/config.toml"] = BAD
    files["nodes/z/etc/containerd/config.toml"] = BAD  # a node of the last batch alone
    repo = _config_repo(tmp_path / "split", files, ["--kubernetes-version", "1.31"])
    result = subprocess.run(["pre-commit", "run", "--all-files", "--verbose", "--color", "never"],
                            cwd=repo, env=environment, capture_output=True, text=True,
                            timeout=900, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    summaries = re.findall(r"^\d+ files? checked: .*$", result.stdout, re.M)
    assert len(summaries) == 2, result.stdout  # two batches, one after the other
    assert "judged by an earlier pre-commit batch" in summaries[1], summaries
    found = re.findall(r"^(\S+):3:19: error PL101 unknown-tag:", result.stdout, re.M)
    assert sorted(found) == sorted([f"{root}/etc/containerd/config.toml",
                                    "nodes/z/etc/containerd/config.toml"]), result.stdout
