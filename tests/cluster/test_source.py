"""sources/cluster.py through the real `kubernetes` client, a real kubeconfig and the test API server.

Every test writes a kubeconfig file the way kubectl would read it and lets the
client do auth and TLS; the server records each request, so paging, the restart
after an expired continue token and "GET only" are asserted on the wire.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from pauselint.model import ClusterError, ClusterFacts, ClusterNode
from pauselint.sources.cluster import RBAC_RULES, read_clusters

from .apiserver import KubeAPI
from .nodes import fleet, kubeadm_config_map, kubelet_config_map, make_node

pytest.importorskip("kubernetes")

PAUSE_310 = "registry.k8s.io/pause:3.10"
PAUSE_310_DIGEST = (
    "registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a"
)
CONFIGMAPS = "/api/v1/namespaces/kube-system/configmaps/"


def write_config(path: Path, contexts: dict[str, tuple[dict, dict]], current: str | None) -> Path:
    """A kubeconfig with one cluster and one user per context: {name: (cluster, user)}."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": name, "cluster": c} for name, (c, _) in contexts.items()],
        "users": [{"name": name, "user": u} for name, (_, u) in contexts.items()],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name}} for name in contexts
        ],
    }
    if current:
        config["current-context"] = current
    path.write_text(yaml.safe_dump(config))
    return path


def trusted(api) -> dict:
    return {"server": api.url, "certificate-authority": str(api.ca_path)}


def token(api) -> dict:
    return {"token": api.token}


def client_cert(api) -> dict:
    return {
        "client-certificate": str(api.client_cert_path),
        "client-key": str(api.client_key_path),
    }


def node_requests(api) -> list[dict[str, str]]:
    return [r.query for r in api.requests if r.path == "/api/v1/nodes"]


def linux(name: str, **kw) -> ClusterNode:
    return ClusterNode(
        name=name,
        kubelet_version="v1.31.4",
        container_runtime=kw.pop("runtime", "containerd://1.7.20"),
        architecture=kw.pop("arch", "amd64"),
        operating_system="linux",
        os_image=kw.pop("os_image", "Ubuntu 22.04.5 LTS"),
        windows_build=None,
        # An image entry's digest name is dropped when it has tag names.
        pause_images=kw.pop("pause_images", (PAUSE_310,)),
    )


@pytest.fixture
def kubeconfig(kube_api, tmp_path) -> Path:
    return write_config(tmp_path / "config", {"test": (trusted(kube_api), token(kube_api))}, "test")


def test_token_auth_reads_version_nodes_and_kubeadm_config(kube_api, kubeconfig):
    kube_api.set_nodes([
        make_node("cp-1", pause_images=("registry.k8s.io/pause:3.9", PAUSE_310)),
        make_node("win-1", os="windows", kubelet="v1.30.6", pause_images=("mcr.microsoft.com/oss/kubernetes/pause:3.9",)),
        make_node("crio-1", arch="arm64", runtime="cri-o://1.30.4", pause_images=()),
    ])
    kube_api.configmaps["kubeadm-config"] = kubeadm_config_map("v1.30.2", "registry.k8s.io")
    kube_api.configmaps["kubelet-config"] = kubelet_config_map()

    [facts] = read_clusters(kubeconfig=str(kubeconfig))

    assert facts == ClusterFacts(  # nodes come sorted by name, as the API server lists them
        name="test",
        server_version="v1.31.4",
        nodes=(
            linux(
                "cp-1",
                pause_images=("registry.k8s.io/pause:3.9", PAUSE_310),
            ),
            linux(
                "crio-1",
                arch="arm64",
                runtime="cri-o://1.30.4",
                os_image="Red Hat Enterprise Linux CoreOS 417.94.202410211619-0",
                pause_images=(),
            ),
            ClusterNode(
                name="win-1",
                kubelet_version="v1.30.6",
                container_runtime="containerd://1.7.20",
                architecture="amd64",
                operating_system="windows",
                os_image="Windows Server 2022 Datacenter",
                windows_build="10.0.20348",
                pause_images=("mcr.microsoft.com/oss/kubernetes/pause:3.9",),
            ),
        ),
        kubeadm_version="v1.30.2",
        image_repository="registry.k8s.io",
        skipped=(),
    )
    assert {r.auth for r in kube_api.requests} == {"token"}
    assert [(r.method, r.path) for r in kube_api.requests] == [
        ("GET", "/version"),
        ("GET", "/api/v1/nodes"),
        ("GET", CONFIGMAPS + "kubeadm-config"),
        ("GET", CONFIGMAPS + "kubelet-config"),
    ]


