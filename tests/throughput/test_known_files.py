"""known_files finds what it found before with far fewer look-ups (issue 16: it runs
for every node of a run, and stat-ed or globbed all 47 of its patterns each time)."""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pauselint import node_layout
from pauselint.node_layout import KNOWN_FILES, MAX_DROPINS, known_files


def reference(root: str, crowded: list[tuple[str, int]]) -> list[str]:
    """known_files as it was: every pattern stat-ed or globbed on its own."""
    found: set[str] = set()
    for pattern in KNOWN_FILES:
        full = pattern if root == "." else os.path.join(root, pattern)
        if "*" not in pattern:
            found.update([full] if os.path.isfile(full) else [])
            continue
        folder = os.path.dirname(full)
        # The root's own `[*?]` are literal; the pattern's `*` (certs.d/*/) is a glob.
        escaped = pattern if root == "." else os.path.join(glob.escape(root), pattern)
        matches = sorted(glob.glob(escaped))
        files = [path for path in matches if os.path.isfile(path)]
        if len(files) > MAX_DROPINS:
            crowded.append((folder, len(files)))
        found.update(files[:MAX_DROPINS])
    return sorted(found)


# Places a node may hold something at: every known file and drop-in folder, a few
# names each glob takes or refuses (hidden, wrong suffix), and folders of the layout.
PLACES = sorted({
    *(p.replace("*", name) for p in KNOWN_FILES
      for name in ("a", "10-x", ".hidden", "kubeadm-config", "b.conf", "c.conf.bak")),
    "etc", "etc/containerd", "etc/systemd/system", "usr/lib/systemd/system", "var/lib",
})
WHAT = st.sampled_from(["file", "folder", "link to file", "link to folder", "broken link"])


def build(root: Path, layout: dict[str, str]) -> None:
    target_file = root.parent / "outside-file"
    target_file.write_text("x")
    target_folder = root.parent / "outside-folder"
    (target_folder / "sub").mkdir(parents=True, exist_ok=True)
    (target_folder / "hosts.toml").write_text("x")
    (target_folder / "a.conf").write_text("x")
    for place, what in sorted(layout.items()):
        path = root / place
        if path.exists() or path.is_symlink():
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            continue  # a file or link already stands where a folder would
        if what == "file":
            path.write_text("x")
        elif what == "folder":
            path.mkdir()
        elif what == "link to file":
            path.symlink_to(target_file)
        elif what == "link to folder":
            path.symlink_to(target_folder, target_is_directory=True)
        else:
            path.symlink_to(root / "missing")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(PLACES), WHAT, max_size=25),
       st.sampled_from(["node", "odd [*?] name", "."]))
