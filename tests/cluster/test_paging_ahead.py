"""Paging ahead and per-pool work: the next page is asked for while this one is read,
and each distinct image list is judged once (issue 16). Counted, never timed."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from pauselint.model import ClusterFacts
from pauselint.sources import cluster, cluster_decode
from pauselint.sources.cluster import read_clusters

from .apiserver import KubeAPI
from .nodes import fleet, make_node


def page_bytes(items: list) -> bytes:
    return json.dumps({"kind": "NodeList", "metadata": {}, "items": items}).encode()


class CountingFilter:
    """The default pause filter, counting the names it is asked about."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, name: str) -> bool:
        self.calls += 1
        return "pause" in name.rsplit("/", 1)[-1]


def test_the_next_page_is_requested_before_this_page_is_read(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kube_api.set_nodes(fleet(6))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    asked: list[str | None] = []
    second_asked = threading.Event()
    fetch = cluster._node_page

    def recording(client, budget, page_size, token):
        asked.append(token)
        if len(asked) == 2:
            second_asked.set()
        return fetch(client, budget, page_size, token)

    monkeypatch.setattr(cluster, "_node_page", recording)
    seen_at_progress: list[int] = []

    def progress(context: str, nodes: int) -> None:
        if nodes == 2:  # page 1 read: page 2 must already be on its way
            seen_at_progress.append(second_asked.wait(timeout=30))

    [facts] = read_clusters(kubeconfig=str(config), page_size=2, progress=progress)

    assert isinstance(facts, ClusterFacts) and len(facts.nodes) == 6
    assert seen_at_progress == [True]
    assert len(asked) == 3  # and not one page more than the list has


def test_no_page_is_fetched_ahead_past_the_node_cap(kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.set_nodes(fleet(12))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")

    [facts] = read_clusters(kubeconfig=str(config), page_size=4, max_nodes=4)

    assert isinstance(facts, ClusterFacts) and len(facts.nodes) == 4
    # Page 1 fills the cap; page 2 is fetched (as without paging ahead) to see
    # that more exist; page 3 never.
    assert len([r for r in kube_api.requests if r.path == "/api/v1/nodes"]) == 2


def test_each_distinct_image_list_is_judged_once_however_many_nodes_have_it() -> None:
    counts = []
    for size in (50, 500):
        is_pause = CountingFilter()
        reader = cluster_decode.NodeReader(is_pause)
        decoded = cluster_decode.page(page_bytes(fleet(size)))
        assert decoded is not None
        nodes = [reader(node, index, is_pause) for index, node in enumerate(decoded[0])]
        slow = [cluster_decode.node_from_struct(node, index, CountingFilter())
                for index, node in enumerate(decoded[0])]
        assert nodes == slow
        counts.append(is_pause.calls)
    assert counts[0] == counts[1] > 0


def test_the_image_list_memory_is_bounded_and_the_rest_still_judged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster_decode, "MAX_REMEMBERED_IMAGE_LISTS", 3)
    items = [make_node(f"node-{i}", pause_images=(f"registry.k8s.io/pause:3.{i}",))
             for i in range(8)]
    decoded = cluster_decode.page(page_bytes(items))
    assert decoded is not None
    is_pause = CountingFilter()
    reader = cluster_decode.NodeReader(is_pause)

    nodes = [reader(node, index, is_pause) for index, node in enumerate(decoded[0])]

    assert [n.pause_images for n in nodes] == [(f"registry.k8s.io/pause:3.{i}",)
                                               for i in range(8)]
    assert len(reader._pause) == 3


def test_garbage_is_collected_rarely_while_reading_and_as_before_after(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    import gc

    kube_api.set_nodes(fleet(4))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    before = gc.get_threshold()
    during: list[tuple[int, bool]] = []

    [facts] = read_clusters(kubeconfig=str(config), page_size=2,
                            progress=lambda context, nodes: during.append(
                                (gc.get_threshold()[0], gc.isenabled())))

    assert isinstance(facts, ClusterFacts) and len(facts.nodes) == 4
    assert during == [(cluster.GC_THRESHOLD_WHILE_READING, True)] * 2
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_nodes_of_one_pool_share_their_field_strings() -> None:
    decoded = cluster_decode.page(page_bytes(fleet(500)))
    assert decoded is not None
    is_pause = CountingFilter()
    reader = cluster_decode.NodeReader(is_pause)

    nodes = [reader(node, index, is_pause) for index, node in enumerate(decoded[0])]

    assert nodes == [cluster_decode.node_from_struct(node, index, is_pause)
                     for index, node in enumerate(decoded[0])]
    for field in ("kubelet_version", "container_runtime", "architecture",
                  "operating_system", "os_image"):
        values = {getattr(node, field) for node in nodes}
        objects = {id(getattr(node, field)) for node in nodes}
        assert len(objects) == len(values), field  # one object per distinct value
