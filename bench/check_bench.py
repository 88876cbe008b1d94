"""Benchmark `pauselint check`: cold start and throughput.

Run from the repository root with pauselint installed:

    python bench/check_bench.py [--runs 10] [--files 10000]

Prints the median cold start of `pauselint check` on one file against
`python -c "import yaml, click, packaging"` (the floor any click+yaml tool pays),
and the wall time of one `pauselint check` over N generated config files.
Targets (issue #2): cold start within 1.5x of the baseline; 10,000 files < 10 s.
Numbers go in issue notes, not in timed tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

CONTAINERD = """version = 2
root = "/var/lib/containerd"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:{tag}"

  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = true
"""

CRIO = """[crio]
log_dir = "/var/log/crio/pods"

[crio.image]
pause_image = "registry.k8s.io/pause:{tag}"

[crio.runtime]
default_runtime = "crun"
"""

TAGS = ("3.6", "3.9", "3.10", "3.4", "3.10.1")


REPO = Path(__file__).resolve().parents[1]


def install_wheel(tmp: Path) -> list[str]:
    """Build this checkout's wheel and install it in a fresh venv, as users get it
    (byte-compiled, with the JSON copy of the table); dependencies come from this
    interpreter's site-packages."""
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(dist), str(REPO)], check=True)
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(tmp / "venv")
    python = tmp / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                    *map(str, dist.glob("pauselint-*.whl"))], check=True, env=ENV)
    return [str(tmp / "venv" / "bin" / "pauselint")]


def pauselint_command() -> list[str]:
    exe = shutil.which("pauselint")
    return [exe] if exe else [sys.executable, "-m", "pauselint"]


# Installed packages run from byte-compiled files (pip compiles wheels on install);
# a PYTHONDONTWRITEBYTECODE shell would make every run re-compile the source.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV,
                   check=False)  # warm-up: writes the byte code, fills the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV,
                       check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def generate(folder: Path, count: int) -> None:
    for i in range(count):
        sub = folder / f"node{i // 100:03d}"
        sub.mkdir(exist_ok=True)
        tag = TAGS[i % len(TAGS)]
        if i % 2:
            (sub / f"crio-{i}.conf").write_text(CRIO.format(tag=tag))
        else:
            (sub / f"config-{i}.toml").write_text(CONTAINERD.format(tag=tag))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--current", action="store_true",
                        help="time the pauselint on PATH instead of a freshly built wheel")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        command = pauselint_command() if args.current else install_wheel(Path(tmp))
        one = Path(tmp) / "config.toml"
        one.write_text(CONTAINERD.format(tag="3.9"))
        baseline = median_seconds([sys.executable, "-c", "import yaml, click, packaging"],
                                  args.runs)
        cold = median_seconds([*command, "check", "-k", "1.31", str(one)], args.runs)
        print(f"baseline  import yaml, click, packaging: {baseline * 1000:7.1f} ms (median of "
              f"{args.runs})")
        print(f"cold start pauselint check (1 file):     {cold * 1000:7.1f} ms "
              f"({cold / baseline:.2f}x baseline; target <= 1.5x)")

        many = Path(tmp) / "many"
        many.mkdir()
        generate(many, args.files)
        start = time.perf_counter()
        proc = subprocess.run([*command, "check", "-k", "1.31", "--format", "json",
                               str(many)], capture_output=True,
                              env=ENV, check=False)
        elapsed = time.perf_counter() - start
        print(f"throughput: {args.files} files in {elapsed:.2f} s "
              f"({args.files / elapsed:,.0f} files/s; exit {proc.returncode}; target < 10 s)")


if __name__ == "__main__":
    main()
