"""The reader protocol holds: generic code names no format, a new format is one module
and one registry line, and readers load only when a file of theirs is read."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.model import ConfigFile
from pauselint.sources import registry
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import SourceText

SRC = Path(__file__).resolve().parents[1] / "src" / "pauselint"
GENERIC = [SRC / "reading.py", SRC / "nodes.py"]
FORMAT_WORDS = re.compile(r"containerd|cri-?o|kubelet|kubeadm|k3s|rke2|systemd|\.service",
                          re.IGNORECASE)
FORMAT_MODULES = {"containerd", "crio", "kubelet", "kubeadm", "kubeadm_configmap", "k3s",
                  "systemd", "yaml_locator", "toml_locator"}


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the Constant nodes that are docstrings (prose may name formats)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


@pytest.mark.parametrize("path", GENERIC, ids=lambda p: p.name)
def test_generic_code_names_no_format(path: Path) -> None:
    tree = ast.parse(path.read_text())
    docstrings = _docstrings(tree)
    named = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            imported = [*parts[2:3], *(a.name for a in node.names)]
            named += [f"import {node.module}" for name in imported if name in FORMAT_MODULES]
        elif isinstance(node, ast.Import):
            named += [a.name for a in node.names if a.name.split(".")[-1] in FORMAT_MODULES]
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings and FORMAT_WORDS.search(node.value)):
            named.append(repr(node.value))
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id == "InputType"):
            named.append(f"InputType.{node.attr}")
    assert named == []


# --- a format that wraps another, registered by a test alone ------------------------

WRAPPED = """\
#%wrapped containerd
  version = 2
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "k8s.gcr.io/pause:3.2"
"""


def _read_wrapped(source: SourceText) -> ConfigFile:
    """Drop the marker line and the two-space indent; the containerd reader does the rest."""
    body = textwrap.dedent(source.text.split("\n", 1)[1])
    inner = source.embedded(body, line_offset=1, column_offset=2)
    return registry.format_for(InputType.CONTAINERD).read_source(inner)


@pytest.fixture
def wrapped_format(monkeypatch: pytest.MonkeyPatch) -> registry.Format:
    module = types.ModuleType("fake_wrapped_format")
    module.read_source = _read_wrapped  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    entry = registry.Format("wrapped-containerd", InputType.CONTAINERD, module.__name__, None,
                            re.compile(r"\A#%wrapped containerd$", re.M),
                            layer="pauselint.sources.containerd:layer", layer_rank=10)
    monkeypatch.setattr(registry, "FORMATS", (entry, *registry.FORMATS))
    return entry


def test_a_wrapper_format_is_one_module_and_one_registry_line(
        wrapped_format: registry.Format, tmp_path: Path) -> None:
    path = tmp_path / "node.wrapped"
    path.write_text(WRAPPED)

    result = CliRunner().invoke(main, ["check", "--format", "json", str(path)])

    report = json.loads(result.output)
    assert report["errors"] == []
    # The inner file's line 3, column 19 is the outer file's line 4, column 21.
    assert {(f["rule"], f["path"], f["line"], f["column"]) for f in report["findings"]} >= {
        ("PL103", str(path), 4, 21)}


def test_without_its_registry_line_the_wrapper_is_not_recognised(tmp_path: Path) -> None:
    path = tmp_path / "node.wrapped"
    path.write_text(WRAPPED)

    result = CliRunner().invoke(main, ["check", str(path)])

    assert "cannot tell what kind of file this is" in result.output
    assert result.exit_code == 2


# --- readers load lazily --------------------------------------------------------------

_PROBE = """\
import json, sys
from click.testing import CliRunner
from pauselint.cli import main
result = CliRunner().invoke(main, ["check", sys.argv[1]])
print(json.dumps([result.exit_code, sorted(m for m in sys.modules if m.startswith("pauselint"))]))
"""


def test_checking_a_containerd_file_imports_no_yaml_or_systemd_reader(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      '  sandbox_image = "registry.k8s.io/pause:3.9"\n')

    out = subprocess.run([sys.executable, "-c", _PROBE, str(config)], capture_output=True,
                         text=True, check=True).stdout
    exit_code, modules = json.loads(out)

    assert exit_code == 0
    assert "pauselint.sources.containerd" in modules
    unwanted = {f"pauselint.sources.{name}" for name in
                ("kubelet", "kubeadm", "kubeadm_configmap", "k3s", "systemd", "crio",
                 "yaml_locator")}
    assert unwanted.isdisjoint(modules)
