"""bench/check_bench.py runs, prints its tables, and times a tree pauselint reads whole.

No figure is asserted (the machine is shared; numbers go in issue notes): the point is
that the bench still runs after a change, and that the tree it times is what it says,
so a ratio against the parse floor compares the same work.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

BENCH = Path(__file__).resolve().parents[2] / "bench" / "check_bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pauselint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pauselint", *args], capture_output=True,
                          text=True, check=False)


def test_the_tree_is_whole_nodes_of_ten_files_in_folders_of_a_hundred(tmp_path: Path) -> None:
    bench = _bench()
    bench.generate(tmp_path, 195)  # rounded up to 20 nodes
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(files) == 200
    nodes = {p.relative_to(tmp_path).parts[:3] for p in files}
    assert len(nodes) == 20
    assert {n[1] for n in nodes} == {"g0000", "g0001"}
    kinds = {"toml": 0, "yaml": 0, "read only": 0}
    for path in files:
        text = path.read_text()
        if path.suffix == ".yaml":
            assert list(yaml.load_all(text, Loader=yaml.CSafeLoader))
            kinds["yaml"] += 1
        elif path.suffix in (".toml", ".conf") and "kubelet.service.d" not in str(path):
            tomllib.loads(text)
            kinds["toml"] += 1
        else:
            kinds["read only"] += 1
    assert kinds == {"toml": 100, "yaml": 40, "read only": 60}


def test_pauselint_reads_every_generated_file_as_its_node_s(tmp_path: Path) -> None:
    _bench().generate(tmp_path, 20)
    run = _pauselint("check", "-k", "1.31", "--format", "json", str(tmp_path))
    report = json.loads(run.stdout)
    assert report["errors"] == []
    assert report["summary"]["inputs"] == 20
    assert [len(node["files"]) for node in report["nodes"]] == [10, 10]
    runtimes = [node["runtimes"][0]["name"] for node in report["nodes"]]
    assert runtimes == ["containerd", "cri-o"]
    # Some nodes are meant to have findings (the varied pause tags), so the rules run.
    assert report["summary"]["warning"] > 0


def test_the_bench_prints_both_floors_and_the_scaling_table() -> None:
    run = subprocess.run([sys.executable, str(BENCH), "--current", "--runs", "1", "--files",
                          "20"], capture_output=True, text=True, check=True, timeout=120)
    lines = run.stdout.splitlines()
    assert lines[0].startswith("cold start, 1 interleaved runs")
    assert "floor: import yaml, click, packaging" in lines[1]
    assert re.search(r"check \(1 file\) .* min .* median .* max .* MB .*\(exit 0\) +[\d.]+x floor",
                     lines[2])
    assert lines[3].startswith("throughput, 20 files")
    assert "floor: tomllib + CSafeLoader" in lines[4]
    assert re.search(r"check --format json .*\(exit [01]\) +[\d.]+x floor", lines[5])

    run = subprocess.run([sys.executable, str(BENCH), "--current", "--runs", "1", "--scale",
                          "10,30"], capture_output=True, text=True, check=True, timeout=120)
    rows = run.stdout.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["10", "30"]
    assert all(re.search(r"[\d.]+x$", row) for row in rows), rows


def test_the_instruction_count_is_read_from_callgrind_s_summary() -> None:
    bench = _bench()
    stderr = ("==4242== Callgrind, a call-graph generating cache profiler\n"
              "==4242== Events    : Ir\n==4242== Collected : 311234567\n==4242== \n"
              "==4242== I   refs:      311,234,567\n")
    assert bench.collected(stderr) == 311_234_567
    assert bench.collected("Collected : 12 (no pid prefix: not callgrind's summary)") is None


def test_a_sample_s_instructions_are_counted_in_its_own_folder(tmp_path: Path) -> None:
    """One real callgrind run a sample (skipped without valgrind): the count is the
    command's, run in the sample's folder, not the bench's own."""
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    bench = _bench()
    (tmp_path / "marker").write_text("")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # More work only where the marker is: the count must follow the sample's folder.
    probe = [sys.executable, "-c",
             "import os\nif os.path.exists('marker'):\n    import email.parser, json, decimal"]
    there = bench.instructions(bench.Sample("there", probe, cwd=tmp_path))
    not_there = bench.instructions(bench.Sample("not there", probe, cwd=elsewhere))
    assert there is not None and not_there is not None
    assert there > not_there * 1.2 > 0
