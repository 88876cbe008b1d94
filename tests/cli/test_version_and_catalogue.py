"""`--version` says what the compat table knows; `rules --format json` is the catalogue
for tools; the kubernetes client is an ordinary dependency (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pauselint.cli import main
from pauselint.compat import load_table
from pauselint.rules import RULES

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[2]


def test_version_names_the_table_date_and_the_newest_releases_it_knows() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    table = load_table()
    assert result.output.splitlines()[1] == (
        f"compat table {table.date}: Kubernetes through {table.kubernetes_through}, "
        f"containerd through {table.containerd_through}, CRI-O through {table.crio_through}")
    assert result.output.startswith("pauselint ")


def test_rules_json_lists_every_rule_as_the_modules_define_it() -> None:
    result = CliRunner().invoke(main, ["rules", "--format", "json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert [rule["id"] for rule in listed] == list(RULES)
    by_id = {rule["id"]: rule for rule in listed}
    assert by_id["PL109"] == {"id": "PL109", "name": "unpinned-digest", "severity": "info",
                              "enabled": False, "summary": by_id["PL109"]["summary"]}
    assert all(rule["summary"] for rule in listed)


def test_the_kubernetes_client_is_an_ordinary_dependency() -> None:
    # After `pip install pauselint`, `pauselint cluster` works: the client is no extra.
    # (tests/e2e/test_subprocess.py keeps the check path from importing it.)
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert any(dep.startswith("kubernetes") for dep in project["dependencies"])
    assert project["optional-dependencies"]["cluster"] == []


def test_shell_completion_as_the_readme_documents_it() -> None:
    # click's completion, through the installed entry point: what `eval "$(...)"` loads,
    # and what it then answers for `pauselint ch<TAB>` and `pauselint check --fo<TAB>`.
    import os
    import shutil
    import subprocess

    exe = shutil.which("pauselint")
    assert exe, "the pauselint entry point is installed with the project"
    script = subprocess.run([exe], env={**os.environ, "_PAUSELINT_COMPLETE": "bash_source"},
                            capture_output=True, text=True, timeout=60, check=False)
    assert "_pauselint_completion()" in script.stdout
    for words, cword, expected in (("pauselint ch", "1", "plain,check"),
                                   ("pauselint check --fo", "2", "plain,--format")):
        answer = subprocess.run([exe], env={**os.environ, "_PAUSELINT_COMPLETE": "bash_complete",
                                            "COMP_WORDS": words, "COMP_CWORD": cword},
                                capture_output=True, text=True, timeout=60, check=False)
        assert expected in answer.stdout.splitlines()
    assert '_PAUSELINT_COMPLETE=bash_source pauselint' in (REPO / "README.md").read_text()