def test_client_certificate_auth(kube_api, tmp_path):
    config = write_config(
        tmp_path / "config", {"cert": (trusted(kube_api), client_cert(kube_api))}, "cert"
    )
    kube_api.set_nodes([make_node("node-a")])

    [facts] = read_clusters(kubeconfig=str(config))

    assert isinstance(facts, ClusterFacts), facts
    assert facts.name == "cert"
    assert facts.nodes == (linux("node-a"),)
    assert {r.auth for r in kube_api.requests} == {"client-cert"}


def test_paging_returns_every_node_once_with_limit_and_continue(kube_api, kubeconfig):
    kube_api.set_nodes(fleet(12))
    seen: list[tuple[str, int]] = []

    [facts] = read_clusters(
        kubeconfig=str(kubeconfig), page_size=5, progress=lambda c, n: seen.append((c, n))
    )

    assert [n.name for n in facts.nodes] == [f"node-{i:04d}" for i in range(12)]
    assert [(n.architecture, n.operating_system, n.container_runtime) for n in facts.nodes[:5]] == [
        ("amd64", "linux", "containerd://1.7.20"),
        ("arm64", "linux", "containerd://1.7.20"),
        ("amd64", "linux", "containerd://2.0.0"),
        ("amd64", "linux", "cri-o://1.31.2"),
        ("amd64", "windows", "containerd://1.7.20"),
    ]
    assert facts.nodes[4].windows_build == "10.0.20348"
    queries = node_requests(kube_api)
    assert [q["limit"] for q in queries] == ["5", "5", "5"]
    assert "continue" not in queries[0]
    assert all(q["continue"] for q in queries[1:])
    assert queries[1]["continue"] != queries[2]["continue"]
    assert seen == [("test", 5), ("test", 10), ("test", 12)]
    assert {r.method for r in kube_api.requests} == {"GET"}


def test_expired_continue_token_restarts_the_list_once(kube_api, kubeconfig):
    kube_api.set_nodes(fleet(12))
    kube_api.expire_continue_tokens()
    seen: list[int] = []

    [facts] = read_clusters(
        kubeconfig=str(kubeconfig), page_size=5, progress=lambda c, n: seen.append(n)
    )

    assert [n.name for n in facts.nodes] == [f"node-{i:04d}" for i in range(12)]
    assert ["continue" in q for q in node_requests(kube_api)] == [False, True, False, True, True]
    assert seen == [5, 5, 10, 12]
    assert facts.skipped == ()


def test_a_second_expired_continue_token_is_an_error(kube_api, kubeconfig):
    kube_api.set_nodes(fleet(12))

    [error] = read_clusters(
        kubeconfig=str(kubeconfig),
        page_size=5,
        progress=lambda c, n: kube_api.expire_continue_tokens(),
    )

    assert error == ClusterError(
        "test", "410 gone: the continue token expired twice (list nodes)"
    )
    assert ["continue" in q for q in node_requests(kube_api)] == [False, True, False, True]


def test_forbidden_configmap_is_skipped_and_nodes_are_still_read(kube_api, kubeconfig):
    kube_api.set_nodes([make_node("node-a")])
    kube_api.configmaps["kubeadm-config"] = kubeadm_config_map()
    kube_api.forbid(CONFIGMAPS + "kubeadm-config")

    [facts] = read_clusters(kubeconfig=str(kubeconfig))

    assert facts == ClusterFacts(
        name="test",
        server_version="v1.31.4",
        nodes=(linux("node-a"),),
        kubeadm_version=None,
        image_repository=None,
        skipped=("get configmaps kubeadm-config in kube-system: forbidden",),
    )


