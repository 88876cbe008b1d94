"""The text reporter: exact terminal output, with and without colour."""

from __future__ import annotations

from pauselint.model import Finding, InputError, Location, Report, Severity, Skip
from pauselint.report.text import render_text

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


def test_findings_without_a_file_are_grouped_under_cluster_node_or_no_file() -> None:
    report = Report(findings=[DRIFT, TABLE_OLD], inputs=1)
    assert render_text(report, color=False) == (
        "(no file)\n"
        "(no file): warning PL001 table-too-old: "
        "Kubernetes 1.40 is newer than the compat table (2026-11-24)\n"
        "\n"
        "cluster prod, node worker-2\n"
        "cluster prod, node worker-2: warning PL501 node-drift: "
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
