"""Paths written in configs resolve inside the node folder, as the node sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.sources.node_paths import MAX_GLOB_MATCHES, node_path, resolve_written


@pytest.mark.parametrize(("written", "inside"), [
    ("/etc/containerd/conf.d/a.toml", "etc/containerd/conf.d/a.toml"),
    ("/../../../etc/secret.env", "etc/secret.env"),  # `/..` at the root stays there
    ("//etc/./x.toml", "etc/x.toml"),
    ("conf.d/../x.toml", "etc/containerd/x.toml"),
    ("../../../../../x.toml", "x.toml"),  # relative climbs stop at the root too
])
def test_paths_are_normalised_inside_the_root(tmp_path: Path, written: str, inside: str) -> None:
    importer = tmp_path / "etc" / "containerd" / "config.toml"
    assert node_path(written, str(importer), tmp_path) == tmp_path / inside


def test_without_a_root_the_node_is_this_machine(tmp_path: Path) -> None:
    importer = tmp_path / "config.toml"
    assert node_path("/etc/x.toml", str(importer), None) == Path("/etc/x.toml")
    assert node_path("d/../y.toml", str(importer), None) == tmp_path / "y.toml"


def test_a_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "node"
    (root / "etc").mkdir(parents=True)
    (tmp_path / "outside.env").write_text("X=1\n")
    (root / "etc" / "link.env").symlink_to(tmp_path / "outside.env")
    (root / "etc" / "real.env").write_text("X=1\n")
    (root / "etc" / "inner.env").symlink_to(root / "etc" / "real.env")
    importer = str(root / "etc" / "unit.service")
    assert resolve_written("/etc/link.env", importer, root).paths == []
    assert resolve_written("/etc/link.env", importer, root).problem == (
        "`/etc/link.env` leads outside the node folder through a symlink: not read")
    assert resolve_written("/etc/inner.env", importer, root).paths == [root / "etc" / "inner.env"]


def test_globs_are_sorted_capped_and_never_leave_the_root(tmp_path: Path) -> None:
    root = tmp_path / "node"
    conf = root / "etc" / "containerd" / "conf.d"
    conf.mkdir(parents=True)
    for name in ("b.toml", "a.toml"):
        (conf / name).write_text("")
    (tmp_path / "secret.toml").write_text("")
    (conf / "c.toml").symlink_to(tmp_path / "secret.toml")
    importer = str(root / "etc" / "containerd" / "config.toml")
    found = resolve_written("/etc/containerd/conf.d/*.toml", importer, root, globs=True)
    assert found.paths == [conf / "a.toml", conf / "b.toml"]
    assert found.problem == ("`/etc/containerd/conf.d/*.toml` matches files outside the node "
                             "folder through a symlink: those are not read")
    for index in range(MAX_GLOB_MATCHES):
        (conf / f"{index:03}.toml").write_text("")
    capped = resolve_written("/etc/containerd/conf.d/*", importer, root, globs=True)
    assert capped.paths == []
    assert capped.problem == (f"`/etc/containerd/conf.d/*` matches more than {MAX_GLOB_MATCHES} "
                              "files: none of them read (no runtime config imports that many)")
    # systemd does not glob: a `*` there is a literal file name.
    assert resolve_written("/etc/*.env", importer, root).paths == [root / "etc" / "*.env"]
