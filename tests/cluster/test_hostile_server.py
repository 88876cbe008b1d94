"""A hostile or broken API server cannot make a cluster run unbounded, loop, or crash.

Every test drives the real client against the fault-injecting modes of
`apiserver.KubeAPI` (redirect, drip, stall, endless body, repeated or endless
continue tokens, bad fields) and asserts the exact error and, for time bounds, the
elapsed time against a bound derived from the timeouts given.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.model import ClusterError, ClusterFacts
from pauselint.sources.cluster import MAX_RESPONSE_BYTES, max_pages, read_clusters

from .apiserver import KubeAPI
from .nodes import fleet, kubeadm_config_map, make_node

pytest.importorskip("kubernetes")

NODES = "/api/v1/nodes"


@pytest.fixture
def kubeconfig(kube_api: KubeAPI, tmp_path: Path) -> Path:
    return kube_api.write_kubeconfig(tmp_path / "kubeconfig")


def node_requests(api: KubeAPI) -> int:
    return sum(1 for r in api.requests if r.path == NODES)


# -- item 3: redirects ---------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_reported_without_its_query_and_never_followed(
        kube_api: KubeAPI, kubeconfig: Path, status: int) -> None:
    kube_api.set_nodes([make_node("a")])
    kube_api.redirect(NODES, f"{kube_api.url}/api/v1/elsewhere?token=SECRET#frag", status=status)

    [error] = read_clusters(kubeconfig=str(kubeconfig))

    assert error == ClusterError(
        "test", f"the API server redirected to {kube_api.url}/api/v1/elsewhere, not followed "
                "(list nodes)")
    assert "SECRET" not in error.reason
    assert [r.path for r in kube_api.requests] == ["/version", NODES]


# -- item 4: every request and every context is bounded --------------------------


def test_a_dripped_body_ends_at_the_request_timeout(kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes(fleet(3))  # ~12 KB: dripped at 20 bytes/s it would take 10 minutes
    kube_api.drip(NODES, 0.05)
    started = time.monotonic()

    [error] = read_clusters(kubeconfig=str(kubeconfig), request_timeout=1)

    elapsed = time.monotonic() - started
    assert error == ClusterError("test", "timeout after 1 s (list nodes)")
    assert elapsed < 1 + 2  # the timeout, plus start-up and the /version GET


def test_a_stalled_body_ends_at_the_request_timeout(kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes(fleet(3))
    kube_api.stall(NODES)
    started = time.monotonic()

    [error] = read_clusters(kubeconfig=str(kubeconfig), request_timeout=1)

    assert error == ClusterError("test", "timeout after 1 s (list nodes)")
    assert time.monotonic() - started < 1 + 2


def test_the_context_deadline_bounds_many_requests(kube_api: KubeAPI, kubeconfig: Path) -> None:
    """Each page is quick enough for --request-timeout, the sum is not for the context."""
    kube_api.set_nodes(fleet(40))
    kube_api.delay(NODES, 0.4)
    started = time.monotonic()

    [error] = read_clusters(kubeconfig=str(kubeconfig), request_timeout=5, page_size=2,
                            context_timeout=1.5)

    elapsed = time.monotonic() - started
    assert error == ClusterError(
        "test", "context timeout after 1.5 s (--context-timeout) (list nodes)")
    assert elapsed < 1.5 + 2
    assert node_requests(kube_api) < 6


def test_cli_context_timeout_ends_a_dripping_context_and_reports_the_other(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.set_nodes([make_node("good")])
    with KubeAPI(tmp_path / "drip-api") as dripping:
        dripping.set_nodes(fleet(3))
        dripping.drip(NODES, 0.05)
        config = kube_api.write_kubeconfig(tmp_path / "kubeconfig", contexts={
            "drip": {"server": dripping.url, "certificate_authority": dripping.ca_path,
                     "token": dripping.token}})
        started = time.monotonic()
        result = CliRunner().invoke(main, [
            "cluster", "--kubeconfig", str(config), "--all-contexts", "--format", "json",
            "--request-timeout", "30", "--context-timeout", "1"])
        elapsed = time.monotonic() - started
    doc = json.loads(result.output)
    assert result.exit_code == 2
    assert [e["message"] for e in doc["errors"]] == [
        "cluster drip: context timeout after 1 s (--context-timeout) (list nodes)"]
    assert doc["summary"]["inputs"] == 1
    assert elapsed < 1 + 3


# -- item 5: paging cannot loop ----------------------------------------------------


def test_a_repeated_continue_token_ends_the_list(kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes(fleet(4))
    kube_api.repeat_continue_token()

    [facts] = read_clusters(kubeconfig=str(kubeconfig), page_size=2)

    # Like the node cap: the nodes read before the loop are kept, the context gets
    # an error; the page that answered token T with T again is not used.
    assert isinstance(facts, ClusterFacts)
    assert [n.name for n in facts.nodes] == ["node-0000", "node-0001"]
    assert facts.errors == (ClusterError(
        "test", "the API server sent the same continue token twice: paging stopped, the rest "
                "not read (list nodes)"),)
    assert node_requests(kube_api) == 2


def test_endless_new_tokens_end_after_the_page_cap(kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.endless_continue_tokens()

    [error] = read_clusters(kubeconfig=str(kubeconfig), page_size=1000)

    assert max_pages(1000) == 52  # 25,000 nodes in full pages of 1,000, twice over, plus 2
    assert error == ClusterError(
        "test", "paging did not end after 52 pages of 1000 (the cap for 25,000 nodes) "
                "(list nodes)")
    assert node_requests(kube_api) == 52


# -- item 6: sizes are capped ----------------------------------------------------


def test_an_endless_body_is_refused_at_the_size_cap(kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.endless(NODES)
    started = time.monotonic()

    [error] = read_clusters(kubeconfig=str(kubeconfig))

    assert MAX_RESPONSE_BYTES == 32 << 20
    assert error == ClusterError(
        "test", "response larger than 32 MiB (the cap), not read (list nodes)")
    assert time.monotonic() - started < 10


def test_an_announced_50_mb_page_is_refused_before_its_body_is_read(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    fat = make_node("fat")
    fat["metadata"]["annotations"]["padding"] = "x" * (50 << 20)
    kube_api.set_nodes([fat])

    [error] = read_clusters(kubeconfig=str(kubeconfig))

    assert error == ClusterError(
        "test", "response larger than 32 MiB (the cap), not read (list nodes)")


def test_an_unasked_gzip_body_is_read_as_its_plain_self(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    """pauselint asks for no encoding; a proxy that compresses anyway is still read."""
    kube_api.set_nodes(fleet(7))
    [plain] = read_clusters(kubeconfig=str(kubeconfig))
    kube_api.gzip(NODES)

    [encoded] = read_clusters(kubeconfig=str(kubeconfig))

    assert kube_api.gzipped == [NODES]  # the answer was compressed indeed
    assert isinstance(encoded, ClusterFacts) and len(encoded.nodes) == 7
    assert encoded == plain


def test_a_gzip_bomb_is_refused_at_the_size_cap_as_it_is_decoded(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    """The cap counts decoded bytes: 64 MiB that compress to 64 KiB are not taken in."""
    bomb = gzip.compress(b'{"kind":"NodeList","items":[' + b" " * (64 << 20), 9)
    assert len(bomb) < 128 << 10
    kube_api.gzip(NODES, bomb)
    started = time.monotonic()

    [error] = read_clusters(kubeconfig=str(kubeconfig))

    assert kube_api.gzipped == [NODES]

    assert error == ClusterError(
        "test", "response larger than 32 MiB (the cap), not read (list nodes)")
    assert time.monotonic() - started < 10


def test_past_the_node_cap_the_first_nodes_are_judged_and_the_rest_is_an_error(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes(fleet(25))  # 25,000 real nodes are ~100 MB to serve: a lower cap

    [facts] = read_clusters(kubeconfig=str(kubeconfig), page_size=4, max_nodes=10)

    assert isinstance(facts, ClusterFacts)
    assert [n.name for n in facts.nodes] == [f"node-{i:04d}" for i in range(10)]
    assert facts.errors == (ClusterError(
        "test", "more than 10 nodes (the cap, --max-nodes): the first 10 are checked, "
                "the rest not read"),)
    assert node_requests(kube_api) == 3


def test_a_higher_node_cap_reads_the_whole_list_and_allows_more_pages(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes(fleet(25))

    [facts] = read_clusters(kubeconfig=str(kubeconfig), page_size=1, max_nodes=25)

    assert max_pages(1, 25) == 52 and max_pages(1) == 50_002
    assert len(facts.nodes) == 25 and not facts.errors


def billion_laughs(levels: int = 9) -> str:
    """A ClusterConfiguration whose kubernetesVersion is 10**levels strings once expanded."""
    lines = ["apiVersion: kubeadm.k8s.io/v1beta4", "kind: ClusterConfiguration",
             "imageRepository: registry.example.com/k8s", 'a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"kubernetesVersion: *a{levels}")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_in_kubeadm_config_is_refused_in_bounded_time(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes([make_node("a")])
    bomb = kubeadm_config_map()
    bomb["data"]["ClusterConfiguration"] = billion_laughs()
    kube_api.configmaps["kubeadm-config"] = bomb
    started = time.monotonic()

    [facts] = read_clusters(kubeconfig=str(kubeconfig))

    assert time.monotonic() - started < 5
    assert isinstance(facts, ClusterFacts)
    assert (facts.kubeadm_version, facts.image_repository) == (None, "registry.example.com/k8s")
    assert facts.skipped == ("kubeadm-config: ClusterConfiguration: "
                             "ClusterConfiguration.kubernetesVersion must be a string, "
                             "not a list",)
    assert [n.name for n in facts.nodes] == ["a"]


# -- item 8: one bad value never sinks the rest ------------------------------------


def bad_nodes() -> list:
    windows = make_node("bad-build", os="windows")
    windows["metadata"]["labels"]["node.kubernetes.io/windows-build"] = 20348
    no_info = make_node("no-info")
    del no_info["status"]["nodeInfo"]
    null_images = make_node("null-images")
    null_images["status"]["images"] = None
    list_labels = make_node("list-labels")
    list_labels["metadata"]["labels"] = ["kubernetes.io/os=linux"]
    number_version = make_node("number-version")
    number_version["status"]["nodeInfo"]["kubeletVersion"] = 1.31
    return [make_node("good-1", pause_images=("registry.k8s.io/pause:3.6",)), windows, no_info,
            "not a node", null_images, list_labels, number_version, make_node("good-2")]


def test_bad_nodes_and_a_bad_git_version_are_errors_and_the_rest_is_judged(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.set_raw_node_items(bad_nodes())
    kube_api.version_document = {"gitVersion": 131, "major": "1", "minor": "31"}
    with KubeAPI(tmp_path / "other-api") as other:
        other.set_nodes([make_node("other-1", pause_images=("registry.k8s.io/pause:3.6",))])
        config = kube_api.write_kubeconfig(tmp_path / "kubeconfig", contexts={
            "other": {"server": other.url, "certificate_authority": other.ca_path,
                      "token": other.token}})
        result = CliRunner().invoke(main, [
            "cluster", "--kubeconfig", str(config), "--all-contexts", "--format", "json"])
    doc = json.loads(result.output)
    assert result.exit_code == 2, result.output
    assert [e["message"] for e in doc["errors"]] == [
        "cluster test: /version: gitVersion is not a string; the server version is unknown",
        "cluster test: node bad-build: label node.kubernetes.io/windows-build is a number, "
        "not a string",
        "cluster test: node no-info: status.nodeInfo is missing or null, not an object",
        "cluster test: node item 3: list item is a string, not a Node object",
        "cluster test: node null-images: status.images is missing or null, not a list",
        "cluster test: node list-labels: metadata.labels is a list, not an object",
        "cluster test: node number-version: status.nodeInfo.kubeletVersion is a number, "
        "not a string",
    ]
    assert all(e["path"] is None and e["line"] is None for e in doc["errors"])
    assert doc["summary"]["inputs"] == 3  # good-1, good-2 and other-1
    judged = {(f["cluster"], f["node"]) for f in doc["findings"] if f["rule"] == "PL501"}
    assert ("test", "good-1") in judged  # drift between the two good nodes is still seen
    assert doc["context"]["cluster:other"] == "1.31.4"
    assert "Traceback" not in result.output


def test_text_output_names_each_bad_node_and_counts_cluster_errors(
        kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_raw_node_items([make_node("good"), 7])
    result = CliRunner().invoke(main, ["cluster", "--kubeconfig", str(kubeconfig)])
    assert result.exit_code == 2
    # The cluster error on stderr (issue 11), the summary counting it on stdout.
    assert result.stderr == (
        "error: cluster test: node item 1: list item is a number, not a Node object\n")
    assert result.stdout.splitlines()[-1] == (
        "1 cluster (1 node) checked: no findings; 1 cluster error")


def test_dripped_headers_end_at_the_request_timeout(kube_api: KubeAPI, kubeconfig: Path) -> None:
    kube_api.set_nodes([make_node("a")])
    kube_api.drip_headers(NODES, 0.05)  # ~3 KB of headers: 150 s at this pace
    started = time.monotonic()

    [error] = read_clusters(kubeconfig=str(kubeconfig), request_timeout=1)

    assert error == ClusterError("test", "timeout after 1 s (list nodes)")
    assert time.monotonic() - started < 1 + 2