def test_absent_configmaps_are_neither_errors_nor_skips(kube_api, kubeconfig):
    kube_api.configmaps.pop("kubeadm-config", None)
    kube_api.configmaps.pop("kubelet-config", None)
    kube_api.set_nodes([make_node("node-a")])

    [facts] = read_clusters(kubeconfig=str(kubeconfig))

    assert (facts.kubeadm_version, facts.image_repository, facts.skipped) == (None, None, ())


def test_forbidden_node_list_fails_the_context_naming_the_permission(kube_api, kubeconfig):
    kube_api.forbid("/api/v1/nodes")

    assert read_clusters(kubeconfig=str(kubeconfig)) == [
        ClusterError("test", "403 forbidden: list nodes: missing permission")
    ]


def test_server_error_is_reported_with_its_status(kube_api, kubeconfig):
    kube_api.fail("/api/v1/nodes", 503)

    assert read_clusters(kubeconfig=str(kubeconfig)) == [
        ClusterError("test", "503 server error (list nodes)")
    ]


def test_rejected_token_is_401_and_never_echoed(kube_api, tmp_path):
    secret = "s3cr3t-token-that-must-not-leak"
    config = write_config(
        tmp_path / "config", {"bad": (trusted(kube_api), {"token": secret})}, "bad"
    )

    [error] = read_clusters(kubeconfig=str(config))

    assert isinstance(error, ClusterError)
    assert error == ClusterError("bad", "401 unauthorized: credentials rejected (get /version)")
    assert [r.auth for r in kube_api.requests] == ["bad-token"]


def test_tls_is_verified_without_the_ca(kube_api, tmp_path):
    config = write_config(
        tmp_path / "config", {"no-ca": ({"server": kube_api.url}, token(kube_api))}, "no-ca"
    )

    [error] = read_clusters(kubeconfig=str(config))

    assert isinstance(error, ClusterError)
    assert error.reason.startswith("TLS: certificate verify failed: "), error.reason
    assert error.reason.endswith(" (127.0.0.1)")
    assert kube_api.requests == []


def test_insecure_skip_tls_verify_in_the_kubeconfig_is_honoured(kube_api, tmp_path):
    cluster = {"server": kube_api.url, "insecure-skip-tls-verify": True}
    config = write_config(tmp_path / "config", {"insecure": (cluster, token(kube_api))}, "insecure")
    kube_api.set_nodes([make_node("node-a")])

    with pytest.warns(Warning):  # urllib3's InsecureRequestWarning, as the client gives it
        [facts] = read_clusters(kubeconfig=str(config))

    assert isinstance(facts, ClusterFacts), facts
    assert facts.nodes == (linux("node-a"),)


def test_unresolvable_host_is_a_dns_error(tmp_path):
    cluster = {"server": "https://no-such-host.invalid:6443"}
    config = write_config(tmp_path / "config", {"bad-dns": (cluster, {"token": "t"})}, "bad-dns")

    assert read_clusters(kubeconfig=str(config), request_timeout=5) == [
        ClusterError("bad-dns", "DNS: name resolution failed for host no-such-host.invalid")
    ]


def test_refused_connection(tmp_path):
    cluster = {"server": "https://127.0.0.1:1"}
    config = write_config(tmp_path / "config", {"down": (cluster, {"token": "t"})}, "down")

    assert read_clusters(kubeconfig=str(config)) == [
        ClusterError("down", "connection refused by 127.0.0.1 (get /version)")
    ]


