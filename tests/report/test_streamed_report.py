"""JSON and SARIF reports are written while they are made, a finding or a node at a
time, as the same bytes the whole text was (issue 16: memory flat in the files)."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pauselint.commands.output import batched, emit
from pauselint.model import Finding, Location, Report, Severity
from pauselint.report.escaping import (
    dump_json,
    dump_json_chunks,
    escape_strings,
    indented_json_chunks,
    json_controls_escaped,
    undecodable_escaped,
)
from pauselint.report.json_report import json_chunks, render_json
from pauselint.report.output_file import write_atomically
from pauselint.report.sarif import render_sarif, sarif_chunks
from pauselint.report.show import render_show, show_chunks
from pauselint.rules import RULES

NODES = 300


def node_entry(number: int) -> dict[str, Any]:
    name = f"nodes/g{number // 10:04d}/n{number % 10:02d}"
    return {"name": name, "kubernetes_version": "1.31",
            "files": [{"path": f"{name}/etc/containerd/config.toml", "kind": "containerd"},
                      {"path": f"{name}/var/lib/kubelet/config.yaml", "kind": "kubelet"}],
            "runtimes": [{"component": "containerd", "sandbox_image": "registry.k8s.io/pause:3.10",
                          "settings": {"version": 2, "config_path": None}}]}


def finding(number: int) -> Finding:
    return Finding("PL103", "frozen-registry", Severity.WARNING, "k8s.gcr.io is frozen",
                   Location(f"nodes/g{number // 10:04d}/n{number % 10:02d}/config.toml", 3, 17),
                   image="k8s.gcr.io/pause:3.9", node=f"n{number}")


REPORT = Report(findings=[finding(n) for n in range(NODES)],
                nodes=[node_entry(n) for n in range(NODES)], inputs=2 * NODES,
                context={"kubernetes_version": "1.31", "kubernetes_version_from": "flag"})


def test_a_json_report_comes_a_finding_or_a_node_at_a_time() -> None:
    pieces = list(json_chunks(REPORT, tool_version="0", table_date="d"))
    assert "".join(pieces) == render_json(REPORT, tool_version="0", table_date="d")
    assert len(pieces) >= 2 * NODES
    assert max(piece.count('"rule": "PL103"') for piece in pieces) == 1
    assert max(piece.count('"name": "nodes/') for piece in pieces) == 1


def test_a_sarif_report_comes_a_result_at_a_time() -> None:
    pieces = list(sarif_chunks(REPORT, tool_version="0", table_date="d", rules=RULES))
    assert "".join(pieces) == render_sarif(REPORT, tool_version="0", table_date="d",
                                           rules=RULES)
    results = json.loads("".join(pieces))["runs"][0]["results"]
    assert len(results) == NODES
    # The rule descriptors come whole (one piece); every result is a piece of its own.
    assert len(pieces) >= NODES
    assert sorted(map(len, pieces))[-2] < len(json.dumps(results[0], indent=2)) * 3


def test_show_json_comes_a_node_at_a_time() -> None:
    entries = [node_entry(n) for n in range(NODES)]
    pieces = list(show_chunks(entries, "json"))
    assert "".join(pieces) == render_show(entries, "json")
    assert json.loads("".join(pieces))["nodes"] == entries
    assert len(pieces) >= NODES
    assert max(piece.count('"name": "nodes/') for piece in pieces) == 1


def show_entry(number: int) -> dict[str, Any]:
    """A node entry as describe makes it, with what the text page prints."""
    return {**node_entry(number), "platform": None, "kubelet": {}, "kubeadm": {},
            "kubernetes_version_from": "flag", "runtimes": []}


@pytest.mark.parametrize("count", [0, 1, 3])
def test_show_text_is_the_blocks_a_blank_line_apart(count: int) -> None:
    entries = [show_entry(n) for n in range(count)]
    pieces = list(show_chunks(entries, "text"))
    blocks = [piece.removeprefix("\n\n") for piece in pieces[:-1]]
    assert pieces[-1] == "\n" and len(blocks) == count
    assert "".join(pieces) == "\n\n".join(blocks) + "\n" == render_show(entries, "text")
    assert all(block.startswith(f"node nodes/g0000/n{n:02d}\n")
               for n, block in enumerate(blocks))


@pytest.mark.parametrize("levels", [0, 1, 2, 3, 5])
def test_any_depth_of_pieces_is_the_same_text(levels: int) -> None:
    document = {"a": [{"b": [[1, {"c": []}], "d"]}, {}], "e": {"f": {"g": [None]}}, "h": []}
    expected = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert "".join(indented_json_chunks(document, "\n", levels)) == expected


# Every code point, lone surrogates (undecodable file names) and controls included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=8)
DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.integers(0, 4))
def test_surrogates_and_controls_read_as_escaping_every_string_first(
        document: Any, levels: int) -> None:
    # What dump_json did before it wrote pieces: escape every string, encode, then
    # escape the controls json.dumps leaves raw. The pieces replace both in the text.
    escaped = escape_strings(document, undecodable_escaped)
    expected = json_controls_escaped(json.dumps(escaped, indent=2, ensure_ascii=False) + "\n")
    text = "".join(dump_json_chunks(document, levels))
    assert text == expected == dump_json(document)
    text.encode("utf-8")  # never raises


def test_batched_pieces_are_the_same_text_in_few_writes() -> None:
    pieces = [f"piece {n}\n" for n in range(1000)]
    batches = list(batched(pieces, 1000))
    assert "".join(batches) == "".join(pieces)
    assert all(len(batch) >= 1000 for batch in batches[:-1])
    assert len(batches) == len("".join(pieces)) // 1000 + 1
    assert list(batched([], 10)) == []


def test_a_report_that_stops_midway_leaves_the_old_file_and_no_temporary(
        tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("the old report\n")

    def pieces():
        yield b'{\n  "schema": 1,\n'
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        write_atomically(str(report), pieces())
    assert report.read_text() == "the old report\n"
    assert os.listdir(tmp_path) == ["report.json"]


@pytest.mark.parametrize("findings", [0, 3000])
def test_a_json_report_written_to_a_file_is_never_held_whole(
        tmp_path: Path, findings: int) -> None:
    nodes = 3000
    report = Report(findings=[finding(n) for n in range(findings)],
                    nodes=[node_entry(n) for n in range(nodes)], inputs=2 * nodes)
    target = tmp_path / "report.json"
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        emit(report, "json", str(target), quiet=True, table_date="d")
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    size = target.stat().st_size
    assert size > 1_500_000
    # Held whole, the text cost 2.5x its size (the text, and its pieces until they
    # were joined) beside the findings' dicts: 4.3 and 8.2 MB here. Written 64 KiB at
    # a time, what is left is those dicts: 0.9 and 2.9 MB.
    assert peak < size * (0.6 if not findings else 1.2), (peak, size)
    document = json.loads(target.read_text())
    assert len(document["nodes"]) == nodes and len(document["findings"]) == findings
