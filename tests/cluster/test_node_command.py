"""`pauselint node` in a pod: its own Node object gives the kubelet's version and the
node's platform, through the real client against the stand-in HTTPS API server, with
exactly one GET."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.live import node_object

from .apiserver import TOKEN, KubeAPI
from .nodes import make_node


@pytest.fixture
def in_a_pod(kube_api: KubeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KubeAPI:
    """A pod's view: KUBERNETES_SERVICE_* set, its service-account token and CA where
    the command reads them (node_object's paths, pointed at the test's files)."""
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", kube_api.url.rsplit(":", 1)[1])
    token = tmp_path / "serviceaccount" / "token"
    token.parent.mkdir()
    token.write_text(TOKEN)
    monkeypatch.setattr(node_object, "SERVICE_TOKEN_FILE", str(token))
    monkeypatch.setattr(node_object, "SERVICE_CA_FILE", str(kube_api.ca_path))
    return kube_api


def test_the_node_object_gives_version_and_platform(in_a_pod: KubeAPI, tmp_path: Path) -> None:
    kube_api = in_a_pod
    kube_api.set_nodes([make_node("worker-1", kubelet="v1.30.2", arch="arm64"),
                        make_node("worker-2")])
    config = tmp_path / "host" / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    # A per-arch amd64 image on an arm64 node: only the Node object says it is arm64.
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      '  sandbox_image = "registry.k8s.io/pause-amd64:3.2"\n')
    result = CliRunner().invoke(main, ["node", "--root", str(tmp_path / "host"),
                                       "--kubelet-pid", "none", "-o", "json"],
                                env={"NODE_NAME": "worker-1"})
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    assert doc["context"]["kubelet_version"] == "v1.30.2"
    [entry] = doc["nodes"]
    assert (entry["name"], entry["kubernetes_version"]) == ("worker-1", "1.30.2")
    assert entry["platform"] == "linux/arm64"
    assert "PL105" in {f["rule"] for f in doc["findings"]}
    assert [(r.method, r.path) for r in kube_api.requests] == [
        ("GET", "/api/v1/nodes/worker-1")]


def test_a_kubelet_older_than_the_table_is_said_not_a_usage_error(
        in_a_pod: KubeAPI, tmp_path: Path) -> None:
    in_a_pod.set_nodes([make_node("old-1", kubelet="v1.12.10")])
    config = tmp_path / "host" / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      '  sandbox_image = "registry.k8s.io/pause:3.10"\n')
    result = CliRunner().invoke(main, ["node", "--root", str(tmp_path / "host"),
                                       "--kubelet-pid", "none", "-o", "json"],
                                env={"NODE_NAME": "old-1"})
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert "is not used: Kubernetes 1.12.10 is older" in doc["context"]["node_object_unread"]
    assert doc["nodes"][0]["kubernetes_version"] is None