def test_the_same_files_as_one_look_up_per_pattern(layout: dict[str, str], name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        node = Path(tmp) / (name if name != "." else "node")
        node.mkdir()
        build(node, layout)
        cwd = os.getcwd()
        try:
            if name == ".":
                os.chdir(node)
                root = "."
            else:
                root = str(node)
            expected_crowded: list[tuple[str, int]] = []
            crowded: list[tuple[str, int]] = []
            assert known_files(root, crowded) == reference(root, expected_crowded)
            assert crowded == expected_crowded
        finally:
            os.chdir(cwd)


def test_a_crowded_drop_in_folder_is_cut_and_named_as_before(tmp_path: Path) -> None:
    folder = tmp_path / "etc/crio/crio.conf.d"
    folder.mkdir(parents=True)
    for index in range(MAX_DROPINS + 3):
        (folder / f"{index:04d}.conf").write_text("x")
    (folder / ".hidden").write_text("x")
    expected: list[tuple[str, int]] = []
    crowded: list[tuple[str, int]] = []
    assert known_files(str(tmp_path), crowded) == reference(str(tmp_path), expected)
    assert crowded == expected == [(str(folder), MAX_DROPINS + 3)]


def test_a_node_with_one_file_costs_a_handful_of_look_ups(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "etc/containerd/config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("version = 2\n")
    calls: list[str] = []
    for owner, name in ((os.path, "isdir"), (os.path, "isfile"), (os, "access")):
        original = getattr(owner, name)

        def counted(*args: object, _original=original, _name=name) -> bool:
            calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(owner, name, counted)
    monkeypatch.setattr(node_layout.glob, "glob", lambda *a, **k: calls.append("glob") or [])
    assert known_files(str(tmp_path)) == [str(config)]
    # usr, var, lib, run and etc; etc's nine layout folders; containerd's certs.d:
    # 15 folders asked about, only the two that are there stat()'d (a failed stat
    # raises, which costs twice an access()); and the one file. Every pattern on its
    # own was 47 look-ups, 23 of them globs.
    assert sorted(calls) == ["access"] * 15 + ["isdir"] * 2 + ["isfile"], calls


def test_node_roots_are_worked_out_about_once_a_path_in_a_bounded_cache(
        tmp_path: Path) -> None:
    from pauselint.inputs import collect
    from pauselint.node_layout import node_root_of

    for index in range(600):
        config = tmp_path / f"n{index:03d}" / "etc/containerd/config.toml"
        config.parent.mkdir(parents=True)
        config.write_text("version = 2\n")
    node_root_of.cache_clear()
    assert len(collect([str(tmp_path)])) == 600
    info = node_root_of.cache_info()
    # Each path is asked about three or four times; computed about once (the root's
    # and each node root's own questions add one apiece), in a cache of fixed size.
    assert info.misses <= 2 * 600 + 1, info
    assert info.hits >= 600, info
    assert info.currsize <= info.maxsize <= 4096


def test_files_named_one_by_one_have_their_node_worked_out_once(tmp_path: Path) -> None:
    """As pre-commit passes them: every file named, then each node completed after
    the last argument. With 512 answers kept, all 1,000 of such a commit were worked
    out a second time when their nodes were completed."""
    from pauselint.inputs import collect
    from pauselint.node_layout import node_root_of

    names = []
    for index in range(1000):
        config = tmp_path / f"n{index:04d}" / "etc/containerd/config.toml"
        config.parent.mkdir(parents=True)
        config.write_text("version = 2\n")
        names.append(str(config))
    node_root_of.cache_clear()
    assert len(collect(names)) == 1000
    assert node_root_of.cache_info().misses == 1000


@pytest.mark.parametrize("name", ["node", "odd [*?] name"])
def test_registry_hosts_files_are_found_as_the_reference_finds_them(tmp_path: Path,
                                                                   name: str) -> None:
    """The one pattern with a glob above its file, which the examples may not draw."""
    node = tmp_path / name
    build(node, {"etc/containerd/certs.d/a/hosts.toml": "file",
                 "etc/containerd/certs.d/b/hosts.toml": "link to file",
                 "etc/containerd/certs.d/c": "link to folder"})
    found = known_files(str(node))
    assert found == reference(str(node), [])
    assert [Path(p).relative_to(node).parts[3] for p in found] == ["a", "b", "c"]


def test_a_folder_two_patterns_glob_in_is_listed_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """etc/kubernetes holds both kubeadm*.yaml and kubeadm*.yml: one listing serves both."""
    kubernetes = tmp_path / "etc/kubernetes"
    kubernetes.mkdir(parents=True)
    for name in ("kubeadm.yaml", "kubeadm-join.yml", "kubeadm.yaml.bak", "admin.conf"):
        (kubernetes / name).write_text("x")
    expected = reference(str(tmp_path), [])
    listed: list[str] = []
    original = os.scandir

    def counted(path: str):  # type: ignore[no-untyped-def]
        listed.append(os.fspath(path))
        return original(path)

    monkeypatch.setattr(node_layout.os, "scandir", counted)
    assert known_files(str(tmp_path)) == expected == [
        str(kubernetes / "kubeadm-join.yml"), str(kubernetes / "kubeadm.yaml")]
    assert listed.count(str(kubernetes)) == 1, listed
