"""``--format text``: the report a person reads in a terminal.

Findings come first, grouped by file so a user can fix one file at a time; each line
still carries the full ``path:line:col:`` so editors and terminals can jump to it and
``grep`` keeps working. Inputs that could not be read and rules that could not run
follow, and the one-line summary comes last, where the eye lands when the command
returns. The CLI decides whether to colour (TTY, NO_COLOR); this module only honours
the flag, and without it emits no escape codes at all.
"""

from __future__ import annotations

from pauselint.model import Finding, InputError, Report, Severity, Skip

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_SEVERITY_COLOR = {
    Severity.ERROR: "\x1b[31m",  # red
    Severity.WARNING: "\x1b[33m",  # yellow
    Severity.INFO: "\x1b[36m",  # cyan
}
NO_FILE = "(no file)"


def render_text(report: Report, *, color: bool, quiet: bool = False) -> str:
    """Render ``report`` for a terminal; ``quiet`` keeps only the problem lines.

    Quiet output drops headers, the skipped block and the summary, but keeps input
    errors: an unreadable file is a problem, and dropping it would make a quiet run
    over a broken file look clean.
    """
    findings = sorted(report.findings, key=Finding.sort_key)
    errors = sorted(report.errors, key=lambda e: (e.path or "", e.line or 0))
    if quiet:
        lines = [line for f in findings for line in _finding_lines(f, color)]
        lines += [_error_line(e, color) for e in errors]
        return "".join(f"{line}\n" for line in lines)

    blocks: list[list[str]] = []
    for where, group in _group_by_where(findings).items():
        header = f"{_BOLD}{where}{_RESET}" if color else where
        blocks.append([header, *(line for f in group for line in _finding_lines(f, color))])
    if errors:
        blocks.append([_error_line(e, color) for e in errors])
    skips = _unique_skips(report.skipped)
    if skips:
        blocks.append([f"skipped {_rule(s.rule, color)}: {s.reason}" for s in skips])
    blocks.append([_summary(report)])
    return "\n".join("".join(f"{line}\n" for line in block) for block in blocks)


def _where(finding: Finding) -> str:
    """The place a finding is about: its file, else its cluster and node."""
    if finding.location.path:
        return finding.location.path
    parts = []
    if finding.cluster:
        parts.append(f"cluster {finding.cluster}")
    if finding.node:
        parts.append(f"node {finding.node}")
    return ", ".join(parts) or NO_FILE


def _group_by_where(findings: list[Finding]) -> dict[str, list[Finding]]:
    # A dict keeps first-seen order, so groups follow the sorted findings and one
    # place never gets two headers.
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(_where(finding), []).append(finding)
    return groups


def _position(where: str, line: int | None, column: int | None) -> str:
    # A column without a line points nowhere, so it is dropped with the line.
    if line is None:
        return where
    if column is None:
        return f"{where}:{line}"
    return f"{where}:{line}:{column}"


def _finding_lines(finding: Finding, color: bool) -> list[str]:
    loc = finding.location
    severity = finding.severity.label
    if color:
        severity = f"{_SEVERITY_COLOR[finding.severity]}{severity}{_RESET}"
    lines = [
        f"{_position(_where(finding), loc.line, loc.column)}: {severity} "
        f"{_rule(finding.rule, color)} {finding.name}: {finding.message}"
    ]
    if finding.fix:
        lines.append(f"    fix: {finding.fix}")
    return lines


def _error_line(error: InputError, color: bool) -> str:
    label = f"{_SEVERITY_COLOR[Severity.ERROR]}error{_RESET}" if color else "error"
    return f"{_position(error.path or NO_FILE, error.line, None)}: {label}: {error.message}"


def _rule(rule: str, color: bool) -> str:
    return f"{_BOLD}{rule}{_RESET}" if color else rule


def _unique_skips(skips: list[Skip]) -> list[Skip]:
    # Several nodes or files can skip a rule for the same reason; say it once.
    return sorted(set(skips), key=lambda s: (s.rule, s.reason))


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _summary(report: Report) -> str:
    """One line: how many inputs, how many findings of each severity, read errors."""
    checked = f"{_plural(report.inputs, 'file')} checked"
    counts = {sev: 0 for sev in Severity}
    for finding in report.findings:
        counts[finding.severity] += 1
    if report.findings:
        result = ", ".join(
            [
                _plural(counts[Severity.ERROR], "error"),
                _plural(counts[Severity.WARNING], "warning"),
                f"{counts[Severity.INFO]} info",
            ]
        )
    elif report.errors:
        # "no problems found" would be false when an input could not be read.
        result = "no findings"
    else:
        result = "no problems found"
    if report.errors:
        result += f"; {_plural(len(report.errors), 'input error')}"
    return f"{checked}: {result}"
