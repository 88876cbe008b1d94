"""`pauselint show`'s command line: the inputs and context options of `check`, exit codes,
and a --help that teaches. What it prints per node is tested with the renderer."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.commands.check import check_command
from pauselint.commands.show import show_command


def option_names(command) -> set[str]:
    return {name for param in command.params for name in param.opts}


def test_show_takes_every_input_and_context_option_of_check_and_no_rule_option() -> None:
    shared = {"--kubernetes-version", "-k", "--platform", "--runtime-version", "--type",
              "--root", "--config", "--no-config", "--exclude", "--ignore-unknown",
              "--format", "--output", "-o"}
    assert shared <= option_names(show_command)
    assert shared <= option_names(check_command)
    rule_options = {"--enable", "--disable", "--allowed-registry", "--fail-on",
                    "--no-inline-suppressions"}
    assert rule_options <= option_names(check_command)
    assert not rule_options & option_names(show_command)
    formats = next(p for p in show_command.params if p.name == "output_format")
    assert list(formats.type.choices) == ["text", "json"]


def test_help_teaches_with_examples() -> None:
    result = CliRunner().invoke(main, ["show", "--help"])
    assert result.exit_code == 0
    examples = re.findall(r"^\s+pauselint show .+$", result.output, re.M)
    assert len(examples) >= 3 and any("--format json" in e for e in examples)
    assert "Exit codes: 0 shown, 2" in result.output
    assert "show" in CliRunner().invoke(main, ["--help"]).output


@pytest.mark.parametrize(("args", "message"), [
    ([], "Missing argument 'PATHS...'"),
    (["-k", "banana", "x.toml"], "is not a version"),
    (["--type", "yaml", "x.toml"], "--type 'yaml'"),
    (["--platform", "arm64", "x.toml"], "use os/arch"),
    (["--runtime-version", "docker=20.10", "x.toml"], "use containerd=X.Y.Z"),
    (["--format", "sarif", "x.toml"], "'sarif' is not one of 'text', 'json'"),
    (["--enable", "PL109", "x.toml"], "No such option '--enable'"),
])
def test_usage_errors_exit_two(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["show", "--no-config", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
