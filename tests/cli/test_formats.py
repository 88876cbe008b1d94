"""Every output format and output option through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from pauselint.cli import main

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "sarif" /
                     "sarif-schema-2.1.0.json").read_text())
BAD = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.4"
"""


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture
def bad(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(BAD)
    return str(path)


def test_sarif_is_valid_and_located(bad: str) -> None:
    result = run("check", "-k", "1.31", "--no-config", "--format", "sarif", bad)
    assert result.exit_code == 1
    doc = json.loads(result.output)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    [run_] = doc["runs"]
    pl101 = next(r for r in run_["results"] if r["ruleId"] == "PL101")
    location = pl101["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 3, "startColumn": 19}
    rule = run_["tool"]["driver"]["rules"][pl101["ruleIndex"]]
    assert rule["id"] == "PL101" and rule["helpUri"].endswith("README.md#pl101")


def test_github_annotations(bad: str) -> None:
    result = run("check", "-k", "1.31", "--no-config", "--format", "github", bad)
    assert result.exit_code == 1
    assert f"::error file={bad},line=3,col=19,title=PL101 unknown-tag::" in result.output


def test_output_file_is_written_whole_and_stdout_stays_empty(bad: str, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old report")
    result = run("check", "-k", "1.31", "--no-config", "--format", "json", "--output-file",
                 str(target), bad)
    assert result.exit_code == 1
    assert result.output == ""
    assert json.loads(target.read_text())["summary"]["error"] >= 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pauselint-")] == []


def test_output_into_a_missing_folder_is_a_usage_error(bad: str, tmp_path: Path) -> None:
    result = run("check", "--no-config", "--output-file", str(tmp_path / "no" / "r.txt"), bad)
    assert result.exit_code == 2 and "cannot write" in result.output


def test_quiet_prints_only_findings(bad: str) -> None:
    result = run("check", "-k", "1.31", "--no-config", "--quiet", bad)
    lines = result.output.splitlines()
    assert lines and all(line.startswith((bad, "    and ", "    fix:")) for line in lines)


def test_ignore_unknown_skips_files_pauselint_does_not_read(bad: str, tmp_path: Path) -> None:
    other = tmp_path / "pyproject.toml"
    other.write_text("[project]\nname = 'x'\n")
    strict = run("check", "-k", "1.31", "--no-config", bad, str(other))
    assert strict.exit_code == 2
    lenient = run("check", "-k", "1.31", "--no-config", "--ignore-unknown", bad, str(other))
    assert lenient.exit_code == 1 and "cannot tell what kind" not in lenient.output
    only_unknown = run("check", "--no-config", "--ignore-unknown", str(other))
    assert only_unknown.exit_code == 0


def test_recommend_output_passes_check(tmp_path: Path) -> None:
    result = run("recommend", "-k", "1.34", "--runtime-version", "2.1.4")
    assert result.exit_code == 0
    snippet = "\n".join(line[4:] for line in result.output.splitlines()
                        if line.startswith("    "))
    config = tmp_path / "config.toml"
    config.write_text(snippet + "\n")
    checked = run("check", "--no-config", "-k", "1.34", "--runtime-version",
                  "containerd=2.1.4", "--fail-on", "info", str(config))
    assert checked.exit_code == 0, checked.output


def test_recommend_rejects_unknown_versions() -> None:
    result = run("recommend", "-k", "1.99")
    assert result.exit_code == 2 and "newer than pauselint's compat table" in result.output


def test_allowed_registry_policy_and_platform(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BAD.replace("registry.k8s.io/pause:3.4", "registry.k8s.io/pause-amd64:3.3"))
    result = run("check", "--no-config", "-k", "1.31", "--format", "json", "--platform",
                 "linux/arm64", "--allowed-registry", "registry.corp.example", str(config))
    doc = json.loads(result.output)
    rules = {f["rule"] for f in doc["findings"]}
    assert {"PL105", "PL110"} <= rules  # amd64-only image on arm64; registry not allowed
    assert doc["context"]["platform"] == "linux/arm64"
    allowed = run("check", "--no-config", "-k", "1.31", "--format", "json", "--platform",
                  "linux/amd64", "--allowed-registry", "registry.k8s.io", str(config))
    rules = {f["rule"] for f in json.loads(allowed.output)["findings"]}
    assert "PL110" not in rules and "PL105" not in rules
