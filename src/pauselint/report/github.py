"""``--format github``: GitHub Actions workflow commands, one per finding.

Printed in a workflow step, each ``::error file=...,line=...::message`` line becomes
an annotation on that line of the pull request's diff, with no upload step and no
code-scanning licence. Only annotations are printed: anything else on stdout would
be noise in the step log, and a job summary is a separate concern.
"""

from __future__ import annotations

from pauselint.model import Finding, InputError, Report, Severity
from pauselint.report import judged_nodes
from pauselint.report.escaping import escape_shown, printable_but_line_breaks

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
INPUT_ERROR_TITLE = "pauselint input error"


def render_github(report: Report) -> str:
    """One workflow command per finding, then one per input error (sorted, stable).

    The report's strings are made printable first (escaping.py): the runner's own
    escapes below (``%``, CR, LF; ``:`` and ``,`` in properties, as actions/toolkit's
    command.ts) only protect the command syntax, while the log viewer still renders
    ESC sequences and bidi controls from a file name or value.
    """
    report = escape_shown(report, printable_but_line_breaks)
    several = len(judged_nodes(report)) > 1
    lines = [_finding_line(f, several) for f in sorted(report.findings, key=Finding.sort_key)]
    errors = sorted(report.errors, key=lambda e: (e.path or "", e.line or 0))
    lines += [_error_line(e) for e in errors]
    return "".join(f"{line}\n" for line in lines)


def escape_data(text: str) -> str:
    """Escape a command's message the way the Actions runner unescapes it.

    ``%`` goes first so the escapes it introduces are not escaped again.
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: ``:`` and ``,`` would end the value early."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, properties: list[tuple[str, object]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{name} {props}::{escape_data(message)}"


def _position(path: str | None, line: int | None, column: int | None) -> list[tuple[str, object]]:
    # GitHub needs a file to place an annotation, and a column without a line
    # points nowhere, so each is dropped with what it depends on.
    if not path:
        return []
    properties: list[tuple[str, object]] = [("file", path)]
    if line is not None:
        properties.append(("line", line))
        if column is not None:
            properties.append(("col", column))
    return properties


def _finding_line(finding: Finding, several: bool = False) -> str:
    loc = finding.location
    properties = _position(loc.path, loc.line, loc.column)
    properties.append(("title", f"{finding.rule} {finding.name}"))
    message = finding.message
    if not loc.path:
        # Without a file the annotation lands on the run; say which node it is about.
        where = "/".join(part for part in (finding.cluster, finding.node) if part)
        if where:
            message = f"[{where}] {message}"
    elif several and finding.node and finding.cluster is None:
        # Loose files of several nodes can share a file: say whose verdict it is.
        message = f"{message} [node {finding.node}]"
    if finding.fix:
        message = f"{message}\nFix: {finding.fix}"
    return _command(_COMMAND[finding.severity], properties, message)


def _error_line(error: InputError) -> str:
    properties = _position(error.path, error.line, error.column)
    properties.append(("title", INPUT_ERROR_TITLE))
    return _command("error", properties, error.message)
