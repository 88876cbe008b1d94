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
              '  sandbox_image = "{image}"\n')
CRIO = '[crio.image]\npause_image = "registry.k8s.io/pause:3.9"\n'


def write_nodes(nodes: Path, image: str) -> None:
    """NODES node folders, each a containerd config setting ``image`` and a CRI-O one."""
    for node in range(NODES):
        root = nodes / f"n{node:02d}"
        (root / "etc/containerd").mkdir(parents=True)
        (root / "etc/containerd/config.toml").write_text(CONTAINERD.format(image=image))
        (root / "etc/crio").mkdir()
        (root / "etc/crio/crio.conf").write_text(CRIO)


def live_configs(under: Path) -> int:
    """ConfigFiles alive of files under ``under`` (other tests' may come and go)."""
    gc.collect()
    return sum(1 for item in gc.get_objects()
               if type(item) is ConfigFile and str(item.path).startswith(str(under)))


@pytest.mark.parametrize("output_format", ["json", "text"])
def test_the_files_of_nodes_judged_are_let_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              output_format: str) -> None:
    write_nodes(tmp_path / "nodes", "k8s.gcr.io/pause:3.10")
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
    # The last node's two files (and the run's caches: containerd keeps one reading of
    # a text that repeats, as of one file) are all that is left of the 2 x 40 files
    # read; all of them were alive while the views were made.
    assert 2 <= alive[-1] <= 5, alive[-1]
    if output_format == "json":
        nodes = json.loads(result.output)["nodes"]
        assert [entry["name"] for entry in nodes] == [
            str(tmp_path / "nodes" / f"n{node:02d}") for node in range(NODES)]
        assert all(len(entry["files"]) == 2 for entry in nodes)


def test_a_chunk_is_all_that_is_held_while_its_nodes_are_judged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_nodes(tmp_path / "nodes", "registry.k8s.io/pause:3.10")
    alive: list[int] = []
    run_rules = engine.run_rules

    def counted(ctx, modules):
        alive.append(live_configs(tmp_path))
        return run_rules(ctx, modules)

    monkeypatch.setattr(engine, "run_rules", counted)
    monkeypatch.setattr(engine, "CHUNK_FILES", 8)  # four nodes a chunk
    result = CliRunner().invoke(main, ["check", "--no-config", "-k", "1.31", "--format",
                                       "json", str(tmp_path / "nodes")])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["nodes"]) == NODES
    # Read all at once, the first node was judged with all 80 files alive; now it is
    # at most its own chunk's 8 (and the run's caches').
    assert max(alive) <= 10, alive
