"""`pauselint cluster` with hostile context and node names: kubeconfig context names
are free text and a test double serves any node name, so neither may reach a terminal
or CI log raw, and JSON stays lossless."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

from .apiserver import KubeAPI
from .nodes import make_node

CONTEXT = "prod\x1b]0;pwned\x07\u202e"
NODE = "worker\x1b[2J\r1"


@pytest.fixture
def hostile_cluster(kube_api: KubeAPI, tmp_path: Path) -> Path:
    kube_api.set_nodes([make_node(NODE, pause_images=("registry.k8s.io/pause:3.6",))])
    return kube_api.write_kubeconfig(tmp_path / "kubeconfig", contexts={CONTEXT: {}})


@pytest.mark.parametrize("output_format", ["text", "github"])
def test_names_are_escaped_for_people(hostile_cluster: Path, output_format: str) -> None:
    result = CliRunner().invoke(main, ["cluster", "--kubeconfig", str(hostile_cluster),
                                       "--context", CONTEXT, "--format", output_format])
    assert result.exit_code == 0, result.output  # a warning, under --fail-on error
    out = result.stdout_bytes
    for raw in (b"\x1b", b"\x07", b"\r", "\u202e".encode()):
        assert raw not in out
    text = out.decode("utf-8")
    if output_format == "text":
        assert "cluster prod\\x1b]0;pwned\\x07\\u202e (1 node)\n" in text
        assert "node worker\\x1b[2J\\r1: warning PL201 pause-older-than-expected:" in text
    else:
        assert "::warning title=PL201 pause-older-than-expected::" \
               "[prod\\x1b]0;pwned\\x07\\u202e/worker\\x1b[2J%0D1]" in text


def test_json_keeps_the_names_exactly(hostile_cluster: Path) -> None:
    result = CliRunner().invoke(main, ["cluster", "--kubeconfig", str(hostile_cluster),
                                       "--context", CONTEXT, "--format", "json"])
    assert b"\x1b" not in result.stdout_bytes and "\u202e".encode() not in result.stdout_bytes
    doc = json.loads(result.stdout_bytes)
    assert {(f["cluster"], f["node"]) for f in doc["findings"] if f["rule"] == "PL201"} == {
        (CONTEXT, NODE)}
