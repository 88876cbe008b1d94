"""Benchmark `pauselint cluster` on 5,000 realistic nodes through the test API server.

Run from the repository root with the test extras installed:

    python bench/cluster_bench.py [--nodes 5000] [--runs 3]

Reports the median wall time and peak memory (max RSS) of three clients against
the same server, each in a fresh process:
  - `pauselint cluster --format json` (the real kubernetes client, raw JSON pages);
  - `kubectl get nodes -o json` (when kubectl is available);
  - the floor: the same pages fetched with http.client + json.loads, nothing else.
Targets (issue #5): at most 2.5x the floor, well under kubectl, peak under 200 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SERVER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from tests.cluster.apiserver import KubeAPI
    from tests.cluster.nodes import fleet
    api = KubeAPI(Path({folder!r})).start()
    api.set_nodes(fleet({nodes}))
    api.write_kubeconfig(Path({folder!r}) / "kubeconfig")
    print(api.url, api.ca_path, api.token, flush=True)
    sys.stdin.read()
    api.close()
""")

FLOOR = textwrap.dedent("""
    import http.client, json, ssl, sys, urllib.parse
    url, ca, token = sys.argv[1:4]
    host = urllib.parse.urlsplit(url)
    context = ssl.create_default_context(cafile=ca)
    conn = http.client.HTTPSConnection(host.hostname, host.port, context=context)
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
    token_ = "";  count = 0
    while True:
        query = "limit=500" + ("&continue=" + urllib.parse.quote(token_) if token_ else "")
        conn.request("GET", "/api/v1/nodes?" + query, headers=headers)
        page = json.loads(conn.getresponse().read())
        count += len(page["items"])
        token_ = page["metadata"].get("continue")
        if not token_:
            break
    print(count)
""")

MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
           "stderr=subprocess.DEVNULL); "
           "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
           "p.returncode)")


def measure(command: list[str], runs: int, env: dict[str, str]) -> tuple[float, float, int]:
    """Median wall seconds and median peak RSS (MB) of ``command`` in fresh processes."""
    times, peaks, code = [], [], 0
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                             text=True, env=env, check=True).stdout.split()
        times.append(float(out[0]))
        peaks.append(int(out[1]) / 1024)
        code = int(out[2])
    return statistics.median(times), statistics.median(peaks), code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER.format(repo=str(REPO), folder=tmp, nodes=args.nodes)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            url, ca, token = server.stdout.readline().split()
            kubeconfig = str(Path(tmp) / "kubeconfig")
            floor = measure([sys.executable, "-c", FLOOR, url, ca, token], args.runs, env)
            pauselint = shutil.which("pauselint") or "pauselint"
            ours = measure([pauselint, "cluster", "--kubeconfig", kubeconfig, "--format", "json"],
                           args.runs, env)
            rows = [("floor (http.client + json)", floor), ("pauselint cluster", ours)]
            kubectl = shutil.which("kubectl")
            if kubectl:
                home = {**env, "HOME": tmp}
                rows.append(("kubectl get nodes -o json",
                             measure([kubectl, "--kubeconfig", kubeconfig, "get", "nodes", "-o",
                                      "json"], args.runs, home)))
        finally:
            server.stdin.close()
            server.wait(timeout=30)
    print(f"{args.nodes} nodes, median of {args.runs} fresh processes:")
    for label, (seconds, peak, code) in rows:
        print(f"  {label:<28} {seconds:6.2f} s  {peak:7.1f} MB peak  (exit {code})")
    print(f"  pauselint / floor: {ours[0] / floor[0]:.2f}x (target <= 2.5x)")


if __name__ == "__main__":
    main()
