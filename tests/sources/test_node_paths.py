"""Paths written in configs resolve inside the node folder, as the node sees them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pauselint.sources.node_paths import (
    MAX_GLOB_ENTRIES,
    MAX_GLOB_MATCHES,
    _BadPattern,
    _component_matcher,
    escapes_root,
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


def _tree_with_every_kind_of_link(base: Path) -> Path:
    """A node root (itself reached through a symlink) holding folders, files and links
    of every kind: inside, outside, relative, absolute, climbing, dangling, looping."""
    real_root = base / "real-node"
    (real_root / "etc" / "d").mkdir(parents=True)
    (real_root / "etc" / "file").write_text("x")
    (base / "host" / "d").mkdir(parents=True)
    links = {
        "etc/in-abs": real_root / "etc" / "d",
        "etc/in-rel": Path("d"),
        "etc/up-in": Path("../etc"),
        "etc/up-out": Path("../../host"),
        "etc/out-abs": base / "host",
        "etc/dangling": Path("nowhere"),
        "etc/loop": Path("loop"),
        "etc/d/top": Path("../.."),
        "etc/d/back": Path("../../.."),
        "etc/d/via-root": base / "node" / "etc",
    }
    for name, target in links.items():
        (real_root / name).symlink_to(target)
    (base / "node").symlink_to(real_root)
    return base / "node"


_NAMES = ["etc", "d", "file", "in-abs", "in-rel", "up-in", "up-out", "out-abs",
          "dangling", "loop", "top", "back", "via-root", "missing", ".", ".."]


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(_NAMES), min_size=1, max_size=5),
       spelled_real=st.booleans())
def test_escapes_root_agrees_with_realpath_on_every_kind_of_link(
        tmp_path_factory: pytest.TempPathFactory, names: list[str], spelled_real: bool) -> None:
    """The lstat-per-name fast path answers exactly as comparing real paths does,
    whatever mix of links, dots and missing names lies below the root, and whether
    the root is written through its own symlink or not."""
    base = _tree_once(tmp_path_factory)
    root = base / ("real-node" if spelled_real else "node")
    path = Path(os.path.join(root, *names))
    real_root = os.path.realpath(root)
    expected = os.path.commonpath([real_root, os.path.realpath(path)]) != real_root
    assert escapes_root(path, root) is expected


_TREES: dict[str, Path] = {}


def _tree_once(factory: pytest.TempPathFactory) -> Path:
    """One tree for all of hypothesis's examples (it is only read)."""
    if "tree" not in _TREES:
        base = factory.mktemp("links")
        _tree_with_every_kind_of_link(base)
        _TREES["tree"] = base
    return _TREES["tree"]


def test_escapes_root_sees_links_that_leave_and_links_that_stay(tmp_path: Path) -> None:
    root = _tree_with_every_kind_of_link(tmp_path)
    assert escapes_root(root / "etc" / "out-abs" / "d", root)
    assert escapes_root(root / "etc" / "up-out", root)
    assert escapes_root(root / "etc" / "d" / "back" / "x", root)  # climbs past the root
    assert not escapes_root(root / "etc" / "d" / "top" / "etc", root)
    assert not escapes_root(root / "etc" / "in-abs" / "x", root)
    assert not escapes_root(root / "etc" / "d" / "via-root" / "file", root)
    assert not escapes_root(root / "etc" / "missing" / "deeper", root)
    assert not escapes_root(root / "etc" / "file", None)

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
