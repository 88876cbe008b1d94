"""_NodeRoots.real resolves a node folder from its parent folder's real path (one
lstat a node, where realpath() walked the whole path again): it must say what
os.path.realpath says of every spelling, symlinks and dots included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pauselint.inputs import _NodeRoots

SPELLINGS = [
    "nodes/n1", "nodes/n1/", "nodes//n1", "./nodes/n1", "nodes/./n1", "nodes/n1/.",
    "nodes/linked", "nodes/linked/etc", "linked-nodes/n1", "linked-nodes/linked",
    "nodes/n1/../n2", "nodes/linked/..", "nodes/linked/../n2", "linked-nodes/..",
    "nodes/missing", "nodes/missing/deeper", "nodes/broken", "nodes/loop",
    "nodes/n1/etc/containerd", ".", "..", "nodes", "elsewhere/n3",
]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("nodes/n1/etc/containerd", "nodes/n2/etc", "elsewhere/n3/etc"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "nodes/linked").symlink_to(tmp_path / "elsewhere/n3")
    (tmp_path / "linked-nodes").symlink_to("nodes")
    (tmp_path / "nodes/broken").symlink_to(tmp_path / "gone")
    (tmp_path / "nodes/loop").symlink_to("loop")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_each_spelling_resolves_as_realpath_does(tree: Path, spelling: str) -> None:
    assert _NodeRoots().real(spelling) == os.path.realpath(spelling)


def test_one_run_resolves_every_spelling_as_realpath_does(tree: Path) -> None:
    """Asked in one run, in any order, the parents resolved for one root serve the
    next: no answer may depend on what was asked before it."""
    roots = _NodeRoots()
    for spelling in [*SPELLINGS, *reversed(SPELLINGS), str(tree / "nodes/linked/etc")]:
        assert roots.real(spelling) == os.path.realpath(spelling), spelling
