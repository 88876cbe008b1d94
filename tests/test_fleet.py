"""Live facts through the rules: per-node context, cluster-wide rules, errors."""

from __future__ import annotations

import pytest
from packaging.version import Version

from pauselint.compat import load_table
from pauselint.fleet import check_clusters, platform_of, runtime_of
from pauselint.model import ClusterError, ClusterFacts, ClusterNode, Component


def node(name: str, *, runtime: str = "containerd://1.7.20", kubelet: str = "v1.31.4",
         arch: str = "amd64", os: str = "linux", build: str | None = None,
         images: tuple[str, ...] = ("registry.k8s.io/pause:3.10",)) -> ClusterNode:
    return ClusterNode(name, kubelet, runtime, arch, os, "", build, images)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("containerd://1.7.20", (Component.CONTAINERD, "1.7.20")),
     ("containerd://1.6.20~ds1", (Component.CONTAINERD, "1.6.20")),
     ("cri-o://1.30.4", (Component.CRIO, "1.30.4")),
     ("containerd://2.0.1-k3s1", (Component.CONTAINERD, "2.0.1")),
     ("docker://24.0.7", None), ("garbage", None)],
)
def test_runtime_of(text: str, expected) -> None:
    info = runtime_of(node("a", runtime=text))
    assert (None if info is None else (info.name, str(info.version))) == expected


def test_windows_build_maps_to_its_os_version() -> None:
    platform = platform_of(node("w", os="windows", build="10.0.20348.2227"), load_table())
    assert (platform.os, platform.arch, platform.os_version) == ("windows", "amd64", "ltsc2022")


def test_findings_carry_cluster_and_node_and_no_path() -> None:
    facts = ClusterFacts("prod", "v1.36.1", (
        node("a", runtime="containerd://1.7.28", kubelet="v1.36.1"),
        node("b", runtime="containerd://2.3.1", kubelet="v1.36.1"),
    ))
    report = check_clusters([facts], load_table())
    pl405 = [f for f in report.findings if f.rule == "PL405"]
    assert [(f.cluster, f.node, f.location.path) for f in pl405] == [("prod", "a", None)]
    assert report.node_counts == {"prod": 2}
    assert report.context["kubernetes_version_from"] == "cluster"


def test_windows_node_is_checked_against_the_tag_manifest() -> None:
    facts = ClusterFacts("win", "v1.33.2", (
        node("w-old", os="windows", build="10.0.20348.1", images=("registry.k8s.io/pause:3.5",)),
        node("w-new", os="windows", build="10.0.20348.1", images=("registry.k8s.io/pause:3.9",)),
    ))
    pl107 = [f.node for f in check_clusters([facts], load_table()).findings if f.rule == "PL107"]
    assert pl107 == ["w-old"]  # 3.5 has no ltsc2022 image; 3.9 has


def test_unreachable_context_is_an_error_and_others_still_checked() -> None:
    ok = ClusterFacts("ok", "v1.31.4", (node("a", images=("registry.k8s.io/pause:3.6",)),))
    report = check_clusters([ClusterError("down", "DNS: name resolution failed for host x"),
                             ok], load_table())
    assert [e.message for e in report.errors] == [
        "cluster down: DNS: name resolution failed for host x"]
    assert any(f.rule == "PL201" and f.cluster == "ok" for f in report.findings)


def test_flag_overrides_the_server_version() -> None:
    facts = ClusterFacts("c", "v1.29.0", (node("a", images=("registry.k8s.io/pause:3.9",)),))
    report = check_clusters([facts], load_table(), kubernetes=Version("1.31"))
    assert any(f.rule == "PL201" for f in report.findings)
    assert report.context["kubernetes_version_from"] == "flag"


def test_forbidden_configmap_is_a_skip_naming_the_permission() -> None:
    facts = ClusterFacts("c", "v1.31.4", (node("a"),),
                         skipped=("get configmaps kubeadm-config in kube-system: forbidden",))
    report = check_clusters([facts], load_table())
    assert any(s.rule == "PL203" and "forbidden" in s.reason for s in report.skipped)
    assert not report.errors


@pytest.mark.parametrize(("build", "expected"), [("10.0.17763.5458", "1809"),
                                                 ("10.0.20348", "ltsc2022"),
                                                 ("10.0.26100.1742", "ltsc2025"),
                                                 ("10.0.18362", None)])
def test_windows_builds_map_to_the_names_pause_manifests_use(build: str, expected) -> None:
    assert platform_of(node("w", os="windows", build=build), load_table()).os_version == expected


def test_a_pause_image_that_is_not_a_reference_is_that_nodes_error() -> None:
    """A caller's own ``is_pause`` may keep any name; one that cannot be parsed is
    named as the error of every node carrying it, never dropped in silence."""
    bad = ("pause:\x00", "registry.k8s.io/pause:3.10")
    facts = ClusterFacts("prod", "v1.31.4", (node("a", images=bad), node("b", images=bad),
                                              node("c")))

    report = check_clusters([facts], load_table())

    assert [e.message for e in report.errors] == [
        f"cluster prod: node {name}: pause image not checked: image reference 'pause:\\x00' "
        "contains the character '\\x00'" for name in ("a", "b")]
    assert report.node_counts == {"prod": 3}


@pytest.mark.parametrize(("image", "rule"), [
    ("k8s.gcr.io/pause:3.9", "PL103"),  # frozen registry (silent in cluster mode before)
    ("registry.k8s.io/pause:3.4", "PL101"),  # a tag never published
    ("registry.k8s.io/pause:latest", "PL104"),
    ("registry.k8s.io/pause-arm64:3.2", "PL105"),  # per-arch repo for another arch
])
def test_every_image_rule_judges_the_images_a_node_holds(image: str, rule: str) -> None:
    # Issue 11: the images a live node holds get the same image rules as a configured one.
    facts = ClusterFacts("prod", "v1.31.4", (node("a", images=(image,)),))
    report = check_clusters([facts], load_table())
    assert rule in {f.rule for f in report.findings if f.node == "a"}
