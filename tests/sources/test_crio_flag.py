"""CRI-O's --pause-image on its command line (crio.service, its EnvironmentFile): it
wins over crio.conf's pause_image, as mergeConfig applies it after the files (cri-o
internal/criocli/criocli.go @v1.36.3), issue 14."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pauselint.cli import main


def node(tmp_path: Path, *, conf: bool = True) -> Path:
    root = tmp_path / "node"
    if conf:
        (root / "etc/crio").mkdir(parents=True)
        (root / "etc/crio/crio.conf").write_text(
            '[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n')
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "etc/systemd/system/crio.service").write_text(
        "[Service]\nEnvironmentFile=-/etc/sysconfig/crio\n"
        "ExecStart=/usr/bin/crio $CRIO_CONFIG_OPTIONS\n")
    (root / "etc/sysconfig").mkdir(parents=True)
    (root / "etc/sysconfig/crio").write_text(
        'CRIO_CONFIG_OPTIONS="--pause-image=registry.k8s.io/pause:3.9"\n')
    return root


def show(root: Path) -> dict:
    result = CliRunner().invoke(main, ["show", "--no-config", "-o", "json", str(root)])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.output)["nodes"]
    [runtime] = entry["runtimes"]
    return runtime


def test_the_flag_wins_over_crio_conf_and_the_file_value_is_shadowed(tmp_path: Path) -> None:
    root = node(tmp_path)
    runtime = show(root)
    assert runtime["name"] == "cri-o"
    sandbox = runtime["sandbox_image"]
    assert (sandbox["value"], Path(sandbox["path"]).name) == ("registry.k8s.io/pause:3.9",
                                                                "crio")
    [overridden] = runtime["overridden"]
    assert overridden["value"] == "registry.k8s.io/pause:3.10"
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", "-k", "1.31",
                                       str(root)])
    rules = {(f["rule"], Path(f["path"]).name) for f in json.loads(result.output)["findings"]}
    assert ("PL403", "crio.conf") in rules and ("PL201", "crio") in rules


def test_the_flag_alone_is_a_crio_node(tmp_path: Path) -> None:
    runtime = show(node(tmp_path, conf=False))
    assert runtime["name"] == "cri-o"
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.9"
