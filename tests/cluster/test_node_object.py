"""`read_node` against the stand-in HTTPS API server, through the client's real
in-cluster loader: service host/port from the environment, a token file and a CA file
as the kubelet mounts them into a pod."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import trustme

from pauselint.live.node_object import NodeObject, read_node

from .apiserver import TOKEN, KubeAPI, Request
from .nodes import LTSC2022_BUILD, make_node


@pytest.fixture
def pod(kube_api: KubeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A pod's view of the cluster: KUBERNETES_SERVICE_* set, a service-account token
    and CA on disk; returns read_node's file arguments."""
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", kube_api.url.rsplit(":", 1)[1])
    token = tmp_path / "serviceaccount" / "token"
    token.parent.mkdir()
    token.write_text(TOKEN)
    return {"token_file": str(token), "ca_file": str(kube_api.ca_path)}


def _gets(api: KubeAPI) -> list[Request]:
    return list(api.requests)


def test_one_get_of_the_named_node_gives_its_versions_and_platform(
        kube_api: KubeAPI, pod: dict[str, str]) -> None:
    served = make_node("worker-1", kubelet="v1.30.2", runtime="containerd://1.7.22",
                       arch="arm64")
    kube_api.set_nodes([served, make_node("worker-2")])

    node = read_node("worker-1", 5.0, **pod)

    assert node == NodeObject(
        name="worker-1", kubelet_version="v1.30.2",
        container_runtime_version="containerd://1.7.22", architecture="arm64",
        operating_system="linux", os_image=served["status"]["nodeInfo"]["osImage"],
        windows_build=None)
    assert [(r.method, r.path, r.auth) for r in _gets(kube_api)] == [
        ("GET", "/api/v1/nodes/worker-1", "token")]


def test_a_windows_node_carries_its_build_label(kube_api: KubeAPI, pod: dict[str, str]) -> None:
    kube_api.set_nodes([make_node("win-1", os="windows")])

    node = read_node("win-1", 5.0, **pod)

    assert isinstance(node, NodeObject)
    assert (node.operating_system, node.windows_build) == ("windows", LTSC2022_BUILD)
    assert node.cluster_node().windows_build == LTSC2022_BUILD


def test_pause_images_are_kept_when_asked(kube_api: KubeAPI, pod: dict[str, str]) -> None:
    kube_api.set_nodes([make_node("worker-1", pause_images=["registry.k8s.io/pause:3.9"])])

    node = read_node("worker-1", 5.0, is_pause=lambda name: "/pause:" in name, **pod)

    assert isinstance(node, NodeObject)
    assert node.pause_images == ("registry.k8s.io/pause:3.9",)


def test_forbidden_names_the_missing_rbac_verb(kube_api: KubeAPI, pod: dict[str, str]) -> None:
    kube_api.set_nodes([make_node("worker-1")])
    kube_api.forbid("/api/v1/nodes")

    reason = read_node("worker-1", 5.0, **pod)

    assert reason == ("403 forbidden: the service account may not `get` nodes (RBAC: grant "
                      "verb `get` on resource `nodes` to read node 'worker-1')")
    assert len(_gets(kube_api)) == 1


def test_an_unknown_node_is_a_404_reason(kube_api: KubeAPI, pod: dict[str, str]) -> None:
    kube_api.set_nodes([make_node("worker-1")])

    reason = read_node("worker-9", 5.0, **pod)

    assert reason == "404: no node named 'worker-9' (NODE_NAME should be the pod's spec.nodeName)"
    assert [r.path for r in _gets(kube_api)] == ["/api/v1/nodes/worker-9"]


def test_a_slow_server_is_one_timeout_not_a_retry(kube_api: KubeAPI, pod: dict[str, str]) -> None:
    kube_api.set_nodes([make_node("worker-1")])
    kube_api.delay("/api/v1/nodes/worker-1", 30)

    started = time.monotonic()
    reason = read_node("worker-1", 0.5, **pod)
    took = time.monotonic() - started

    assert reason == f"timeout: no answer from the API server at {kube_api.url} within 0.5s"
    assert len(_gets(kube_api)) == 1
    assert took < 5  # urllib3's default would retry three times


def test_a_refused_token_is_401_and_never_shown(kube_api: KubeAPI, pod: dict[str, str],
                                                tmp_path: Path) -> None:
    wrong = tmp_path / "wrong-token"
    wrong.write_text("not-the-token-but-still-secret")

    reason = read_node("worker-1", 5.0, token_file=wrong.as_posix(), ca_file=pod["ca_file"])

    assert reason == (f"401 unauthorized: the API server at {kube_api.url} refused the "
                      "service account token")
    assert "secret" not in str(reason)


def test_a_server_the_ca_does_not_sign_is_a_tls_reason(kube_api: KubeAPI, pod: dict[str, str],
                                                       tmp_path: Path) -> None:
    other_ca = tmp_path / "other-ca.crt"
    trustme.CA().cert_pem.write_to_path(str(other_ca))

    reason = read_node("worker-1", 5.0, token_file=pod["token_file"], ca_file=str(other_ca))

    assert isinstance(reason, str)
    assert reason.startswith(f"TLS: the API server at {kube_api.url} is not trusted by the "
                             "service account CA (")
    assert "CERTIFICATE_VERIFY_FAILED" in reason
    assert TOKEN not in reason
    assert kube_api.requests == []  # the handshake failed: nothing was sent


def test_outside_a_cluster_is_a_reason(kube_api: KubeAPI, pod: dict[str, str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST")

    assert read_node("worker-1", 5.0, **pod) == "not in a cluster: Service host/port is not set."
    assert kube_api.requests == []


def test_a_missing_token_file_is_a_reason(kube_api: KubeAPI, pod: dict[str, str],
                                          tmp_path: Path) -> None:
    reason = read_node("worker-1", 5.0, token_file=str(tmp_path / "absent"),
                       ca_file=pod["ca_file"])

    assert reason == "not in a cluster: Service token file does not exist."


def test_a_node_object_without_node_info_names_the_field(kube_api: KubeAPI,
                                                         pod: dict[str, str]) -> None:
    broken = make_node("worker-1")
    del broken["status"]["nodeInfo"]
    kube_api.set_nodes([broken])

    reason = read_node("worker-1", 5.0, **pod)

    assert reason == (f"node 'worker-1' from {kube_api.url} cannot be read: "
                      "status.nodeInfo is missing or null, not an object")


def test_importing_the_module_does_not_import_the_client() -> None:
    # `pauselint node` without NODE_NAME must not pay for the kubernetes package.
    code = ("import sys, pauselint.live.node_object; "
            "print('kubernetes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout

    assert out.strip() == "False"
