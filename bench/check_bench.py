"""Benchmark `pauselint check`: cold start and throughput, each against its floor.

Run from the repository root:

    python bench/check_bench.py [--runs 10] [--files 10000] [--unique]
    python bench/check_bench.py --scale 1000,10000,50000,100000 --runs 3
    python bench/check_bench.py --against /path/to/other/checkout   # A/B two versions
    python bench/check_bench.py --instructions   # also callgrind counts of the cold start

Every figure comes from interleaved runs in fresh processes (floor, pauselint,
floor, pauselint, ...), so a machine that gets busier slows both alike; read the
ratios. Each line gives min/median/max wall time and the median peak memory (the
child's max RSS).

Floors:
  - cold start: `python -c "import yaml, click, packaging"`, what any click+yaml tool
    pays; pauselint checks one containerd file (target: within 1.2x);
  - throughput: the same files read from disk and parsed, TOML with `tomllib` and
    YAML with libyaml's `CSafeLoader`, nothing else (target: within 2x).

The generated tree is a config repo of real node folders, ten nodes (100 files) a
folder: nodes/gGGGG/nNN/ with ten files each. Even nodes run containerd (config.toml
and four certs.d/<host>/hosts.toml), odd ones CRI-O (crio.conf, three crio.conf.d
drop-ins, registries.conf); every node also has the kubelet's kubeadm-flags.env,
config.yaml, /etc/default (or sysconfig) kubelet and systemd drop-in, and a two-document
kubeadm-config.yaml. Per 10 files: 5 TOML, 2 YAML, 3 env/unit files the floor only
reads. Pause tags vary so some nodes have findings. Like a fleet's repo, most texts
repeat from node to node, and pauselint reads a repeated text once
(source_text.TEXTS_REMEMBERED); `--unique` ends every file with a comment of its
own, for the cost when nothing repeats.

By default a wheel of this checkout is built and installed in a fresh virtual
environment (byte-compiled, with the table's built copy, as users get it); `--current`
times the pauselint on PATH instead. Numbers go in issue notes, not in tests.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from collections.abc import Sequence
from pathlib import Path

CONTAINERD = """version = 2
root = "/var/lib/containerd"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:{tag}"

  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = true

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
"""

HOSTS = """server = "https://{host}"

[host."https://mirror.example.internal/v2/{host}"]
  capabilities = ["pull", "resolve"]
  override_path = true
"""
MIRRORED = ("docker.io", "registry.k8s.io", "quay.io", "ghcr.io")

CRIO = """[crio]
log_dir = "/var/log/crio/pods"

[crio.image]
pause_image = "registry.k8s.io/pause:{tag}"

[crio.runtime]
default_runtime = "crun"
"""

CRIO_DROP_INS = {
    "10-crun.conf": '[crio.runtime.runtimes.crun]\nruntime_path = "/usr/bin/crun"\n',
    "20-metrics.conf": "[crio.metrics]\nenable_metrics = true\nmetrics_port = 9537\n",
    "30-pause.conf": '[crio.image]\npause_image = "registry.k8s.io/pause:{tag}"\n',
}

REGISTRIES = """unqualified-search-registries = ["docker.io"]

[[registry]]
prefix = "docker.io"
location = "mirror.example.internal/docker.io"
"""

KUBEADM_FLAGS = ('KUBELET_KUBEADM_ARGS="--container-runtime-endpoint={socket} '
                 '--pod-infra-container-image=registry.k8s.io/pause:{tag}"\n')

KUBELET_DEFAULTS = 'KUBELET_EXTRA_ARGS="--node-labels=role=worker --max-pods=110"\n'

DROP_IN = (
    "# Note: This dropin only works with kubeadm and kubelet v1.11+\n"
    "[Service]\n"
    'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/'
    'bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"\n'
    'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\n'
    "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
    "EnvironmentFile=-/etc/default/kubelet\n"
    "ExecStart=\n"
    "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS "
    "$KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n"
)

KUBEADM = """apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.4
imageRepository: registry.k8s.io
networking:
  podSubnet: 10.244.0.0/16
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  criSocket: {socket}
  kubeletExtraArgs:
    - name: node-labels
      value: role=worker
"""

KUBELET_CONFIG = """apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
containerRuntimeEndpoint: {socket}
clusterDNS:
  - 10.96.0.10
clusterDomain: cluster.local
evictionHard:
  memory.available: 100Mi
  nodefs.available: 10%
