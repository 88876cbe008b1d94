"""The SARIF reporter: valid SARIF 2.1.0 that code scanning can show and track."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from pauselint.model import Finding, InputError, Location, Report, Severity, Skip
from pauselint.report.sarif import README_URL, render_sarif
from pauselint.rules import RULES

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
RULE_IDS = list(RULES)

UNKNOWN_TAG = Finding(
    rule="PL101",
    name="unknown-tag",
    severity=Severity.ERROR,
    message="registry.k8s.io/pause:3.4: tag 3.4 was never published for registry.k8s.io/pause",
    location=Location("etc/containerd/config.toml", 3, 17),
    image="registry.k8s.io/pause:3.4",
    expected="registry.k8s.io/pause:3.4.1",
    fixable=True,
    fix='sandbox_image = "registry.k8s.io/pause:3.4.1"',
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
    location=Location("node roots/worker 1/etc/containerd/config.toml"),
    image="registry.k8s.io/pause:3.8",
)
# Live-cluster findings: node and cluster set, no file.
DRIFT_CP = Finding(
    rule="PL201",
    name="pause-older-than-expected",
    severity=Severity.WARNING,
    message="registry.k8s.io/pause:3.9 is older than 3.10, what kubeadm 1.31 expects",
    location=Location(None),
    image="registry.k8s.io/pause:3.9",
    node="cp-1",
    cluster="prod",
)
DRIFT_WORKER = DRIFT_CP._replace(node="worker-7")
COLUMN_NO_LINE = Finding(
    rule="PL302",
    name="pod-infra-flag-deprecated",
    severity=Severity.WARNING,
    message="--pod-infra-container-image does nothing on kubelet 1.30",
    location=Location("var/lib/kubelet/kubeadm-flags.env", None, 12),
)


def render(report: Report) -> dict[str, Any]:
    text = render_sarif(report, tool_version="0.1.0", table_date="2026-11-24", rules=RULES)
    assert text.endswith("}\n")
    return json.loads(text)


def full_report() -> Report:
    return Report(
        findings=[DRIFT_CP, DEFAULT_USED, FROZEN, UNKNOWN_TAG, DRIFT_WORKER, COLUMN_NO_LINE],
        skipped=[
            Skip("PL304", "runtime version unknown"),
            Skip("PL304", "runtime version unknown"),
            Skip("PL201", "Kubernetes version unknown"),
        ],
        errors=[
            InputError("broken.toml", 3, "invalid TOML: expected '=' after a key"),
            InputError("missing.yaml", None, "cannot read: no such file"),
        ],
        inputs=4,
        context={"kubernetes_version": "1.29", "kubernetes_version_from": "flag"},
    )


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft4Validator(schema)


@pytest.mark.parametrize("report", [Report(), full_report()], ids=["empty", "full"])
def test_output_is_valid_sarif_2_1_0(validator: Draft4Validator, report: Report) -> None:
    document = render(report)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    assert document["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_driver_lists_every_registered_rule_in_registry_order() -> None:
    driver = render(Report())["runs"][0]["tool"]["driver"]
    assert driver["name"] == "pauselint"
    assert driver["version"] == "0.1.0"
    assert driver["informationUri"] == "https://github.com/pauselint/pauselint"
    assert driver["properties"] == {"compatTable": "2026-11-24"}
    assert [rule["id"] for rule in driver["rules"]] == RULE_IDS
    assert [rule["name"] for rule in driver["rules"]] == [m.NAME for m in RULES.values()]


def test_rule_metadata_comes_from_the_rule_docs() -> None:
    rules = {r["id"]: r for r in render(Report())["runs"][0]["tool"]["driver"]["rules"]}
    pl101 = rules["PL101"]
    assert pl101["shortDescription"] == {
        "text": "the pause tag was never published for that repository."
    }
    full = pl101["fullDescription"]["text"]
    assert full.startswith("PL101 unknown-tag: the pause tag was never published")
    assert "\nHow to fix\n    Use a published tag:" in full
    assert pl101["helpUri"] == f"{README_URL}#pl101"
    assert pl101["helpUri"] == "https://github.com/pauselint/pauselint/blob/main/README.md#pl101"
    assert pl101["help"]["text"].startswith("Use a published tag: the finding's ``expected``")
    assert "\n\nWhat it finds\n    A pause image whose tag" in pl101["help"]["text"]
    markdown = pl101["help"]["markdown"]
    assert markdown.startswith("**PL101 unknown-tag**: the pause tag was never published")
    for heading in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n\n## {heading}\n\n" in markdown
    assert "`registry.k8s.io/pause:3.4`" in markdown
    assert "``" not in markdown
    assert pl101["defaultConfiguration"] == {"enabled": True, "level": "error"}
    assert pl101["properties"] == {"tags": ["pause-image", "image", "error"]}
    assert rules["PL103"]["defaultConfiguration"]["level"] == "warning"
    assert rules["PL404"]["defaultConfiguration"]["level"] == "note"
    assert rules["PL301"]["properties"]["tags"] == ["pause-image", "kubelet", "error"]


def test_every_rule_has_its_readme_anchor_and_its_level() -> None:
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for rule in render(Report())["runs"][0]["tool"]["driver"]["rules"]:
        module = RULES[rule["id"]]
        assert rule["helpUri"] == f"{README_URL}#{module.ID.lower()}"
        assert rule["defaultConfiguration"]["level"] == levels[module.SEVERITY]
        assert rule["shortDescription"]["text"]
        assert "How to fix" in rule["fullDescription"]["text"]


def test_off_by_default_rules_are_disabled() -> None:
    rules = render(Report())["runs"][0]["tool"]["driver"]["rules"]
    disabled = [r["id"] for r in rules if not r["defaultConfiguration"]["enabled"]]
    assert "PL109" in disabled
    assert disabled == [m.ID for m in RULES.values() if not m.DEFAULT_ENABLED]
    assert "PL101" not in disabled


def test_results_are_sorted_and_point_at_their_rule() -> None:
    results = render(full_report())["runs"][0]["results"]
    # Finding.sort_key: cluster first ("" before "prod"), then path, line, rule.
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("PL101", RULE_IDS.index("PL101"), "error"),
        ("PL103", RULE_IDS.index("PL103"), "warning"),
        ("PL404", RULE_IDS.index("PL404"), "note"),
        ("PL302", RULE_IDS.index("PL302"), "warning"),
        ("PL201", RULE_IDS.index("PL201"), "warning"),
        ("PL201", RULE_IDS.index("PL201"), "warning"),
    ]


def test_file_finding_result() -> None:
    result = render(Report(findings=[UNKNOWN_TAG]))["runs"][0]["results"][0]
    assert result["message"] == {
        "text": "registry.k8s.io/pause:3.4: tag 3.4 was never published for "
        'registry.k8s.io/pause Fix: sandbox_image = "registry.k8s.io/pause:3.4.1"'
    }
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "etc/containerd/config.toml"},
                "region": {"startLine": 3, "startColumn": 17},
            }
        }
    ]
    assert result["properties"] == {
        "image": "registry.k8s.io/pause:3.4",
        "expected": "registry.k8s.io/pause:3.4.1",
    }


def test_message_without_fix_is_the_message() -> None:
    result = render(Report(findings=[FROZEN]))["runs"][0]["results"][0]
    assert result["message"] == {"text": "k8s.gcr.io is frozen since 2023-04-03"}
    assert result["properties"] == {"image": "k8s.gcr.io/pause:3.4"}


def test_path_with_spaces_is_percent_encoded_and_no_line_means_no_region() -> None:
    result = render(Report(findings=[DEFAULT_USED]))["runs"][0]["results"][0]
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "node%20roots/worker%201/etc/containerd/config.toml"}
            }
        }
    ]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("etc\\containerd\\config.toml", "etc/containerd/config.toml"),
        ("/etc/containerd/config 100%.toml", "/etc/containerd/config%20100%25.toml"),
        ("a:b/config.toml", "a%3Ab/config.toml"),
        (
            "C:\\ProgramData\\containerd\\config.toml",
            "file:///C:/ProgramData/containerd/config.toml",
        ),
    ],
)
def test_uri_is_a_uri_reference(path: str, uri: str) -> None:
    finding = FROZEN._replace(location=Location(path, 1, 1))
    result = render(Report(findings=[finding]))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri


def test_column_without_line_is_dropped_with_the_line() -> None:
    result = render(Report(findings=[COLUMN_NO_LINE]))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "var/lib/kubelet/kubeadm-flags.env"}
    }


def test_line_without_column_has_only_start_line() -> None:
    finding = FROZEN._replace(location=Location("etc/crio/crio.conf", 7))
    result = render(Report(findings=[finding]))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 7}


def test_cluster_findings_use_logical_locations() -> None:
    result = render(Report(findings=[DRIFT_CP]))["runs"][0]["results"][0]
    assert result["locations"] == [
        {
            "logicalLocations": [
                {"name": "prod", "kind": "cluster"},
                {"name": "cp-1", "fullyQualifiedName": "prod/cp-1", "kind": "node"},
            ]
        }
    ]
    assert result["properties"] == {
        "image": "registry.k8s.io/pause:3.9",
        "node": "cp-1",
        "cluster": "prod",
    }


def test_finding_without_any_place_has_no_locations() -> None:
    finding = FROZEN._replace(location=Location(None))
    result = render(Report(findings=[finding]))["runs"][0]["results"][0]
    assert "locations" not in result


def test_fingerprints_are_stable_and_distinct() -> None:
    first = render(full_report())["runs"][0]["results"]
    second = render(full_report())["runs"][0]["results"]
    prints = [r["partialFingerprints"] for r in first]
    assert prints == [r["partialFingerprints"] for r in second]
    assert all(list(p) == ["pauselintFinding/v1"] for p in prints)
    values = [p["pauselintFinding/v1"] for p in prints]
    assert all(len(v) == 64 for v in values)
    # Same file and line (PL101/PL103), same rule and image on two nodes (PL201):
    # each still has its own identity.
    assert len(set(values)) == len(values)


def test_fingerprint_ignores_message_wording() -> None:
    reworded = UNKNOWN_TAG._replace(message="tag 3.4 does not exist", fix=None)
    old = render(Report(findings=[UNKNOWN_TAG]))["runs"][0]["results"][0]
    new = render(Report(findings=[reworded]))["runs"][0]["results"][0]
    assert old["partialFingerprints"] == new["partialFingerprints"]
    moved = UNKNOWN_TAG._replace(location=Location("etc/containerd/config.toml", 4, 17))
    other = render(Report(findings=[moved]))["runs"][0]["results"][0]
    assert other["partialFingerprints"] != old["partialFingerprints"]


def test_input_errors_are_execution_notifications() -> None:
    invocation = render(full_report())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "error",
            "message": {"text": "invalid TOML: expected '=' after a key"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "broken.toml"},
                        "region": {"startLine": 3},
                    }
                }
            ],
        },
        {
            "level": "error",
            "message": {"text": "cannot read: no such file"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "missing.yaml"}}}],
        },
    ]
    assert invocation["properties"] == {
        "context": {"kubernetes_version": "1.29", "kubernetes_version_from": "flag"}
    }


def test_skipped_rules_are_configuration_notifications_once_each() -> None:
    invocation = render(full_report())["runs"][0]["invocations"][0]
    assert invocation["toolConfigurationNotifications"] == [
        {
            "level": "note",
            "message": {"text": "Kubernetes version unknown"},
            "descriptor": {"id": "PL201"},
            "associatedRule": {"id": "PL201", "index": RULE_IDS.index("PL201")},
        },
        {
            "level": "note",
            "message": {"text": "runtime version unknown"},
            "descriptor": {"id": "PL304"},
            "associatedRule": {"id": "PL304", "index": RULE_IDS.index("PL304")},
        },
    ]


def test_clean_run_is_successful_with_no_notifications() -> None:
    document = render(Report(inputs=2))
    run = document["runs"][0]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert run["results"] == []


def test_finding_from_an_unregistered_rule_gets_a_descriptor(validator: Draft4Validator) -> None:
    finding = FROZEN._replace(rule="PL999", name="plugin-rule")
    document = render(Report(findings=[finding]))
    assert list(validator.iter_errors(document)) == []
    driver_rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert driver_rules[-1] == {
        "id": "PL999",
        "name": "plugin-rule",
        "defaultConfiguration": {"level": "warning"},
    }
    result = document["runs"][0]["results"][0]
    assert result["ruleIndex"] == len(RULE_IDS) == len(driver_rules) - 1


def test_output_is_byte_identical_across_runs() -> None:
    def text() -> str:
        return render_sarif(
            full_report(), tool_version="0.1.0", table_date="2026-11-24", rules=RULES
        )

    assert text() == text()
