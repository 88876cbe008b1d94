"""bench/precommit_bench.py runs end to end, and its no-op hook sees what the real hook does.

No figure is asserted. The no-op hook copies the committed hook's filters; if it did
not, "what pre-commit adds" would be measured on other files than pauselint gets.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
REPO = BENCH.parent


def _committed() -> bool:
    run = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                         check=False)
    return run.returncode == 0


pytestmark = [
    pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit is not installed"),
    pytest.mark.skipif(not _committed(), reason="this checkout is not a git repository"),
]


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))
    import precommit_bench
    return precommit_bench


def test_the_no_op_hook_gets_every_node_file_in_one_batch(tmp_path: Path,
                                                          bench: ModuleType) -> None:
    bench.config_repo(tmp_path, 30, "nodes")
    env = {**bench.ENV, "PRE_COMMIT_HOME": str(tmp_path / ".home")}
    out = subprocess.run(["pre-commit", "run", "--all-files", "-c", ".noop-config.yaml"],
                         cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True).stdout
    assert [line for line in out.splitlines() if line.startswith("batch")] == \
        ["batch of 32 files"]
    passed = sorted(line[5:] for line in out.splitlines() if line.startswith("file "))
    generated = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                       if p.is_file() and ".git" not in p.parts and ".home" not in p.parts)
    assert passed == generated  # the 30 node files and the two pre-commit configs


def test_the_bench_prints_its_three_lines_and_the_overhead() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    run = subprocess.run([sys.executable, str(BENCH / "precommit_bench.py"), "--files", "10",
                          "--runs", "1", "--shape", "single"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=600, check=True)
    lines = run.stdout.splitlines()
    assert re.fullmatch(r"first run \(installs the hook environment\): [\d.]+ s \(exit 0\)",
                        lines[0])
    assert lines[1] == "pre-commit passes 12 files to the hook in 1 process(es) of 12 files"
    for line, label in zip(lines[3:6], ("pre-commit, no-op hook", "pre-commit, pauselint hook",
                                        "pauselint check, direct"), strict=True):
        assert re.fullmatch(rf"  {re.escape(label)} +min +[\d.]+ +median +[\d.]+ +max +[\d.]+ s"
                            r" +[\d.]+ MB  \(exit 0\)", line), line
    assert lines[6].startswith("  hook / direct: ")
