"""--exclude: the config file's `exclude` globs on the command line, added up with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

BAD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n' \
      '  sandbox_image = "registry.k8s.io/pause:3.4"\n'


@pytest.fixture
def nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("a", "b", "old-c"):
        config = tmp_path / "nodes" / name / "etc" / "containerd" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(BAD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def flagged(*args: str) -> set[str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", "-k", "1.31", *args])
    assert result.exit_code in (0, 1), result.output
    return {f["path"].split("/")[1] for f in json.loads(result.output)["findings"]
            if f["rule"] == "PL101"}


def test_the_flag_excludes_folders_relative_to_the_working_folder(nodes: Path) -> None:
    assert flagged("--no-config", "nodes") == {"a", "b", "old-c"}
    assert flagged("--no-config", "--exclude", "nodes/old-*", "nodes") == {"a", "b"}
    assert flagged("--no-config", "--exclude", "old-*", "--exclude", "nodes/b/**",
                   "nodes") == {"a"}


def test_the_flag_applies_to_named_files_too(nodes: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--no-config", "--exclude", "**/config.toml",
                                       "nodes/a/etc/containerd/config.toml"])
    assert result.exit_code == 2  # nothing left to check, and nothing walked
    assert "no input was recognised" in result.output


def test_flag_and_config_patterns_add_up(nodes: Path) -> None:
    (nodes / ".pauselint.yaml").write_text("exclude:\n  - nodes/a\n")
    assert flagged("nodes") == {"b", "old-c"}
    assert flagged("--exclude", "nodes/old-c", "nodes") == {"b"}


def test_the_flag_is_relative_to_the_working_folder_not_the_config(
        nodes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (nodes / ".pauselint.yaml").write_text("exclude:\n  - nodes/a\n")
    monkeypatch.chdir(nodes / "nodes")
    # The config's pattern is anchored at its folder; the flag's at the working folder.
    assert flagged("--exclude", "b", ".") == {"old-c"}


def test_a_symlinked_file_is_matched_by_its_own_path(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Loose configs (no node layout): beside a node's etc/containerd/config.toml, files
    # it does not import are never read by containerd, so never judged.
    conf = tmp_path / "configs"
    conf.mkdir(parents=True)
    (conf / "config.toml").write_text(BAD.replace("3.4", "3.10"))
    (conf / "legacy.toml").write_text(BAD)
    (conf / "current.toml").symlink_to("legacy.toml")
    monkeypatch.chdir(tmp_path)

    def sources(*args: str) -> set[str]:
        result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json",
                                           "-k", "1.31", *args])
        return {Path(f["path"]).name for f in json.loads(result.output)["findings"]
                if f["rule"] == "PL101"}

    assert sources(".") == {"legacy.toml", "current.toml"}
    assert sources("--exclude", "current.toml", ".") == {"legacy.toml"}
    assert sources("--exclude", "legacy.toml", ".") == {"current.toml"}
    (tmp_path / ".pauselint.yaml").write_text("exclude: [configs/current.toml]\n")
    result = CliRunner().invoke(main, ["check", "--format", "json", "-k", "1.31", "."])
    assert {Path(f["path"]).name for f in json.loads(result.output)["findings"]} == {
        "legacy.toml"}


def test_an_absolute_flag_pattern_is_absolute_wherever_the_command_runs(
        nodes: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json", "-k", "1.31",
                                       "--exclude", f"{nodes}/nodes/old-*", str(nodes / "nodes")])
    flagged_nodes = {Path(f["path"]).relative_to(nodes).parts[1]
                     for f in json.loads(result.output)["findings"] if f["rule"] == "PL101"}
    assert flagged_nodes == {"a", "b"}
