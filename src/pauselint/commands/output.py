"""What `check` and `cluster` share: the output options, writing the report, and
the exit code -- one place, so both commands mean the same thing by them."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from pauselint import __version__
from pauselint.commands.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, FAIL_ON, Fatal
from pauselint.model import Report, Severity
from pauselint.report import FORMATS, render, use_color, write_atomically


def output_options(command: Callable) -> Callable:
    """--format, --output, --quiet and --fail-on, identical on every command."""
    for option in reversed((
        click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
                     show_default=True,
                     help="Output format (github: workflow-command annotations)."),
        click.option("--output", "-o", "output_path", metavar="FILE",
                     help="Write the report to FILE (replaced in one step) instead of stdout."),
        click.option("--quiet", "-q", is_flag=True, help="Print only the findings."),
        click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
                     help="Lowest severity that makes the exit code 1 [default: error]."),
    )):
        command = option(command)
    return command


def emit(report: Report, output_format: str, output_path: str | None, quiet: bool,
         table_date: str) -> None:
    """Render the report and write it to the file (in one step) or stdout."""
    color = output_path is None and output_format == "text" and use_color(sys.stdout)
    text = render(report, output_format, tool_version=__version__, table_date=table_date,
                  color=color, quiet=quiet)
    if not output_path:
        click.echo(text, nl=False)
        return
    try:
        write_atomically(output_path, text)
    except OSError as exc:
        raise Fatal(f"cannot write {output_path}: {exc.strerror or exc}") from None


def exit_for(report: Report, fail_on: str | None, config) -> None:
    """2 when anything could not be checked, 1 for findings at or above the threshold
    (flag, else the config file, else error), 0 otherwise."""
    from pauselint.engine import fails

    if report.errors:
        sys.exit(EXIT_ERROR)
    level = fail_on or (config.fail_on if config and config.fail_on else "error")
    threshold = None if level == "never" else Severity.parse(level)
    sys.exit(EXIT_FINDINGS if fails(report, threshold) else EXIT_OK)
