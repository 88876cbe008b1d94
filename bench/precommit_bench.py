"""Benchmark the pre-commit hook: `pre-commit run --all-files` on 1,000 config files.

Run from the repository root, with pre-commit installed and this checkout committed
(pre-commit installs the hook from the committed HEAD, so commit what you measure):

    python bench/precommit_bench.py [--files 1000] [--runs 10] [--shape nodes|single]

The first run installs the hook's environment and is reported apart (goal 4 is about
every run after it). Then, interleaved in fresh processes, min/median/max wall time
and the peak memory (max RSS) of:
  - pre-commit with a no-op hook (`sh -c 'echo $#'`) given the real hook's `files`,
    `types`, `require_serial` and `pass_filenames`: pre-commit's own start-up, git and
    filtering, the floor any hook pays; it also tells how many batches (processes)
    pre-commit splits the files into;
  - `pre-commit run --all-files` with the pauselint hook (target: under 0.5 s);
  - `pauselint check --ignore-unknown` on the same files, run directly with the hook
    environment's pauselint, so what pre-commit adds is visible.
The hook minus the no-op and the direct run is what the hook's `language: python`
costs on top (pre-commit checks the environment's interpreter on every run).

Shapes: `nodes` (default) is check_bench's tree, whole node folders of ten files
(containerd or CRI-O, kubelet, systemd, kubeadm), 100 nodes for 1,000 files; `single`
is one containerd config.toml a node, 1,000 nodes, the worst case for per-node work.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from check_bench import Sample, generate, interleaved

REPO = Path(__file__).resolve().parents[1]
SINGLE = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:{tag}"
"""
# pre-commit runs in a clean git environment: a GIT_DIR from a calling hook would
# point it at the wrong repository, and bytecode must be writable as users have it.
ENV = {k: v for k, v in os.environ.items()
       if not k.startswith(("GIT_", "PRE_COMMIT")) and k != "PYTHONDONTWRITEBYTECODE"}


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a fixed identity, returning its output."""
    env = {**ENV, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


def config_repo(work: Path, files: int, shape: str) -> None:
    """A git repository of ``files`` node configs, staged, with a pre-commit config
    that runs this checkout's hook at HEAD, and one that runs the no-op hook."""
    git(work, "init", "-q")
    if shape == "single":
        for i in range(files):
            path = work / f"nodes/n{i:04d}/etc/containerd/config.toml"
            path.parent.mkdir(parents=True)
            path.write_text(SINGLE.format(tag="3.10" if i % 10 else "3.9"))
    else:
        generate(work, files)
    head = git(REPO, "rev-parse", "HEAD")
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {REPO}\n  rev: {head}\n  hooks:\n  - id: pauselint\n"
        "    args: [--kubernetes-version, '1.31']\n")
    # The hook's own filters, as committed: what pre-commit would pass to pauselint.
    hook = yaml.safe_load(git(REPO, "show", "HEAD:.pre-commit-hooks.yaml"))[0]
    noop = {"id": "noop", "name": "noop", "language": "system", "verbose": True,
            "entry": "sh -c 'echo batch of $# files; printf \"file %s\\n\" \"$@\"' --"}
    noop.update({key: hook[key] for key in ("files", "exclude", "types", "types_or",
                                            "exclude_types", "require_serial",
                                            "pass_filenames") if key in hook})
    (work / ".noop-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [noop]}]}))
    git(work, "add", "-A")


def hook_pauselint(home: Path) -> Path:
    """The pauselint pre-commit installed for the hook (one repo in a fresh home)."""
    found = sorted(home.glob("repo*/py_env-*/bin/pauselint"))
    if len(found) != 1:
        raise SystemExit(f"expected one hook environment under {home}, found {found}")
    return found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="files (default 1,000)")
    parser.add_argument("--runs", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument("--shape", choices=("nodes", "single"), default="nodes",
                        help="ten-file node folders (default) or one file a node")
    args = parser.parse_args()
    if shutil.which("pre-commit") is None:
        raise SystemExit("pre-commit is not on PATH: install it (pip install pre-commit) "
                         "or activate the environment that has it")
    if git(REPO, "status", "--porcelain", "--", ".pre-commit-hooks.yaml"):
        print("note: .pre-commit-hooks.yaml has uncommitted changes; pre-commit uses HEAD's",
              file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        work, home = Path(tmp) / "configs", Path(tmp) / "home"
        work.mkdir()
        config_repo(work, args.files, args.shape)
        env = {**ENV, "PRE_COMMIT_HOME": str(home)}
        run = ["pre-commit", "run", "--all-files", "--color", "never"]

        start = time.perf_counter()
        first = subprocess.run(run, cwd=work, env=env, capture_output=True, text=True,
                               check=False)
        print(f"first run (installs the hook environment): {time.perf_counter() - start:.2f} s "
              f"(exit {first.returncode})")
        if first.returncode not in (0, 1):
            raise SystemExit(first.stdout + first.stderr)
        noop = subprocess.run([*run, "-c", ".noop-config.yaml"], cwd=work, env=env,
                              capture_output=True, text=True, check=True).stdout
        batches = [line.split()[2] for line in noop.splitlines() if line.startswith("batch of")]
        # The files pre-commit passes (the two configs among them: they are YAML).
        names = [line[5:] for line in noop.splitlines() if line.startswith("file ")]
        print(f"pre-commit passes {len(names):,} files to the hook in {len(batches)} "
              f"process(es) of {', '.join(batches)} files")

        samples = [
            Sample("pre-commit, no-op hook", [*run, "-c", ".noop-config.yaml"], env, work),
            Sample("pre-commit, pauselint hook", run, env, work),
            Sample("pauselint check, direct", [str(hook_pauselint(home)), "check",
                                               "--ignore-unknown", "--kubernetes-version",
                                               "1.31", *names], env, work),
        ]
        interleaved(samples, args.runs)
        noop_s, hook_s, direct_s = samples
        print(f"{args.files:,} files ({args.shape}), {args.runs} interleaved runs "
              "(target: pauselint hook under 0.5 s):")
        for sample in samples:
            print(sample.line(None))
        print(f"  hook / direct: {hook_s.median / direct_s.median:.2f}x: pre-commit adds "
              f"{(hook_s.median - direct_s.median) * 1000:.0f} ms to pauselint's own; a no-op "
              f"hook costs {noop_s.median * 1000:.0f} ms")


if __name__ == "__main__":
    main()
