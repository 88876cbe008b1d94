"""Exit codes and the one exception that turns a user mistake into a message.

Exit codes (documented in the README and every --help):
  0  no finding at or above --fail-on (default: error)
  1  findings at or above --fail-on
  2  usage error, unreadable input, or a fault in pauselint itself
"""

from __future__ import annotations

import click

from pauselint.model import FAIL_ON

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "FAIL_ON", "Fatal"]


class Fatal(click.ClickException):
    """A user-facing error: one clear line, exit code 2, never a traceback."""

    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:
        # Messages quote file names and values: shown escaped, like every report.
        from pauselint.report.escaping import printable

        click.echo(f"pauselint: error: {printable(self.format_message())}", err=True)
