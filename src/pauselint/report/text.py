"""``--format text``: the report a person reads in a terminal.

Findings come first, grouped by file so a user can fix one file at a time; each line
still carries the full ``path:line:col:`` so editors and terminals can jump to it and
``grep`` keeps working. When the run judged several nodes, the file groups sit under
a ``node NAME:`` heading per node (sorted), because loose files of two nodes cannot be
told apart by their paths; a run of one node reads as it always did. Inputs that could
not be read and rules that could not run follow (a skip names the nodes it applies
to, where there are several), and the one-line summary comes last, where the eye
lands when the command returns, with the count of files a walk passed over. The CLI
decides whether to colour (TTY, NO_COLOR); this module only honours the flag, and
without it emits no escape codes at all.

Live clusters (``pauselint cluster``) can have thousands of nodes that all share one
problem, so their findings are grouped by cluster and identical findings across nodes
collapse into one line with the first few node names: forty copies of one sentence
hide the one finding that differs.
"""

from __future__ import annotations

from collections.abc import Iterable

from pauselint.model import Finding, InputError, Report, Severity
from pauselint.report import SHOWN_NODES, judged_nodes, name_nodes, skips_by_reason
from pauselint.report.escaping import escape_shown, printable

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_SEVERITY_COLOR = {
    Severity.ERROR: "\x1b[31m",  # red
    Severity.WARNING: "\x1b[33m",  # yellow
    Severity.INFO: "\x1b[36m",  # cyan
}
NO_FILE = "(no file)"


def render_errors(report: Report, *, color: bool) -> str:
    """The input error lines alone, for stderr when the report goes to stdout."""
    report = escape_shown(report, printable)
    errors = sorted(report.errors, key=lambda e: (e.path or "", e.line or 0))
    return "".join(f"{_error_line(e, color)}\n" for e in errors)


def render_text(report: Report, *, color: bool, quiet: bool = False,
                errors: bool = True) -> str:
    """Render ``report`` for a terminal; ``quiet`` keeps only the problem lines.

    Quiet output drops headers, the skipped block and the summary, but keeps input
    errors: an unreadable file is a problem, and dropping it would make a quiet run
    over a broken file look clean. Without headers, a cluster's lines start with
    ``cluster NAME:`` so that lines from several clusters stay apart.

    Every string of the report is made printable first (escaping.py), so no file
    name or value can send a control sequence to the terminal; colour codes are
    added after that, and only by this module. ``errors=False`` leaves the input
    error lines out (they go to stderr: :func:`render_errors`); the summary still
    counts them.
    """
    report = escape_shown(report, printable)
    shown_errors = errors
    findings = sorted(report.findings, key=Finding.sort_key)
    local = [f for f in findings if f.cluster is None]
    clusters = _group_by_cluster(f for f in findings if f.cluster is not None)
    errors = sorted(report.errors, key=lambda e: (e.path or "", e.line or 0))
    if quiet:
        lines = [line for group in _by_value(local) for line in _value_lines(group, color)]
        for name, group in clusters.items():
            prefix = f"cluster {name}: "
            lines += [
                line if line.startswith(" ") else prefix + line
                for line in _cluster_lines(group, report.node_counts.get(name), color)
            ]
        if shown_errors:
            lines += [_error_line(e, color) for e in errors]
        return "".join(f"{line}\n" for line in lines)

    blocks: list[list[str]] = []
    nodes = judged_nodes(report)
    if len(nodes) > 1:
        # Several nodes: a block per node (sorted), its files inside in today's
        # order; findings about no node (the whole run) come first, unheaded.
        by_node: dict[str | None, list[Finding]] = {}
        for finding in local:
            by_node.setdefault(finding.node, []).append(finding)
        for node in sorted(by_node, key=lambda n: (n is not None, n or "")):
            block = [] if node is None else [_node_heading(node, color)]
            block += _file_lines(by_node[node], color)
            blocks.append(block)
    elif local:
        blocks.append(_file_lines(local, color))
    for name, group in clusters.items():
        total = report.node_counts.get(name)
        header = f"cluster {name}"
        if total is not None:
            header += f" ({_plural(total, 'node')})"
        header = f"{_BOLD}{header}{_RESET}" if color else header
        blocks.append([header, *_cluster_lines(group, total, color)])
    if errors and shown_errors:
        blocks.append([_error_line(e, color) for e in errors])
    skips = skips_by_reason(report.skipped)
    if skips:
        blocks.append([
            f"skipped {_rule(rule, color)}{_on_nodes(on, len(nodes) > 1)}: {reason}"
            for (rule, reason), on in skips.items()
        ])
    if report.not_read:  # a walk never passes over a file silently
        blocks.append([f"not read {path}: {reason}" for path, reason in sorted(report.not_read)])
    blocks.append([_summary(report)])
    return "\n".join("".join(f"{line}\n" for line in block) for block in blocks)


