"""Benchmark the pre-commit hook: `pre-commit run --all-files` on 1,000 config files.

Run from the repository root, with pre-commit installed and this checkout committed
(pre-commit installs the hook from the committed HEAD):

    python bench/precommit_bench.py [--files 1000] [--runs 3]

The first run installs the hook environment and is reported apart; the median of
the following runs is the figure a user feels on every commit that touches them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFIG = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:{tag}"
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    head = git(REPO, "rev-parse", "HEAD")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "configs"
        work.mkdir()
        git(work, "init", "-q")
        for i in range(args.files):
            path = work / f"nodes/n{i:04d}/etc/containerd/config.toml"
            path.parent.mkdir(parents=True)
            path.write_text(CONFIG.format(tag="3.10" if i % 10 else "3.9"))
        (work / ".pre-commit-config.yaml").write_text(
            f"repos:\n- repo: {REPO}\n  rev: {head}\n  hooks:\n  - id: pauselint\n"
            "    args: [--kubernetes-version, '1.31']\n")
        git(work, "add", "-A")
        env = {**os.environ, "PRE_COMMIT_HOME": str(Path(tmp) / "home")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        command = ["pre-commit", "run", "--all-files"]
        start = time.perf_counter()
        first = subprocess.run(command, cwd=work, env=env, capture_output=True, check=False)
        install = time.perf_counter() - start
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(command, cwd=work, env=env, capture_output=True, check=False)
            times.append(time.perf_counter() - start)
        print(f"first run (installs the hook environment): {install:.2f} s "
              f"(exit {first.returncode})")
        print(f"pre-commit run --all-files on {args.files} files: "
              f"{statistics.median(times):.2f} s (median of {args.runs})")


if __name__ == "__main__":
    main()
