"""What every reporter says about nodes (issue 9): a file run that judged several
nodes says which node each line is about; a run of one node reads exactly as before.

Reports are built directly here, as the engine hands them over; the last tests run
the real CLI over a config repo of two node folders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator

from pauselint.cli import main
from pauselint.model import Finding, InputError, Location, Report, Severity, Skip
from pauselint.report import judged_nodes, skips_by_reason, unique_skips
from pauselint.report.github import render_github
from pauselint.report.json_report import render_json
from pauselint.report.sarif import render_sarif
from pauselint.report.text import render_text
from pauselint.rules import RULES

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
NOT_UTF8 = b"n\xe9ud".decode("utf-8", "surrogateescape")  # 'n\udce9ud', as os.fsdecode gives


def flag_removed(node: str) -> Finding:
    return Finding(
        rule="PL301", name="pod-infra-flag-removed", severity=Severity.ERROR,
        message="kubelet 1.35 refuses --pod-infra-container-image",
        location=Location(f"{node}/var/lib/kubelet/kubeadm-flags.env", 1, 60),
        image="registry.k8s.io/pause:3.9", node=node, fix="remove the flag",
    )


def old_pause(node: str) -> Finding:
    return Finding(
        rule="PL201", name="pause-older-than-expected", severity=Severity.WARNING,
        message="pause 3.9 is older than 3.10", location=Location(
            f"{node}/etc/containerd/config.toml", 3, 19),
        image="registry.k8s.io/pause:3.9", node=node,
    )


def entry(name: str) -> dict[str, Any]:
    """A node entry as describe.py builds it (only what the reporters pass through)."""
    return {"name": name, "files": [{"path": f"{name}/etc/containerd/config.toml",
                                     "kind": "containerd"}],
            "kubernetes_version": "1.35", "kubernetes_version_from": "kubeadm:x",
            "platform": None, "runtimes": [], "kubelet": {"pod_infra_container_image": None},
            "kubeadm": {"image_repository": None}}


def two_nodes() -> Report:
    return Report(
        findings=[flag_removed("nodes/node2"), old_pause("nodes/node1"),
                  flag_removed("nodes/node1")],
        skipped=[Skip("PL304", "runtime version unknown", "nodes/node2"),
                 Skip("PL304", "runtime version unknown", "nodes/node1"),
                 Skip("PL304", "runtime version unknown", "nodes/node1"),
                 Skip("PL101", "registry m.example is not in the compat table", "nodes/node2")],
        inputs=6, nodes=[entry("nodes/node1"), entry("nodes/node2")],
    )


def one_node(node: str | None = ".") -> Report:
    return Report(findings=[old_pause("n")._replace(node=node)],
                  skipped=[Skip("PL304", "runtime version unknown", node)], inputs=1,
                  nodes=[entry(node)] if node else [])


def as_json(report: Report) -> dict[str, Any]:
    return json.loads(render_json(report, tool_version="0.1.0", table_date="2026-11-24"))


def as_sarif(report: Report) -> dict[str, Any]:
    return json.loads(render_sarif(report, tool_version="0.1.0", table_date="2026-11-24",
                                   rules=RULES))


# -- which nodes a report is about --------------------------------------------------

def test_judged_nodes_come_from_entries_findings_and_skips_not_live_clusters() -> None:
    report = Report(findings=[old_pause("a"), old_pause("x")._replace(node="cp-1",
                                                                      cluster="prod")],
                    skipped=[Skip("PL304", "r", "b"), Skip("PL304", "r")],
                    nodes=[entry("c"), entry("a")])
    assert judged_nodes(report) == ["a", "b", "c"]


def test_unique_skips_keep_each_node_and_sort_run_wide_first() -> None:
    skips = [Skip("PL304", "r", "b"), Skip("PL304", "r"), Skip("PL304", "r", "a"),
             Skip("PL304", "r", "a"), Skip("PL201", "z", "b")]
    assert unique_skips(skips) == [Skip("PL201", "z", "b"), Skip("PL304", "r"),
                                   Skip("PL304", "r", "a"), Skip("PL304", "r", "b")]
    assert skips_by_reason(skips) == {("PL201", "z"): ["b"], ("PL304", "r"): [None, "a", "b"]}


# -- JSON ---------------------------------------------------------------------------

def test_json_carries_nodes_and_every_skip_names_its_node() -> None:
    doc = as_json(two_nodes())
    assert list(doc) == ["schema", "tool", "context", "findings", "skipped", "errors",
                         "summary", "nodes"]
    assert doc["nodes"] == [entry("nodes/node1"), entry("nodes/node2")]
    assert [f["node"] for f in doc["findings"]] == ["nodes/node1", "nodes/node1",
                                                    "nodes/node2"]
    assert doc["skipped"] == [
        {"rule": "PL101", "reason": "registry m.example is not in the compat table",
         "node": "nodes/node2"},
        {"rule": "PL304", "reason": "runtime version unknown", "node": "nodes/node1"},
        {"rule": "PL304", "reason": "runtime version unknown", "node": "nodes/node2"},
    ]
    assert "files_skipped" not in doc


def test_json_files_skipped_only_when_a_walk_skipped_some() -> None:
    report = Report(files_skipped={"no known kind": 1190, "binary": 14})
    doc = as_json(report)
    assert doc["files_skipped"] == {"binary": 14, "no known kind": 1190}
    assert list(doc)[-2:] == ["nodes", "files_skipped"]


def test_json_live_cluster_run_has_an_empty_nodes_list_and_null_skip_nodes() -> None:
    drift = old_pause("x")._replace(location=Location(None), node="worker-2", cluster="prod")
    doc = as_json(Report(findings=[drift], skipped=[Skip("PL502", "API server version unknown")],
                         node_counts={"prod": 3}, context={"mode": "cluster"}))
    assert doc["nodes"] == []
    assert doc["skipped"] == [{"rule": "PL502", "reason": "API server version unknown",
                               "node": None}]


def test_json_hostile_node_name_stays_valid_utf8_and_safe_to_cat() -> None:
    hostile = f"nodes/{NOT_UTF8}\x1b[2J\u202e"
    text = render_json(Report(findings=[old_pause(hostile)],
                              skipped=[Skip("PL304", "r", hostile)], nodes=[entry(hostile)]),
                       tool_version="0.1.0", table_date="2026-11-24")
    text.encode("utf-8")  # no lone surrogate left
    assert "\x1b" not in text and "\u202e" not in text
    doc = json.loads(text)
    shown = "nodes/n\\xe9ud\x1b[2J\u202e"  # the byte shown, controls as JSON escapes
    assert doc["nodes"][0]["name"] == shown
    assert doc["findings"][0]["node"] == shown
    assert doc["skipped"][0]["node"] == shown


# -- text ---------------------------------------------------------------------------

def test_text_groups_findings_by_node_in_sorted_order() -> None:
    assert render_text(two_nodes(), color=False) == (
        "node nodes/node1:\n"
        "nodes/node1/etc/containerd/config.toml\n"
        "nodes/node1/etc/containerd/config.toml:3:19: warning PL201 pause-older-than-expected: "
        "pause 3.9 is older than 3.10\n"
        "\n"
        "nodes/node1/var/lib/kubelet/kubeadm-flags.env\n"
        "nodes/node1/var/lib/kubelet/kubeadm-flags.env:1:60: error PL301 pod-infra-flag-removed: "
        "kubelet 1.35 refuses --pod-infra-container-image\n"
        "    fix: remove the flag\n"
        "\n"
        "node nodes/node2:\n"
        "nodes/node2/var/lib/kubelet/kubeadm-flags.env\n"
        "nodes/node2/var/lib/kubelet/kubeadm-flags.env:1:60: error PL301 pod-infra-flag-removed: "
        "kubelet 1.35 refuses --pod-infra-container-image\n"
        "    fix: remove the flag\n"
        "\n"
        "skipped PL101 on nodes/node2: registry m.example is not in the compat table\n"
        "skipped PL304 on nodes/node1, nodes/node2: runtime version unknown\n"
        "\n"
        "6 files checked: 2 errors, 1 warning, 0 info\n"
    )


@pytest.mark.parametrize("node", [".", "nodes/node1", None])
def test_text_of_one_node_is_as_before(node: str | None) -> None:
    assert render_text(one_node(node), color=False) == (
        "n/etc/containerd/config.toml\n"
        "n/etc/containerd/config.toml:3:19: warning PL201 pause-older-than-expected: "
        "pause 3.9 is older than 3.10\n"
        "\n"
        "skipped PL304: runtime version unknown\n"
        "\n"
        "1 file checked: 0 errors, 1 warning, 0 info\n"
    )


def test_text_node_heading_is_bold_in_colour() -> None:
    assert render_text(two_nodes(), color=True).splitlines()[0] == (
        "\x1b[1mnode nodes/node1:\x1b[0m")


def test_text_run_wide_finding_and_skip_in_a_several_node_run() -> None:
    run_wide = old_pause("x")._replace(location=Location("x.toml"), node=None)
    report = two_nodes()
    report.findings.append(run_wide)
    report.skipped.append(Skip("PL304", "runtime version unknown"))
    lines = render_text(report, color=False).splitlines()
    assert lines[:2] == ["x.toml", "x.toml: warning PL201 pause-older-than-expected: "
                         "pause 3.9 is older than 3.10"]
    assert lines[3] == "node nodes/node1:"
    # Skipped on the whole run as well as on two nodes: it did not run anywhere.
    assert "skipped PL304: runtime version unknown" in lines


def test_text_long_node_list_of_a_skip_is_counted() -> None:
    names = [f"nodes/n{i:02}" for i in range(12)]
    report = Report(skipped=[Skip("PL304", "runtime version unknown", n) for n in names],
                    nodes=[entry(n) for n in names])
    assert "skipped PL304 on 12 nodes: runtime version unknown" in render_text(
        report, color=False).splitlines()


def test_text_quiet_keeps_only_problem_lines_with_several_nodes() -> None:
    lines = render_text(two_nodes(), color=False, quiet=True).splitlines()
    assert [line.split(":")[0] for line in lines if not line.startswith(" ")] == [
        "nodes/node1/etc/containerd/config.toml",
        "nodes/node1/var/lib/kubelet/kubeadm-flags.env",
        "nodes/node2/var/lib/kubelet/kubeadm-flags.env",
    ]


@pytest.mark.parametrize(
    ("files_skipped", "tail"),
    [
        ({}, "3 files checked: no problems found"),
        ({"binary": 14, "no known kind": 1190},
         "3 files checked: no problems found; skipped 1,204 files (1,190 no known kind, 14 binary)"),
        ({"special file": 1}, "3 files checked: no problems found; skipped 1 file (1 special file)"),
        # Equal counts: by reason, so two runs print the same line.
        ({"binary": 2, "documentation": 2},
         "3 files checked: no problems found; skipped 4 files (2 binary, 2 documentation)"),
    ],
)
def test_text_summary_counts_the_files_a_walk_skipped(files_skipped: dict[str, int],
                                                      tail: str) -> None:
    text = render_text(Report(inputs=3, files_skipped=files_skipped), color=False)
    assert text.splitlines()[-1] == tail


def test_text_hostile_node_name_is_shown_escaped() -> None:
    hostile = f"nodes/{NOT_UTF8}\x1b[2J\u202e"
    report = Report(findings=[old_pause(hostile), old_pause("nodes/b")],
                    skipped=[Skip("PL304", "r", hostile), Skip("PL304", "r", "nodes/b")])
    text = render_text(report, color=False)
    text.encode("utf-8")
    assert "\x1b" not in text and "\u202e" not in text
    assert "node nodes/n\\xe9ud\\x1b[2J\\u202e:" in text.splitlines()
    assert "skipped PL304 on nodes/b, nodes/n\\xe9ud\\x1b[2J\\u202e: r" in text


# -- SARIF and GitHub ---------------------------------------------------------------

def test_sarif_names_the_node_in_messages_only_with_several_nodes() -> None:
    several = as_sarif(two_nodes())["runs"][0]
    assert [r["message"]["text"] for r in several["results"]] == [
        "pause 3.9 is older than 3.10 [node nodes/node1]",
        "kubelet 1.35 refuses --pod-infra-container-image [node nodes/node1] "
        "Fix: remove the flag",
        "kubelet 1.35 refuses --pod-infra-container-image [node nodes/node2] "
        "Fix: remove the flag",
    ]
    notes = several["invocations"][0]["toolConfigurationNotifications"]
    assert [n["message"]["text"] for n in notes] == [
        "registry m.example is not in the compat table [on nodes/node2]",
        "runtime version unknown [on nodes/node1, nodes/node2]",
    ]
    single = as_sarif(one_node("nodes/node1"))["runs"][0]
    assert single["results"][0]["message"]["text"] == "pause 3.9 is older than 3.10"
    assert [n["message"]["text"] for n in
            single["invocations"][0]["toolConfigurationNotifications"]] == [
        "runtime version unknown"]


def test_sarif_one_node_keeps_the_fingerprint_a_nodeless_finding_had() -> None:
    # Alerts of a one-node repository must not reopen now that findings name a node.
    before = as_sarif(one_node(None))["runs"][0]["results"][0]["partialFingerprints"]
    after = as_sarif(one_node("."))["runs"][0]["results"][0]["partialFingerprints"]
    assert before == after


def test_sarif_one_shared_file_judged_for_two_nodes_gives_two_identities() -> None:
    shared = old_pause("n")._replace(location=Location("kubeadm.yaml", 4, 18))
    report = Report(findings=[shared._replace(node="a.toml"), shared._replace(node="b.toml")])
    prints = [r["partialFingerprints"] for r in as_sarif(report)["runs"][0]["results"]]
    assert prints[0] != prints[1]


def test_sarif_with_nodes_and_hostile_name_validates_against_the_schema() -> None:
    hostile = f"nodes/{NOT_UTF8}\x1b[2J"
    report = two_nodes()
    report.findings.append(old_pause(hostile))
    report.skipped.append(Skip("PL304", "runtime version unknown", hostile))
    text = render_sarif(report, tool_version="0.1.0", table_date="2026-11-24", rules=RULES)
    text.encode("utf-8")
    assert "\x1b" not in text
    document = json.loads(text)
    Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(document)
    messages = [r["message"]["text"] for r in document["runs"][0]["results"]]
    assert "pause 3.9 is older than 3.10 [node nodes/n\\xe9ud\x1b[2J]" in messages


def test_github_names_the_node_only_with_several_nodes() -> None:
    assert render_github(two_nodes()).splitlines()[0] == (
        "::warning file=nodes/node1/etc/containerd/config.toml,line=3,col=19,"
        "title=PL201 pause-older-than-expected::pause 3.9 is older than 3.10 [node nodes/node1]")
    assert render_github(one_node("nodes/node1")) == (
        "::warning file=n/etc/containerd/config.toml,line=3,col=19,"
        "title=PL201 pause-older-than-expected::pause 3.9 is older than 3.10\n")


def test_github_hostile_node_name_cannot_start_a_command_or_escape() -> None:
    hostile = "nodes/x\n::error::pwned\x1b[2J"
    report = Report(findings=[old_pause(hostile), old_pause("nodes/b")])
    lines = render_github(report).splitlines()
    assert len(lines) == 2
    assert "\x1b" not in lines[1]
    assert lines[1].endswith("[node nodes/x%0A::error::pwned\\x1b[2J]")


def test_input_errors_are_unchanged_by_nodes() -> None:
    report = two_nodes()
    report.errors.append(InputError("nodes/node1/etc/containerd/config.toml", 3, "invalid TOML"))
    assert "nodes/node1/etc/containerd/config.toml:3: error: invalid TOML" in render_text(
        report, color=False).splitlines()


# -- the real CLI -------------------------------------------------------------------

KUBEADM = ("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"
           "kubernetesVersion: {version}\n")
FLAGS = ('KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/'
         'containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10"\n')
CONTAINERD = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "registry.k8s.io/pause:3.10"\n')


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, version in (("old", "v1.30.4"), ("new", "v1.35.2")):
        root = tmp_path / "nodes" / name
        for relative, text in (("etc/containerd/config.toml", CONTAINERD),
                               ("var/lib/kubelet/kubeadm-flags.env", FLAGS),
                               ("etc/kubernetes/kubeadm-config.yaml",
                                KUBEADM.format(version=version))):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> str:
    result = CliRunner().invoke(main, ["check", "--no-config", *args])
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_cli_text_has_a_block_per_node_and_the_error_is_under_its_node(repo: Path) -> None:
    lines = check("nodes").splitlines()
    assert lines.index("node nodes/new:") < lines.index("node nodes/old:")
    removed = [i for i, line in enumerate(lines) if "PL301" in line]
    assert removed and all(lines.index("node nodes/new:") < i < lines.index("node nodes/old:")
                           for i in removed)


def test_cli_json_nodes_match_the_findings_nodes(repo: Path) -> None:
    doc = json.loads(check("--format", "json", "nodes"))
    assert [n["name"] for n in doc["nodes"]] == ["nodes/new", "nodes/old"]
    assert {f["node"] for f in doc["findings"]} == {"nodes/new", "nodes/old"}
    assert all(f["path"].startswith(f["node"] + "/") for f in doc["findings"])
    assert all(s["node"] in ("nodes/new", "nodes/old") for s in doc["skipped"])


def test_cli_one_node_text_has_no_node_heading(repo: Path) -> None:
    output = check("nodes/new")
    assert "node nodes/new:" not in output
    assert "[node " not in check("--format", "github", "nodes/new")