def _file_lines(findings: list[Finding], color: bool) -> list[str]:
    """Findings grouped by file, each group under its file's name (today's layout).

    The groups are blank-line separated, so the lines of one group are joined here
    and the caller's block adds the blank line after the last.
    """
    lines: list[str] = []
    for where, group in _group_by_where(findings).items():
        if lines:
            lines.append("")
        lines.append(f"{_BOLD}{where}{_RESET}" if color else where)
        lines += [line for value in _by_value(group) for line in _value_lines(value, color)]
    return lines


def _by_value(findings: list[Finding]) -> list[list[Finding]]:
    """Sorted findings, those about one value together (they sort next to each other),
    most severe first; a finding about no one value alone."""
    groups: list[list[Finding]] = []
    last = None
    for finding in findings:
        key = finding.value_key()
        if key is not None and key == last:
            groups[-1].append(finding)
        else:
            groups.append([finding])
        last = key
    return [sorted(group, key=lambda f: (-f.severity, f.rule)) for group in groups]


def _node_heading(node: str, color: bool) -> str:
    heading = f"node {node}:"
    return f"{_BOLD}{heading}{_RESET}" if color else heading


def _on_nodes(nodes: list[str | None], several: bool) -> str:
    """`` on nodes/a, nodes/b`` for a skip in a run of several nodes; nothing when the
    run has one node or the skip is about the whole run. A long list is counted: the
    JSON report has every name."""
    named = [node for node in nodes if node is not None]
    if not several or len(named) < len(nodes):
        return ""
    return f" on {name_nodes(named)}"


def progress_line(context: str, nodes: int) -> str:
    """``checking prod: 1,500 nodes read``: what the CLI shows on a TTY during a scan.

    Thousands separators because the number changes while the user watches it.
    """
    return f"checking {printable(context)}: {nodes:,} {'node' if nodes == 1 else 'nodes'} read"


def _group_by_cluster(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=lambda f: f.cluster or ""):
        groups.setdefault(finding.cluster or "", []).append(finding)
    return groups


def _cluster_lines(findings: list[Finding], total: int | None, color: bool) -> list[str]:
    """One cluster's findings: cluster-wide ones first, then per node, collapsed.

    Findings that differ only in their node are one problem: one line says how many
    nodes have it and a second names the first few (sorted, so runs compare).
    """
    lines: list[str] = []
    for finding in sorted((f for f in findings if f.node is None), key=_collapse_key):
        lines.append(_headline(finding, color))
        lines += _fix_lines([finding])
    same: dict[tuple, list[Finding]] = {}
    for finding in sorted((f for f in findings if f.node is not None), key=_collapse_key):
        same.setdefault(_collapse_key(finding), []).append(finding)
    for group in same.values():
        nodes = sorted({f.node for f in group if f.node})
        first = group[0]
        if len(nodes) == 1:
            lines.append(f"node {nodes[0]}: {_headline(first, color)}")
        else:
            of = f"{len(nodes):,} of {total:,}" if total is not None else f"{len(nodes):,}"
            lines.append(
                f"{_severity(first.severity, color)} {_rule(first.rule, color)} {first.name} "
                f"on {of} nodes: {first.message}"
            )
            shown = ", ".join(nodes[:SHOWN_NODES])
            more = len(nodes) - SHOWN_NODES
            if more > 0:
                shown += f", … (+{more:,} more)"
            lines.append(f"    nodes: {shown}")
        lines += _fix_lines(group)
    return lines


def _collapse_key(finding: Finding) -> tuple[str, int, str, str]:
    # Errors before warnings within a rule; the message orders the rest stably.
    return (finding.rule, -finding.severity, finding.message, finding.expected or "")


def _headline(finding: Finding, color: bool) -> str:
    return (
        f"{_severity(finding.severity, color)} {_rule(finding.rule, color)} "
        f"{finding.name}: {finding.message}"
    )


def _fix_lines(findings: list[Finding]) -> list[str]:
    # A fix shared by every collapsed finding is shown once; differing fixes would
    # be per-node detail the collapsed line cannot carry.
    fixes = {f.fix for f in findings}
    if len(fixes) == 1 and findings[0].fix:
        return [f"    fix: {findings[0].fix}"]
    return []