"""

TAGS = ("3.10", "3.10", "3.10", "3.9", "3.6")
FILES_PER_NODE = 10
NODES_PER_FOLDER = 10  # so one folder holds 100 files, as the flat tree of old did

# The throughput floor: read and parse every file, nothing else.
FLOOR = """
import os, sys, yaml
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as a package
    import tomli as tomllib
for root, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        with open(os.path.join(root, name), "rb") as handle:
            text = handle.read().decode("utf-8")
        if name.endswith((".yaml", ".yml")):
            list(yaml.load_all(text, Loader=yaml.CSafeLoader))
        elif name.endswith((".toml", ".conf")) and "kubelet.service.d" not in root:
            tomllib.loads(text)
"""
START_FLOOR = "import yaml, click, packaging"

REPO = Path(__file__).resolve().parents[1]
# Installed packages run from byte-compiled files (pip compiles wheels on install);
# a PYTHONDONTWRITEBYTECODE shell would make every run re-compile the source.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def install_wheel(checkout: Path, tmp: Path) -> list[str]:
    """Build ``checkout``'s wheel and install it in a fresh venv, as users get it;
    dependencies come from this interpreter's site-packages.

    They are named by a ``.pth`` line, not reached with ``system_site_packages``:
    that adds the *base* interpreter's site-packages, whose own ``.pth`` files then
    run at every start-up of the floor and of pauselint alike. One on a sandboxed
    machine imported certifi, and with it pathlib, into both, which no user's run
    does and which hid what keeping pathlib off check's path saves."""
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(dist), str(checkout)], check=True, env=ENV)
    venv.EnvBuilder(with_pip=True).create(tmp / "venv")
    python = tmp / "venv" / "bin" / "python"
    own = subprocess.run([str(python), "-c",
                          "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         check=True, env=ENV, capture_output=True, text=True).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    Path(own, "_bench_dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                    *map(str, dist.glob("pauselint-*.whl"))], check=True, env=ENV)
    return [str(tmp / "venv" / "bin" / "pauselint")]


def pauselint_command() -> list[str]:
    """The pauselint on PATH (``--current``), else this interpreter's module."""
    exe = shutil.which("pauselint")
    return [exe] if exe else [sys.executable, "-m", "pauselint"]


def node_files(node: int) -> dict[str, str]:
    """The ten files of node number ``node``, by path below its root: a containerd
    node (even numbers) or a CRI-O node (odd), each with its kubelet's and kubeadm's."""
    tag = TAGS[node % len(TAGS)]
    if node % 2:
        socket = "unix:///var/run/crio/crio.sock"
        files = {"etc/crio/crio.conf": CRIO.format(tag=tag),
                 "etc/containers/registries.conf": REGISTRIES,
                 "etc/sysconfig/kubelet": KUBELET_DEFAULTS}
        files.update((f"etc/crio/crio.conf.d/{name}", text.format(tag=tag))
                     for name, text in CRIO_DROP_INS.items())
    else:
        socket = "unix:///run/containerd/containerd.sock"
        files = {"etc/containerd/config.toml": CONTAINERD.format(tag=tag),
                 "etc/default/kubelet": KUBELET_DEFAULTS}
        files.update((f"etc/containerd/certs.d/{host}/hosts.toml", HOSTS.format(host=host))
                     for host in MIRRORED)
    files.update({
        "var/lib/kubelet/kubeadm-flags.env": KUBEADM_FLAGS.format(tag=tag, socket=socket),
        "var/lib/kubelet/config.yaml": KUBELET_CONFIG.format(socket=socket),
        "etc/systemd/system/kubelet.service.d/10-kubeadm.conf": DROP_IN,
        "etc/kubernetes/kubeadm-config.yaml": KUBEADM.format(socket=socket),
    })
    assert len(files) == FILES_PER_NODE
    return files


