"""A node is a node: files are grouped by node root however they are named, and a
named file's node is read whole."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.inputs import collect

# The config repo: four nodes, each with its own Kubernetes version and mirror.
NODES = {
    "node1": ("v1.30.4", "mirror-one.example.com/k8s", "3.9"),
    "node2": ("v1.31.0", "mirror-two.example.com/k8s", "3.10"),
    "node3": ("v1.35.2", "mirror-three.example.com/k8s", "3.10"),
    "node4": ("v1.32.1", "mirror-four.example.com/k8s", "3.10"),
}
KUBEADM = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n" \
          "kubernetesVersion: {version}\nimageRepository: {repo}\n"


def write_node(base: Path, name: str, version: str, repo: str, tag: str) -> None:
    root = base / "nodes" / name
    files = {
        "etc/containerd/config.toml":
            f'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
            f'  sandbox_image = "{repo}/pause:{tag}"\n',
        "var/lib/kubelet/kubeadm-flags.env":
            'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/'
            f'containerd.sock --pod-infra-container-image={repo}/pause:{tag}"\n',
        "etc/kubernetes/kubeadm-config.yaml": KUBEADM.format(version=version, repo=repo),
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, (version, mirror, tag) in NODES.items():
        write_node(tmp_path, name, version, mirror, tag)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json", *args])
    assert result.exit_code in (0, 1, 2), result.output
    return result.exit_code, json.loads(result.output)


def findings(doc: dict) -> set[tuple[str, str]]:
    return {(f["rule"], f["path"]) for f in doc["findings"]}


def all_files() -> list[str]:
    return sorted(str(p) for p in Path("nodes").rglob("*") if p.is_file())


FLAGS = "nodes/{}/var/lib/kubelet/kubeadm-flags.env"


@pytest.mark.parametrize("order", ["sorted", "reversed", "interleaved"])
def test_each_node_is_judged_with_its_own_kubeadm_version(repo: Path, order: str) -> None:
    files = all_files()
    if order == "reversed":
        files.reverse()
    elif order == "interleaved":  # pre-commit passes files in whatever order git lists
        files = files[::2] + files[1::2]
    code, doc = check("--ignore-unknown", *files)
    assert code == 1  # node3's flag is removed in its Kubernetes 1.35.2
    by_rule: dict[str, set[str]] = {}
    for rule, path in findings(doc):
        by_rule.setdefault(rule, set()).add(path)
    assert by_rule["PL301"] == {FLAGS.format("node3")}
    assert by_rule["PL302"] == {FLAGS.format(n) for n in ("node1", "node2", "node4")}
    # Each node's sandbox image is on its own kubeadm mirror: no node is told to use
    # another node's mirror.
    assert "PL203" not in by_rule
    for finding in doc["findings"]:
        node = finding["path"].split("/")[1]
        others = {NODES[n][1].split("/")[0] for n in NODES if n != node}
        assert not any(host in finding["message"] for host in others), finding


def test_the_kubeadm_bump_staged_alone_fails_naming_the_kubelet_flag_file(repo: Path) -> None:
    kubeadm = repo / "nodes/node1/etc/kubernetes/kubeadm-config.yaml"
    kubeadm.write_text(KUBEADM.format(version="v1.35.0", repo=NODES["node1"][1]))
    code, doc = check("--ignore-unknown", "nodes/node1/etc/kubernetes/kubeadm-config.yaml")
    assert code == 1
    assert ("PL301", FLAGS.format("node1")) in findings(doc)
    assert {path.split("/")[1] for _, path in findings(doc)} == {"node1"}
    assert [(n["name"], n["kubernetes_version"]) for n in doc["nodes"]] == [
        ("nodes/node1", "1.35.0")]


def test_a_named_file_reads_its_node_whole_and_nothing_twice(repo: Path) -> None:
    files = collect(["nodes/node2/etc/containerd/config.toml",
                     "./nodes/node2/etc/containerd/config.toml"])
    assert [(f.path, f.group, f.named, f.explicit) for f in files] == [
        ("nodes/node2/etc/containerd/config.toml", "nodes/node2", True, True),
        ("nodes/node2/etc/kubernetes/kubeadm-config.yaml", "nodes/node2", False, False),
        ("nodes/node2/var/lib/kubelet/kubeadm-flags.env", "nodes/node2", False, False),
    ]


def test_a_folder_walk_is_one_group_per_node(repo: Path) -> None:
    files = collect(["nodes/"])
    assert {f.group for f in files} == {f"nodes/{n}" for n in NODES}
    assert all(f.group == "/".join(f.path.split("/")[:2]) for f in files)
    code, doc = check("nodes")
    assert code == 1
    assert ("PL301", FLAGS.format("node3")) in findings(doc)
    assert ("PL301", FLAGS.format("node1")) not in findings(doc)


def test_folders_of_one_node_named_together_are_one_node(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write_node(tmp_path, "n", "v1.35.2", "registry.k8s.io", "3.10.1")
    monkeypatch.chdir(tmp_path / "nodes" / "n")
    files = collect(["etc/containerd", "var/lib/kubelet", "etc/kubernetes"])
    assert {f.group for f in files} == {"."}
    code, doc = check("etc/containerd", "var/lib/kubelet", "etc/kubernetes")
    # Judged as one node: the flag meets the kubeadm version in another folder.
    assert ("PL301", "var/lib/kubelet/kubeadm-flags.env") in findings(doc)
    assert code == 1


def test_one_folder_inside_a_node_reads_the_rest_of_the_node(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_node(tmp_path, "n", "v1.35.2", "registry.k8s.io", "3.10.1")
    monkeypatch.chdir(tmp_path)
    code, doc = check("nodes/n/var/lib/kubelet")
    assert code == 1
    assert ("PL301", "nodes/n/var/lib/kubelet/kubeadm-flags.env") in findings(doc)
    assert [(n["name"], n["kubernetes_version_from"]) for n in doc["nodes"]] == [
        ("nodes/n", "kubeadm:nodes/n/etc/kubernetes/kubeadm-config.yaml")]


def test_loose_files_named_together_stay_one_node(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("config.toml").write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                                   '  sandbox_image = "registry.k8s.io/pause:3.10"\n')
    Path("kubeadm-flags.env").write_text(
        'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.10"\n')
    Path("kubeadm.yaml").write_text(KUBEADM.format(version="v1.35.2", repo="registry.k8s.io"))
    loose = collect(["config.toml", "kubeadm-flags.env", "kubeadm.yaml"])
    assert {f.group for f in loose} == {""}
    code, doc = check("config.toml", "kubeadm-flags.env", "kubeadm.yaml")
    assert code == 1
    assert ("PL301", "kubeadm-flags.env") in findings(doc)  # kubeadm's version applied


def test_a_loose_file_is_never_grouped_with_a_node(repo: Path) -> None:
    Path("kubeadm.yaml").write_text(KUBEADM.format(version="v1.35.2", repo="registry.k8s.io"))
    code, doc = check("kubeadm.yaml", FLAGS.format("node1"))
    assert code == 0  # a warning: the flag still works on 1.30
    # node1's flag is judged with node1's kubeadm (1.30), not the loose 1.35 file.
    assert ("PL302", FLAGS.format("node1")) in findings(doc)
    assert ("PL301", FLAGS.format("node1")) not in findings(doc)


def test_a_node_file_leading_outside_the_node_is_noted_not_read(
        repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    secret = tmp_path_factory.mktemp("host") / "kubelet"
    secret.write_text("KUBELET_EXTRA_ARGS=--pod-infra-container-image=secret.example/pause:3.1\n")
    default = repo / "nodes/node2/etc/default"
    default.mkdir(parents=True)
    (default / "kubelet").symlink_to(secret)
    notes: list = []
    files = collect(["nodes/node2/etc/containerd/config.toml"], notes=notes)
    assert "nodes/node2/etc/default/kubelet" not in {f.path for f in files}
    assert [(n.path, n.reason) for n in notes] == [
        ("nodes/node2/etc/default/kubelet", "symlink to outside the node: not read")]


def test_named_files_stay_protected_from_output_with_ignore_unknown(repo: Path) -> None:
    target = FLAGS.format("node1")
    before = Path(target).read_text()
    result = CliRunner().invoke(main, ["check", "--no-config", "--ignore-unknown",
                                       "nodes/node1/etc/containerd/config.toml", "--output-file", target])
    assert result.exit_code == 2
    assert "is one of the inputs" in result.output
    assert Path(target).read_text() == before  # a node file read, never overwritten


def test_excluded_node_files_are_not_read_to_complete_the_node(repo: Path) -> None:
    code, doc = check("--exclude", "nodes/node3/var",
                      "nodes/node3/etc/kubernetes/kubeadm-config.yaml")
    assert code == 0  # the 1.35-breaking flag file was excluded, so never read
    assert doc["findings"] and not any("/var/" in path for _, path in findings(doc))


@pytest.mark.parametrize("spelling", ["absolute", "dotdot", "symlink"])
def test_one_node_spelled_two_ways_is_one_node(repo: Path, spelling: str) -> None:
    # Review of issue 9: `$PWD/nodes/node3/...` beside `nodes/node3/...` made two nodes,
    # the kubeadm 1.35.2 file in one and the flag in the other: PL301 missed, exit 0.
    kubeadm = "nodes/node3/etc/kubernetes/kubeadm-config.yaml"
    if spelling == "absolute":
        kubeadm = str(repo / kubeadm)
    elif spelling == "dotdot":
        kubeadm = "nodes/node1/etc/containerd/../../../node3/etc/kubernetes/kubeadm-config.yaml"
    else:
        (repo / "alias").symlink_to("nodes/node3")
        kubeadm = "alias/etc/kubernetes/kubeadm-config.yaml"
    code, doc = check(kubeadm, FLAGS.format("node3"))
    assert code == 1
    assert [node["name"] for node in doc["nodes"]] == [os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.normpath(kubeadm))))]
    assert "PL301" in {rule for rule, _ in findings(doc)}
    # The node's files are read once each, whichever spelling reached them first.
    (node,) = doc["nodes"]
    places = [os.path.relpath(os.path.realpath(f["path"]), os.path.realpath(node["name"]))
              for f in node["files"]]
    assert sorted(places) == sorted(set(places)) == [
        "etc/containerd/config.toml", "etc/kubernetes/kubeadm-config.yaml",
        "var/lib/kubelet/kubeadm-flags.env"]


def test_a_node_file_linked_to_a_sibling_is_still_read_by_its_own_name(repo: Path) -> None:
    # etc/containerd/config.toml -> config-v2.toml: containerd reads config.toml; the
    # link and its target are two files of the node, neither dropped as a duplicate.
    folder = repo / "nodes/node2/etc/containerd"
    (folder / "config.toml").rename(folder / "config-v2.toml")
    (folder / "config.toml").symlink_to("config-v2.toml")
    _, doc = check("nodes/node2")
    (node,) = doc["nodes"]
    (runtime,) = node["runtimes"]
    assert runtime["files"] == ["nodes/node2/etc/containerd/config.toml"]
    assert runtime["sandbox_image"]["path"] == "nodes/node2/etc/containerd/config.toml"


def test_a_crowded_drop_in_folder_is_read_bounded_and_said(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Review of issue 9: 100,000 files in crio.conf.d cost a commit 11 minutes. A node
    # is completed with at most MAX_DROPINS of them, and the run says the rest are unknown.
    from pauselint.node_layout import MAX_DROPINS

    dropins = tmp_path / "etc/crio/crio.conf.d"
    dropins.mkdir(parents=True)
    (tmp_path / "etc/crio/crio.conf").write_text(
        '[crio.image]\npause_image = "registry.k8s.io/pause:3.9"\n')
    for index in range(MAX_DROPINS + 20):
        (dropins / f"{index:04d}.conf").write_text('[crio.runtime]\nlog_level = "info"\n')
    monkeypatch.chdir(tmp_path)
    files = collect(["etc/crio/crio.conf"])
    assert len(files) == 1 + MAX_DROPINS + 1
    assert files[-1].path == "etc/crio/crio.conf.d"
    code, doc = check("etc/crio/crio.conf")
    assert code == 2
    assert [(e["path"], e["message"].split(":")[0]) for e in doc["errors"]] == [
        ("etc/crio/crio.conf.d", f"{MAX_DROPINS + 20:,} files")]
    code, doc = check(".")  # a walk reads them all: nothing is unknown
    assert code == 0 and doc["errors"] == []
