"""One shown form for hostile strings, and every reporter applying it to every string."""

from __future__ import annotations

import json

import pytest

from pauselint.model import Component, Finding, InputError, Location, Report, Severity, Skip
from pauselint.report.escaping import (
    escape_shown,
    escape_strings,
    json_controls_escaped,
    printable,
    printable_but_line_breaks,
    undecodable_escaped,
)
from pauselint.report.github import render_github
from pauselint.report.json_report import render_json
from pauselint.report.sarif import fingerprint, render_sarif
from pauselint.report.text import progress_line, render_text
from pauselint.rules import RULES

LATIN1 = b"caf\xe9.toml".decode("utf-8", "surrogateescape")  # 'caf\udce9.toml'


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
        ("café…", "café…"),  # printable Unicode stays as it is
        (LATIN1, "caf\\xe9.toml"),  # the byte that is not UTF-8
        ("\ud800", "\\ud800"),  # a lone surrogate from JSON, not from a file name
        ("a\x1b[2Jb", "a\\x1b[2Jb"),  # ESC: clear screen
        ("bell\x07", "bell\\x07"),
        ("tab\there", "tab\\there"),
        ("over\rwrite\nline", "over\\rwrite\\nline"),
        ("\x00\x7f", "\\x00\\x7f"),  # NUL and DEL
        ("c1\x9b31m", "c1\\u009b31m"),  # C1 CSI, a code point: \u
        ("\u202eexe.toml", "\\u202eexe.toml"),  # RLO (Trojan Source)
        ("\u2066x\u2069", "\\u2066x\\u2069"),  # isolates
        ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),  # LRM, RLM, ALM
        ("\u2028\u2029", "\\u2028\\u2029"),  # line and paragraph separators
        ("C:\\Program Files\\containerd", "C:\\Program Files\\containerd"),  # left alone
    ],
)
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_printable_but_line_breaks_keeps_only_cr_and_lf() -> None:
    assert printable_but_line_breaks("a\r\nb\x1b\t\u202e" + LATIN1) == (
        "a\r\nb\\x1b\\t\\u202ecaf\\xe9.toml")


def test_undecodable_escaped_touches_only_surrogates() -> None:
    assert undecodable_escaped(LATIN1 + "\x1b\u202e\ud800") == "caf\\xe9.toml\x1b\u202e\\ud800"
    undecodable_escaped(LATIN1).encode("utf-8")  # never raises


def test_json_controls_escaped_is_lossless() -> None:
    value = "a\x85b\x9bc\u202ed\u2028e\x7f"
    document = json_controls_escaped(json.dumps({"k": value}, ensure_ascii=False))
    assert document == '{"k": "a\\u0085b\\u009bc\\u202ed\\u2028e\\u007f"}'
    assert json.loads(document) == {"k": value}


def test_escape_strings_walks_records_and_keeps_enums() -> None:
    finding = Finding("PL101", "unknown-tag", Severity.ERROR, "m\x1b", Location(LATIN1, 1, 2),
                      node="n\x07")
    report = Report(findings=[finding], errors=[InputError("e\r", None, "bad\n")],
                    skipped=[Skip("PL304", "why\x1b")], node_counts={"c\x1b": 3},
                    context={"k\x1b": "v\x1b", "none": None})
    shown = escape_strings(report, printable)
    assert shown.findings == [finding._replace(
        message="m\\x1b", location=Location("caf\\xe9.toml", 1, 2), node="n\\x07")]
    assert type(shown.findings[0].location) is Location
    assert shown.errors == [InputError("e\\r", None, "bad\\n")]
    assert shown.skipped == [Skip("PL304", "why\\x1b")]
    assert shown.node_counts == {"c\\x1b": 3}
    assert shown.context == {"k\\x1b": "v\\x1b", "none": None}
    assert report.findings == [finding]  # a copy: the report itself is not changed
    # Enums are pauselint's names (some are str): kept, identity included.
    assert escape_strings((Component.CONTAINERD, Severity.INFO), printable) == (
        Component.CONTAINERD, Severity.INFO)


def test_escape_shown_escapes_node_names_and_leaves_out_what_is_never_shown() -> None:
    report = Report(findings=[Finding("PL101", "unknown-tag", Severity.ERROR, "m\x1b",
                                      Location(LATIN1, 1, 2), node="n\x07")],
                    sources=[LATIN1], nodes=[{"name": "n\x07", "files": [LATIN1]}, "odd"])
    shown = escape_shown(report, printable)
    assert shown.findings == escape_strings(report.findings, printable)
    assert shown.nodes == [{"name": "n\\x07"}]  # names only: text and GitHub show no more
    assert shown.sources == []
    assert report.sources == [LATIN1] and len(report.nodes) == 2  # the report is unchanged


def test_text_report_still_knows_the_nodes_it_judged() -> None:
    # Node "b" has no finding: only report.nodes says that two nodes were judged,
    # which is what puts each finding under its node's heading.
    finding = Finding("PL101", "unknown-tag", Severity.ERROR, "m", Location("x", 1, 1),
                      node="a\x1b[2J")
    nodes = [{"name": "a\x1b[2J", "files": ["x"]}, {"name": "b", "files": ["y"]}]
    text = render_text(Report(findings=[finding], nodes=nodes, inputs=2), color=False)
    assert "node a\\x1b[2J:" in text and "\x1b" not in text