def generate(folder: Path, count: int, unique: bool = False) -> None:
    """``count`` files (rounded up to whole nodes) in the shape the docstring says:
    ``nodes/gGGGG/nNN/<node files>``, ten nodes (100 files) a folder. ``unique``
    ends every file with a comment of its own, so no two texts are the same."""
    number = 0
    for node in range(-(-count // FILES_PER_NODE)):
        root = folder / "nodes" / f"g{node // NODES_PER_FOLDER:04d}" / \
            f"n{node % NODES_PER_FOLDER:02d}"
        for below, content in node_files(node).items():
            path = root / below
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{content}\n# file {number}\n" if unique else content)
            number += 1


class Sample:
    """One command's runs: wall seconds and peak MB of each."""

    def __init__(self, label: str, command: Sequence[str], env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.label = label
        self.command = list(command)
        self.env = ENV if env is None else env
        self.cwd = cwd
        self.walls: list[float] = []
        self.peaks: list[float] = []
        self.exit = 0  # the worst exit seen: 2 (a crash, a usage error) must not hide

    def run_once(self) -> None:
        start = time.perf_counter()
        child = subprocess.Popen(self.command, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=self.env, cwd=self.cwd)
        _, status, usage = os.wait4(child.pid, 0)
        self.walls.append(time.perf_counter() - start)
        self.peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
        self.exit = max(self.exit, os.waitstatus_to_exitcode(status))

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    def line(self, floor: Sample | None) -> str:
        ratio = f"  {self.median / floor.median:5.2f}x floor" if floor and floor is not self else ""
        return (f"  {self.label:<34} min {min(self.walls):7.3f}  median {self.median:7.3f}  "
                f"max {max(self.walls):7.3f} s  {statistics.median(self.peaks):6.1f} MB"
                f"  (exit {self.exit}){ratio}")


def interleaved(samples: Sequence[Sample], runs: int) -> None:
    """One warm-up each (byte code, page cache), then ``runs`` rounds A, B, A, B ..."""
    for sample in samples:
        subprocess.run(sample.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=sample.env, cwd=sample.cwd, check=False)
    for _ in range(runs):
        for sample in samples:
            sample.run_once()


def collected(callgrind_stderr: str) -> int | None:
    """The instruction count in callgrind's summary (``==PID== Collected : N``)."""
    match = re.search(r"^==\d+== Collected : (\d+)$", callgrind_stderr, re.M)
    return int(match.group(1)) if match else None


def instructions(sample: Sample) -> int | None:
    """User-space instructions of one run of ``sample`` under callgrind (hash seed
    fixed), or None without valgrind. Unlike wall time they do not drift with the
    machine's load, so they show a change smaller than its noise; they leave out
    what the kernel does (opening and reading each module, page faults), which is
    why a ratio of them comes out below the ratio of times."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    result = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *sample.command],
        capture_output=True, text=True, env={**sample.env, "PYTHONHASHSEED": "0"},
        cwd=sample.cwd, check=False)
    return collected(result.stderr)


def report_instructions(samples: Sequence[Sample]) -> None:
    """One callgrind run of each sample (the floor first), with the same ratios."""
    counts = [instructions(sample) for sample in samples]
    if any(count is None for count in counts):
        print("instructions: valgrind is not installed (or gave no count)")
        return
    print("instructions, one callgrind run each (user space only):")
    for sample, count in zip(samples, counts, strict=True):
        ratio = f"  {count / counts[0]:5.2f}x floor" if sample is not samples[0] else ""
        print(f"  {sample.label:<34} {count / 1e6:9.1f} M{ratio}")
    if len(samples) == 3:
        print(f"  this / other: {counts[2] / counts[1]:.3f}x")


def report(title: str, samples: Sequence[Sample]) -> None:
    """Print ``samples`` (the floor first) under ``title``; with two installs, also
    the ratio of their medians, the figure an A/B comparison is for."""
    print(title)
    for sample in samples:
        print(sample.line(samples[0]))
    if len(samples) == 3:
        other, this = samples[1], samples[2]
        print(f"  this / other: {this.median / other.median:.2f}x")


def floor_python(installs: dict[str, list[str]]) -> str:
    """The interpreter the floors run under: the one beside the (first) pauselint
    timed, so both pay the same site start-up (with ``--current``, a venv made with
    system site-packages runs that site's .pth files, which a bare ``sys.executable``
    venv may not: timed under different interpreters, the floor measured ~12 ms less
    than pauselint pays before its first import)."""
    for command in installs.values():
        beside = Path(command[0]).with_name("python")
        if len(command) == 1 and beside.is_file():
            return str(beside)
    return sys.executable


def startup(installs: dict[str, list[str]], folder: Path, runs: int) -> list[Sample]:
    """Cold start: each install's ``check`` on one containerd file, interleaved with
    the import floor. Both run in a folder of their own, holding only that file:
    ``check`` looks for a config from its working folder up, and the figure must not
    depend on whether the folder the bench was started from has a pyproject.toml."""
    alone = folder / "one"
    alone.mkdir()
    one = alone / "config.toml"
    one.write_text(CONTAINERD.format(tag="3.10"))
    floor = Sample(f"floor: {START_FLOOR}", [floor_python(installs), "-c", START_FLOOR],
                   cwd=alone)
    ours = [Sample(f"{label}check (1 file)", [*cmd, "check", "-k", "1.31", str(one)],
                   cwd=alone) for label, cmd in installs.items()]
    interleaved([floor, *ours], runs)
    return [floor, *ours]


def throughput(installs: dict[str, list[str]], folder: Path, files: int,
               runs: int, unique: bool = False) -> list[Sample]:
    """Throughput: each install's ``check`` over a generated tree of ``files`` files,
    interleaved with the parse floor over the same tree."""
    tree = folder / f"tree-{files}{'-unique' if unique else ''}"
    if not tree.exists():
        generate(tree, files, unique)
    floor = Sample("floor: tomllib + CSafeLoader",
                   [floor_python(installs), "-c", FLOOR, str(tree)])
    ours = [Sample(f"{label}check --format json", [*cmd, "check", "-k", "1.31", "--format",
                                                   "json", str(tree)])
            for label, cmd in installs.items()]
    interleaved([floor, *ours], runs)
    return [floor, *ours]


def scale(installs: dict[str, list[str]], folder: Path, sizes: list[int], runs: int,
          unique: bool = False) -> None:
    """The scaling table: per size, median time and peak memory of the floor and of
    each install, so a cost that grows faster than the files shows as a rising ratio."""
    print(f"scaling, {runs} interleaved runs per size (time: median; target within 2x of the "
          "floor, memory flat):")
    labels = list(installs)
    header = "  files    floor s   floor MB" + "".join(
        f"  {(label.rstrip(': ') or 'pauselint'):>11} s      MB  ratio" for label in labels)
    print(header)
    for size in sizes:
        floor, *ours = throughput(installs, folder, size, runs, unique)
        row = f"  {size:>7,}  {floor.median:8.2f}  {statistics.median(floor.peaks):8.1f}"
        for sample in ours:
            row += (f"  {sample.median:12.2f}  {statistics.median(sample.peaks):6.1f}  "
                    f"{sample.median / floor.median:5.2f}x")
        if len(ours) == 2:
            row += f"  this/other {ours[1].median / ours[0].median:5.2f}x"
        if any(sample.exit > 1 for sample in (floor, *ours)):  # 1: findings, fine
            row += "  FAILED: exit " + "/".join(str(sample.exit) for sample in (floor, *ours))
        print(row, flush=True)
        shutil.rmtree(folder / f"tree-{size}{'-unique' if unique else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument("--files", type=int, default=10_000,
                        help="files in the throughput tree (default 10,000)")
    parser.add_argument("--scale", metavar="N,N,...",
                        help="print the scaling table for these file counts instead, e.g. "
                             "1000,10000,50000,100000")
    parser.add_argument("--unique", action="store_true",
                        help="make every file's text its own (a comment), so nothing a fleet "
                             "repeats is read once for many files")
    parser.add_argument("--current", action="store_true",
                        help="time the pauselint on PATH instead of a freshly built wheel")
    parser.add_argument("--against", metavar="CHECKOUT", type=Path,
                        help="also build and time another checkout (a worktree of the "
                             "session start), interleaved with this one")
    parser.add_argument("--instructions", action="store_true",
                        help="also count each cold start's instructions with valgrind's "
                             "callgrind (steady where times are noisy)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        installs: dict[str, list[str]] = {}
        if args.against:
            installs["other: "] = install_wheel(args.against.resolve(), folder / "other")
        this = pauselint_command() if args.current else install_wheel(REPO, folder / "this")
        installs["this: " if args.against else ""] = this
        if args.scale:
            scale(installs, folder, [int(n) for n in args.scale.split(",")], args.runs,
                  args.unique)
            return
        cold = startup(installs, folder, args.runs)
        report(f"cold start, {args.runs} interleaved runs (target: within 1.2x):", cold)
        if args.instructions:
            report_instructions(cold)
        shape = ", every text unique" if args.unique else ""
        report(f"throughput, {args.files:,} files{shape}, {args.runs} interleaved runs "
               "(target: within 2x):",
               throughput(installs, folder, args.files, args.runs, args.unique))


if __name__ == "__main__":
    main()
