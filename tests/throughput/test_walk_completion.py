"""A node a walk went through whole is not completed again, and nothing else changes.

collect() completes every node it touches with the node's known files. For a node
inside a walked folder, every one of those was already yielded by the walk, unless the
walk passed something over on the node's line (an excluded or symlinked folder, a
refused link, a folder it could not list): then the completion still runs and reads
what the walk did not. Each case is compared with the run that completes every node.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pauselint import inputs
from pauselint.inputs import collect

CONFIG = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.10"\n'
CRIO = '[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n'


def _node(root: Path) -> Path:
    (root / "etc/containerd/certs.d/docker.io").mkdir(parents=True)
    (root / "etc/containerd/config.toml").write_text(CONFIG)
    (root / "etc/containerd/certs.d/docker.io/hosts.toml").write_text('server = "https://docker.io"\n')
    (root / "var/lib/kubelet").mkdir(parents=True)
    (root / "var/lib/kubelet/kubeadm-flags.env").write_text('KUBELET_KUBEADM_ARGS="--v=2"\n')
    return root


def _shape(items: list[inputs.InputFile]) -> list[tuple]:
    return sorted((i.path, i.group, i.explicit, i.text, i.error) for i in items)


def _both(monkeypatch: pytest.MonkeyPatch, run: Callable[[], list[inputs.InputFile]]
          ) -> tuple[list[tuple], list[tuple], int]:
    """(this run, the run completing every node, completions this run made)."""
    completed: list[str] = []
    original = inputs._rest_of_node

    def counted(root, *args, **kwargs):
        completed.append(root)
        return original(root, *args, **kwargs)

    monkeypatch.setattr(inputs, "_rest_of_node", counted)
    now = _shape(run())
    made = len(completed)
    monkeypatch.setattr(inputs._WalkedFolders, "covers", lambda self, root: False)
    always = _shape(run())
    return now, always, made


def test_nodes_of_a_walked_folder_are_not_completed(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b", "c"):
        _node(tmp_path / "nodes" / name)
    now, always, made = _both(monkeypatch, lambda: collect([str(tmp_path / "nodes")]))
    assert made == 0
    assert now == always and len(now) == 9


def test_a_walk_inside_a_node_still_completes_it(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    node = _node(tmp_path / "nodes" / "a")
    now, always, made = _both(monkeypatch, lambda: collect([str(node / "etc/containerd")]))
    assert made == 1
    assert now == always
    assert str(node / "var/lib/kubelet/kubeadm-flags.env") in {entry[0] for entry in now}


def test_a_symlinked_folder_in_the_node_is_still_read_by_the_completion(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node = _node(tmp_path / "nodes" / "a")
    (node / "srv/crio").mkdir(parents=True)
    (node / "srv/crio/crio.conf").write_text(CRIO)
    (node / "etc/crio").symlink_to(node / "srv/crio", target_is_directory=True)
    notes: list[inputs.WalkNote] = []
    now, always, made = _both(monkeypatch, lambda: collect([str(tmp_path)], notes=notes))
    assert made == 1
    assert now == always
    assert str(node / "etc/crio/crio.conf") in {entry[0] for entry in now}


@pytest.mark.parametrize("gap", ["excluded", "vcs", "broken-link", "outside-link", "fifo"])
def test_any_gap_in_the_walk_leaves_the_node_to_the_completion(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gap: str) -> None:
    node = _node(tmp_path / "nodes" / "a")
    other = _node(tmp_path / "nodes" / "b")
    skip = None
    if gap == "excluded":
        skip = str(node / "etc/containerd/certs.d").__eq__
    elif gap == "vcs":
        (node / "etc/containerd/.git").mkdir()
    elif gap == "broken-link":
        (node / "etc/containerd/config.d.toml").symlink_to(node / "missing.toml")
    elif gap == "outside-link":
        outside = tmp_path.parent / f"{tmp_path.name}-outside.toml"
        outside.write_text(CONFIG)
        (node / "etc/containerd/extra.toml").symlink_to(outside)
    else:
        os.mkfifo(node / "etc/containerd/pipe.toml")
    now, always, made = _both(monkeypatch, lambda: collect([str(tmp_path)], skip=skip))
    assert made == 1  # node a; node b, walked whole, is not completed
    assert now == always
    assert str(other / "etc/containerd/config.toml") in {entry[0] for entry in now}


def test_a_node_named_again_by_a_file_is_still_covered_by_its_walk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node = _node(tmp_path / "nodes" / "a")
    named = str(node / "etc/containerd/config.toml")
    now, always, made = _both(monkeypatch, lambda: collect([named, str(tmp_path / "nodes")]))
    assert made == 0
    assert now == always and len(now) == 3


def test_coverage_follows_real_paths(tmp_path: Path) -> None:
    walked = inputs._WalkedFolders()
    assert not walked.covers(str(tmp_path))  # nothing walked
    walked.add(str(tmp_path / "nodes"), [str(tmp_path / "nodes/a/etc/crio")])
    assert walked.covers(str(tmp_path / "nodes/b"))
    assert not walked.covers(str(tmp_path / "nodes"))  # a gap under it
    assert not walked.covers(str(tmp_path / "nodes/a"))  # a gap under it
    assert not walked.covers(str(tmp_path / "nodes/a/etc/crio/x"))  # under the gap
    assert not walked.covers(str(tmp_path))  # above the walked folder
