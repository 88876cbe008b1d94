"""The test API server itself, spoken to with the standard library only.

The cluster source's tests trust this server to behave like kube-apiserver; these
tests pin that down on the wire: TLS with its CA, auth, paging, errors as
`Status` objects, faults, discovery, keep-alive and a clean shutdown.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
from pathlib import Path
from typing import Any

import pytest
import yaml

from .apiserver import EXPIRED_CONTINUE_MESSAGE, KubeAPI, Request, server_threads
from .nodes import (
    FLEET_PATTERN,
    PAUSE_DIGESTS,
    corpus_dir,
    corpus_nodes,
    fleet,
    kubeadm_config_map,
    make_node,
)


def connect(
    api: KubeAPI,
    *,
    ca: bool = True,
    client_cert: bool = False,
    timeout: float = 5.0,
    host: str = "127.0.0.1",
) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(api.ca_path) if ca else None)
    if client_cert:
        context.load_cert_chain(api.client_cert_path, api.client_key_path)
    port = int(api.url.rsplit(":", 1)[1])
    return http.client.HTTPSConnection(host, port, context=context, timeout=timeout)


def call(
    connection: http.client.HTTPSConnection,
    path: str,
    *,
    token: str | None,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[int, dict[str, Any], http.client.HTTPResponse]:
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    assert response.getheader("Content-Length") == str(len(data))
    return response.status, json.loads(data), response


def get(api: KubeAPI, path: str) -> tuple[int, dict[str, Any]]:
    status, body, _ = call(connect(api), path, token=api.token)
    return status, body


def status_body(code: int, reason: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": extra.pop("metadata", {}),
        "status": "Failure",
        "message": message,
        "reason": reason,
        **extra,
        "code": code,
    }


# -- TLS and authentication --------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_server_certificate_verifies_against_the_ca(kube_api: KubeAPI, host: str) -> None:
    connection = connect(kube_api, host=host)
    status, body, _ = call(connection, "/version", token=kube_api.token)
    assert status == 200
    assert body["gitVersion"] == "v1.31.4"
    certificate = connection.sock.getpeercert()
    assert dict(entry[0] for entry in certificate["subject"])["commonName"] == "kube-apiserver"
    assert certificate["subjectAltName"] == (
        ("IP Address", "127.0.0.1"),
        ("DNS", "localhost"),
        ("DNS", "kubernetes.default.svc"),
    )


def test_server_certificate_is_refused_without_the_ca(kube_api: KubeAPI) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        call(connect(kube_api, ca=False), "/version", token=kube_api.token)
    kube_api.close()  # joins the handler, so its view of the handshake is final
    assert kube_api.requests == []
    assert len(kube_api.handshake_failures) == 1


@pytest.mark.parametrize(("token", "auth"), [(None, "none"), ("wrong-token", "bad-token")])
def test_request_without_valid_credentials_gets_401(
    kube_api: KubeAPI, token: str | None, auth: str
) -> None:
    status, body, _ = call(connect(kube_api), "/api/v1/nodes", token=token)
    assert (status, body) == (401, status_body(401, "Unauthorized", "Unauthorized"))
    assert kube_api.requests == [Request("GET", "/api/v1/nodes", {}, auth, "")]


def test_bearer_scheme_is_case_insensitive_like_the_apiservers(kube_api: KubeAPI) -> None:
    connection = connect(kube_api)
    connection.request("GET", "/version", headers={"Authorization": f"bearer {kube_api.token}"})
    assert connection.getresponse().status == 200
    assert [request.auth for request in kube_api.requests] == ["token"]


def test_client_certificate_authenticates_without_a_token(kube_api: KubeAPI) -> None:
    kube_api.set_nodes([make_node("node-a")])
    status, body, _ = call(connect(kube_api, client_cert=True), "/api/v1/nodes", token=None)
    assert status == 200
    assert [item["metadata"]["name"] for item in body["items"]] == ["node-a"]
    assert [request.auth for request in kube_api.requests] == ["client-cert"]


def test_connection_is_kept_alive_across_requests(kube_api: KubeAPI) -> None:
    connection = connect(kube_api)
    call(connection, "/api", token=kube_api.token)
    first_socket = connection.sock
    call(connection, "/apis", token=kube_api.token)
    assert connection.sock is first_socket
    assert [request.path for request in kube_api.requests] == ["/api", "/apis"]


def test_close_ends_idle_keep_alive_connections_and_threads(tmp_path: Path) -> None:
    api = KubeAPI(tmp_path / "api").start()
    connection = connect(api)
    call(connection, "/version", token=api.token)  # leaves the connection open and idle
    assert {thread.name for thread in server_threads()} == {
        "kube-api-accept",
        "kube-api-connection",
    }
    api.close()
    assert server_threads() == []
    assert api.server_errors == []


# -- nodes and paging ----------------------------------------------------------


def test_paging_returns_every_node_exactly_once_in_name_order(kube_api: KubeAPI) -> None:
    kube_api.set_nodes(list(reversed(fleet(20))))
    connection = connect(kube_api)
    names, pages, token = [], [], ""
    while True:
        path = "/api/v1/nodes?limit=7" + (f"&continue={token}" if token else "")
        status, body, _ = call(connection, path, token=kube_api.token)
        assert (status, body["kind"], body["apiVersion"]) == (200, "NodeList", "v1")
        pages.append((len(body["items"]), body["metadata"].get("remainingItemCount")))
        names += [item["metadata"]["name"] for item in body["items"]]
        assert body["metadata"]["resourceVersion"] == "1001"
        token = body["metadata"].get("continue", "")
        if not token:
            break
    assert names == [f"node-{index:04d}" for index in range(20)]
    assert pages == [(7, 13), (7, 6), (6, None)]
    assert [request.query.get("limit") for request in kube_api.requests] == ["7", "7", "7"]


def test_continue_token_is_opaque_like_the_apiservers(kube_api: KubeAPI) -> None:
    kube_api.set_nodes(fleet(3))
    _, body = get(kube_api, "/api/v1/nodes?limit=2")
    token = body["metadata"]["continue"]
    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert decoded == {"v": "meta.k8s.io/v1", "rv": 1001, "start": "node-0001\x00"}


def test_list_items_carry_no_kind_but_a_single_node_does(kube_api: KubeAPI) -> None:
    node = make_node("node-a")
    kube_api.set_nodes([node])
    _, listed = get(kube_api, "/api/v1/nodes")
    assert listed["items"] == [{k: v for k, v in node.items() if k not in ("kind", "apiVersion")}]
    assert get(kube_api, "/api/v1/nodes/node-a") == (200, node)


def test_unlimited_list_has_no_continue(kube_api: KubeAPI) -> None:
    kube_api.set_nodes(fleet(4))
    _, body = get(kube_api, "/api/v1/nodes")
    assert body["metadata"] == {"resourceVersion": "1001"}
    assert len(body["items"]) == 4


def test_expired_continue_token_gets_410_and_a_token_to_go_on(kube_api: KubeAPI) -> None:
    kube_api.set_nodes(fleet(5))
    _, first = get(kube_api, "/api/v1/nodes?limit=2")
    kube_api.expire_continue_tokens()
    status, body = get(kube_api, f"/api/v1/nodes?limit=2&continue={first['metadata']['continue']}")
    assert status == 410
    inconsistent = body["metadata"]["continue"]
    assert body == status_body(
        410, "Expired", EXPIRED_CONTINUE_MESSAGE, metadata={"continue": inconsistent}
    )
    # The token in the 410 goes on from where the expired one stopped, at the latest version.
    _, rest = get(kube_api, f"/api/v1/nodes?limit=10&continue={inconsistent}")
    assert [item["metadata"]["name"] for item in rest["items"]] == [
        "node-0002",
        "node-0003",
        "node-0004",
    ]
    assert rest["metadata"] == {"resourceVersion": "1002"}
    # A fresh list is unaffected.
    _, fresh = get(kube_api, "/api/v1/nodes?limit=2")
    assert fresh["metadata"]["resourceVersion"] == "1002"


def test_expiring_before_a_list_fails_its_first_continue_only(kube_api: KubeAPI) -> None:
    kube_api.set_nodes(fleet(5))
    kube_api.expire_continue_tokens()
    _, first = get(kube_api, "/api/v1/nodes?limit=2")
    assert (
        get(kube_api, f"/api/v1/nodes?limit=2&continue={first['metadata']['continue']}")[0] == 410
    )
    _, again = get(kube_api, "/api/v1/nodes?limit=2")
    _, second = get(kube_api, f"/api/v1/nodes?limit=2&continue={again['metadata']['continue']}")
    assert [item["metadata"]["name"] for item in second["items"]] == ["node-0002", "node-0003"]


def test_malformed_continue_token_gets_400(kube_api: KubeAPI) -> None:
    assert get(kube_api, "/api/v1/nodes?continue=not-a-token") == (
        400,
        status_body(400, "BadRequest", "invalid continue token"),
    )


# -- faults --------------------------------------------------------------------


def test_forbid_answers_403_worded_like_rbac(kube_api: KubeAPI) -> None:
    kube_api.forbid("/api/v1/nodes")
    kube_api.forbid("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
    assert get(kube_api, "/api/v1/nodes?limit=500") == (
        403,
        status_body(
            403,
            "Forbidden",
            'nodes is forbidden: User "system:serviceaccount:pauselint:pauselint" cannot list '
            'resource "nodes" in API group "" at the cluster scope',
            details={"kind": "nodes"},
        ),
    )
    assert get(kube_api, "/api/v1/namespaces/kube-system/configmaps/kubeadm-config") == (
        403,
        status_body(
            403,
            "Forbidden",
            'configmaps "kubeadm-config" is forbidden: User "system:serviceaccount:pauselint:pauselint" '
            'cannot get resource "configmaps" in API group "" in the namespace "kube-system"',
            details={"name": "kubeadm-config", "kind": "configmaps"},
        ),
    )
    assert get(kube_api, "/version")[0] == 200


def test_fail_answers_the_status_and_can_be_limited(kube_api: KubeAPI) -> None:
    kube_api.set_nodes([make_node("node-a")])
    kube_api.fail("/api/v1/nodes", 500, times=1)
    assert get(kube_api, "/api/v1/nodes") == (
        500,
        status_body(500, "InternalError", "Internal error occurred: injected failure", details={}),
    )
    assert get(kube_api, "/api/v1/nodes")[0] == 200
    kube_api.fail("/api/v1/nodes", 503)
    kube_api.clear_faults()
    assert get(kube_api, "/api/v1/nodes")[0] == 200


def test_delay_makes_a_client_time_out(kube_api: KubeAPI) -> None:
    kube_api.delay("/api/v1/nodes", 30)
    with pytest.raises(TimeoutError):
        call(connect(kube_api, timeout=0.2), "/api/v1/nodes", token=kube_api.token)
    assert get(kube_api, "/version")[0] == 200  # other paths answer at once
    # Teardown must not wait the 30 s: close() wakes the sleeping handler.


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_any_method_but_get_gets_405_and_is_recorded(kube_api: KubeAPI, method: str) -> None:
    connection = connect(kube_api)
    status, body, _ = call(
        connection, "/api/v1/nodes/node-a", token=kube_api.token, method=method, body=b"{}"
    )
    assert (status, body) == (
        405,
        status_body(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        ),
    )
    assert call(connection, "/version", token=kube_api.token)[0] == 200  # body was consumed
    assert [(r.method, r.path) for r in kube_api.requests] == [
        (method, "/api/v1/nodes/node-a"),
        ("GET", "/version"),
    ]


# -- other endpoints -----------------------------------------------------------


def test_discovery_documents(kube_api: KubeAPI) -> None:
    port = kube_api.url.rsplit(":", 1)[1]
    assert get(kube_api, "/api") == (
        200,
        {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{port}"}
            ],
        },
    )
    assert get(kube_api, "/apis") == (
        200,
        {"kind": "APIGroupList", "apiVersion": "v1", "groups": []},
    )
    status, resources = get(kube_api, "/api/v1")
    assert (status, resources["kind"], resources["groupVersion"]) == (200, "APIResourceList", "v1")
    by_name = {resource["name"]: resource for resource in resources["resources"]}
    assert sorted(by_name) == [
        "configmaps",
        "namespaces",
        "namespaces/status",
        "nodes",
        "nodes/status",
    ]
    assert (by_name["nodes"]["kind"], by_name["nodes"]["namespaced"]) == ("Node", False)
    assert (by_name["configmaps"]["kind"], by_name["configmaps"]["namespaced"]) == (
        "ConfigMap",
        True,
    )
    assert {"get", "list"} <= set(by_name["nodes"]["verbs"])


@pytest.mark.parametrize(("version", "minor"), [("v1.31.4", "31"), ("v1.30.8-eks-2d98532", "30+")])
def test_version_follows_server_version(kube_api: KubeAPI, version: str, minor: str) -> None:
    kube_api.server_version = version
    status, body = get(kube_api, "/version")
    assert (status, body["major"], body["minor"], body["gitVersion"]) == (200, "1", minor, version)


def test_configmaps_from_whole_objects_or_data(kube_api: KubeAPI) -> None:
    kube_api.configmaps["kubeadm-config"] = kubeadm_config_map("v1.30.2", "registry.example.com")
    kube_api.configmaps["kubelet-config"] = {"kubelet": "kind: KubeletConfiguration\n"}
    status, body = get(kube_api, "/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
    assert (status, body["kind"], body["metadata"]["namespace"]) == (
        200,
        "ConfigMap",
        "kube-system",
    )
    cluster_configuration = yaml.safe_load(body["data"]["ClusterConfiguration"])
    assert cluster_configuration["kubernetesVersion"] == "v1.30.2"
    assert cluster_configuration["imageRepository"] == "registry.example.com"
    assert get(kube_api, "/api/v1/namespaces/kube-system/configmaps/kubelet-config") == (
        200,
        {
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "data": {"kubelet": "kind: KubeletConfiguration\n"},
            "metadata": {
                "resourceVersion": "231",
                "name": "kubelet-config",
                "namespace": "kube-system",
            },
        },
    )


@pytest.mark.parametrize(
    ("path", "message", "details"),
    [
        (
            "/api/v1/nodes/missing",
            'nodes "missing" not found',
            {"name": "missing", "kind": "nodes"},
        ),
        (
            "/api/v1/namespaces/kube-system/configmaps/kubeadm-config",
            'configmaps "kubeadm-config" not found',
            {"name": "kubeadm-config", "kind": "configmaps"},
        ),
        ("/api/v1/pods", "the server could not find the requested resource", {}),
        ("/openapi/v2", "the server could not find the requested resource", {}),
    ],
)
def test_missing_things_get_404_status(
    kube_api: KubeAPI, path: str, message: str, details: dict[str, str]
) -> None:
    assert get(kube_api, path) == (404, status_body(404, "NotFound", message, details=details))


def test_write_kubeconfig_contexts(kube_api: KubeAPI, tmp_path: Path) -> None:
    path = kube_api.write_kubeconfig(
        tmp_path / "config",
        contexts={
            "bad-dns": {"server": "https://no-such-host.invalid:6443"},
            "no-auth": {"token": "wrong"},
            "client-cert": {"client_cert": True},
            "inline": {"client_cert": True, "embed": True},
        },
    )
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "test"
    clusters = {entry["name"]: entry["cluster"] for entry in config["clusters"]}
    users = {entry["name"]: entry["user"] for entry in config["users"]}
    assert clusters["test"] == {
        "server": kube_api.url,
        "certificate-authority": str(kube_api.ca_path),
    }
    assert clusters["bad-dns"]["server"] == "https://no-such-host.invalid:6443"
    assert users["test"] == {"token": kube_api.token}
    assert users["no-auth"] == {"token": "wrong"}
    assert users["client-cert"] == {
        "client-certificate": str(kube_api.client_cert_path),
        "client-key": str(kube_api.client_key_path),
    }
    assert (
        base64.b64decode(users["inline"]["client-key-data"])
        == kube_api.client_key_path.read_bytes()
    )
    assert (
        base64.b64decode(clusters["inline"]["certificate-authority-data"])
        == kube_api.ca_path.read_bytes()
    )


# -- node shapes ---------------------------------------------------------------


def test_fleet_cycles_through_the_pattern() -> None:
    nodes = fleet(10)
    shapes = [
        (
            node["status"]["nodeInfo"]["architecture"],
            node["status"]["nodeInfo"]["operatingSystem"],
            node["status"]["nodeInfo"]["containerRuntimeVersion"],
        )
        for node in nodes
    ]
    assert shapes == list(FLEET_PATTERN) * 2
    windows = nodes[4]["metadata"]["labels"]
    assert windows["node.kubernetes.io/windows-build"] == "10.0.20348"
    assert "node.kubernetes.io/windows-build" not in nodes[0]["metadata"]["labels"]
    sizes = [len(json.dumps(node, separators=(",", ":"))) for node in nodes]
    assert all(3300 <= size <= 4500 for size in sizes), sizes


def test_make_node_lists_pause_images_with_their_digest_last() -> None:
    node = make_node(
        "node-a", pause_images=("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.10")
    )
    assert node["status"]["images"][-2:] == [
        {
            "names": [f"registry.k8s.io/pause@{PAUSE_DIGESTS['3.9']}", "registry.k8s.io/pause:3.9"],
            "sizeBytes": 320368,
        },
        {
            "names": [
                f"registry.k8s.io/pause@{PAUSE_DIGESTS['3.10']}",
                "registry.k8s.io/pause:3.10",
            ],
            "sizeBytes": 320368,
        },
    ]
    assert len(node["status"]["images"]) == 10
    assert make_node("node-a") == make_node("node-a")  # deterministic


def test_make_node_windows_build_can_be_left_out() -> None:
    node = make_node("win-a", os="windows", windows_build="")
    assert "node.kubernetes.io/windows-build" not in node["metadata"]["labels"]
    assert node["status"]["nodeInfo"]["osImage"] == "Windows Server 2022 Datacenter"


def test_corpus_nodes_are_served(kube_api: KubeAPI) -> None:
    if not corpus_dir().is_dir():
        pytest.skip("shared corpus not present")
    nodes = corpus_nodes()
    kube_api.set_nodes(nodes)
    _, body = get(kube_api, "/api/v1/nodes")
    assert [item["metadata"]["name"] for item in body["items"]] == sorted(
        node["metadata"]["name"] for node in nodes
    )
    assert len(nodes) == 17
    _, minikube = get(kube_api, "/api/v1/nodes/minikube-2")
    assert minikube["status"]["nodeInfo"]["containerRuntimeVersion"] == "docker://19.3.5"
