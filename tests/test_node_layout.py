"""Where a node's files live: node roots from paths, and a node's known files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pauselint.inputs import below_root
from pauselint.node_layout import LAYOUT_PARTS, known_files, node_root_of, normalize_root

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CORPUS_SOURCES = Path("/work/shared/corpus/SOURCES.md")


@pytest.mark.parametrize(("path", "root"), [
    ("nodes/node1/etc/containerd/config.toml", "nodes/node1"),
    ("etc/containerd/config.toml", "."),
    ("./etc/containerd/config.toml", "."),
    ("/etc/containerd/config.toml", "/"),
    ("/srv/nodes/a/var/lib/kubelet/kubeadm-flags.env", "/srv/nodes/a"),
    ("nodes/b/etc/kubernetes/kubeadm-config.yaml", "nodes/b"),
    ("nodes/b/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "nodes/b"),
    ("n/usr/lib/systemd/system/kubelet.service", "n"),  # not n/usr: the outermost part
    ("n/usr/local/lib/systemd/system/kubelet.service", "n"),
    ("n/lib/systemd/system/kubelet.service", "n"),
    ("n/run/systemd/system/kubelet.service", "n"),
    ("n/etc/rancher/rke2/config.yaml.d/50-pause.yaml", "n"),
    ("n/etc/crio/crio.conf.d/10-mirror.conf", "n"),
    ("n/etc/default/kubelet", "n"),
    ("n/etc/sysconfig/kubelet", "n"),
    ("etc/containerd", "."),  # a folder inside a node answers like its files
    ("nodes//a/etc/crio/crio.conf", "nodes/a"),
    # The outermost layout part wins: a node root inside another tree stays whole.
    ("/var/lib/kubelet/pods/x/etc/containerd/config.toml", "/"),
])
def test_node_root_is_the_folder_above_the_layout_part(path: str, root: str) -> None:
    assert node_root_of(path) == root


@pytest.mark.parametrize("path", [
    "config.toml", "a/config.toml", "docs/etc/notes.txt", "etc/hosts", "var/log/syslog",
    "nodes/node1", "/", ".", "kubeadm-config.yaml", "etc/containerdx/config.toml",
])
def test_a_path_without_a_layout_part_has_no_node(path: str) -> None:
    assert node_root_of(path) is None


def test_roots_from_files_and_from_folder_arguments_compare_equal() -> None:
    assert normalize_root("nodes/node1/") == node_root_of("nodes/node1/etc/crio/crio.conf")
    assert normalize_root("./") == node_root_of("./etc/crio/crio.conf") == "."
    assert normalize_root("/") == node_root_of("/etc/crio/crio.conf") == "/"


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_every_example_file_belongs_to_its_example_node(example: str) -> None:
    node = EXAMPLES / example
    files = [p for p in node.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert node_root_of(str(path)) == str(node), path
        relative = path.relative_to(REPO)
        assert node_root_of(str(relative)) == str(node.relative_to(REPO)), relative
    # Each example's configs are exactly its node's known files: naming any one of
    # them reads the rest.
    assert known_files(str(node)) == sorted(str(p) for p in files)


def test_known_files_are_bounded_never_a_walk_of_var_lib_kubelet(tmp_path: Path) -> None:
    kubelet = tmp_path / "var" / "lib" / "kubelet"
    (kubelet / "pods" / "uid" / "volumes").mkdir(parents=True)
    (kubelet / "pods" / "uid" / "volumes" / "config.yaml").write_text("a: 1\n")
    (kubelet / "kubeadm-flags.env").write_text('KUBELET_KUBEADM_ARGS=""\n')
    (kubelet / "config.yaml").write_text("kind: KubeletConfiguration\n")
    (kubelet / "cpu_manager_state").write_text("{}\n")
    drop_ins = tmp_path / "etc" / "systemd" / "system" / "kubelet.service.d"
    drop_ins.mkdir(parents=True)
    (drop_ins / "10-kubeadm.conf").write_text("[Service]\n")
    (drop_ins / "notes.txt").write_text("not a drop-in\n")
    (tmp_path / "etc" / "systemd" / "system" / "ssh.service").write_text("[Service]\n")
    assert known_files(str(tmp_path)) == [
        str(drop_ins / "10-kubeadm.conf"),
        str(kubelet / "config.yaml"),
        str(kubelet / "kubeadm-flags.env"),
    ]


def test_known_files_under_the_working_folder_are_written_as_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "etc" / "crio").mkdir(parents=True)
    (tmp_path / "etc" / "crio" / "crio.conf").write_text("[crio]\n")
    monkeypatch.chdir(tmp_path)
    assert known_files(".") == ["etc/crio/crio.conf"]


@pytest.mark.parametrize("root", ["node [a]*", "."])
def test_known_files_find_each_registry_hosts_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: str) -> None:
    """certs.d/<host>/hosts.toml is a glob below the root: the root's own brackets and
    stars are literal, the pattern's `*` still matches every host."""
    monkeypatch.chdir(tmp_path)
    base = tmp_path / root
    for host in ("docker.io", "registry.k8s.io"):
        (base / "etc/containerd/certs.d" / host).mkdir(parents=True)
        (base / "etc/containerd/certs.d" / host / "hosts.toml").write_text('server = "x"\n')
    (base / "etc/containerd/certs.d/_default").mkdir()  # a folder without hosts.toml
    (base / "etc/containerd/config.toml").write_text("version = 2\n")
    prefix = "" if root == "." else f"{root}/"
    assert known_files(root) == [
        f"{prefix}etc/containerd/certs.d/docker.io/hosts.toml",
        f"{prefix}etc/containerd/certs.d/registry.k8s.io/hosts.toml",
        f"{prefix}etc/containerd/config.toml",
    ]


