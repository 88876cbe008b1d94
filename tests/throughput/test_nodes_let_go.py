"""A node's read files are let go once it is judged and described, so a run never
holds every node's files beside every node's entry (issue 16: memory). What the run
reports is unchanged (the output comparisons in the issue notes; the suite)."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint import engine
from pauselint.cli import main
from pauselint.model import ConfigFile

NODES = 40
CONTAINERD = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "k8s.gcr.io/pause:{tag}"\n')
CRIO = '[crio.image]\npause_image = "registry.k8s.io/pause:{tag}"\n'


def live_configs(under: Path) -> int:
    """ConfigFiles alive of files under ``under`` (other tests' may come and go)."""
    gc.collect()
    return sum(1 for item in gc.get_objects()
               if type(item) is ConfigFile and str(item.path).startswith(str(under)))


@pytest.mark.parametrize("output_format", ["json", "text"])
def test_the_files_of_nodes_judged_are_let_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              output_format: str) -> None:
    for node in range(NODES):
        root = tmp_path / "nodes" / f"n{node:02d}"
        (root / "etc/containerd").mkdir(parents=True)
        (root / "etc/containerd/config.toml").write_text(CONTAINERD.format(tag="3.10"))
        (root / "etc/crio").mkdir()
        (root / "etc/crio/crio.conf").write_text(CRIO.format(tag="3.9"))
    alive: list[int] = []
    run_rules = engine.run_rules

    def counted(ctx, modules):
        if len(alive) == NODES - 1:  # the last node: every other one is judged by now
            alive.append(live_configs(tmp_path))
        else:
            alive.append(-1)
        return run_rules(ctx, modules)

    monkeypatch.setattr(engine, "run_rules", counted)
    result = CliRunner().invoke(main, ["check", "--no-config", "-k", "1.31", "--format",
                                       output_format, str(tmp_path / "nodes")])
    assert result.exit_code == 1, result.output  # k8s.gcr.io is frozen: findings
    assert len(alive) == NODES
    # The last node's two files (and the run's caches) are all that is left of the
    # 2 x 40 files read; all of them were alive while the views were made.
    assert 2 <= alive[-1] <= 4, alive[-1]
    if output_format == "json":
        nodes = json.loads(result.output)["nodes"]
        assert [entry["name"] for entry in nodes] == [
            str(tmp_path / "nodes" / f"n{node:02d}") for node in range(NODES)]
        assert all(len(entry["files"]) == 2 for entry in nodes)
