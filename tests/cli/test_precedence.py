"""Which value wins when several are given, and the files pauselint writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

UNSET = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  enable_selinux = false\n'
FROZEN = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
          '  sandbox_image = "k8s.gcr.io/pause:3.9"\n')


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["check", "--format", "json", *args], input=input)


def test_same_runtime_twice_is_a_usage_error(project: Path) -> None:
    (project / "config.toml").write_text(UNSET)
    result = check("--no-config", "-k", "1.31", "--runtime-version", "containerd=1.7.20",
                   "--runtime-version", "containerd=2.1.0", "config.toml")
    assert result.exit_code == 2 and "gives containerd twice" in result.output


def test_runtime_flag_overrides_config_under_any_alias(project: Path) -> None:
    (project / "crio.conf").write_text("[crio.image]\n")
    (project / ".pauselint.yaml").write_text("runtime-version: cri-o=1.25.0\n")
    doc = json.loads(check("-k", "1.31", "--runtime-version", "crio=1.31.2", "crio.conf").output)
    assert doc["context"]["cri-o_version"] == "1.31.2"


def test_enable_flag_wins_over_config_disable(project: Path) -> None:
    (project / "config.toml").write_text(FROZEN)
    (project / ".pauselint.yaml").write_text("disable: [PL103]\n")
    without = json.loads(check("-k", "1.30", "config.toml").output)
    assert not [f for f in without["findings"] if f["rule"] == "PL103"]
    flagged = json.loads(check("-k", "1.30", "--enable", "PL103", "config.toml").output)
    assert [f["rule"] for f in flagged["findings"] if f["rule"] == "PL103"] == ["PL103"]


def test_severity_override_reaches_unused_suppressions(project: Path) -> None:
    (project / "config.toml").write_text(FROZEN.replace(
        "pause:3.9\"", "pause:3.9\"  # pauselint: disable=PL999"))
    (project / ".pauselint.yaml").write_text("severity: {PL002: error}\n")
    result = check("-k", "1.30", "--disable", "PL103", "config.toml")
    pl002 = [f for f in json.loads(result.output)["findings"] if f["rule"] == "PL002"]
    assert [f["severity"] for f in pl002] == ["error"] and result.exit_code == 1


def test_exclude_never_drops_standard_input(project: Path) -> None:
    (project / ".pauselint.yaml").write_text("exclude: ['*']\n")
    result = check("-k", "1.30", "--type", "containerd", "-", input=FROZEN)
    assert json.loads(result.output)["summary"]["inputs"] == 1


def test_output_file_gets_an_ordinary_mode(project: Path) -> None:
    (project / "config.toml").write_text(FROZEN)
    old = os.umask(0o022)
    try:
        check("--no-config", "--output-file", "report.json", "config.toml")
    finally:
        os.umask(old)
    assert stat.S_IMODE((project / "report.json").stat().st_mode) == 0o644


def test_old_kubeadm_version_is_called_old_not_a_label(project: Path) -> None:
    (project / "node").mkdir()
    (project / "node" / "kubeadm.yaml").write_text(
        "apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n"
        "kubernetesVersion: v1.12.0\n")
    (project / "node" / "config.toml").write_text(FROZEN)
    doc = json.loads(check("--no-config", "node").output)
    reasons = [s["reason"] for s in doc["skipped"] if s["rule"] == "PL201"]
    assert reasons and "older than anything pauselint knows" in reasons[0]
    assert "label" not in reasons[0]


def test_suppression_in_an_imported_file_counts(project: Path) -> None:
    (project / "conf.d").mkdir()
    (project / "config.toml").write_text('version = 2\nimports = ["conf.d/*.toml"]\n')
    (project / "conf.d" / "10-pause.toml").write_text(
        FROZEN.replace('pause:3.9"', 'pause:3.9"  # pauselint: disable=PL103 -- moving in Q3'))
    doc = json.loads(check("--no-config", "-k", "1.30", "config.toml").output)
    assert not [f for f in doc["findings"] if f["rule"] in ("PL103", "PL002")]


def test_excluded_folders_are_not_even_read(project: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    import pauselint.inputs as inputs

    (project / "legacy" / "deep").mkdir(parents=True)
    for i in range(5):
        (project / "legacy" / "deep" / f"config-{i}.toml").write_text(FROZEN)
    (project / "live").mkdir()
    (project / "live" / "config.toml").write_text(FROZEN)
    (project / ".pauselint.yaml").write_text("kubernetes-version: '1.30'\nexclude: ['legacy']\n")
    read: list[str] = []
    real = inputs.read_path
    monkeypatch.setattr(inputs, "read_path",
                        lambda path, *, explicit: read.append(path) or real(path, explicit=explicit))
    doc = json.loads(check(".").output)
    assert doc["summary"]["inputs"] == 1
    assert not [p for p in read if "legacy" in p]