def _corpus_paths() -> list[str]:
    """The 'path in it' column of the corpus index: where each file lived upstream."""
    rows = [line.split("|") for line in CORPUS_SOURCES.read_text().splitlines()
            if line.startswith("| ") and "/" in line.split("|")[1]]
    return [row[3].strip() for row in rows if re.fullmatch(r"[\w./-]+", row[3].strip())]


@pytest.mark.skipif(not CORPUS_SOURCES.is_file(), reason="shared corpus not present")
def test_corpus_upstream_paths_find_their_node_roots() -> None:
    roots = {path: node_root_of(path) for path in _corpus_paths()}
    # Real layouts in real repositories: kind's node image, image-builder's templates.
    assert roots["images/base/files/etc/containerd/config.toml"] == "images/base/files"
    assert roots["images/base/files/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"] == (
        "images/base/files")
    assert roots["images/capi/ansible/roles/kubernetes/templates/usr/lib/systemd/system/"
                 "kubelet.service.d/10-kubeadm.conf"] == (
        "images/capi/ansible/roles/kubernetes/templates")
    assert roots["images/capi/ansible/roles/kubernetes/templates/etc/sysconfig/kubelet"] == (
        "images/capi/ansible/roles/kubernetes/templates")
    assert roots["bundle/lib/systemd/system/rke2-agent.service"] == "bundle"
    assert roots["etc/containerd/config.toml"] == "."
    # Files kept elsewhere in their repositories belong to no node.
    assert roots["templates/al2/runtime/containerd-config.toml"] is None
    assert roots["deploy/kicbase/02-crio.conf"] is None
    assert roots["docs/cri/config.md"] is None
    for path, root in roots.items():
        if root is None:
            continue
        rest = path if root == "." else path[len(root) + 1:]
        assert (root == "." or path.startswith(root + "/")) and any(
            rest.split("/")[:len(part)] == list(part) for part in LAYOUT_PARTS), path


PIECES = st.sampled_from(["etc/containerd/config.toml", "var/lib/kubelet/config.yaml",
                          "etc/containerd/certs.d/d/hosts.toml", "nodes", "a", ".", "..",
                          "", "etc", "x y", "crio", "/"])


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=8), st.sampled_from(["", "/", "//"]))
def test_the_path_below_a_root_is_what_relpath_says(pieces: list[str], lead: str) -> None:
    """below_root cuts the written path after its root instead of calling relpath()
    (two getcwd() a file); it must give relpath's answer for every root it finds."""
    path = lead + "/".join(pieces)
    root = node_root_of(path)
    if root is not None:
        assert below_root(path, root) == os.path.relpath(os.path.normpath(path), root)
