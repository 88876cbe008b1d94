"""Rules hold no facts: no version, tag, digest or registry literal in rule code.

Docstrings are documentation and may cite facts; code must ask compat.py, so that a
new Kubernetes release is a data change (data/compat.yaml), never a code change.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

RULES_DIR = Path(__file__).resolve().parents[2] / "src" / "pauselint" / "rules"
RULE_FILES = sorted(RULES_DIR.glob("pl*.py"))
# What rules share is rule code too: a fact there would hide in every rule that uses it.
SHARED_FILES = [RULES_DIR / "images.py", RULES_DIR / "framework.py"]

FACT = re.compile(
    r"\b\d+\.\d+(?:\.\d+)?\b"  # a version or tag: 1.29, 3.10.1
    r"|sha256:|@sha"  # a digest
    r"|[a-z0-9-]+\.(?:io|com|cn|net|org)\b"  # a registry host: registry.k8s.io, mcr.microsoft.com
    r"|\bk8s\.gcr\b|google_containers|\bpause-(?:amd64|arm64|arm|ppc64le|s390x)\b"
)


def string_constants(source: str) -> list[tuple[int, str]]:
    """Every string or number literal in code, skipping docstrings."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            if isinstance(node.value, str):
                found.append((node.lineno, node.value))
            elif isinstance(node.value, float):
                found.append((node.lineno, repr(node.value)))
    return found


def test_there_are_rule_modules() -> None:
    assert len(RULE_FILES) >= 19


def test_shared_rule_modules_exist() -> None:
    assert [path.is_file() for path in SHARED_FILES] == [True, True]


@pytest.mark.parametrize("path", RULE_FILES + SHARED_FILES, ids=lambda p: p.name)
def test_rule_code_has_no_fact_literals(path: Path) -> None:
    offending = [
        f"{path.name}:{line}: {text!r}"
        for line, text in string_constants(path.read_text(encoding="utf-8"))
        if FACT.search(text)
    ]
    assert not offending, "facts belong in data/compat.yaml:\n" + "\n".join(offending)


def test_the_scanner_catches_a_planted_fact() -> None:
    planted = 'def check(ctx):\n    """registry.k8s.io/pause:3.9 is fine here."""\n    x = "registry.k8s.io/pause:3.9"\n'
    assert string_constants(planted) == [(3, "registry.k8s.io/pause:3.9")]
    assert FACT.search("registry.k8s.io/pause:3.9")
    assert FACT.search("3.10") and FACT.search("k8s.gcr.io") and FACT.search("sha256:")
