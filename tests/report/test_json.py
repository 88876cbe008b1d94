"""The JSON reporter: the public output contract from the design's rules.md."""

from __future__ import annotations

import json

from pauselint.model import Finding, InputError, Location, Report, Severity, Skip
from pauselint.report.json_report import render_json

FINDING_KEYS = [
    "rule",
    "name",
    "severity",
    "message",
    "path",
    "line",
    "column",
    "image",
    "expected",
    "node",
    "cluster",
    "fixable",
    "related",
]

REMOVED_FLAG = Finding(
    rule="PL301",
    name="pod-infra-flag-removed",
    severity=Severity.ERROR,
    message="kubelet 1.35 refuses --pod-infra-container-image",
    location=Location("var/lib/kubelet/kubeadm-flags.env", 1, 60),
    image="registry.k8s.io/pause:3.9",
    fixable=True,
    fix="remove --pod-infra-container-image=registry.k8s.io/pause:3.9",
    related=(Finding(
        rule="PL201", name="pause-older-than-expected", severity=Severity.WARNING,
        message="registry.k8s.io/pause:3.9 is pause 3.9, older than pause 3.10",
        location=Location("var/lib/kubelet/kubeadm-flags.env", 1, 60),
        image="registry.k8s.io/pause:3.9", fix="use registry.k8s.io/pause:3.10"),),
)
UNKNOWN_TAG = Finding(
    rule="PL101",
    name="unknown-tag",
    severity=Severity.ERROR,
    message="registry.k8s.io/pause:3.4 was never published",
    location=Location("etc/containerd/config.toml", 3, 17),
    image="registry.k8s.io/pause:3.4",
    expected="registry.k8s.io/pause:3.9",
    fixable=True,
    fix='sandbox_image = "registry.k8s.io/pause:3.9"',
)
FROZEN_SAME_PLACE = Finding(
    rule="PL103",
    name="frozen-registry",
    severity=Severity.WARNING,
    message="k8s.gcr.io is frozen since 2023-04-03",
    location=Location("etc/containerd/config.toml", 3, 17),
    image="k8s.gcr.io/pause:3.4",
)
DEFAULT_USED = Finding(
    rule="PL404",
    name="runtime-default-used",
    severity=Severity.INFO,
    message="no sandbox image set: containerd 1.7 uses registry.k8s.io/pause:3.8",
    location=Location("etc/containerd/config.toml"),
)
DRIFT = Finding(
    rule="PL501",
    name="node-drift",
    severity=Severity.WARNING,
    message="node uses registry.k8s.io/pause:3.8, 4 others use registry.k8s.io/pause:3.9",
    location=Location(None),
    node="worker-2",
    cluster="prod",
)


def render(report: Report) -> str:
    return render_json(report, tool_version="0.1.0", table_date="2026-11-24")


def full_report() -> Report:
    return Report(
        findings=[REMOVED_FLAG, FROZEN_SAME_PLACE, DEFAULT_USED, UNKNOWN_TAG],
        skipped=[
            Skip("PL304", "runtime version unknown"),
            Skip("PL105", "node architecture unknown"),
            Skip("PL304", "runtime version unknown"),
        ],
        errors=[InputError("broken.toml", 3, "invalid TOML: expected '=' after a key")],
        inputs=3,
        context={
            "kubernetes_version_from": "flag",
            "kubernetes_version": "1.29",
            "arch": None,
        },
    )


