"""Paths written in configs resolve inside the node folder, as the node sees them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pauselint.sources.node_paths import (
    MAX_GLOB_ENTRIES,
    MAX_GLOB_MATCHES,
    _BadPattern,
    _component_matcher,
    node_path,
    resolve_written,
)


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


# -- globs as Go's filepath.Glob, bounded (containerd's imports) ----------------------

# Go's own path/filepath match tests, one component each: (pattern, name, matches);
# None where Go says ErrBadPattern.
_GO_MATCH = [
    ("abc", "abc", True), ("*", "abc", True), ("*c", "abc", True), ("a*", "a", True),
    ("a*", "abc", True), ("a*b*c*d*e*", "axbxcxdxe", True),
    ("a*b*c*d*e*", "axbxcxdxexxx", True), ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("a*b?c*x", "abxbbxdbxebxczzy", False), ("ab[c]", "abc", True),
    ("ab[b-d]", "abc", True), ("ab[e-g]", "abc", False), ("ab[^c]", "abc", False),
    ("ab[^b-d]", "abc", False), ("ab[^e-g]", "abc", True), ("a\\*b", "a*b", True),
    ("a\\*b", "ab", False), ("a?b", "a☺b", True), ("a[^a]b", "a☺b", True),
    ("a???b", "a☺b", False), ("a[^a][^a][^a]b", "a☺b", False), ("[a-ζ]*", "α", True),
    ("*[a-ζ]", "A", False), ("[\\]a]", "]", True), ("[\\-]", "-", True),
    ("[x\\-]", "x", True), ("[x\\-]", "-", True), ("[x\\-]", "z", False),
    ("[\\-x]", "x", True), ("[\\-x]", "-", True), ("[\\-x]", "a", False),
    ("*x", "xxx", True), ("[!a]", "b", False), ("[!a]", "!", True),  # `!` is literal in Go
    ("*", ".hidden", True), ("[z-a]", "m", False), ("[^z-a]", "m", True),
    ("[]a]", "]", None), ("[-]", "-", None), ("[x-]", "x", None), ("[-x]", "x", None),
    ("\\", "a", None), ("[a-b-c]", "a", None), ("[", "a", None), ("[^", "a", None),
    ("[^bc", "a", None), ("a[", "a", None),
]


@pytest.mark.parametrize(("pattern", "name", "matches"), _GO_MATCH)
def test_components_match_as_in_go(pattern: str, name: str, matches: bool | None) -> None:
    if matches is None:
        with pytest.raises(_BadPattern):
            _component_matcher(pattern)
    else:
        matcher = _component_matcher(pattern)  # None: a literal name
        assert (matcher.fullmatch(name) if matcher else name == pattern) is matches


def test_a_star_pattern_against_a_long_name_is_linear() -> None:
    matcher = _component_matcher("*a" * 100 + "*b")
    assert matcher is not None
    assert matcher.fullmatch("a" * 5000) is False  # a backtracking regex never returns


def test_globs_follow_go_order_and_syntax(tmp_path: Path) -> None:
    conf = tmp_path / "etc" / "containerd"
    for folder in ("a", "a-b"):
        (conf / folder).mkdir(parents=True)
        (conf / folder / "x.toml").write_text("")
    (conf / "a" / ".hidden.toml").write_text("")
    (conf / "a" / "y1.toml").write_text("")
    importer = str(conf / "config.toml")
    # Each folder's names sorted, folders in order: a/ before a-b/ (a whole-path sort
    # puts a-b/x.toml first); `*` matches dotfiles, as in Go.
    assert resolve_written("/etc/containerd/*/*.toml", importer, tmp_path, globs=True) == (
        [conf / "a" / ".hidden.toml", conf / "a" / "x.toml", conf / "a" / "y1.toml",
         conf / "a-b" / "x.toml"], None)
    assert resolve_written("/etc/containerd/a*/[^x]?.toml", importer, tmp_path,
                           globs=True).paths == [conf / "a" / "y1.toml"]
    assert resolve_written("/etc/containerd/[a/*.toml", importer, tmp_path, globs=True) == (
        [], "`/etc/containerd/[a/*.toml` is not a valid glob (syntax error in pattern, as "
            "Go's filepath.Glob says): none of it read (containerd fails to load a config "
            "naming it)")


def test_a_glob_examines_a_bounded_number_of_entries(tmp_path: Path) -> None:
    conf = tmp_path / "etc" / "containerd" / "conf.d"
    conf.mkdir(parents=True)
    for index in range(MAX_GLOB_ENTRIES + 1):
        (conf / f"{index:05}.txt").touch()
    (conf / "a.toml").write_text("")
    importer = str(conf.parent / "config.toml")
    assert resolve_written("/etc/containerd/conf.d/*.toml", importer, tmp_path, globs=True) == (
        [], f"`/etc/containerd/conf.d/*.toml`: expanding it examined more than "
            f"{MAX_GLOB_ENTRIES:,} folder entries: none of them read (no runtime config "
            "imports from that many)")


def test_a_glob_never_lists_a_folder_outside_the_root(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "node"
    conf = root / "etc" / "containerd"
    (conf / "conf.d").mkdir(parents=True)
    (conf / "conf.d" / "a.toml").write_text("")
    (tmp_path / "host" / "d").mkdir(parents=True)
    (tmp_path / "host" / "d" / "secret.toml").write_text("")
    (conf / "out").symlink_to(tmp_path / "host")
    (conf / "in").symlink_to(conf / "conf.d")
    listed: list[str] = []
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        listed.append(os.path.realpath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    importer = str(conf / "config.toml")
    assert resolve_written("/etc/containerd/*/*.toml", importer, root, globs=True) == (
        [conf / "conf.d" / "a.toml", conf / "in" / "a.toml"],
        "`/etc/containerd/*/*.toml` goes through `/etc/containerd/out`, a symlinked folder "
        "outside the node folder: not read there")
    assert resolve_written("/etc/containerd/out/d/*.toml", importer, root, globs=True) == (
        [], "`/etc/containerd/out/d/*.toml` goes through `/etc/containerd/out`, a symlinked "
            "folder outside the node folder: not read there")
    assert listed and all(path.startswith(str(root.resolve())) for path in listed)


@pytest.mark.skipif(not os.path.isfile("/proc/self/status"), reason="needs Linux /proc")
def test_a_glob_with_the_hosts_root_never_lists_proc() -> None:
    # `pauselint check /` gives imports the host's `/` as root; a glob through /proc
    # met /proc/1/cwd (PermissionError: an internal error) and read kernel files.
    from pauselint.sources.node_paths import resolve_written

    found = resolve_written("/pro*/self/status", "/etc/containerd/config.toml", Path("/"),
                            globs=True)
    assert found.paths == []