def test_slow_context_times_out_while_another_succeeds(kube_api, tmp_path):
    kube_api.set_nodes([make_node("node-a")])
    with KubeAPI(tmp_path / "slow-api") as slow:
        slow.set_nodes([make_node("node-b")])
        slow.delay("/api/v1/nodes", 3)
        config = write_config(
            tmp_path / "config",
            {
                "slow": (trusted(slow), token(slow)),
                "test": (trusted(kube_api), token(kube_api)),
            },
            "test",
        )
        started = time.monotonic()

        results = read_clusters(
            kubeconfig=str(config), contexts=["slow", "test"], request_timeout=0.5
        )

        elapsed = time.monotonic() - started
    assert results[0] == ClusterError("slow", "timeout after 0.5 s (list nodes)")
    assert isinstance(results[1], ClusterFacts)
    assert results[1].nodes == (linux("node-a"),)
    assert elapsed < 2  # one attempt bounded by the timeout, not urllib3's three retries
    assert [r.path for r in slow.requests].count("/api/v1/nodes") == 1


def test_kubeconfig_env_with_two_files_joined_by_colon(kube_api, tmp_path, monkeypatch):
    first = write_config(tmp_path / "a", {"test": (trusted(kube_api), token(kube_api))}, "test")
    second = write_config(
        tmp_path / "b", {"cert": (trusted(kube_api), client_cert(kube_api))}, None
    )
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    kube_api.set_nodes([make_node("node-a")])

    results = read_clusters(kubeconfig=None, all_contexts=True)

    assert [(type(r).__name__, r.name, len(r.nodes)) for r in results] == [
        ("ClusterFacts", "test", 1),
        ("ClusterFacts", "cert", 1),
    ]
    assert read_clusters(kubeconfig=None, contexts=["cert"])[0].name == "cert"
    assert read_clusters(kubeconfig=None)[0].name == "test"  # current-context of the first


def test_each_kubeconfig_file_is_parsed_once_however_many_contexts_are_read(
        kube_api, tmp_path, monkeypatch):
    from pauselint.sources.kubeconfig import client_parts

    first = write_config(tmp_path / "a", {"test": (trusted(kube_api), token(kube_api))}, "test")
    second = write_config(tmp_path / "b", {"cert": (trusted(kube_api), client_cert(kube_api)),
                                           "again": (trusted(kube_api), token(kube_api))}, None)
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    kube_api.set_nodes([make_node("node-a")])
    merger = client_parts().KubeConfigMerger
    parsed: list[str] = []
    real_load = merger.load_config

    def load_config(self, path):
        parsed.append(path)
        return real_load(self, path)

    monkeypatch.setattr(merger, "load_config", load_config)

    results = read_clusters(kubeconfig=None, all_contexts=True)

    assert [(r.name, len(r.nodes)) for r in results] == [("test", 1), ("cert", 1), ("again", 1)]
    assert parsed == [str(first), str(second)]  # listing the contexts; loading reuses it


def test_unknown_context_is_an_error_and_results_keep_the_requested_order(kube_api, tmp_path):
    config = write_config(
        tmp_path / "config",
        {
            "test": (trusted(kube_api), token(kube_api)),
            "cert": (trusted(kube_api), client_cert(kube_api)),
        },
        "test",
    )
    kube_api.set_nodes([make_node("node-a")])

    results = read_clusters(kubeconfig=str(config), contexts=["cert", "nope", "test"])

    assert [(type(r).__name__, r.name) for r in results] == [
        ("ClusterFacts", "cert"),
        ("ClusterError", "nope"),
        ("ClusterFacts", "test"),
    ]
    assert results[1].reason == "no context nope in kubeconfig"


def test_kubeconfig_without_current_context(kube_api, tmp_path):
    config = write_config(
        tmp_path / "config",
        {"test": (trusted(kube_api), token(kube_api)), "down": ({"server": "https://127.0.0.1:1"}, {})},
        None,
    )

    assert [r.name for r in read_clusters(kubeconfig=str(config), all_contexts=True)] == ["test", "down"]
    assert read_clusters(kubeconfig=str(config), contexts=["test"])[0].server_version == "v1.31.4"
    assert read_clusters(kubeconfig=str(config)) == [
        ClusterError("(current context)", f"kubeconfig {config}: no current-context; name a context")
    ]


def test_missing_kubeconfig_is_an_error_not_a_traceback(tmp_path):
    missing = tmp_path / "nowhere"

    [error] = read_clusters(kubeconfig=str(missing))

    assert error == ClusterError(
        "(current context)", f"kubeconfig {missing}: no configuration found"
    )


