"""No rule module imports another rule module.

A rule module is the rule. What several rules share lives in ``rules/images.py`` (facts
about pause image uses) or ``rules/framework.py`` (the context, findings, versions and
kubelet flags), so a rule can be read, moved or disabled without touching another.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RULES_DIR = Path(__file__).resolve().parents[2] / "src" / "pauselint" / "rules"
# The registry (__init__.py) imports every rule by design; everything else may not.
CHECKED = sorted(p for p in RULES_DIR.glob("*.py") if p.name != "__init__.py")


def rule_imports(source: str) -> list[tuple[int, str]]:
    """``(line, module)`` for every import of a ``pauselint.rules.pl*`` module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("pauselint.rules.pl"):
                found.append((node.lineno, node.module))
            elif node.module == "pauselint.rules":
                found += [(node.lineno, f"pauselint.rules.{alias.name}")
                          for alias in node.names if alias.name.startswith("pl")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names
                      if alias.name.startswith("pauselint.rules.pl")]
    return found


def test_there_are_modules_to_check() -> None:
    names = {p.name for p in CHECKED}
    assert {"images.py", "framework.py", "pl101_unknown_tag.py"} <= names


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.name)
def test_no_rule_module_imports_another(path: Path) -> None:
    found = rule_imports(path.read_text(encoding="utf-8"))
    assert found == [], f"{path.name} imports rule modules; move shared helpers to images.py"


def test_the_scanner_catches_each_import_form() -> None:
    source = (
        "from pauselint.rules.pl101_unknown_tag import lookup_tag\n"
        "from pauselint.rules import pl105_arch_mismatch, framework\n"
        "import pauselint.rules.pl111_short_name\n"
        "from pauselint.rules.images import lookup_tag\n"
    )
    assert rule_imports(source) == [
        (1, "pauselint.rules.pl101_unknown_tag"),
        (2, "pauselint.rules.pl105_arch_mismatch"),
        (3, "pauselint.rules.pl111_short_name"),
    ]
