"""The config file and inline suppressions, end to end through `pauselint check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

OLD = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "config.toml").write_text(OLD)
    return tmp_path


def check(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    return result.exit_code, json.loads(result.output) if result.output.startswith("{") else {}


def test_config_file_found_by_walking_up_sets_version_and_policy(project: Path) -> None:
    (project / ".pauselint.yaml").write_text(
        "kubernetes-version: '1.31'\nfail-on: warning\nseverity:\n  PL201: error\n")
    sub = project / "nodes"
    code, doc = check(str(sub / "config.toml"))
    assert doc["context"]["kubernetes_version_from"] == "config"
    pl201 = next(f for f in doc["findings"] if f["rule"] == "PL201")
    assert pl201["severity"] == "error"
    assert code == 1


def test_flag_beats_config(project: Path) -> None:
    (project / ".pauselint.yaml").write_text("kubernetes-version: '1.31'\n")
    _, doc = check("-k", "1.29", "nodes/config.toml")
    assert doc["context"]["kubernetes_version"] == "1.29"
    assert doc["context"]["kubernetes_version_from"] == "flag"


def test_pyproject_tool_section(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.pauselint]\nkubernetes-version = '1.31'\ndisable = ['PL201']\n")
    _, doc = check("nodes/config.toml")
    assert doc["context"]["kubernetes_version"] == "1.31"
    assert not [f for f in doc["findings"] if f["rule"] == "PL201"]


def test_bad_config_is_a_usage_error_naming_file_and_key(project: Path) -> None:
    (project / ".pauselint.yaml").write_text("kubernetes-version: '1.31'\nfail_on: error\n")
    result = CliRunner().invoke(main, ["check", "nodes/config.toml"])
    assert result.exit_code == 2
    assert ".pauselint.yaml:2" in result.output and "fail_on" in result.output


def test_exclude_and_explicit_config(project: Path) -> None:
    other = project / "ci.yaml"
    other.write_text("kubernetes-version: '1.31'\nexclude: ['nodes/**']\n")
    code, doc = check("--config", str(other), "--ignore-unknown", "nodes/config.toml")
    assert doc["summary"]["inputs"] == 0 and code == 0


def test_config_mirrors_make_a_private_mirror_known(project: Path) -> None:
    (project / "nodes" / "config.toml").write_text(
        OLD.replace("registry.k8s.io/pause:3.6", "mirror.corp.example/k8s/pause:3.4"))
    (project / ".pauselint.yaml").write_text(
        "kubernetes-version: '1.31'\nmirrors:\n  mirror.corp.example/k8s: registry.k8s.io\n")
    _, doc = check("nodes/config.toml")
    assert any(f["rule"] == "PL101" for f in doc["findings"])  # 3.4 never existed upstream


def test_inline_suppression_with_reason_and_unused_report(project: Path) -> None:
    (project / "nodes" / "config.toml").write_text(
        'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
        "  # pauselint: disable=PL201 -- pinned until the 1.31 rollout\n"
        '  sandbox_image = "registry.k8s.io/pause:3.6"  # pauselint: disable=PL999\n')
    _, doc = check("--no-config", "-k", "1.31", "nodes/config.toml")
    rules = [(f["rule"], f["line"]) for f in doc["findings"]]
    assert ("PL201", 4) not in rules
    assert ("PL002", 4) in rules  # PL999 suppressed nothing
    _, strict = check("--no-config", "-k", "1.31", "--no-inline-suppressions", "nodes/config.toml")
    assert ("PL201", 4) in [(f["rule"], f["line"]) for f in strict["findings"]]
