"""Bounds and failures that must never cost more than their own part of a context.

Huge version numbers are "not a version", never an internal error; a continue
token is capped; an optional read that fails is a skip; an invalid redirect or
server address gets its own words; a late watchdog never cuts a later request.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.display import shown
from pauselint.model import ClusterError, ClusterFacts
from pauselint.sources import cluster, cluster_http
from pauselint.sources.cluster import read_clusters

from .apiserver import KubeAPI
from .nodes import fleet, kubeadm_config_map, make_node

pytest.importorskip("kubernetes")

NODES = "/api/v1/nodes"
KUBEADM = "/api/v1/namespaces/kube-system/configmaps/kubeadm-config"
HUGE = "9" * 5000  # past Python's 4,300-digit int() limit


@pytest.fixture
def kubeconfig(kube_api: KubeAPI, tmp_path: Path) -> Path:
    return kube_api.write_kubeconfig(tmp_path / "kubeconfig")


def run_cli(kubeconfig: Path, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["cluster", "--kubeconfig", str(kubeconfig),
                                       "--format", "json", *args])
    assert "internal error" not in result.output, result.output[-2000:]
    return result.exit_code, json.loads(result.output)


# -- item 3: a version of 5,000 digits is not a version ---------------------------


def test_a_huge_server_version_is_not_a_version(kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.server_version = f"v1.{HUGE}.0"
    kube_api.set_nodes([make_node("n1")])

    code, doc = run_cli(kubeconfig)

    assert code == 0
    assert doc["errors"] == []
    assert {"rule": "PL502", "reason": f"API server version {shown(f'v1.{HUGE}.0')} of cluster test is not "
                                       "a version", "node": None} in doc["skipped"]


def test_a_huge_kubeadm_version_is_not_a_version(kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.version_document = {"major": "1"}  # no gitVersion: kubeadm-config is asked
    kube_api.configmaps["kubeadm-config"] = kubeadm_config_map(f"v1.{HUGE}.0")["data"]
    kube_api.set_nodes([make_node("n1")])

    code, doc = run_cli(kubeconfig)

    assert code == 0
    assert doc["errors"] == []


def test_huge_runtime_and_kubelet_versions_are_not_versions(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes([make_node("n1", runtime=f"containerd://1.{HUGE}"),
                        make_node("n2", kubelet=f"v1.{HUGE}"), make_node("n3")])

    code, doc = run_cli(kubeconfig)

    assert code == 0
    assert doc["errors"] == []
    assert {"rule": "PL502", "reason": f"kubelet version {shown(f'v1.{HUGE}')} of node n2 in cluster test "
                                       "is not a version", "node": None} in doc["skipped"]


def test_check_refuses_a_huge_kubernetes_version_as_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["check", "-k", f"1.{HUGE}", "/dev/null"])

    assert result.exit_code == 2
    assert "is not a version (use e.g. 1.29)" in result.output


# -- item 5: continue tokens are capped --------------------------------------------


def test_a_continue_token_over_8_kib_ends_the_list_and_keeps_the_nodes(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes(fleet(4))
    kube_api.long_continue_tokens(8 * 1024 + 1)

    [facts] = read_clusters(kubeconfig=str(kubeconfig), page_size=2)

    assert isinstance(facts, ClusterFacts)
    assert [n.name for n in facts.nodes] == ["node-0000", "node-0001"]
    assert facts.errors == (ClusterError(
        "test", "the API server sent a continue token of 8,193 bytes (the cap is 8 KiB): "
                "paging stopped, the rest not read (list nodes)"),)
    assert sum(1 for r in kube_api.requests if r.path == NODES) == 1  # never sent back
    assert cluster.MAX_CONTINUE_BYTES == 8 << 10


# -- item 6: an optional read that fails is a skip -----------------------------------


def test_a_timeout_on_kubeadm_config_is_a_skip_and_the_nodes_are_kept(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes(fleet(2))
    kube_api.configmaps["kubeadm-config"] = kubeadm_config_map()["data"]
    kube_api.stall(KUBEADM)

    [facts] = read_clusters(kubeconfig=str(kubeconfig), request_timeout=0.5)

    assert isinstance(facts, ClusterFacts)
    assert len(facts.nodes) == 2
    assert facts.errors == ()
    assert facts.skipped == (
        "get configmaps kubeadm-config in kube-system: timeout after 0.5 s",)


def test_a_redirect_on_kubeadm_config_is_a_skip(kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes(fleet(2))
    kube_api.redirect(KUBEADM, "https://elsewhere.example/x?token=SECRET")

    [facts] = read_clusters(kubeconfig=str(kubeconfig))

    assert isinstance(facts, ClusterFacts)
    assert len(facts.nodes) == 2
    assert facts.skipped == (
        "get configmaps kubeadm-config in kube-system: the API server redirected to "
        "https://elsewhere.example/x, not followed",)


# -- item 8: an invalid location or address is not "did not return JSON" ------------


@pytest.mark.parametrize("location", ["https://[::1/x", "https://127.0.0.1:99999/x"])
def test_a_redirect_to_an_invalid_location_says_so(
        kube_api: KubeAPI, kubeconfig: Path, location: str) -> None:
    kube_api.redirect("/version", location)

    [error] = read_clusters(kubeconfig=str(kubeconfig))

    assert error == ClusterError(
        "test", "the API server redirected to an invalid location, not followed (get /version)")


def test_an_invalid_server_port_is_an_invalid_address(kube_api: KubeAPI, tmp_path: Path) -> None:
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig", contexts={
        "bad": {"server": "https://127.0.0.1:99999"}})

    [error] = read_clusters(kubeconfig=str(config), contexts=["bad"])

    assert error == ClusterError(
        "bad", "invalid server address for 127.0.0.1: its URL cannot be parsed (get /version)")


# -- item 9: a watchdog that fires as its request ends cuts nothing later -------------


def test_a_deadline_found_as_its_request_ends_never_cuts_a_later_one(
        kube_api: KubeAPI, kubeconfig: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The watcher thread may find a deadline passed just as its request ends.

    Here, right after every ``stop()``, the watcher's check runs as if every deadline
    had passed (the race, without waiting for it). A check that still cut would shut
    the kept-alive connection, and each of the four GETs would need one of its own.
    """
    real_stop = cluster_http._Watchdog.stop

    def stop_then_every_deadline_passes(self: cluster_http._Watchdog) -> bool:
        fired = real_stop(self)
        with self._tracked.lock:
            self._tracked.cut_if_due(float("inf"))
        return fired

    monkeypatch.setattr(cluster_http._Watchdog, "stop", stop_then_every_deadline_passes)
    kube_api.set_nodes(fleet(2))

    [facts] = read_clusters(kubeconfig=str(kubeconfig))

    assert isinstance(facts, ClusterFacts) and len(facts.nodes) == 2
    assert len(kube_api.requests) == 4
    assert kube_api.connections_accepted() == 1