def _where(finding: Finding) -> str:
    """The place a file finding is about: its file, else its node (cluster findings
    have their own blocks)."""
    if finding.location.path:
        return finding.location.path
    return f"node {finding.node}" if finding.node else NO_FILE


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


def _value_lines(findings: list[Finding], color: bool) -> list[str]:
    """One value's verdict: the most severe finding on the located line, the others on
    that value under it, what they made moot, and the value's one fix."""
    first = findings[0]
    loc = first.location
    severity = _severity(first.severity, color)
    lines = [
        f"{_position(_where(first), loc.line, loc.column)}: {severity} "
        f"{_rule(first.rule, color)} {first.name}: {first.message}"
    ]
    lines += [f"    and {_severity(f.severity, color)} {_rule(f.rule, color)} {f.name}: "
              f"{f.message}" for f in findings[1:]]
    moot = [m for f in findings for m in f.related]
    if moot:
        lines.append("    supersedes " + ", ".join(f"{m.rule} {m.name}" for m in moot))
    fixes = list(dict.fromkeys(f.fix for f in findings if f.fix))
    lines += [f"    fix: {fix}" for fix in fixes]
    return lines


def _error_line(error: InputError, color: bool) -> str:
    label = f"{_SEVERITY_COLOR[Severity.ERROR]}error{_RESET}" if color else "error"
    if error.path is None:  # a cluster that could not be read, or a run-wide problem
        return f"{label}: {error.message}"
    return f"{_position(error.path, error.line, error.column)}: {label}: {error.message}"


def _severity(severity: Severity, color: bool) -> str:
    label = severity.label
    return f"{_SEVERITY_COLOR[severity]}{label}{_RESET}" if color else label


def _rule(rule: str, color: bool) -> str:
    return f"{_BOLD}{rule}{_RESET}" if color else rule


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def summary_line(report: Report) -> str:
    """The summary line alone (after a report written to a file)."""
    return _summary(escape_shown(report, printable))


def _summary(report: Report) -> str:
    """One line: how many inputs, how many findings of each severity, read errors.

    A cluster run counts clusters and nodes rather than files ("0 files checked"
    would read as "nothing was looked at").
    """
    cluster_run = bool(report.node_counts) or report.context.get("mode") == "cluster"
    if cluster_run:
        nodes = _plural(sum(report.node_counts.values()), "node")
        checked = f"{_plural(len(report.node_counts), 'cluster')} ({nodes}) checked"
    else:
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
    elif report.skipped and report.rules_run:
        # Nor when rules could not judge for want of context: say how many did.
        skipped = len({skip.rule for skip in report.skipped})
        ran = max(report.rules_run - skipped, 0)
        result = (f"no problems found by the {_plural(ran, 'rule')} that could run; "
                  f"{skipped} skipped{_context_hint(report.skipped)}")
    else:
        result = "no problems found"
    if report.errors:
        what = ("cluster error", "cluster errors") if cluster_run else (
            "input error", "input errors")
        result += f"; {_plural(len(report.errors), what[0], what[1])}"
    return f"{checked}: {result}{_files_skipped(report.files_skipped)}"


# What a skip's reason asks for, and the flag that gives it (most rules need the first).
_CONTEXT_FLAGS = (("Kubernetes version unknown", "--kubernetes-version"),
                  ("version unknown", "--runtime-version"),
                  ("platform unknown", "--platform"))


def _context_hint(skips) -> str:
    """``: give --kubernetes-version, --runtime-version``: the flags that would let the
    skipped rules run, in the order most rules need them."""
    wanted = [flag for text, flag in _CONTEXT_FLAGS
              if any(text in skip.reason for skip in skips)]
    if "--kubernetes-version" in wanted and "--runtime-version" in wanted and not any(
            "version unknown" in s.reason and "Kubernetes" not in s.reason for s in skips):
        wanted.remove("--runtime-version")
    return f": give {', '.join(wanted)}" if wanted else ""


def _files_skipped(counts: dict[str, int]) -> str:
    """``; skipped 1,204 files (1,190 no known kind, 14 binary)``: what a walk passed
    over as no config, most common reason first (then by name, so runs compare)."""
    if not counts:
        return ""
    total = sum(counts.values())
    reasons = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    detail = ", ".join(f"{count:,} {reason}" for reason, count in reasons)
    return f"; skipped {_plural(total, 'file')} ({detail})"
