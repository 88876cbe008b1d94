"""The openmetrics reporter: the Prometheus text format node-exporter's textfile
collector reads, with every label value from the input escaped (no binaries here:
tests/realparts/test_openmetrics_real.py runs promtool and node-exporter on it)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.model import Finding, InputError, Location, Report, Severity, Skip
from pauselint.report import FORMATS, render
from pauselint.report.openmetrics import label_value, render_openmetrics, sandbox_images

NOW = 1_764_800_000.25


def finding(rule: str, severity: Severity, node: str | None, **extra) -> Finding:
    return Finding(rule=rule, name="some-rule", severity=severity, message="m",
                   location=Location("etc/containerd/config.toml", 3, 17), node=node, **extra)


def node_entry(name: str, *runtimes: tuple[str, str | None, str]) -> dict:
    """A Report.nodes entry in describe.py's shape, cut to what the reporter reads."""
    return {"name": name, "runtimes": [
        {"name": runtime, "sandbox_image": {"value": value, "origin": origin}}
        for runtime, value, origin in runtimes]}


def samples(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("#")]


def rendered(report: Report) -> str:
    return render_openmetrics(report, tool_version="0.1.0", table_date="2026-12-04", now=NOW)


def test_empty_report_is_every_family_with_help_and_type() -> None:
    assert rendered(Report()) == (
        "# HELP pauselint_findings Findings of a rule at a severity on a node (a cluster's"
        " node for pauselint cluster).\n"
        "# TYPE pauselint_findings gauge\n"
        "# HELP pauselint_sandbox_image_info The sandbox (pause) image a node's runtime uses,"
        " by where it was learnt (source) and how it was chosen (origin); always 1.\n"
        "# TYPE pauselint_sandbox_image_info gauge\n"
        "# HELP pauselint_input_errors Inputs that could not be read, or only partly.\n"
        "# TYPE pauselint_input_errors gauge\n"
        "pauselint_input_errors 0\n"
        "# HELP pauselint_rules_skipped Rules that could not run for want of context"
        " (Kubernetes version, platform, runtime version).\n"
        "# TYPE pauselint_rules_skipped gauge\n"
        "pauselint_rules_skipped 0\n"
        "# HELP pauselint_last_run_timestamp_seconds When pauselint made this report, in"
        " seconds since the epoch.\n"
        "# TYPE pauselint_last_run_timestamp_seconds gauge\n"
        "pauselint_last_run_timestamp_seconds 1764800000.25\n"
        "# HELP pauselint_info The pauselint version and the date of its compatibility"
        " table; always 1.\n"
        "# TYPE pauselint_info gauge\n"
        'pauselint_info{version="0.1.0",compat_table="2026-12-04"} 1\n'
    )


def test_findings_are_counted_per_rule_severity_and_node() -> None:
    superseded = finding("PL103", Severity.WARNING, "a")
    report = Report(findings=[
        finding("PL201", Severity.WARNING, "a"),
        finding("PL201", Severity.WARNING, "a"),
        finding("PL201", Severity.WARNING, "b"),
        finding("PL101", Severity.ERROR, "a", related=(superseded,)),
        finding("PL001", Severity.INFO, None),
        finding("PL201", Severity.WARNING, "w-7", cluster="prod"),
    ])
    assert [line for line in samples(rendered(report)) if "findings" in line] == [
        'pauselint_findings{rule="PL001",severity="info",node="",cluster=""} 1',
        'pauselint_findings{rule="PL101",severity="error",node="a",cluster=""} 1',
        'pauselint_findings{rule="PL201",severity="warning",node="a",cluster=""} 2',
        'pauselint_findings{rule="PL201",severity="warning",node="b",cluster=""} 1',
        'pauselint_findings{rule="PL201",severity="warning",node="w-7",cluster="prod"} 1',
    ]


def test_sandbox_image_per_runtime_per_node() -> None:
    nodes = [
        node_entry("b", ("containerd", None, "default")),
        node_entry("a", ("containerd", "registry.k8s.io/pause:3.10", "set"),
                   ("cri-o", "registry.k8s.io/pause:3.9", "set")),
        node_entry("a", ("containerd", "registry.k8s.io/pause:3.10", "set")),  # twice: once
    ]
    assert samples(rendered(Report(nodes=nodes)))[:3] == [
        'pauselint_sandbox_image_info{node="a",runtime="containerd",'
        'image="registry.k8s.io/pause:3.10",origin="set",source="configured"} 1',
        'pauselint_sandbox_image_info{node="a",runtime="cri-o",'
        'image="registry.k8s.io/pause:3.9",origin="set",source="configured"} 1',
        'pauselint_sandbox_image_info{node="b",runtime="containerd",'
        'image="",origin="default",source="configured"} 1',
    ]