# A live-cluster finding whose node name, image and message carry controls: the
# API server hands pauselint whatever a kubelet or an admin wrote.
HOSTILE_NODE = Finding(
    rule="PL201", name="pause-older-than-expected", severity=Severity.WARNING,
    message="registry.k8s.io/pause:3.9\x1b]0;pwned\x07 is older", location=Location(None),
    image="registry.k8s.io/pause:3.9\x1b]0;pwned\x07", node="worker\r\u202e1", cluster="prod\x1b[2J",
)
HOSTILE_FILE = Finding(
    rule="PL103", name="frozen-registry", severity=Severity.WARNING,
    message="k8s.gcr.io is frozen\r\n::error file=x::forged", location=Location(LATIN1, 3, 17),
    fix="use registry.k8s.io\x1b[1A",
)
HOSTILE = Report(findings=[HOSTILE_NODE, HOSTILE_FILE],
                 errors=[InputError("bad\x1b.toml", 2, "invalid TOML: \x1b[31m")],
                 skipped=[Skip("PL304", "runtime\x07 unknown")], node_counts={"prod\x1b[2J": 1},
                 inputs=2)


@pytest.mark.parametrize("quiet", [False, True])
def test_text_report_prints_no_raw_control(quiet: bool) -> None:
    text = render_text(HOSTILE, color=False, quiet=quiet)
    assert not any(c in text for c in "\x1b\x07\r\u202e")
    assert "caf\\xe9.toml:3:17: warning PL103 frozen-registry: k8s.gcr.io is frozen" \
           "\\r\\n::error file=x::forged\n" in text
    assert "node worker\\r\\u202e1: warning PL201" in text
    text.encode("utf-8")


def test_text_colour_codes_are_the_only_escapes() -> None:
    text = render_text(HOSTILE, color=True)
    # Only pauselint's own SGR codes (bold, red, yellow, cyan, reset) remain.
    for sequence in ("\x1b[2J", "\x1b]0;", "\x1b[1A", "TOML: \x1b[31m"):
        assert sequence not in text
    assert "\x1b[1mcluster prod\\x1b[2J (1 node)\x1b[0m" in text


def test_progress_line_escapes_the_context_name() -> None:
    assert progress_line("prod\x1b[2J", 3) == "checking prod\\x1b[2J: 3 nodes read"


def test_github_annotations_cannot_be_forged() -> None:
    out = render_github(HOSTILE)
    lines = out.splitlines()
    assert len(lines) == 3 and all(line.startswith("::") for line in lines)
    assert not any(c in out for c in "\x1b\x07\r\u202e")
    assert lines[0] == (
        "::warning file=caf\\xe9.toml,line=3,col=17,title=PL103 frozen-registry::"
        "k8s.gcr.io is frozen%0D%0A::error file=x::forged%0AFix: use registry.k8s.io\\x1b[1A")


def test_json_and_sarif_are_valid_utf8_with_undecodable_names() -> None:
    for text in (render_json(HOSTILE, tool_version="0", table_date="d"),
                 render_sarif(HOSTILE, tool_version="0", table_date="d", rules=RULES)):
        data = text.encode("utf-8")  # raised UnicodeEncodeError before
        assert b"\x1b" not in data and "\u202e".encode() not in data
        json.loads(data)
    doc = json.loads(render_json(HOSTILE, tool_version="0", table_date="d"))
    assert doc["findings"][0]["path"] == "caf\\xe9.toml"
    assert doc["findings"][1]["node"] == "worker\r\u202e1"  # lossless through JSON escapes


def test_json_and_sarif_escape_del_in_a_report_that_is_otherwise_ascii() -> None:
    # DEL is ASCII, and json.dumps leaves it raw: an all-ASCII report once kept it so.
    finding = HOSTILE_FILE._replace(location=Location("a\x7fb.toml", 3, 17),
                                    message="k8s.gcr.io\x7f is frozen")
    report = Report(findings=[finding], inputs=1)
    json_text = render_json(report, tool_version="0", table_date="d")
    sarif_text = render_sarif(report, tool_version="0", table_date="d", rules=RULES)
    for text in (json_text, sarif_text):
        assert "\x7f" not in text and "k8s.gcr.io\\u007f is frozen" in text
    assert json.loads(json_text)["findings"][0]["path"] == "a\x7fb.toml"
    assert json.loads(sarif_text)["runs"][0]["results"][0]["message"]["text"].startswith(
        "k8s.gcr.io\x7f is frozen")


def test_sarif_fingerprint_of_an_undecodable_name_is_stable() -> None:
    plain = HOSTILE_FILE._replace(location=Location("cafe.toml", 3, 17))
    # It raised UnicodeEncodeError before; now it is a function of the real bytes.
    assert fingerprint(HOSTILE_FILE) == fingerprint(HOSTILE_FILE._replace(message="reworded"))
    assert fingerprint(HOSTILE_FILE) != fingerprint(plain)
