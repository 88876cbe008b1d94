"""PL501: nodes of one live cluster holding different pause images."""

from __future__ import annotations

import pytest

from pauselint.model import ClusterFacts, ClusterNode, Location, Severity
from pauselint.rules import pl501_node_drift as rule

K8S_39 = "registry.k8s.io/pause:3.9"
K8S_310 = "registry.k8s.io/pause:3.10"
K8S_38 = "registry.k8s.io/pause:3.8"
ARM_310 = "swr.cn-north-4.myhuaweicloud.com/ddn-k8s/registry.k8s.io/pause:3.10-linuxarm64"
MIRROR_39 = "docker.io/rancher/mirrored-pause:3.9"
DIGEST_310 = (
    "registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a"
)


def node(name: str, *images: str) -> ClusterNode:
    return ClusterNode(
        name=name,
        kubelet_version="v1.31.4",
        container_runtime="containerd://1.7.20",
        architecture="amd64",
        operating_system="linux",
        pause_images=images,
    )


def cluster(*nodes: ClusterNode, name: str = "prod") -> ClusterFacts:
    return ClusterFacts(name=name, server_version="v1.31.4", nodes=nodes)


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        pytest.param(
            [node("a", K8S_310), node("b", K8S_310), node("c", K8S_39)],
            [("c", f"holds {K8S_39}; most nodes (2 of 3) hold {K8S_310}", K8S_310)],
            id="one-odd-node",
        ),
        pytest.param(
            # digests are dropped; the digest-only entry of a tagged repo adds nothing
            [node("a", K8S_310, DIGEST_310), node("b", K8S_310), node("c", K8S_38),
             node("d", K8S_38)],
            [("c", f"holds {K8S_38}; most nodes (2 of 4) hold {K8S_310}", K8S_310),
             ("d", f"holds {K8S_38}; most nodes (2 of 4) hold {K8S_310}", K8S_310)],
            id="tie-newest-tag-is-reference",
        ),
        pytest.param(
            # spellings normalize: pause:3.9 on Docker Hub differs from registry.k8s.io
            [node("w1", "registry.k8s.io/pause:3.9"), node("w2", "Registry.K8s.IO/pause:3.9"),
             node("w3", "pause:3.9")],
            [("w3", f"holds docker.io/library/pause:3.9; most nodes (2 of 3) hold {K8S_39}",
              K8S_39)],
            id="normalized-spellings",
        ),
        pytest.param(
            # real drift after an upgrade: c holds only the old image, while the
            # upgraded nodes (some still caching 3.9) hold 3.10 as their newest
            [node("a", K8S_39, K8S_310), node("b", K8S_310), node("c", K8S_39)],
            [("c", f"holds {K8S_39}; most nodes (2 of 3) hold {K8S_310}", K8S_310)],
            id="node-holding-only-the-old-image",
        ),
        pytest.param(
            # the reference holds two repositories: no single expected image
            [node("a", K8S_310, MIRROR_39), node("b", K8S_310, MIRROR_39), node("c", K8S_310)],
            [("c", f"holds {K8S_310}; most nodes (2 of 3) hold {MIRROR_39}, {K8S_310}",
              None)],
            id="reference-with-two-images",
        ),
        pytest.param(
            # nodes holding no pause image are left out of the counts
            [node("a", K8S_310), node("b", K8S_310), node("c", K8S_39), node("empty")],
            [("c", f"holds {K8S_39}; most nodes (2 of 3) hold {K8S_310}", K8S_310)],
            id="empty-node-left-out",
        ),
        pytest.param(
            # a mirror's per-arch tag is compared by its version in the tie-break
            [node("arm", ARM_310), node("x86", K8S_39)],
            [("x86", f"holds {K8S_39}; most nodes (1 of 2) hold {ARM_310}", ARM_310)],
            id="tie-per-arch-mirror-tag",
        ),
        pytest.param(
            [node("arm", "docker.io/rancher/mirrored-pause:3.6"), node("x86", K8S_38)],
            [("arm", f"holds docker.io/rancher/mirrored-pause:3.6; most nodes (1 of 2) hold "
                     f"{K8S_38}", K8S_38)],
            id="tie-vendor-mirror",
        ),
    ],
)
def test_fires(context, nodes, expected):
    found = list(rule.check(context(clusters=(cluster(*nodes),))))
    assert [(f.node, f.message, f.expected) for f in found] == expected
    for f in found:
        assert (f.rule, f.name, f.severity) == ("PL501", "node-drift", Severity.WARNING)
        assert (f.cluster, f.location) == ("prod", Location(None))


@pytest.mark.parametrize(
    "nodes",
    [
        pytest.param([node("a", K8S_310), node("b", K8S_310, DIGEST_310)], id="same-with-digest"),
        pytest.param(
            # after an upgrade: 6 old nodes still cache 3.9 next to 3.10, 4 new nodes
            # hold only 3.10; all run 3.10, so nothing drifts
            [*(node(f"old{i}", K8S_39, K8S_310) for i in range(6)),
             *(node(f"new{i}", K8S_310) for i in range(4))],
            id="old-tag-cached-after-upgrade",
        ),
        pytest.param([node("a", K8S_310), node("b")], id="one-holds-nothing"),
        pytest.param([node("a", K8S_310)], id="single-node"),
        pytest.param([], id="no-nodes"),
        pytest.param([node("a", K8S_310), node("b", K8S_310, "docker.io/library/nginx:1.27")],
                     id="non-pause-images-ignored"),
        pytest.param([node("a", K8S_310), node("b", K8S_310, "not a ref")], id="unparsable"),
    ],
)
def test_does_not_fire(context, nodes):
    assert list(rule.check(context(clusters=(cluster(*nodes),)))) == []


def test_clusters_are_judged_separately(context):
    prod = cluster(node("a", K8S_310), node("b", K8S_310), name="prod")
    staging = cluster(node("s1", K8S_39), node("s2", K8S_39), node("s3", K8S_310), name="staging")
    found = list(rule.check(context(clusters=(prod, staging))))
    assert [(f.cluster, f.node, f.message) for f in found] == [
        ("staging", "s3", f"holds {K8S_310}; most nodes (2 of 3) hold {K8S_39}"),
    ]


def test_digest_only_node_keeps_its_digest(context):
    found = list(rule.check(context(clusters=(cluster(node("a", K8S_310), node("b", K8S_310),
                                                       node("c", DIGEST_310)),))))
    assert [(f.node, f.image) for f in found] == [("c", DIGEST_310)]


def test_no_clusters_no_findings_no_skip(context):
    assert list(rule.check(context())) == []