def test_one_watcher_thread_times_a_context_s_requests_and_ends_when_idle(
        kube_api: KubeAPI, kubeconfig: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a thread a request (a thread's start was ~0.25 ms of every GET): one a
    pool, which ends once no request has come for ``WATCHER_IDLE`` seconds."""
    watchers: list[threading.Thread] = []

    class Counted(threading.Thread):
        def start(self) -> None:
            if self.name == "pauselint-watchdog":
                watchers.append(self)
            super().start()

    monkeypatch.setattr(cluster_http.threading, "Thread", Counted)
    monkeypatch.setattr(cluster_http, "WATCHER_IDLE", 0.05)
    kube_api.set_nodes(fleet(6))

    # The watcher sleeps to the last request's deadline before it idles: a short one,
    # though long enough that no request's deadline passes before the next begins.
    [facts] = read_clusters(kubeconfig=str(kubeconfig), page_size=2, request_timeout=2)

    assert isinstance(facts, ClusterFacts) and len(facts.nodes) == 6
    assert len(kube_api.requests) == 6  # /version, three pages, two ConfigMaps
    [watcher] = watchers
    watcher.join(timeout=30)  # nothing more to time: it ends by itself
    assert not watcher.is_alive()


def test_a_watcher_that_fails_is_replaced_by_the_next_request_s(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A watcher thread ended by an error (here its cut raises) is not kept: the next
    request on the pool starts another, which still cuts at that request's deadline."""
    monkeypatch.setattr(cluster_http, "WATCHER_IDLE", 0.01)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the failure is meant
    cuts: list[list] = []

    def cut_fails(connections: list) -> None:
        raise RuntimeError("cut")

    monkeypatch.setattr(cluster_http, "_cut", cut_fails)
    tracked = cluster_http._Tracked()
    first = cluster_http._Watchdog(tracked, 0.01)
    failed = tracked.watcher
    assert failed is not None
    failed.join(timeout=30)
    assert not failed.is_alive() and tracked.watcher is None

    monkeypatch.setattr(cluster_http, "_cut", cuts.append)
    second = cluster_http._Watchdog(tracked, 0.01)
    replacement = tracked.watcher
    assert replacement is not None and replacement is not failed
    replacement.join(timeout=30)  # cuts at the deadline, then ends once idle
    assert (first.fired, second.fired, cuts) == (True, True, [[]])
    assert second.stop() is True
