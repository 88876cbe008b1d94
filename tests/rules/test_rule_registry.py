"""The registry's static table says what each rule module says of itself (issue 16).

Rules are chosen from ``INFO`` without importing them; a line that disagreed with
its module would switch a rule on or off, or change its severity, behind the
module's back. Every ``pl*.py`` in the package must also have its line, so a new
rule cannot be written and then silently never run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pauselint.rules import INFO, RULES, module_name

RULES_DIR = Path(__file__).resolve().parents[2] / "src" / "pauselint" / "rules"


@pytest.mark.parametrize("rule_id", sorted(INFO))
def test_static_line_matches_the_module(rule_id: str) -> None:
    module = RULES[rule_id]
    info = INFO[rule_id]
    assert module.__name__ == module_name(rule_id)
    assert (module.ID, module.NAME, module.SEVERITY, module.DEFAULT_ENABLED,
            getattr(module, "ONLINE", False)) == (rule_id, info.name, info.severity,
                                                  info.default_enabled, info.online)


def test_every_rule_module_has_a_line() -> None:
    on_disk = sorted(path.stem for path in RULES_DIR.glob("pl[0-9][0-9][0-9]_*.py"))
    listed = sorted(module_name(rule_id).rsplit(".", 1)[1] for rule_id in INFO)
    assert on_disk == listed
    assert list(INFO) == sorted(INFO)  # ID order is the order rules are listed and run


def test_unknown_id_is_not_a_rule() -> None:
    assert "PL999" not in RULES
    with pytest.raises(KeyError):
        RULES["PL999"]


def test_choosing_rules_imports_only_those_that_run() -> None:
    """Off-by-default, disabled and online rules are left unloaded unless asked for;
    the rules chosen are imported only when a context gives them something to look
    at (rules.Rule), so choosing imports none."""
    code = ("import json, sys\nfrom pauselint.engine import enabled_rules\n"
            "ran = [m.ID for m in enabled_rules([], ['PL104'], online=False)]\n"
            "loaded = [m.ID for n, m in sorted(sys.modules.items())\n"
            "          if n.startswith('pauselint.rules.pl')]\n"
            "print(json.dumps([ran, loaded]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    ran, loaded = json.loads(out)
    expected = [rid for rid, info in INFO.items()
                if info.default_enabled and not info.online and rid != "PL104"]
    assert ran == expected
    assert loaded == []
