"""The text reporter: exact terminal output, with and without colour."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, InputError, Location, Report, Severity, Skip
from pauselint.report.text import progress_line, render_text

CONTAINERD = "etc/containerd/config.toml"
FLAGS = "var/lib/kubelet/kubeadm-flags.env"

UNKNOWN_TAG = Finding(
    rule="PL101",
    name="unknown-tag",
    severity=Severity.ERROR,
    message="registry.k8s.io/pause:3.4 was never published",
    location=Location(CONTAINERD, 3, 17),
    image="registry.k8s.io/pause:3.4",
    expected="registry.k8s.io/pause:3.9",
    fixable=True,
    fix='sandbox_image = "registry.k8s.io/pause:3.9"',
)
FROZEN = Finding(
    rule="PL103",
    name="frozen-registry",
    severity=Severity.WARNING,
    message="k8s.gcr.io is frozen since 2023-04-03",
    location=Location(FLAGS, 1, 60),
    image="k8s.gcr.io/pause:3.9",
)
DEPRECATED_FLAG = Finding(
    rule="PL302",
    name="pod-infra-flag-deprecated",
    severity=Severity.WARNING,
    message="--pod-infra-container-image has no effect with CRI runtimes",
    location=Location(FLAGS, 1, 33),
)
DEFAULT_USED = Finding(
    rule="PL404",
    name="runtime-default-used",
    severity=Severity.INFO,
    message="no sandbox image set: containerd 1.7 uses registry.k8s.io/pause:3.8",
    location=Location(CONTAINERD),
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
TABLE_OLD = Finding(
    rule="PL001",
    name="table-too-old",
    severity=Severity.WARNING,
    message="Kubernetes 1.40 is newer than the compat table (2026-11-24)",
    location=Location(None),
)
BROKEN = InputError("broken.toml", 3, "invalid TOML: expected '=' after a key")
NO_RUNTIME = Skip("PL304", "runtime version unknown")
NO_VERSION = Skip("PL201", "Kubernetes version unknown")


def full_report() -> Report:
    # Given out of order, with a duplicate skip, as an engine running many files might.
    return Report(
        findings=[FROZEN, UNKNOWN_TAG, DEFAULT_USED, DEPRECATED_FLAG],
        skipped=[NO_RUNTIME, NO_VERSION, NO_RUNTIME],
        errors=[BROKEN],
        inputs=3,
    )


def test_full_report_groups_by_file_then_errors_skips_and_summary() -> None:
    assert render_text(full_report(), color=False) == (
        "etc/containerd/config.toml\n"
        "etc/containerd/config.toml: info PL404 runtime-default-used: no sandbox image set: "
        "containerd 1.7 uses registry.k8s.io/pause:3.8\n"
        "etc/containerd/config.toml:3:17: error PL101 unknown-tag: "
        "registry.k8s.io/pause:3.4 was never published\n"
        '    fix: sandbox_image = "registry.k8s.io/pause:3.9"\n'
        "\n"
        "var/lib/kubelet/kubeadm-flags.env\n"
        "var/lib/kubelet/kubeadm-flags.env:1:33: warning PL302 pod-infra-flag-deprecated: "
        "--pod-infra-container-image has no effect with CRI runtimes\n"
        "var/lib/kubelet/kubeadm-flags.env:1:60: warning PL103 frozen-registry: "
        "k8s.gcr.io is frozen since 2023-04-03\n"
        "\n"
        "broken.toml:3: error: invalid TOML: expected '=' after a key\n"
        "\n"
        "skipped PL201: Kubernetes version unknown\n"
        "skipped PL304: runtime version unknown\n"
        "\n"
        "3 files checked: 1 error, 2 warnings, 1 info; 1 input error\n"
    )


def test_findings_without_a_file_go_under_no_file_or_their_cluster() -> None:
    report = Report(findings=[DRIFT, TABLE_OLD], inputs=1)
    assert render_text(report, color=False) == (
        "(no file)\n"
        "(no file): warning PL001 table-too-old: "
        "Kubernetes 1.40 is newer than the compat table (2026-11-24)\n"
        "\n"
        "cluster prod\n"
        "node worker-2: warning PL501 node-drift: "
        "node uses registry.k8s.io/pause:3.8, 4 others use registry.k8s.io/pause:3.9\n"
        "\n"
        "1 file checked: 0 errors, 2 warnings, 0 info\n"
    )


def test_line_without_column_and_error_without_line() -> None:
    finding = Finding(
        rule="PL402",
        name="config-version-unsupported",
        severity=Severity.ERROR,
        message="containerd 1.7 refuses version = 3",
        location=Location(CONTAINERD, 1),
    )
    report = Report(
        findings=[finding],
        errors=[InputError("missing.toml", None, "no such file")],
        inputs=2,
    )
    assert render_text(report, color=False) == (
        "etc/containerd/config.toml\n"
        "etc/containerd/config.toml:1: error PL402 config-version-unsupported: "
        "containerd 1.7 refuses version = 3\n"
        "\n"
        "missing.toml: error: no such file\n"
        "\n"
        "2 files checked: 1 error, 0 warnings, 0 info; 1 input error\n"
    )


def test_clean_run_says_no_problems_found() -> None:
    assert render_text(Report(inputs=3), color=False) == "3 files checked: no problems found\n"


def test_clean_run_still_lists_skipped_rules() -> None:
    report = Report(skipped=[NO_VERSION], inputs=1)
    assert render_text(report, color=False) == (
        "skipped PL201: Kubernetes version unknown\n\n1 file checked: no problems found\n"
    )


def test_unreadable_input_is_not_called_no_problems() -> None:
    report = Report(errors=[BROKEN, BROKEN], inputs=1)
    assert render_text(report, color=False) == (
        "broken.toml:3: error: invalid TOML: expected '=' after a key\n"
        "broken.toml:3: error: invalid TOML: expected '=' after a key\n"
        "\n"
        "1 file checked: no findings; 2 input errors\n"
    )


def test_summary_singular_forms() -> None:
    report = Report(findings=[UNKNOWN_TAG, FROZEN, DEFAULT_USED], inputs=1)
    last_line = render_text(report, color=False).splitlines()[-1]
    assert last_line == "1 file checked: 1 error, 1 warning, 1 info"


def test_quiet_keeps_only_problem_lines() -> None:
    assert render_text(full_report(), color=False, quiet=True) == (
        "etc/containerd/config.toml: info PL404 runtime-default-used: no sandbox image set: "
        "containerd 1.7 uses registry.k8s.io/pause:3.8\n"
        "etc/containerd/config.toml:3:17: error PL101 unknown-tag: "
        "registry.k8s.io/pause:3.4 was never published\n"
        '    fix: sandbox_image = "registry.k8s.io/pause:3.9"\n'
        "var/lib/kubelet/kubeadm-flags.env:1:33: warning PL302 pod-infra-flag-deprecated: "
        "--pod-infra-container-image has no effect with CRI runtimes\n"
        "var/lib/kubelet/kubeadm-flags.env:1:60: warning PL103 frozen-registry: "
        "k8s.gcr.io is frozen since 2023-04-03\n"
        "broken.toml:3: error: invalid TOML: expected '=' after a key\n"
    )


def test_quiet_clean_run_prints_nothing() -> None:
    assert render_text(Report(skipped=[NO_RUNTIME], inputs=3), color=False, quiet=True) == ""


def test_no_color_emits_no_escape_codes() -> None:
    assert "\x1b" not in render_text(full_report(), color=False)
    assert "\x1b" not in render_text(full_report(), color=False, quiet=True)


def test_color_marks_severity_and_rule() -> None:
    report = Report(findings=[UNKNOWN_TAG, FROZEN, DEFAULT_USED], inputs=1)
    lines = render_text(report, color=True, quiet=True).splitlines()
    assert lines == [
        "etc/containerd/config.toml: \x1b[36minfo\x1b[0m \x1b[1mPL404\x1b[0m "
        "runtime-default-used: no sandbox image set: "
        "containerd 1.7 uses registry.k8s.io/pause:3.8",
        "etc/containerd/config.toml:3:17: \x1b[31merror\x1b[0m \x1b[1mPL101\x1b[0m "
        "unknown-tag: registry.k8s.io/pause:3.4 was never published",
        '    fix: sandbox_image = "registry.k8s.io/pause:3.9"',
        "var/lib/kubelet/kubeadm-flags.env:1:60: \x1b[33mwarning\x1b[0m \x1b[1mPL103\x1b[0m "
        "frozen-registry: k8s.gcr.io is frozen since 2023-04-03",
    ]


def test_color_full_report_text_is_the_plain_text_plus_escapes() -> None:
    colored = render_text(full_report(), color=True)
    assert "\x1b[31merror\x1b[0m: invalid TOML" in colored
    assert "skipped \x1b[1mPL304\x1b[0m: runtime version unknown" in colored
    stripped = colored
    for code in ("\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[36m"):
        stripped = stripped.replace(code, "")
    assert stripped == render_text(full_report(), color=False)


# --- live clusters ---------------------------------------------------------------

RUNTIME_OLD = (
    "containerd 1.7.20 is below 1.7.24, the oldest 1.7 release supported with "
    "Kubernetes 1.32: upgrade to containerd 1.7.24 or later"
)


def runtime_old(node: str, cluster: str = "prod") -> Finding:
    return Finding(
        rule="PL405",
        name="runtime-unsupported",
        severity=Severity.WARNING,
        message=RUNTIME_OLD,
        location=Location(None),
        node=node,
        cluster=cluster,
    )


def skew(node: str, kubelet: str) -> Finding:
    return Finding(
        rule="PL502",
        name="kubelet-version-skew",
        severity=Severity.ERROR,
        message=f"kubelet {kubelet} is newer than the API server v1.31.4",
        location=Location(None),
        node=node,
        cluster="prod",
    )


IMAGE_REPO = Finding(
    rule="PL203",
    name="registry-differs-from-image-repository",
    severity=Severity.WARNING,
    message="kubeadm imageRepository is registry.example.com",
    location=Location(None),
    cluster="prod",
)
# 40 nodes, named so that string order differs from creation order.
FLEET = [f"node-{i:02d}" for i in range(40, 0, -1)]


def fleet_report() -> Report:
    findings = [runtime_old(name) for name in FLEET[3:]]  # 37 of 40
    findings += [skew("node-07", "v1.32.0"), runtime_old("edge-1", cluster="edge")]
    findings += [IMAGE_REPO, UNKNOWN_TAG]
    return Report(findings=findings, node_counts={"prod": 40, "edge": 3})


def test_fleet_groups_by_cluster_and_collapses_identical_findings() -> None:
    assert render_text(fleet_report(), color=False) == (
        "etc/containerd/config.toml\n"
        "etc/containerd/config.toml:3:17: error PL101 unknown-tag: "
        "registry.k8s.io/pause:3.4 was never published\n"
        '    fix: sandbox_image = "registry.k8s.io/pause:3.9"\n'
        "\n"
        "cluster edge (3 nodes)\n"
        f"node edge-1: warning PL405 runtime-unsupported: {RUNTIME_OLD}\n"
        "\n"
        "cluster prod (40 nodes)\n"
        "warning PL203 registry-differs-from-image-repository: "
        "kubeadm imageRepository is registry.example.com\n"
        f"warning PL405 runtime-unsupported on 37 of 40 nodes: {RUNTIME_OLD}\n"
        "    nodes: node-01, node-02, node-03, node-04, node-05, … (+32 more)\n"
        "node node-07: error PL502 kubelet-version-skew: "
        "kubelet v1.32.0 is newer than the API server v1.31.4\n"
        "\n"
        "2 clusters (43 nodes) checked: 2 errors, 39 warnings, 0 info\n"
    )


def test_fleet_quiet_keeps_finding_lines_with_their_cluster() -> None:
    assert render_text(fleet_report(), color=False, quiet=True) == (
        "etc/containerd/config.toml:3:17: error PL101 unknown-tag: "
        "registry.k8s.io/pause:3.4 was never published\n"
        '    fix: sandbox_image = "registry.k8s.io/pause:3.9"\n'
        f"cluster edge: node edge-1: warning PL405 runtime-unsupported: {RUNTIME_OLD}\n"
        "cluster prod: warning PL203 registry-differs-from-image-repository: "
        "kubeadm imageRepository is registry.example.com\n"
        f"cluster prod: warning PL405 runtime-unsupported on 37 of 40 nodes: {RUNTIME_OLD}\n"
        "    nodes: node-01, node-02, node-03, node-04, node-05, … (+32 more)\n"
        "cluster prod: node node-07: error PL502 kubelet-version-skew: "
        "kubelet v1.32.0 is newer than the API server v1.31.4\n"
    )


def test_findings_differing_in_message_or_expected_do_not_collapse() -> None:
    a = skew("a", "v1.32.0")
    b = skew("b", "v1.32.0")._replace(expected="something else")
    c = skew("c", "v1.33.1")
    d = skew("d", "v1.32.0")
    text = render_text(Report(findings=[d, c, b, a], node_counts={"prod": 4}), color=False)
    assert text.splitlines()[:5] == [
        "cluster prod (4 nodes)",
        "error PL502 kubelet-version-skew on 2 of 4 nodes: "
        "kubelet v1.32.0 is newer than the API server v1.31.4",
        "    nodes: a, d",
        "node b: error PL502 kubelet-version-skew: "
        "kubelet v1.32.0 is newer than the API server v1.31.4",
        "node c: error PL502 kubelet-version-skew: "
        "kubelet v1.33.1 is newer than the API server v1.31.4",
    ]


def test_collapsed_findings_without_node_counts_and_exactly_five_nodes() -> None:
    findings = [runtime_old(n) for n in ("e", "d", "c", "b", "a")]
    findings.append(runtime_old("c"))  # a node reported twice counts once
    fix = "upgrade containerd to 1.7.24"
    report = Report(findings=[f._replace(fix=fix) for f in findings])
    assert render_text(report, color=False, quiet=True) == (
        f"cluster prod: warning PL405 runtime-unsupported on 5 nodes: {RUNTIME_OLD}\n"
        "    nodes: a, b, c, d, e\n"
        f"    fix: {fix}\n"
    )


def test_large_fleet_counts_use_thousands_separators() -> None:
    names = [f"n{i:04d}" for i in range(1500)]
    report = Report(findings=[runtime_old(n) for n in names], node_counts={"prod": 1500})
    lines = render_text(report, color=False).splitlines()
    assert lines[:3] == [
        "cluster prod (1,500 nodes)",
        f"warning PL405 runtime-unsupported on 1,500 of 1,500 nodes: {RUNTIME_OLD}",
        "    nodes: n0000, n0001, n0002, n0003, n0004, … (+1,495 more)",
    ]
    assert lines[-1] == "1 cluster (1,500 nodes) checked: 0 errors, 1,500 warnings, 0 info"


def test_clean_fleet_summary() -> None:
    report = Report(node_counts={"prod": 40, "lab": 1})
    assert render_text(report, color=False) == "2 clusters (41 nodes) checked: no problems found\n"


def test_fleet_color_marks_header_severity_and_rule() -> None:
    report = Report(findings=[runtime_old("a"), runtime_old("b")], node_counts={"prod": 2})
    assert render_text(report, color=True).splitlines()[:2] == [
        "\x1b[1mcluster prod (2 nodes)\x1b[0m",
        f"\x1b[33mwarning\x1b[0m \x1b[1mPL405\x1b[0m runtime-unsupported on 2 of 2 nodes: "
        f"{RUNTIME_OLD}",
    ]


@pytest.mark.parametrize(
    ("context", "nodes", "line"),
    [
        ("prod", 1500, "checking prod: 1,500 nodes read"),
        ("kind-kind", 1, "checking kind-kind: 1 node read"),
        ("lab", 0, "checking lab: 0 nodes read"),
    ],
)
def test_progress_line(context: str, nodes: int, line: str) -> None:
    assert progress_line(context, nodes) == line


def test_node_finding_without_cluster_or_file_is_headed_by_its_node() -> None:
    finding = DRIFT._replace(cluster=None)
    assert render_text(Report(findings=[finding], inputs=1), color=False) == (
        "node worker-2\n"
        "node worker-2: warning PL501 node-drift: "
        "node uses registry.k8s.io/pause:3.8, 4 others use registry.k8s.io/pause:3.9\n"
        "\n"
        "1 file checked: 0 errors, 1 warning, 0 info\n"
    )
