"""containerd imports through the whole check: the runtime's effective value decides."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pauselint.cli import main

MAIN = """version = 2
imports = ["conf.d/*.toml"]
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
"""
IMPORT = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.4"
"""


def check(*args: str) -> dict:
    result = CliRunner().invoke(main, ["check", "-k", "1.31", "--format", "json", *args])
    return json.loads(result.output)


def test_import_found_on_disk_overrides_the_main_file(tmp_path: Path) -> None:
    main_file = tmp_path / "config.toml"
    main_file.write_text(MAIN)
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "50-pause.toml").write_text(IMPORT)
    doc = check(str(main_file))
    imported = str(tmp_path / "conf.d" / "50-pause.toml")
    by_rule = {(f["rule"], f["path"], f["line"]) for f in doc["findings"]}
    assert ("PL101", imported, 3) in by_rule  # the import's tag is checked
    assert ("PL403", str(main_file), 4) in by_rule  # the main value is shadowed
    assert doc["summary"]["inputs"] == 1


def test_import_named_on_the_command_line_is_not_a_node_of_its_own(tmp_path: Path) -> None:
    main_file = tmp_path / "config.toml"
    main_file.write_text(MAIN)
    (tmp_path / "conf.d").mkdir()
    imported = tmp_path / "conf.d" / "50-pause.toml"
    imported.write_text(IMPORT)
    doc = check(str(main_file), str(imported))
    shadowed = [f for f in doc["findings"] if f["rule"] == "PL403"]
    assert {f["path"] for f in shadowed} == {str(main_file), str(imported)}


def test_absolute_import_resolves_under_root(tmp_path: Path) -> None:
    root = tmp_path / "node"
    (root / "etc/containerd/conf.d").mkdir(parents=True)
    main_file = root / "etc/containerd/config.toml"
    main_file.write_text(MAIN.replace('"conf.d/*.toml"', '"/etc/containerd/conf.d/*.toml"'))
    (root / "etc/containerd/conf.d/50-pause.toml").write_text(IMPORT)
    with_root = check("--root", str(root), str(main_file))
    assert any(f["rule"] == "PL101" for f in with_root["findings"])
    # Without --root the file's node root (the folder above etc/containerd/) is the
    # root: the absolute import is the node's own /etc/containerd/conf.d.
    without_root = check(str(main_file))
    assert any(f["rule"] == "PL101" for f in without_root["findings"])
    assert [n["name"] for n in without_root["nodes"]] == [str(root)]


NESTED = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
"""


def _nested_layout(tmp_path: Path) -> tuple[Path, Path, Path]:
    """config.toml imports conf.d/*.toml; conf.d/10-a.toml imports ../extra/nested.toml
    (outside the glob, so only the import of an import reaches it)."""
    main_file = tmp_path / "config.toml"
    main_file.write_text(MAIN)
    (tmp_path / "conf.d").mkdir()
    first = tmp_path / "conf.d" / "10-a.toml"
    first.write_text('imports = ["../extra/nested.toml"]\n' + IMPORT)
    (tmp_path / "extra").mkdir()
    nested = tmp_path / "extra" / "nested.toml"
    nested.write_text(NESTED)
    return main_file, first, nested


def overridden_by(doc: dict) -> dict[str, str]:
    """Each shadowed file's path -> the winner its PL403 message names."""
    found = {}
    for f in doc["findings"]:
        if f["rule"] == "PL403" and " is not used: " in f["message"]:
            found[f["path"]] = f["message"].split(" at ")[-1].removesuffix(" overrides it")
    return found


def test_import_of_an_import_is_loaded_last_and_wins(tmp_path: Path) -> None:
    main_file, first, nested = _nested_layout(tmp_path)
    doc = check(str(main_file))
    assert overridden_by(doc) == {str(main_file): f"{nested}:3", str(first): f"{nested}:3"}
    assert ("PL201", str(nested), 3) in {(f["rule"], f["path"], f["line"]) for f in doc["findings"]}


def test_imports_load_breadth_first(tmp_path: Path) -> None:
    # containerd loads config.toml, then 10-a.toml and 20-b.toml, then nested.toml:
    # the nested file wins over 20-b.toml although 10-a.toml names it first.
    main_file, first, nested = _nested_layout(tmp_path)
    second = tmp_path / "conf.d" / "20-b.toml"
    second.write_text(IMPORT.replace("3.4", "3.10"))
    doc = check(str(main_file))
    winner = f"{nested}:3"
    assert overridden_by(doc) == {str(main_file): winner, str(first): winner, str(second): winner}


def test_import_cycle_ends(tmp_path: Path) -> None:
    main_file, first, nested = _nested_layout(tmp_path)
    nested.write_text('imports = ["../config.toml", "../conf.d/10-a.toml"]\n' + NESTED)
    doc = check(str(main_file), str(first), str(nested))
    winner = f"{nested}:4"
    assert overridden_by(doc) == {str(main_file): winner, str(first): winner}
    # One node: the nested file's image is checked once, not once per file in the cycle.
    assert [(f["path"], f["line"]) for f in doc["findings"] if f["rule"] == "PL201"
            and f["path"] == str(nested)] == [(str(nested), 4)]
