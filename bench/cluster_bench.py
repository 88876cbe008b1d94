"""Benchmark `pauselint cluster` against its floor through the test API server.

Run from the repository root with the test extras installed:

    python bench/cluster_bench.py [--nodes 5000] [--runs 7] [--kubectl]
    python bench/cluster_bench.py --scale 1000,10000,50000,100000 --runs 3
    python bench/cluster_bench.py --decoders --nodes 50000   # json / orjson / msgspec
    python bench/cluster_bench.py --against /path/to/other/checkout   # A/B two versions
    python bench/cluster_bench.py --current   # the pauselint on PATH, not a fresh wheel

Every figure comes from interleaved runs in fresh processes (floor, pauselint,
floor, pauselint, ...), so a machine that gets busier slows both alike: read the
ratios. Each line gives min/median/max wall time and the median peak memory (the
child's max RSS); the ratio is of the medians, and the range of the per-pair ratios.

  - pauselint: `pauselint cluster --format json` (the real kubernetes client for
    kubeconfig, auth and TLS; pages decoded into the fields the rules need), from a
    wheel of this checkout built and installed in a fresh venv as check_bench does
    (byte-compiled, with the table's built copy, as users get it; an editable
    install parses data/compat.yaml on every run instead); `--current` times the
    `pauselint` on PATH;
  - the floor: the same pages (same `limit`) fetched on one keep-alive HTTPS
    connection with http.client and parsed with json.loads, nothing else;
  - kubectl `get nodes -o json` (with --kubectl, when it is installed).

Targets (issue 16): at or below the floor at 5,000 and 50,000 nodes, peak under
120 MB at 50,000. One server process serves every size (its fleet is built once,
as wire bytes: node i is the same at every size). Numbers go in issue notes, not
in tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from check_bench import install_wheel  # noqa: E402  (bench/ is not a package)

SERVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from tests.cluster.apiserver import KubeAPI
    from tests.cluster.nodes import iter_fleet
    api = KubeAPI(Path({folder!r})).start()
    api.write_kubeconfig(Path({folder!r}) / "kubeconfig")
    print(api.url, api.ca_path, api.token, flush=True)
    for line in sys.stdin:          # one fleet size a line; "ok" once it is served
        api.set_nodes(iter_fleet(int(line)), keep_objects=False)
        api.requests.clear()
        print("ok", flush=True)
    api.close()
""")

FLOOR = textwrap.dedent("""
    import http.client, json, ssl, sys, urllib.parse
    url, ca, token, limit = sys.argv[1:5]
    host = urllib.parse.urlsplit(url)
    context = ssl.create_default_context(cafile=ca)
    conn = http.client.HTTPSConnection(host.hostname, host.port, context=context)
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
    token_ = "";  count = 0
    while True:
        query = "limit=" + limit + ("&continue=" + urllib.parse.quote(token_) if token_ else "")
        conn.request("GET", "/api/v1/nodes?" + query, headers=headers)
        page = json.loads(conn.getresponse().read())
        count += len(page["items"])
        token_ = page["metadata"].get("continue")
        if not token_:
            break
    print(count)
""")

# One page fetched once, then each decoder timed on it in this fresh process.
DECODERS = textwrap.dedent("""
    import http.client, json, ssl, sys, time, tracemalloc, urllib.parse
    url, ca, token, limit, which = sys.argv[1:6]
    host = urllib.parse.urlsplit(url)
    conn = http.client.HTTPSConnection(host.hostname, host.port,
                                       context=ssl.create_default_context(cafile=ca))
    conn.request("GET", "/api/v1/nodes?limit=" + limit,
                 headers={"Authorization": "Bearer " + token})
    data = conn.getresponse().read()
    if which == "json":
        decode = json.loads
    elif which == "orjson":
        import orjson
        decode = orjson.loads
    else:
        from pauselint.sources import cluster_decode
        decode = cluster_decode.page
    decode(data)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter(); decode(data); best = min(best, time.perf_counter() - t)
    tracemalloc.start(); kept = decode(data); _, peak = tracemalloc.get_traced_memory()
    print(len(data), best, peak, tracemalloc.get_traced_memory()[0])
""")

MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
           "stderr=subprocess.DEVNULL); "
           "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
           "p.returncode)")


