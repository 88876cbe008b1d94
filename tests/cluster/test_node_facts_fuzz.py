"""Arbitrary node JSON through the cluster fact extraction and the live-cluster rules.

Whatever an API server sends as list items -- any JSON value, or a real Node with
one field replaced by any JSON value -- no exception escapes, every item becomes
either a node or exactly one error naming it, untouched nodes are kept as they
were, and the rules judge whatever was kept without raising.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pauselint.compat import load_table
from pauselint.fleet import check_clusters
from pauselint.model import ClusterError, ClusterFacts, ClusterNode
from pauselint.sources.cluster_nodes import NodeProblem, node_from_json

from .nodes import make_node

TABLE = load_table()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
# Digit runs from 1 to past Python's 4,300-digit int() limit, where packaging's
# Version raises a bare ValueError: every version parser must say "not a version".
digit_runs = st.sampled_from([1, 2, 9, 10, 19, 4300, 4301, 5000]).map(lambda n: "9" * n)
long_versions = st.builds(
    lambda prefix, runs, suffix: prefix + ".".join(runs) + suffix,
    st.sampled_from(["", "v", "containerd://", "cri-o://", "containerd://v"]),
    st.lists(digit_runs | st.sampled_from(["1", "31", "0"]), min_size=1, max_size=4),
    st.sampled_from(["", ".0", "-eks-5e0fdde", "+k3s1", "~ds1", ".x"]),
)
# Text that looks like what the rules parse, to reach deeper than "not a string".
plausible_text = st.sampled_from(
    ["", "v1.31.4", "v1.x", "1", "containerd://", "containerd://1.7.20", "cri-o://x",
     "docker://24.0.7", "windows", "linux", "amd64", "10.0.20348", "10.0.", "registry.k8s.io/pause:3.9",
     "pause:latest", "pause@sha256:zz", "::", "a" * 300]) | st.text(max_size=30) | long_versions
# What /version's gitVersion and kubeadm-config's kubernetesVersion may say.
cluster_versions = st.none() | st.sampled_from(["v1.31.4", "v1.29.0-eks-5e0fdde", "devel",
                                                "v1.x"]) | st.text(max_size=20) | long_versions

# Where a near-valid node gets its one bad value: a path of keys and list indexes.
FIELDS = (
    (), ("metadata",), ("metadata", "name"), ("metadata", "labels"),
    ("metadata", "labels", "node.kubernetes.io/windows-build"), ("status",),
    ("status", "nodeInfo"), ("status", "nodeInfo", "kubeletVersion"),
    ("status", "nodeInfo", "containerRuntimeVersion"), ("status", "nodeInfo", "architecture"),
    ("status", "nodeInfo", "operatingSystem"), ("status", "nodeInfo", "osImage"),
    ("status", "images"), ("status", "images", 0), ("status", "images", 0, "names"),
    ("status", "images", -1, "names", 0),
)


def base_node(index: int) -> dict[str, Any]:
    if index % 2:
        return make_node(f"node-{index}", os="windows", extra_images=1)
    return make_node(f"node-{index}", extra_images=1)


def replaced(node: dict[str, Any], path: tuple, value: Any) -> Any:
    """``node`` with the value at ``path`` replaced by ``value`` (the whole node for ())."""
    if not path:
        return value
    node = copy.deepcopy(node)
    parent: Any = node
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return node


@st.composite
def node_items(draw) -> tuple[list[Any], list[bool]]:
    """A list of items and, for each, whether it was left a valid node."""
    items, untouched = [], []
    for index in range(draw(st.integers(0, 6))):
        choice = draw(st.sampled_from(["valid", "near-valid", "near-valid-text", "any"]))
        node = base_node(index)
        if choice == "valid":
            items.append(node)
        elif choice == "any":
            items.append(draw(json_values))
        else:
            value = draw(plausible_text if choice == "near-valid-text" else json_values)
            items.append(replaced(node, draw(st.sampled_from(FIELDS)), value))
        untouched.append(choice == "valid")
    return items, untouched


def is_pause(name: str) -> bool:
    return "pause" in name


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(node_items(), cluster_versions, cluster_versions)
def test_every_item_is_a_node_or_one_error_and_the_rules_never_raise(
        case, server_version, kubeadm_version) -> None:
    items, untouched = case
    nodes, errors = [], []
    for index, item in enumerate(items):
        found = node_from_json(item, index, is_pause)
        assert isinstance(found, (ClusterNode, NodeProblem))
        if isinstance(found, NodeProblem):
            assert found.node and found.reason
            assert not untouched[index]
            errors.append(ClusterError("fuzz", found.reason, found.node))
            continue
        assert all(isinstance(v, str) for v in found[:6])
        assert found.windows_build is None or isinstance(found.windows_build, str)
        assert all(isinstance(name, str) for name in found.pause_images)
        if untouched[index]:
            assert found == node_from_json(base_node(index), index, is_pause)
        nodes.append(found)
    # Names may repeat after a mutation; the rules must cope with any kept node.
    facts = ClusterFacts("fuzz", server_version, tuple(nodes), kubeadm_version=kubeadm_version,
                         errors=tuple(errors))
    report = check_clusters([facts], TABLE)
    assert len(report.errors) == len(errors)
    assert report.node_counts == {"fuzz": len(nodes)}
    assert all(f.cluster == "fuzz" for f in report.findings)
