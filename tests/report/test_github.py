"""The GitHub reporter: workflow commands the Actions runner turns into annotations."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, InputError, Location, Report, Severity
from pauselint.report.github import escape_data, escape_property, render_github

REMOVED_FLAG = Finding(
    rule="PL301",
    name="pod-infra-flag-removed",
    severity=Severity.ERROR,
    message="kubelet 1.35 refuses --pod-infra-container-image",
    location=Location("var/lib/kubelet/kubeadm-flags.env", 1, 60),
    image="registry.k8s.io/pause:3.9",
    fixable=True,
    fix="remove --pod-infra-container-image=registry.k8s.io/pause:3.9",
)
FROZEN = Finding(
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
NODE_FINDING = Finding(
    rule="PL201",
    name="pause-older-than-expected",
    severity=Severity.WARNING,
    message="registry.k8s.io/pause:3.9 is older than 3.10",
    location=Location(None),
    image="registry.k8s.io/pause:3.9",
    node="worker-7",
    cluster="prod",
)


def test_error_with_fix_on_a_second_line() -> None:
    assert render_github(Report(findings=[REMOVED_FLAG])) == (
        "::error file=var/lib/kubelet/kubeadm-flags.env,line=1,col=60,"
        "title=PL301 pod-infra-flag-removed::"
        "kubelet 1.35 refuses --pod-infra-container-image"
        "%0AFix: remove --pod-infra-container-image=registry.k8s.io/pause:3.9\n"
    )


def test_warning() -> None:
    assert render_github(Report(findings=[FROZEN])) == (
        "::warning file=etc/containerd/config.toml,line=3,col=17,"
        "title=PL103 frozen-registry::k8s.gcr.io is frozen since 2023-04-03\n"
    )


def test_info_is_a_notice_and_a_missing_line_is_omitted() -> None:
    assert render_github(Report(findings=[DEFAULT_USED])) == (
        "::notice file=etc/containerd/config.toml,title=PL404 runtime-default-used::"
        "no sandbox image set: containerd 1.7 uses registry.k8s.io/pause:3.8\n"
    )


def test_line_without_column() -> None:
    finding = FROZEN._replace(location=Location("etc/crio/crio.conf", 7))
    assert render_github(Report(findings=[finding])) == (
        "::warning file=etc/crio/crio.conf,line=7,title=PL103 frozen-registry::"
        "k8s.gcr.io is frozen since 2023-04-03\n"
    )


def test_column_without_line_is_dropped() -> None:
    finding = FROZEN._replace(location=Location("etc/crio/crio.conf", None, 5))
    assert render_github(Report(findings=[finding])) == (
        "::warning file=etc/crio/crio.conf,title=PL103 frozen-registry::"
        "k8s.gcr.io is frozen since 2023-04-03\n"
    )


def test_finding_without_a_file_names_cluster_and_node() -> None:
    assert render_github(Report(findings=[NODE_FINDING])) == (
        "::warning title=PL201 pause-older-than-expected::"
        "[prod/worker-7] registry.k8s.io/pause:3.9 is older than 3.10\n"
    )
    node_only = NODE_FINDING._replace(cluster=None)
    assert render_github(Report(findings=[node_only])) == (
        "::warning title=PL201 pause-older-than-expected::"
        "[worker-7] registry.k8s.io/pause:3.9 is older than 3.10\n"
    )
    nowhere = NODE_FINDING._replace(cluster=None, node=None)
    assert render_github(Report(findings=[nowhere])) == (
        "::warning title=PL201 pause-older-than-expected::"
        "registry.k8s.io/pause:3.9 is older than 3.10\n"
    )


def test_escaping_in_properties_and_message() -> None:
    finding = Finding(
        rule="PL401",
        name="ignored-setting",
        severity=Severity.ERROR,
        message='100% ignored:\r\nsandbox_image under "io.containerd.grpc.v1.cri", version 3',
        location=Location("nodes/a,b:c 50%.toml", 2, 1),
        fix="move it\nto pinned_images.sandbox",
    )
    assert render_github(Report(findings=[finding])) == (
        "::error file=nodes/a%2Cb%3Ac 50%25.toml,line=2,col=1,title=PL401 ignored-setting::"
        '100%25 ignored:%0D%0Asandbox_image under "io.containerd.grpc.v1.cri", version 3'
        "%0AFix: move it%0Ato pinned_images.sandbox\n"
    )


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("%0A", "%250A", "%250A"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("x\ry\nz", "x%0Dy%0Az", "x%0Dy%0Az"),
        ("::error::", "::error::", "%3A%3Aerror%3A%3A"),
    ],
)
def test_escape_functions(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_input_errors_follow_findings() -> None:
    report = Report(
        findings=[FROZEN, REMOVED_FLAG],
        errors=[
            InputError("missing.yaml", None, "cannot read: no such file"),
            InputError("broken.toml", 3, "invalid TOML: expected '=' after a key"),
            InputError(None, None, "no inputs given"),
        ],
    )
    assert render_github(report).splitlines() == [
        "::warning file=etc/containerd/config.toml,line=3,col=17,"
        "title=PL103 frozen-registry::k8s.gcr.io is frozen since 2023-04-03",
        "::error file=var/lib/kubelet/kubeadm-flags.env,line=1,col=60,"
        "title=PL301 pod-infra-flag-removed::"
        "kubelet 1.35 refuses --pod-infra-container-image"
        "%0AFix: remove --pod-infra-container-image=registry.k8s.io/pause:3.9",
        "::error title=pauselint input error::no inputs given",
        "::error file=broken.toml,line=3,title=pauselint input error::"
        "invalid TOML: expected '=' after a key",
        "::error file=missing.yaml,title=pauselint input error::cannot read: no such file",
    ]


def test_empty_report_prints_nothing() -> None:
    assert render_github(Report(inputs=3)) == ""