def once(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of ``command`` in a fresh process."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                         text=True, env=env, check=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024, int(out[2])


def interleaved(commands: dict[str, list[str]], runs: int,
                env: dict[str, str]) -> dict[str, list[tuple[float, float, int]]]:
    """Each command once per round, in turn, ``runs`` rounds."""
    results: dict[str, list[tuple[float, float, int]]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, command in commands.items():
            results[label].append(once(command, env))
    return results


def summary(samples: list[tuple[float, float, int]]) -> str:
    times = [s[0] for s in samples]
    peak = statistics.median(s[1] for s in samples)
    codes = sorted({s[2] for s in samples})
    return (f"{min(times):6.3f} / {statistics.median(times):6.3f} / {max(times):6.3f} s  "
            f"{peak:6.1f} MB  exit {','.join(map(str, codes))}")


def ratio(ours: list[tuple[float, float, int]], floor: list[tuple[float, float, int]]) -> str:
    pairs = [a[0] / b[0] for a, b in zip(ours, floor, strict=True)]
    median = statistics.median(s[0] for s in ours) / statistics.median(s[0] for s in floor)
    return f"{median:.2f}x (pairs {min(pairs):.2f}-{max(pairs):.2f}x)"


class Server:
    """The stand-in API server in its own process; ``serve(n)`` switches its fleet."""

    def __init__(self, folder: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER.format(repo=str(REPO), folder=folder)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url, self.ca, self.token = self.process.stdout.readline().split()
        self.kubeconfig = str(Path(folder) / "kubeconfig")

    def serve(self, nodes: int) -> None:
        self.process.stdin.write(f"{nodes}\n")
        self.process.stdin.flush()
        if self.process.stdout.readline().strip() != "ok":
            raise SystemExit("the test API server did not start serving")

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def page_size() -> int:
    """The `limit` pauselint asks for, so the floor fetches the very same pages."""
    from pauselint.sources import cluster_nodes

    return getattr(cluster_nodes, "PAGE_SIZE", 500)


def commands(server: Server, nodes: int, limit: int, this: list[str],
             other: list[str] | None = None) -> dict[str, list[str]]:
    args = ["cluster", "--kubeconfig", server.kubeconfig, "--format", "json",
            "--max-nodes", str(max(nodes, 25_000))]
    found = {
        "floor (http.client + json)": [sys.executable, "-c", FLOOR, server.url, server.ca,
                                       server.token, str(limit)],
        "pauselint cluster": [*this, *args],
    }
    if other:
        found["--against"] = [*other, *args]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scale", metavar="N,N,...",
                        help="a table over these fleet sizes instead (e.g. 1000,10000,50000)")
    parser.add_argument("--kubectl", action="store_true",
                        help="also time kubectl get nodes -o json (when installed)")
    parser.add_argument("--against", metavar="CHECKOUT", type=Path,
                        help="also time a wheel of another checkout (A/B)")
    parser.add_argument("--current", action="store_true",
                        help="time the pauselint on PATH instead of a freshly built wheel")
    parser.add_argument("--decoders", action="store_true",
                        help="time json.loads, orjson and msgspec on one page of --nodes")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    limit = page_size()
    sizes = [int(n) for n in args.scale.split(",")] if args.scale else [args.nodes]
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(tmp)
        try:
            if args.decoders:
                decoders(server, args.nodes, env)
                return
            folder = Path(tmp)
            this = ([shutil.which("pauselint") or "pauselint"] if args.current
                    else install_wheel(REPO, folder / "this"))
            other = install_wheel(args.against.resolve(), folder / "other") if args.against \
                else None
            table = []
            for nodes in sizes:
                server.serve(nodes)
                todo = commands(server, nodes, limit, this, other)
                kubectl = shutil.which("kubectl")
                if args.kubectl and kubectl:
                    todo["kubectl get nodes -o json"] = [
                        kubectl, "--kubeconfig", server.kubeconfig, "get", "nodes", "-o", "json"]
                found = interleaved(todo, args.runs, {**env, "HOME": tmp})
                floor, ours = found["floor (http.client + json)"], found["pauselint cluster"]
                print(f"{nodes:,} nodes, limit={limit}, {args.runs} interleaved rounds "
                      "(min / median / max, median peak):")
                for label, samples in found.items():
                    print(f"  {label:<28} {summary(samples)}")
                print(f"  pauselint / floor: {ratio(ours, floor)}", flush=True)
                if "--against" in found:
                    print(f"  --against / floor: {ratio(found['--against'], floor)}",
                          flush=True)
                table.append((nodes, floor, ours))
        finally:
            server.close()
    if len(table) > 1:
        print("\nscaling (medians):")
        print(f"  {'nodes':>8}  {'floor s':>8} {'floor MB':>9}  {'pauselint s':>11} "
              f"{'pauselint MB':>12}  {'ratio':>6}")
        for nodes, floor, ours in table:
            f_t, o_t = (statistics.median(s[0] for s in x) for x in (floor, ours))
            f_m, o_m = (statistics.median(s[1] for s in x) for x in (floor, ours))
            print(f"  {nodes:>8,}  {f_t:8.3f} {f_m:9.1f}  {o_t:11.3f} {o_m:12.1f}  "
                  f"{o_t / f_t:5.2f}x")


def decoders(server: Server, nodes: int, env: dict[str, str]) -> None:
    """Each decoder on the same page of ``nodes`` items (one page: the whole fleet)."""
    server.serve(nodes)
    print(f"one page of {nodes:,} nodes, best of 5, and tracemalloc peak / kept:")
    for which in ("json", "orjson", "msgspec"):
        if which == "orjson" and importlib.util.find_spec("orjson") is None:
            print(f"  {which:<8} not installed (pip install orjson to time it)")
            continue
        out = subprocess.run([sys.executable, "-c", DECODERS, server.url, server.ca,
                              server.token, str(nodes), which], capture_output=True, text=True,
                             env=env, check=True).stdout.split()
        size, best, peak, kept = int(out[0]), float(out[1]), int(out[2]), int(out[3])
        print(f"  {which:<8} {size / 2**20:7.1f} MiB  {best * 1000:8.1f} ms  "
              f"peak {peak / 2**20:7.1f} MiB  kept {kept / 2**20:7.1f} MiB")


if __name__ == "__main__":
    main()
