"""What `check` and `cluster` share: the output options, writing the report, and
the exit code -- one place, so both commands mean the same thing by them."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator

import click

from pauselint import __version__
from pauselint.commands.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, FAIL_ON, Fatal
from pauselint.model import Report, Severity
from pauselint.report import FORMATS, render_chunks, use_color


class FormatChoice(click.Choice):
    """An output format; a value that looks like a file name is told where it belongs
    (``-o report.json`` meant the report file before ``-o`` took the format, as in
    kubectl, pluto, kubent and popeye)."""

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, str) and value not in self.choices and any(
                mark in value for mark in "./\\"):
            self.fail(f"{value!r} is not an output format ({', '.join(self.choices)}); "
                      f"the report file is --output-file {value}", param, ctx)
        return super().convert(value, param, ctx)


def format_option(formats: tuple[str, ...]) -> Callable:
    """``-o/--output FORMAT`` (``--format`` an accepted spelling), on every command."""
    return click.option("--output", "-o", "--format", "output_format",
                        type=FormatChoice(formats), default="text", show_default=True,
                        help="Output format (github: workflow-command annotations).")


def file_option() -> Callable:
    return click.option(
        "--output-file", "output_path", metavar="FILE",
        help="Write the report to FILE instead of stdout: a file is replaced in one step, "
             "keeping its mode and owner; a symlink's target is replaced and the link "
             "kept; a device or pipe (/dev/stdout) is written to. Refused if FILE is one "
             "of the inputs.")


def output_options(command: Callable) -> Callable:
    """-o/--output FORMAT, --output-file, --quiet and --fail-on, identical on every command."""
    for option in reversed((
        format_option(FORMATS),
        file_option(),
        click.option("--quiet", "-q", is_flag=True, help="Print only the findings."),
        click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
                     help="Lowest severity that makes the exit code 1 [default: error]."),
    )):
        command = option(command)
    return command


def emit(report: Report, output_format: str, output_path: str | None, quiet: bool,
         table_date: str, inputs: Iterable[str] = ()) -> None:
    """Render the report and write it to the file (see report/output_file.py) or stdout.

    ``inputs`` are the files the run read: an output that is one of them is refused
    (exit 2) before anything is written, so a report never replaces its own input.
    """
    if output_path:
        from pauselint.report.output_file import input_named_by

        overwritten = input_named_by(output_path, inputs)
        if overwritten is not None:
            same = "" if overwritten == output_path else f" (the same file as {overwritten})"
            raise Fatal(f"--output-file {output_path}{same} is one of the inputs: not written, "
                        f"choose another file")
    color = output_path is None and output_format == "text" and use_color(sys.stdout)
    if not output_path and output_format == "text":
        # Input errors are about the run, not findings: stderr, as every tool does, so
        # `check ... | grep` sees findings only; the summary on stdout still counts them.
        from pauselint.report.text import render_errors, render_text

        text = render_text(report, color=color, quiet=quiet, errors=False)
        echo_encoded(text, output_format)  # the errors go on even if stdout is gone
        if report.errors:
            problems = render_errors(report, color=use_color(sys.stderr))
            click.echo(encoded(problems, output_format, sys.stderr), nl=False, err=True)
        return
    # Written as it is made, 64 KiB at a time: a 10,000-file JSON report held whole
    # (its text and the pieces joined into it) was the run's peak memory.
    pieces = batched(render_chunks(report, output_format, tool_version=__version__,
                                   table_date=table_date, color=color, quiet=quiet),
                     ECHO_STEP)
    if not output_path:
        for text in pieces:
            if not echo_encoded(text, output_format):
                return  # the reader has gone: the rest is not made
        return
    from pauselint.report.output_file import write_report

    try:
        write_report(output_path, (encoded(text, output_format, None) for text in pieces))
    except OSError as exc:
        raise Fatal(f"cannot write {output_path}: {exc.strerror or exc}") from None
    if not quiet and sys.stderr.isatty():  # the report went to a file: a line for the person
        from pauselint.report.text import summary_line

        click.echo(f"pauselint: {summary_line(report)}; report written to {output_path}",
                   err=True)


# Characters of a report encoded and written at a time: enough that writes are few
# (90 for a 10,000-file JSON report), few enough that a batch and its bytes are a
# small part of the run's memory.
ECHO_STEP = 1 << 16


def batched(pieces: Iterable[str], size: int) -> Iterator[str]:
    """``pieces`` joined into texts of at least ``size`` characters (the last may be
    shorter): few writes, and no more than about ``size`` held at once."""
    held: list[str] = []
    count = 0
    for piece in pieces:
        held.append(piece)
        count += len(piece)
        if count >= size:
            yield "".join(held)
            held, count = [], 0
    if held:
        yield "".join(held)


def echo_encoded(text: str, output_format: str) -> bool:
    """``text`` to standard output as :func:`encoded` makes it, a slice at a time when
    it goes out as UTF-8 (the machine formats always do): UTF-8 is encoded character
    by character, so the slices' bytes are the whole text's. Another encoding (a text
    report to a terminal) is given the text whole: not every codec is stateless.
    False once standard output is gone (:func:`to_stdout`)."""
    if len(text) <= ECHO_STEP or _encoding(output_format, sys.stdout) != "utf-8":
        return to_stdout(encoded(text, output_format, sys.stdout))
    for start in range(0, len(text), ECHO_STEP):
        if not to_stdout(encoded(text[start:start + ECHO_STEP], output_format, sys.stdout)):
            return False
    return True


def to_stdout(text: str | bytes) -> bool:
    """Write ``text`` to standard output; False when its reader has gone.

    ``pauselint check --format json | head`` closes the pipe early: that ends the
    output, not the run. The rest is dropped (standard output now leads to the null
    device, so the exit's flush cannot fail either) and the command exits with its own
    code, as if the reader had read to the end: 1 still means findings, 0 for ``show``.
    click would exit 1 on the broken pipe, which for ``check`` means findings.
    """
    try:
        click.echo(text, nl=False)
        return True
    except BrokenPipeError:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)
        return False


def say(text: str = "") -> bool:
    """``click.echo(text)`` to standard output through :func:`to_stdout`, for the
    commands that print a listing (rules, explain, table, recommend, registry, node
    --show): ``pauselint rules | head -3`` exits 0, not click's 1 for the closed pipe."""
    return to_stdout(text + "\n")


def _encoding(output_format: str, stream) -> str:
    """The encoding :func:`encoded` writes ``output_format`` to ``stream`` in."""
    if stream is not None and output_format == "text":
        return getattr(stream, "encoding", None) or "utf-8"
    return "utf-8"


def encoded(text: str, output_format: str, stream) -> bytes:
    """The bytes to write: UTF-8 for files and the machine formats (JSON, SARIF and
    workflow commands are UTF-8 whatever the locale); text to a stream in the
    stream's encoding. A character the encoding lacks (``…`` on a Latin-1 terminal)
    is shown as ``\\u2026``, never a crash."""
    return text.encode(_encoding(output_format, stream), "backslashreplace")


def exit_for(report: Report, fail_on: str | None, config) -> None:
    """2 when anything could not be checked, 1 for findings at or above the threshold
    (flag, else the config file, else error), 0 otherwise."""
    from pauselint.selection import fails

    if report.errors:
        sys.exit(EXIT_ERROR)
    level = fail_on or (config.fail_on if config and config.fail_on else "error")
    threshold = None if level == "never" else Severity.parse(level)
    sys.exit(EXIT_FINDINGS if fails(report, threshold) else EXIT_OK)