def test_live_source_fits_the_same_labels() -> None:
    """`pauselint node` adds source="live" beside the configured series, same label names."""
    nodes = [node_entry("a", ("containerd", "registry.k8s.io/pause:3.10", "set"))]
    configured, = sandbox_images(nodes, "configured")
    live, = sandbox_images(nodes, "live")
    assert [key for key, _ in configured] == [key for key, _ in live]
    assert dict(live)["source"] == "live"


def test_errors_skips_and_info() -> None:
    report = Report(errors=[InputError("a.toml", 1, "bad"), InputError("b.toml", None, "gone")],
                    skipped=[Skip("PL105", "platform unknown", "a"),
                             Skip("PL105", "platform unknown", "b"),
                             Skip("PL502", "no kubelet version")])
    lines = samples(render_openmetrics(report, tool_version="9.9.9", table_date="2030-01-02",
                                       now=1_800_000_000))
    assert lines == [
        "pauselint_input_errors 2",
        "pauselint_rules_skipped 2",  # distinct rules, as the text summary counts them
        "pauselint_last_run_timestamp_seconds 1800000000",
        'pauselint_info{version="9.9.9",compat_table="2030-01-02"} 1',
    ]


@pytest.mark.parametrize(("raw", "written"), [
    ('say "hi"', 'say \\"hi\\"'),
    ("C:\\nodes\\a", "C:\\\\nodes\\\\a"),
    ("two\nlines", "two\\nlines"),
    # Not the format's escapes, but pauselint's shown form, then escaped for the format:
    ("cr\rhere", "cr\\\\rhere"),
    ("esc\x1b[31m", "esc\\\\x1b[31m"),
    ("caf\udce9", "caf\\\\xe9"),  # a byte that is not UTF-8 (PEP 383)
    ("bidi\u202eevil", "bidi\\\\u202eevil"),
    ("plain/node-1", "plain/node-1"),
])
def test_label_values_are_escaped(raw: str, written: str) -> None:
    assert label_value(raw) == written


def test_hostile_names_stay_on_their_line() -> None:
    hostile = 'n"}\nfake_metric{x="1"} 666\n# TYPE x counter\\'
    report = Report(findings=[finding("PL201", Severity.WARNING, hostile)],
                    nodes=[node_entry(hostile, ("containerd", hostile, "set"))])
    text = rendered(report)
    text.encode("utf-8")  # always valid UTF-8, or the parser refuses the whole file
    sample_line = re.compile(
        r'^pauselint_[a-z_]+(\{([a-z_]+="([^"\\\n]|\\[\\"n])*",?)*\})? [0-9.e+-]+$')
    assert all(sample_line.match(line) for line in samples(text)), samples(text)
    assert not any(line.startswith("fake_metric") for line in text.splitlines())
    assert sum(line.startswith("# TYPE") for line in text.splitlines()) == 6


def test_render_knows_the_format() -> None:
    assert "openmetrics" in FORMATS
    text = render(Report(), "openmetrics", tool_version="0.1.0", table_date="2026-12-04")
    assert 'pauselint_info{version="0.1.0",compat_table="2026-12-04"} 1' in text


def test_check_writes_the_textfile(tmp_path) -> None:
    config = tmp_path / "node" / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      '  sandbox_image = "k8s.gcr.io/pause:3.6"\n')
    out = tmp_path / "pauselint.prom"
    result = CliRunner().invoke(main, ["check", str(tmp_path / "node"), "-k", "1.31",
                                       "-o", "openmetrics", "--output-file", str(out)])
    assert result.exit_code == 0, result.output  # a warning (PL103) fails no run
    text = out.read_text()
    assert (f'pauselint_findings{{rule="PL103",severity="warning",node="{tmp_path}/node",'
            f'cluster=""}} 1') in text
    assert (f'pauselint_sandbox_image_info{{node="{tmp_path}/node",runtime="containerd",'
            f'image="k8s.gcr.io/pause:3.6",origin="set",source="configured"}} 1') in text
