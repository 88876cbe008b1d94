"""deploy/: the manifests load, bind the right subjects, and grant exactly what the code reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SUBJECT = {"kind": "ServiceAccount", "name": "pauselint", "namespace": "pauselint"}
# The contract's literal value (cluster contract, issue #5); RBAC_RULES must equal it too.
CONTRACT_RULES = (
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]},
    {"apiGroups": [""], "resources": ["configmaps"],
     "resourceNames": ["kubeadm-config", "kubelet-config"], "verbs": ["get"]},
)


def load(name: str) -> list[dict[str, Any]]:
    with open(DEPLOY / name, encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def canonical(rules: Any) -> set[str]:
    """Rules by content: list order and key order do not change what is granted."""
    return {
        json.dumps({key: sorted(value) for key, value in rule.items()}, sort_keys=True)
        for rule in rules
    }


@pytest.fixture(scope="module")
def rbac() -> list[dict[str, Any]]:
    return load("rbac.yaml")


@pytest.fixture(scope="module")
def cronjob() -> dict[str, Any]:
    docs = load("cronjob.yaml")
    assert [d["kind"] for d in docs] == ["CronJob"]
    return docs[0]


def test_rbac_kinds(rbac) -> None:
    assert [(d["apiVersion"], d["kind"], d["metadata"]["name"]) for d in rbac] == [
        ("v1", "Namespace", "pauselint"),
        ("v1", "ServiceAccount", "pauselint"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole", "pauselint-nodes-reader"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "pauselint-nodes-reader"),
        ("rbac.authorization.k8s.io/v1", "Role", "pauselint-config-reader"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", "pauselint-config-reader"),
    ]
    assert one(rbac, "ServiceAccount")["metadata"]["namespace"] == "pauselint"
    assert one(rbac, "Role")["metadata"]["namespace"] == "kube-system"


def test_bindings_point_at_the_service_account_and_roles(rbac) -> None:
    cluster_binding = one(rbac, "ClusterRoleBinding")
    assert cluster_binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
        "name": one(rbac, "ClusterRole")["metadata"]["name"],
    }
    assert cluster_binding["subjects"] == [SUBJECT]
    binding = one(rbac, "RoleBinding")
    assert binding["metadata"]["namespace"] == "kube-system"
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
        "name": one(rbac, "Role")["metadata"]["name"],
    }
    assert binding["subjects"] == [SUBJECT]


def test_rbac_is_read_only_and_has_no_wildcards(rbac) -> None:
    rules = one(rbac, "ClusterRole")["rules"] + one(rbac, "Role")["rules"]
    for rule in rules:
        assert set(rule["verbs"]) <= {"get", "list"}
        for value in rule.values():
            assert "*" not in value
    # configmaps only by name: a Role without resourceNames could read every secret-ish
    # ConfigMap in kube-system
    assert all("resourceNames" in r for r in rules if r["resources"] == ["configmaps"])


def test_rbac_grants_exactly_the_contract(rbac) -> None:
    granted = one(rbac, "ClusterRole")["rules"] + one(rbac, "Role")["rules"]
    assert canonical(granted) == canonical(CONTRACT_RULES)


def test_rbac_grants_exactly_what_the_code_requests(rbac) -> None:
    from pauselint.sources.cluster import RBAC_RULES

    granted = one(rbac, "ClusterRole")["rules"] + one(rbac, "Role")["rules"]
    assert canonical(granted) == canonical(RBAC_RULES)


def test_the_canonical_form_notices_a_change() -> None:
    widened = [dict(CONTRACT_RULES[0], verbs=["get", "list", "watch"]), CONTRACT_RULES[1]]
    assert canonical(widened) != canonical(CONTRACT_RULES)
    reordered = [dict(reversed(list(CONTRACT_RULES[1].items()))), CONTRACT_RULES[0]]
    assert canonical(reordered) == canonical(CONTRACT_RULES)


def test_cronjob_runs_pauselint_in_cluster_as_the_service_account(cronjob) -> None:
    assert cronjob["apiVersion"] == "batch/v1"
    assert cronjob["metadata"] == {
        "name": "pauselint", "namespace": "pauselint",
        "labels": {"app.kubernetes.io/name": "pauselint"},
    }
    assert cronjob["spec"]["schedule"] == "17 3 * * *"
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "pauselint"
    assert pod["automountServiceAccountToken"] is True
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    # The image users build from the Containerfile and push (deploy/README.md): no
    # manifest names an image nothing builds.
    assert container["image"] == "registry.example.com/pauselint:0.1.0"
    assert [*container["command"], *container["args"]] == [
        "pauselint", "cluster", "--in-cluster", "--format", "json",
    ]
    assert set(container["resources"]) == {"requests", "limits"}
    assert set(container["resources"]["limits"]) == {"cpu", "memory"}


def test_cronjob_security_context(cronjob) -> None:
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    assert container["securityContext"] == {
        "runAsNonRoot": True,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    # a read-only root needs a writable /tmp for anything that makes temp files
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}} in pod["volumes"]


# --- deploy/daemonset.yaml: `pauselint node` on every node ---------------------------

# Known config locations the DaemonSet does not mount, and why (deploy/README.md says the
# same): the manifest is for containerd nodes set up with kubeadm.
NOT_MOUNTED = {
    "etc/crio": "CRI-O nodes only (README: what to add)",
    "etc/containers": "CRI-O/podman registries.conf: CRI-O nodes only (README: what to add)",
    "etc/docker/certs.d": "containerd 2.2's second default config_path; absent on most "
                          "hosts, so a Directory mount fails",
    "etc/sysconfig": "RHEL-family hosts only; absent elsewhere, so a Directory mount fails",
    "etc/kubernetes": "holds admin.conf and the cluster's PKI: the Node object gives the version",
    "etc/rancher": "k3s/RKE2 only, and holds their admin kubeconfig",
    "run/systemd/system": "transient units; kubelet.service is not written there",
    "usr/local/lib/systemd/system": "absent on most hosts",
    "lib/systemd/system": "the same folder as usr/lib/systemd/system on merged-/usr hosts",
}


@pytest.fixture(scope="module")
def daemonset_docs() -> list[dict[str, Any]]:
    return load("daemonset.yaml")


def _pod(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return one(docs, "DaemonSet")["spec"]["template"]["spec"]


def _host_mounts(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """hostPath -> its container volumeMount."""
    pod = _pod(docs)
    volumes = {v["name"]: v["hostPath"] for v in pod["volumes"] if "hostPath" in v}
    [container] = pod["containers"]
    return {volumes[m["name"]]["path"].lstrip("/"): m
            for m in container["volumeMounts"] if m["name"] in volumes}


def test_daemonset_kinds_and_binding(daemonset_docs) -> None:
    assert sorted(d["kind"] for d in daemonset_docs) == [
        "ClusterRole", "ClusterRoleBinding", "DaemonSet", "ServiceAccount"]
    binding = one(daemonset_docs, "ClusterRoleBinding")
    account = one(daemonset_docs, "ServiceAccount")["metadata"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["name"],
                                    "namespace": account["namespace"]}]
    assert binding["roleRef"]["name"] == one(daemonset_docs, "ClusterRole")["metadata"]["name"]
    assert _pod(daemonset_docs)["serviceAccountName"] == account["name"]


def test_daemonset_grants_exactly_what_node_requests(daemonset_docs) -> None:
    from pauselint.commands.node import NODE_RBAC_RULES

    granted = one(daemonset_docs, "ClusterRole")["rules"]
    assert canonical(granted) == canonical(NODE_RBAC_RULES)


def test_daemonset_mounts_exactly_what_node_reads(daemonset_docs) -> None:
    """Every mount is read-only at /host/<path> and holds something the code reads;
    every known config location is mounted or listed in NOT_MOUNTED with why."""
    from pauselint.commands.node import RUNTIME_SOCKETS
    from pauselint.node_layout import KNOWN_FILES

    mounts = _host_mounts(daemonset_docs)
    for path, mount in mounts.items():
        assert mount.get("readOnly") is True, path
        assert mount["mountPath"] == f"/host/{path}"
        read_here = [p for p in (*KNOWN_FILES, *RUNTIME_SOCKETS)
                     if p == path or p.startswith(path + "/")]
        assert read_here, f"/{path} is mounted but pauselint reads nothing there"
    for pattern in KNOWN_FILES:
        covered = [m for m in (*mounts, *NOT_MOUNTED)
                   if pattern == m or pattern.startswith(m + "/")]
        assert covered, f"{pattern} is read by pauselint node but neither mounted nor excused"
    assert set(mounts) & set(RUNTIME_SOCKETS), "no CRI socket mounted"
    assert not set(mounts) & set(NOT_MOUNTED)


def test_daemonset_is_not_privileged_and_runs_node(daemonset_docs) -> None:
    pod = _pod(daemonset_docs)
    assert pod.get("hostPID") is False and not pod.get("hostNetwork")
    [container] = pod["containers"]
    context = container["securityContext"]
    assert context["privileged"] is False and context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    script = " ".join(container["args"])
    assert "pauselint node --root /host" in script
    assert container["image"] == "registry.example.com/pauselint:0.1.0"
    env = {e["name"]: e for e in container["env"]}
    assert env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