def test_full_document_matches_the_contract() -> None:
    assert json.loads(render(full_report())) == {
        "schema": 1,
        "tool": {"name": "pauselint", "version": "0.1.0", "compat_table": "2026-11-24"},
        "context": {"arch": None, "kubernetes_version": "1.29", "kubernetes_version_from": "flag"},
        "findings": [
            {
                "rule": "PL404",
                "name": "runtime-default-used",
                "severity": "info",
                "message": "no sandbox image set: containerd 1.7 uses registry.k8s.io/pause:3.8",
                "path": "etc/containerd/config.toml",
                "line": None,
                "column": None,
                "image": None,
                "expected": None,
                "node": None,
                "cluster": None,
                "fixable": False,
                "related": [],
            },
            {
                "rule": "PL101",
                "name": "unknown-tag",
                "severity": "error",
                "message": "registry.k8s.io/pause:3.4 was never published",
                "path": "etc/containerd/config.toml",
                "line": 3,
                "column": 17,
                "image": "registry.k8s.io/pause:3.4",
                "expected": "registry.k8s.io/pause:3.9",
                "node": None,
                "cluster": None,
                "fixable": True,
                "related": [],
            },
            {
                "rule": "PL103",
                "name": "frozen-registry",
                "severity": "warning",
                "message": "k8s.gcr.io is frozen since 2023-04-03",
                "path": "etc/containerd/config.toml",
                "line": 3,
                "column": 17,
                "image": "k8s.gcr.io/pause:3.4",
                "expected": None,
                "node": None,
                "cluster": None,
                "fixable": False,
                "related": [],
            },
            {
                "rule": "PL301",
                "name": "pod-infra-flag-removed",
                "severity": "error",
                "message": "kubelet 1.35 refuses --pod-infra-container-image",
                "path": "var/lib/kubelet/kubeadm-flags.env",
                "line": 1,
                "column": 60,
                "image": "registry.k8s.io/pause:3.9",
                "expected": None,
                "node": None,
                "cluster": None,
                "fixable": True,
                # Superseded on the same value: named, with its message, not counted.
                "related": [{"rule": "PL201", "name": "pause-older-than-expected",
                             "severity": "warning",
                             "message": "registry.k8s.io/pause:3.9 is pause 3.9, older "
                                        "than pause 3.10"}],
            },
        ],
        "skipped": [
            {"rule": "PL105", "reason": "node architecture unknown", "node": None},
            {"rule": "PL304", "reason": "runtime version unknown", "node": None},
        ],
        "errors": [
            {"path": "broken.toml", "line": 3, "message": "invalid TOML: expected '=' after a key"}
        ],
        "summary": {"error": 2, "warning": 1, "info": 1, "inputs": 3},
        "nodes": [],
    }


def test_key_order_is_stable() -> None:
    document = json.loads(render(full_report()))
    assert list(document) == [
        "schema",
        "tool",
        "context",
        "findings",
        "skipped",
        "errors",
        "summary",
        "nodes",
    ]
    assert list(document["tool"]) == ["name", "version", "compat_table"]
    assert list(document["context"]) == ["arch", "kubernetes_version", "kubernetes_version_from"]
    assert [list(f) for f in document["findings"]] == [FINDING_KEYS] * 4
    assert list(document["summary"]) == ["error", "warning", "info", "inputs"]


def test_fix_text_is_not_in_the_contract() -> None:
    assert '"fix"' not in render(full_report())


def test_format_is_two_space_indented_with_trailing_newline() -> None:
    text = render(Report(inputs=0))
    assert text == (
        "{\n"
        '  "schema": 1,\n'
        '  "tool": {\n'
        '    "name": "pauselint",\n'
        '    "version": "0.1.0",\n'
        '    "compat_table": "2026-11-24"\n'
        "  },\n"
        '  "context": {},\n'
        '  "findings": [],\n'
        '  "skipped": [],\n'
        '  "errors": [],\n'
        '  "summary": {\n'
        '    "error": 0,\n'
        '    "warning": 0,\n'
        '    "info": 0,\n'
        '    "inputs": 0\n'
        "  },\n"
        '  "nodes": []\n'
        "}\n"
    )


def test_non_ascii_is_written_as_is() -> None:
    report = Report(errors=[InputError("ノード.toml", 2, "invalid TOML: unexpected “")], inputs=1)
    text = render(report)
    assert '"path": "ノード.toml"' in text
    assert "\\u" not in text


def test_cluster_finding_has_null_path_and_names_node_and_cluster() -> None:
    finding = json.loads(render(Report(findings=[DRIFT], inputs=5)))["findings"][0]
    assert (finding["path"], finding["line"], finding["column"]) == (None, None, None)
    assert (finding["node"], finding["cluster"]) == ("worker-2", "prod")


def test_errors_keep_null_line_and_are_sorted_by_path_then_line() -> None:
    report = Report(
        errors=[
            InputError("b.toml", 9, "invalid TOML"),
            InputError("a.toml", None, "no such file"),
            InputError("b.toml", 2, "invalid TOML"),
        ],
        inputs=2,
    )
    assert json.loads(render(report))["errors"] == [
        {"path": "a.toml", "line": None, "message": "no such file"},
        {"path": "b.toml", "line": 2, "message": "invalid TOML"},
        {"path": "b.toml", "line": 9, "message": "invalid TOML"},
    ]


def test_same_rule_skipped_for_two_reasons_is_listed_twice() -> None:
    report = Report(
        skipped=[
            Skip("PL304", "runtime version unknown"),
            Skip("PL201", "Kubernetes version unknown"),
            Skip("PL304", "no runtime config found"),
        ]
    )
    assert json.loads(render(report))["skipped"] == [
        {"rule": "PL201", "reason": "Kubernetes version unknown", "node": None},
        {"rule": "PL304", "reason": "no runtime config found", "node": None},
        {"rule": "PL304", "reason": "runtime version unknown", "node": None},
    ]
