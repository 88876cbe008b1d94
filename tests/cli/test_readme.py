"""The README tells the truth: its rule table and its test command match the code."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from pauselint.cli import main

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_rule_table_matches_the_rule_modules() -> None:
    generated = CliRunner().invoke(main, ["rules", "--format", "markdown"]).output
    block = re.search(r"<!-- rules-table:start -->\n(.*?)<!-- rules-table:end -->", README,
                      re.S)
    assert block, "README lost its rules-table markers"
    assert block.group(1) == generated, (
        "README rule table is stale: regenerate with `pauselint rules --format markdown`")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    command = ci[-1]
    assert command.startswith("pip install")
    test_lines = [line for line in README.splitlines() if "pytest" in line and "pip install" in line]
    assert test_lines and test_lines[0].endswith(command)


def test_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "pauselint check" in first_block and "examples/" in first_block
    assert "python -m pytest" in first_block


def test_the_show_example_is_what_show_prints(monkeypatch) -> None:
    # The README's `pauselint show` block is the real output, so that a reader can
    # trust it to say how values are traced to their files.
    command, rest = README.split("$ pauselint show ", 1)[1].split("\n", 1)
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["show", *command.split()])
    assert result.exit_code == 0, result.output
    assert result.output == rest.split("```", 1)[0]
