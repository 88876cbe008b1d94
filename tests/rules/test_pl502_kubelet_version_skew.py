"""PL502: kubelets newer than the API server, or older than the skew policy allows."""

from __future__ import annotations

import pytest

from pauselint.model import ClusterFacts, ClusterNode, Location, Severity, Skip
from pauselint.rules import pl502_kubelet_version_skew as rule


def node(name: str, kubelet: str) -> ClusterNode:
    return ClusterNode(
        name=name,
        kubelet_version=kubelet,
        container_runtime="containerd://1.7.20",
        architecture="amd64",
        operating_system="linux",
        pause_images=("registry.k8s.io/pause:3.10",),
    )


def facts(server: str | None, *nodes: ClusterNode, name: str = "prod") -> ClusterFacts:
    return ClusterFacts(name=name, server_version=server, nodes=nodes)


@pytest.mark.parametrize(
    ("server", "kubelet", "message"),
    [
        ("v1.29.3", "v1.30.1",
         "kubelet v1.30.1 is newer than the API server v1.29.3: kubelets must be 1.26 to 1.29 "
         "(at most 3 minors older than the API server, never newer)"),
        ("v1.29.3", "v1.25.16",
         "kubelet v1.25.16 is more than 3 minors older than the API server v1.29.3: kubelets "
         "must be 1.26 to 1.29 (at most 3 minors older than the API server, never newer)"),
        ("v1.28.0", "v1.24.17",
         "kubelet v1.24.17 is more than 3 minors older than the API server v1.28.0: kubelets "
         "must be 1.25 to 1.28 (at most 3 minors older than the API server, never newer)"),
        # before 1.28 the policy allowed only 2 older minors
        ("v1.27.9", "v1.24.17",
         "kubelet v1.24.17 is more than 2 minors older than the API server v1.27.9: kubelets "
         "must be 1.25 to 1.27 (at most 2 minors older than the API server, never newer)"),
        # managed-cluster version strings keep their suffix in the message
        ("v1.31.4-eks-2d5f260", "v1.32.0-eks-aeac579",
         "kubelet v1.32.0-eks-aeac579 is newer than the API server v1.31.4-eks-2d5f260: "
         "kubelets must be 1.28 to 1.31 (at most 3 minors older than the API server, "
         "never newer)"),
    ],
)
def test_fires(context, server, kubelet, message):
    found = list(rule.check(context(clusters=(facts(server, node("worker-1", kubelet)),))))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL502", "kubelet-version-skew", Severity.ERROR)
    assert (f.node, f.cluster, f.location) == ("worker-1", "prod", Location(None))
    assert f.message == message


@pytest.mark.parametrize(
    ("server", "kubelet"),
    [
        ("v1.29.3", "v1.29.0"),  # same minor, older patch
        ("v1.29.3", "v1.29.9"),  # newer patch of the same minor is fine
        ("v1.29.3", "v1.26.15"),  # exactly 3 minors older, from 1.28 on
        ("v1.27.9", "v1.25.16"),  # exactly 2 minors older, before 1.28
        ("v1.31.4+k3s1", "v1.31.4+k3s1"),
        ("v1.29.6-gke.1326000", "v1.27.13-gke.1000000"),
    ],
)
def test_does_not_fire(context, server, kubelet):
    assert list(rule.check(context(clusters=(facts(server, node("w", kubelet)),)))) == []


def test_only_the_skewed_nodes_of_each_cluster(context):
    prod = facts("v1.30.2", node("b", "v1.31.0"), node("a", "v1.30.2"), node("c", "v1.26.3"))
    lab = facts("v1.30.2", node("x", "v1.30.2"), name="lab")
    found = list(rule.check(context(clusters=(prod, lab))))
    assert [(f.cluster, f.node, f.message.split(":")[0]) for f in found] == [
        ("prod", "b", "kubelet v1.31.0 is newer than the API server v1.30.2"),
        ("prod", "c", "kubelet v1.26.3 is more than 3 minors older than the API server v1.30.2"),
    ]


def test_skips_when_server_version_unknown(context):
    found = list(rule.check(context(clusters=(facts(None, node("w", "v1.20.0")),))))
    assert found == [Skip("PL502", "API server version of cluster prod unknown")]


def test_skips_when_server_version_is_not_a_version(context):
    found = list(rule.check(context(clusters=(facts("devel", node("w", "v1.20.0")),))))
    assert found == [Skip("PL502", "API server version 'devel' of cluster prod is not a version")]


def test_skips_when_table_has_no_policy_for_the_server(context):
    found = list(rule.check(context(clusters=(facts("v1.17.3", node("w", "v1.10.0")),))))
    assert found == [Skip("PL502", "no version skew policy in the table for API server v1.17.3")]


def test_unreadable_kubelet_version_is_skipped_by_name(context):
    found = list(rule.check(context(clusters=(facts("v1.30.2", node("w", "unknown"),
                                                     node("z", "v1.31.0")),))))
    assert [type(x).__name__ for x in found] == ["Skip", "Finding"]
    assert found[0] == Skip(
        "PL502", "kubelet version 'unknown' of node w in cluster prod is not a version"
    )


def test_no_nodes_no_skip(context):
    assert list(rule.check(context(clusters=(facts(None),)))) == []
    assert list(rule.check(context())) == []
