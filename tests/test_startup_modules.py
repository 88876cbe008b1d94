"""What ``pauselint check`` imports on one containerd file, kept from growing (issue 16).

A pre-commit hook pays every import on every commit. The modules ``check`` loads for
the commonest input are listed in ``tests/data/check_modules.txt``; a change that
loads another (a reader, a rule's dependency, ``pauselint.online``, ``kubernetes``)
fails here until the list is updated on purpose, in the same commit that says why.
A module that is no longer loaded must be taken off the list too, so the list stays
the truth. Third-party packages are listed by top-level name only (their internals
change between releases); the standard library is not listed (it differs between
Python versions and is part of the floor the benchmark measures against).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LIST = Path(__file__).resolve().parent / "data" / "check_modules.txt"

# `pauselint check` on the file named by argv[1], in the process that then reports.
_CHECK = r'''
import sys
from pauselint.cli import run
sys.argv = ["pauselint", "check", "--no-config", sys.argv[1]]
try:
    run()
except SystemExit:
    pass
'''
_RUN = _CHECK + r'''
for name in sorted(sys.modules):
    print(name, file=sys.stderr)
'''
# Put there by the interpreter or the virtual environment, not by pauselint.
_ENVIRONMENT = ("__main__", "_distutils_hack", "cython_runtime", "_cython_", "sitecustomize",
                "_virtualenv")


def _listed(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


def all_loaded_by_check(path: Path) -> list[str]:
    """Every module in sys.modules after ``check`` on ``path``, the standard library's too."""
    result = subprocess.run([sys.executable, "-c", _RUN, str(path)], capture_output=True,
                            text=True, timeout=60, check=False)
    return result.stderr.split()


def loaded_by_check(path: Path) -> list[str]:
    names: set[str] = set()
    for name in all_loaded_by_check(path):
        top = name.split(".")[0]
        if top in sys.stdlib_module_names or name.startswith(_ENVIRONMENT):
            continue
        if top == "tomli" and sys.version_info < (3, 11):
            continue  # tomllib's backport: the standard library's part on 3.10
        names.add(name if top == "pauselint" else top)
    return sorted(names)


def _one_containerd_file(folder: Path) -> Path:
    config = folder / "config.toml"
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      'sandbox_image = "registry.k8s.io/pause:3.10"\n')
    return config


def _assert_as_listed(found: list[str], listing: Path, does: str) -> None:
    """``found`` is exactly what ``listing`` lists, or the message says what to change."""
    listed = _listed(listing)
    new, gone = sorted(set(found) - set(listed)), sorted(set(listed) - set(found))
    assert not new and not gone, (
        f"check now {does} {new} and no longer {does} {gone}: if that is meant, update "
        f"{listing.name} and say why in the commit")


def test_check_on_one_containerd_file_loads_only_the_listed_modules(tmp_path: Path) -> None:
    loaded = loaded_by_check(_one_containerd_file(tmp_path))
    assert "pauselint.engine" in loaded  # the run really checked the file
    _assert_as_listed(loaded, LIST, "loads")


# Standard-library modules pauselint used to import on this path for little: kept off
# it on purpose (each line says what it cost and what replaced it).
NOT_ON_THE_CHECK_PATH = {
    # ~1.7 ms: the Report and SourceText classes it made; a slotted class and a NamedTuple.
    "dataclasses": "model.Report, sources.source_text.SourceText",
    # ~0.4 ms: the utf-8-sig codec; inputs.decode() decodes UTF-8 and drops the BOM.
    "encodings.utf_8_sig": "inputs.decode",
    # ~16 M instructions with what it pulls in (urllib.parse, ipaddress): Path is made
    # only where a run needs one (an import, a --root, a config found); the shipped
    # table and the config search use os.path, and Path annotations are strings.
    "pathlib": "compat._shipped_table, config_files.find_config, annotations",
    "urllib.parse": "pathlib's only reason to be here",
    "ipaddress": "urllib.parse's",
    # ~7 M instructions with loading the table from JSON: the table's built copy is
    # marshal data, and only the formats that write JSON import json.
    "json": "compat._read_raw (marshal), report.escaping.indented_json",
    # A shared library to load (zlib) for the built copy's CRC-32, which now holds the
    # YAML's bytes to compare; copy (and its failed look-up of Jython's org.python.core
    # along sys.path) for CompatTable.extended, which only overlays and mirrors need.
    "zlib": "compat._read_raw (the YAML's bytes)",
    "copy": "compat.CompatTable.extended",
}


@pytest.mark.parametrize("below", ["config.toml", "node/etc/containerd/config.toml"],
                         ids=["loose file", "node folder"])
def test_check_on_one_containerd_file_stays_off_what_it_does_not_need(
        tmp_path: Path, below: str) -> None:
    # A node folder's file is read with the folder as its root, where absolute imports
    # would resolve: that root stays a string until an import needs a Path.
    config = tmp_path / below
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('\ufeffversion = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      'sandbox_image = "registry.k8s.io/pause:3.10"\n')
    loaded = set(all_loaded_by_check(config))
    assert "pauselint.engine" in loaded
    assert not loaded & set(NOT_ON_THE_CHECK_PATH), NOT_ON_THE_CHECK_PATH


PATTERNS = Path(__file__).resolve().parent / "data" / "check_patterns.txt"

_PATTERNS_RUN = _CHECK + r'''
import re
from pauselint.lazy_re import LazyPattern
for name, module in sorted(sys.modules.items()):
    if name.split(".")[0] != "pauselint":
        continue
    for attr, value in sorted(vars(module).items()):
        if isinstance(value, re.Pattern) or (
                isinstance(value, LazyPattern) and value._compiled is not None):
            print(f"{name}.{attr}", file=sys.stderr)
for entry in sys.modules["pauselint.sources.registry"].FORMATS:  # detection's patterns
    if isinstance(entry.content, LazyPattern) and entry.content._compiled is not None:
        print(f"pauselint.sources.registry.FORMATS[{entry.name}]", file=sys.stderr)
'''


def test_check_on_one_containerd_file_compiles_only_the_listed_patterns(
        tmp_path: Path) -> None:
    """Compiling a regular expression costs a start-up ~0.1-2 M instructions each, more
    than importing a small module, so the module-level patterns compiled by ``check``
    on the commonest input are listed in ``tests/data/check_patterns.txt`` the same
    way: a module-level ``re.compile`` added on this path, or a ``LazyPattern`` that
    this run now compiles, fails here until the list is updated on purpose."""
    result = subprocess.run(
        [sys.executable, "-c", _PATTERNS_RUN, str(_one_containerd_file(tmp_path))],
        capture_output=True, text=True, timeout=60, check=False)
    compiled = result.stderr.split()
    assert "pauselint.imageref._HOST_RE" in compiled  # the run really parsed the image
    _assert_as_listed(compiled, PATTERNS, "compiles")
