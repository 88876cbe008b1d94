"""`pauselint cluster` end to end: the real client, a real kubeconfig, the test API server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

from .apiserver import KubeAPI
from .nodes import corpus_dir, corpus_nodes, fleet, kubeadm_config_map, make_node


def run(*args: str):
    return CliRunner().invoke(main, ["cluster", *args])


def test_fleet_findings_carry_cluster_and_node_and_only_gets_are_sent(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    nodes = fleet(20)
    nodes[3] = make_node("node-0003", pause_images=("registry.k8s.io/pause:3.6",))
    nodes[7] = make_node("node-0007", kubelet="v1.32.0")  # newer than the API server
    kube_api.set_nodes(nodes)
    kube_api.configmaps["kubeadm-config"] = kubeadm_config_map("v1.31.4", "registry.k8s.io")
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    result = run("--kubeconfig", str(config), "--format", "json")
    doc = json.loads(result.output)
    assert result.exit_code == 1  # PL502 is an error
    found = {(f["rule"], f["node"]) for f in doc["findings"]}
    assert ("PL201", "node-0003") in found and ("PL501", "node-0003") in found
    assert ("PL502", "node-0007") in found
    assert all(f["cluster"] == "test" and f["path"] is None for f in doc["findings"])
    assert doc["context"]["kubernetes_version_from"] == "cluster"
    assert doc["summary"]["inputs"] == 20
    assert {r.method for r in kube_api.requests} == {"GET"}


def test_text_collapses_identical_findings_across_nodes(kube_api: KubeAPI,
                                                        tmp_path: Path) -> None:
    kube_api.server_version = "v1.36.1"
    kube_api.set_nodes([make_node(f"n{i}", kubelet="v1.36.1", runtime="containerd://1.7.28")
                        for i in range(8)])
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    result = run("--kubeconfig", str(config))
    assert result.exit_code == 1
    assert "PL405 runtime-unsupported on 8 of 8 nodes:" in result.output
    assert "nodes: n0, n1, n2, n3, n4, … (+3 more)" in result.output


def test_one_bad_context_is_reported_and_the_others_checked(kube_api: KubeAPI,
                                                          tmp_path: Path) -> None:
    kube_api.set_nodes(fleet(5))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig", contexts={
        "wrong-token": {"token": "not-the-token"}})
    result = run("--kubeconfig", str(config), "--all-contexts", "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.output)
    assert [e["message"].split(":")[0] for e in doc["errors"]] == ["cluster wrong-token"]
    assert "401" in doc["errors"][0]["message"]
    assert "not-the-token" not in result.output
    assert doc["summary"]["inputs"] == 5


def test_forbidden_configmap_is_skipped_not_failed(kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.set_nodes(fleet(5))
    kube_api.forbid("/api/v1/namespaces/kube-system/configmaps")
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    result = run("--kubeconfig", str(config), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert any("kubeadm-config" in s["reason"] and "forbidden" in s["reason"]
               for s in doc["skipped"])


def test_sarif_for_a_cluster_uses_logical_locations(kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.set_nodes([make_node("a", pause_images=("registry.k8s.io/pause:3.6",))])
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    result = run("--kubeconfig", str(config), "--format", "sarif")
    results = json.loads(result.output)["runs"][0]["results"]
    assert results and all("logicalLocations" in r["locations"][0] for r in results)


def test_real_clusters_nodes_from_the_corpus(kube_api: KubeAPI, tmp_path: Path) -> None:
    if not corpus_dir().is_dir():
        pytest.skip("../shared/corpus/cluster is not present")
    nodes = corpus_nodes()
    kube_api.server_version = "v1.29.3"
    kube_api.set_nodes(nodes)
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    result = run("--kubeconfig", str(config), "--format", "json")
    doc = json.loads(result.output)
    # Popeye's hand-written list has nodes with `images:` null and without nodeInfo:
    # each is that node's error, and every other node is judged.
    assert result.exit_code == 2, result.output
    assert [e["message"] for e in doc["errors"]] == [
        "cluster test: node n1: status.images is missing or null, not a list",
        "cluster test: node n2: status.images is missing or null, not a list",
        "cluster test: node n3: status.nodeInfo is missing or null, not an object",
        "cluster test: node n4: status.nodeInfo is missing or null, not an object",
        "cluster test: node n5: status.nodeInfo is missing or null, not an object",
    ]
    assert doc["summary"]["inputs"] == len(nodes) - 5
    assert all(f["node"] and f["cluster"] == "test" for f in doc["findings"])


def test_max_nodes_caps_one_context_and_says_so(kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.set_nodes(fleet(12))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    capped = run("--kubeconfig", str(config), "--format", "json", "--max-nodes", "5")
    doc = json.loads(capped.output)
    assert capped.exit_code == 2  # a context not read whole is an error
    assert doc["summary"]["inputs"] == 5
    assert any("more than 5 nodes (the cap, --max-nodes)" in e["message"]
               for e in doc["errors"])
    whole = run("--kubeconfig", str(config), "--format", "json", "--max-nodes", "12")
    assert json.loads(whole.output)["summary"]["inputs"] == 12
    assert run("--kubeconfig", str(config), "--max-nodes", "0").exit_code == 2


@pytest.mark.parametrize("option", ["--request-timeout", "--context-timeout",
                                    "--registry-timeout", "--registry-deadline"])
@pytest.mark.parametrize("value", ["nan", "inf", "NaN", "1e400"])
def test_a_time_limit_must_be_a_finite_number_of_seconds(
        kube_api: KubeAPI, tmp_path: Path, option: str, value: str) -> None:
    """`nan` compares false with any bound, so it passed the range check and left a
    request waiting forever; `inf` would be no bound at all. Nothing is sent."""
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")

    result = run("--kubeconfig", str(config), option, value)

    assert result.exit_code == 2
    assert f"Invalid value for '{option}': '{value}' is not a finite number of seconds" \
        in result.output
    assert kube_api.requests == []