def test_in_cluster_uses_the_service_account_token_and_ca(kube_api, tmp_path, monkeypatch):
    import kubernetes.config.incluster_config as incluster

    (tmp_path / "token").write_text(kube_api.token)
    monkeypatch.setattr(incluster, "SERVICE_TOKEN_FILENAME", str(tmp_path / "token"))
    monkeypatch.setattr(incluster, "SERVICE_CERT_FILENAME", str(kube_api.ca_path))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", kube_api.url.rsplit(":", 1)[1])
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "must-not-be-read"))
    kube_api.set_nodes([make_node("node-a")])

    [facts] = read_clusters(kubeconfig=None, in_cluster=True)

    assert isinstance(facts, ClusterFacts), facts
    assert (facts.name, facts.nodes) == ("in-cluster", (linux("node-a"),))
    assert {r.auth for r in kube_api.requests} == {"token"}


def test_importing_the_source_does_not_import_kubernetes():
    code = "import sys, pauselint.sources.cluster; print('kubernetes' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False\n"


def rbac_needed(request) -> dict:
    """The RBAC rule a recorded request needs, in the shape of RBAC_RULES."""
    if request.path == "/api/v1/nodes":
        return {"apiGroups": [""], "resources": ["nodes"], "verb": "list"}
    assert request.path.startswith(CONFIGMAPS), request.path
    name = request.path[len(CONFIGMAPS):]
    return {"apiGroups": [""], "resources": ["configmaps"], "resourceName": name, "verb": "get"}


def test_rbac_rules_cover_every_request_made_and_nothing_more(kube_api, kubeconfig):
    kube_api.set_nodes(fleet(3))
    kube_api.configmaps["kubeadm-config"] = kubeadm_config_map()
    kube_api.configmaps["kubelet-config"] = kubelet_config_map()

    read_clusters(kubeconfig=str(kubeconfig), page_size=2)

    granted = set()
    for rule in RBAC_RULES:
        for resource in rule["resources"]:
            for verb in rule["verbs"]:
                for name in rule.get("resourceNames", [None]):
                    granted.add((resource, name, verb))
    needed = set()
    for request in kube_api.requests:
        if request.path == "/version":  # a non-resource URL every authenticated user may get
            continue
        need = rbac_needed(request)
        needed.add((need["resources"][0], need.get("resourceName"), need["verb"]))
    # "get nodes" is granted for kubectl parity (`kubectl get node NAME`); the rest is used.
    assert granted - needed == {("nodes", None, "get")}
    assert needed <= granted


def test_digest_name_is_kept_only_when_the_entry_has_no_tag_name(kube_api, kubeconfig):
    node = make_node("a", pause_images=(PAUSE_310,))
    node["status"]["images"].append({"names": [PAUSE_310_DIGEST.replace("ee65", "aa65")],
                                     "sizeBytes": 1})
    kube_api.set_nodes([node])
    [facts] = read_clusters(kubeconfig=str(kubeconfig))
    assert facts.nodes[0].pause_images == (PAUSE_310, PAUSE_310_DIGEST.replace("ee65", "aa65"))


def test_exec_credential_plugin_is_run_as_the_client_runs_it(kube_api, tmp_path):
    """An exec auth plugin (as EKS, GKE and OIDC kubeconfigs use) supplies the token."""
    plugin = tmp_path / "credential-plugin.py"
    plugin.write_text(
        "import json\n"
        "print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1',\n"
        "                  'kind': 'ExecCredential',\n"
        f"                  'status': {{'token': {kube_api.token!r}}}}}))\n")
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                     "command": sys.executable, "args": [str(plugin)],
                     "interactiveMode": "Never"}}
    kube_api.set_nodes([make_node("a")])
    config = write_config(tmp_path / "config", {"exec": (trusted(kube_api), user)}, "exec")
    [facts] = read_clusters(kubeconfig=str(config))
    assert isinstance(facts, ClusterFacts) and [n.name for n in facts.nodes] == ["a"]
    assert {r.auth for r in kube_api.requests} == {"token"}
