"""`check -o openmetrics` against the programs that read it: Debian's promtool and
prometheus-node-exporter (fetched by debian.py; skipped with the reason where they
cannot be had).

promtool checks the exposition and lints it (names, HELP, TYPE); node-exporter's
textfile collector is the consumer the format is for: the file written with
``--output-file`` into its folder is scraped once over HTTP and every pauselint
series must come back with the value the same run's JSON report gives, and
``node_textfile_scrape_error`` must be 0 (a file it cannot parse sets it to 1).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .debian import FetchError, fetch

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PROMTOOL = Path("usr/bin/promtool")
NODE_EXPORTER = Path("usr/bin/prometheus-node-exporter")
# A node folder whose name breaks every naive writer of the format: a double quote,
# a backslash, a line feed and an ESC (a file name may hold all of them).
HOSTILE = 'we"ird\\node\nsecond line\x1b[31m'
CONFIG = '[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "k8s.gcr.io/pause:3.6"\n'
READY_SECONDS = 20.0
# One sample line of the text format as node-exporter writes it.
SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


@pytest.fixture(scope="module")
def programs() -> dict[str, Path]:
    """promtool and prometheus-node-exporter as Debian ships them (cached)."""
    try:
        roots = fetch("promtool", "prometheus-node-exporter")
    except FetchError as exc:
        pytest.skip(f"Debian's promtool/prometheus-node-exporter cannot be fetched: {exc}")
    found = {"promtool": roots["promtool"] / PROMTOOL,
             "node-exporter": roots["prometheus-node-exporter"] / NODE_EXPORTER}
    for name, path in found.items():
        assert path.is_file(), f"the Debian package of {name} has no {path}"
    return found


def shown(name: str) -> str:
    """A name as every pauselint reporter shows it: ESC as ``\\x1b`` (JSON keeps it raw
    in its own escape, a label value cannot)."""
    return name.replace("\x1b", "\\x1b")


def pauselint(*args: str, cwd: Path = REPO, umask: int = 0o022,
              ) -> subprocess.CompletedProcess[str]:
    """The real command line, in a process of its own (as node-exporter's cron would)."""
    return subprocess.run([sys.executable, "-m", "pauselint", *args], capture_output=True,
                          text=True, cwd=cwd, umask=umask, timeout=120, check=False)


def promtool_check(promtool: Path, exposition: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(promtool), "check", "metrics"], input=exposition,
                          capture_output=True, text=True, timeout=60, check=False)


def hostile_node(root: Path) -> None:
    config = root / HOSTILE / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CONFIG)


def test_promtool_accepts_the_examples_report(programs: dict[str, Path]) -> None:
    run = pauselint("check", "-o", "openmetrics", "examples/", "-k", "1.31")
    assert run.returncode == 1, run.stderr  # the examples have findings
    assert "pauselint_findings{" in run.stdout
    checked = promtool_check(programs["promtool"], run.stdout)
    # No parse error and no lint problem: promtool prints nothing and exits 0.
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")


def test_promtool_accepts_an_empty_report(programs: dict[str, Path], tmp_path: Path) -> None:
    run = pauselint("check", "-o", "openmetrics", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "pauselint_findings{" not in run.stdout  # HELP and TYPE only
    checked = promtool_check(programs["promtool"], run.stdout)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")


def test_promtool_accepts_hostile_names(programs: dict[str, Path], tmp_path: Path) -> None:
    hostile_node(tmp_path)
    run = pauselint("check", "-o", "openmetrics", ".", "-k", "1.31", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    checked = promtool_check(programs["promtool"], run.stdout)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")


def test_node_exporter_serves_the_report(programs: dict[str, Path], tmp_path: Path) -> None:
    textfiles = tmp_path / "textfile_collector"
    textfiles.mkdir()
    nodes = tmp_path / "nodes"
    for example in sorted(EXAMPLES.iterdir()):
        shutil.copytree(example, nodes / example.name)
    hostile_node(nodes)
    prom = textfiles / "pauselint.prom"
    run = pauselint("check", "nodes", "-k", "1.31", "-o", "openmetrics",
                    "--output-file", str(prom), cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    # Readable by a node-exporter that is not root, under the usual umask.
    assert stat.S_IMODE(prom.stat().st_mode) == 0o644
    assert sorted(p.name for p in textfiles.iterdir()) == ["pauselint.prom"]  # no temp left
    report = json.loads(pauselint("check", "nodes", "-k", "1.31", "-o", "json",
                                  cwd=tmp_path).stdout)

    with node_exporter(programs["node-exporter"], textfiles) as port:
        scraped = scrape(port)

    assert scraped[("node_textfile_scrape_error", ())] == 0
    expected_findings = Counter(
        (("cluster", ""), ("node", shown(f["node"])), ("rule", f["rule"]),
         ("severity", f["severity"])) for f in report["findings"])
    assert {labels: value for (name, labels), value in scraped.items()
            if name == "pauselint_findings"} == expected_findings
    # Quote, backslash and line feed come back as they were; ESC in its shown form.
    assert any(dict(labels)["node"] == "nodes/" + shown(HOSTILE)
               for labels in expected_findings)
    expected_images = {
        (("image", runtime["sandbox_image"]["value"] or ""), ("node", shown(node["name"])),
         ("origin", runtime["sandbox_image"]["origin"]), ("runtime", runtime["name"]),
         ("source", "configured"))
        for node in report["nodes"] for runtime in node["runtimes"]}
    images = {labels: value for (name, labels), value in scraped.items()
              if name == "pauselint_sandbox_image_info"}
    assert images == dict.fromkeys(expected_images, 1)
    assert scraped[("pauselint_input_errors", ())] == len(report["errors"])
    assert scraped[("pauselint_rules_skipped", ())] == len({s["rule"]
                                                            for s in report["skipped"]})
    info = (("compat_table", report["tool"]["compat_table"]),
            ("version", report["tool"]["version"]))
    assert scraped[("pauselint_info", info)] == 1
    # Written moments ago by the run above.
    assert abs(scraped[("pauselint_last_run_timestamp_seconds", ())] - time.time()) < 300


@contextmanager
def node_exporter(binary: Path, folder: Path) -> Iterator[int]:
    """node-exporter with the textfile collector alone on 127.0.0.1; yields its port
    once it listens, and stops it after."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = folder.parent / "node-exporter.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [str(binary), f"--web.listen-address=127.0.0.1:{port}",
             "--collector.disable-defaults", "--collector.textfile",
             f"--collector.textfile.directory={folder}"],
            stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        wait_for_port(process, port, log)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_port(process: subprocess.Popen, port: int, log: Path) -> None:
    """Until ``port`` accepts a connection, for READY_SECONDS at most; fails at once
    if the process ends first (with what it logged)."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        try:  # waiting on the process is the pause between tries: it may have died
            code = process.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"node-exporter exited {code}: {log.read_text(errors='replace')}")
    pytest.fail(f"node-exporter not listening on {port} after {READY_SECONDS} s")


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(name, sorted labels) -> value of each sample /metrics gives, labels unescaped."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode("utf-8")
    return parse_exposition(text)


def parse_exposition(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        labels = tuple(sorted(
            (key, re.sub(r"\\.", lambda m: UNESCAPE[m.group()], value))
            for key, value in LABEL.findall(match["labels"] or "")))
        samples[(match["name"], labels)] = float(match["value"])
    return samples
