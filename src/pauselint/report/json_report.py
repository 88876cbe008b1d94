"""``--format json``: the machine-readable report, a public contract.

The shape is fixed by the "JSON output contract" in the design's rules.md: CI filters
and dashboards read these keys, so every contract key is always present (null, never
missing), finding objects keep exactly the contract's keys in one order -- not a
finding's ``fix`` text, which is for humans. ``context`` always has
``kubernetes_version`` and ``kubernetes_version_from`` and may carry more of what the
run was told (platform, runtime versions, imageRepository; ``mode`` and
``cluster:<name>`` for live clusters), as the README documents. What was derived
for each node (its files, Kubernetes version, runtimes) is under ``nodes``, never in
``context``; every skip names its node.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pauselint.model import Finding, InputError, Report, Severity, Skip
from pauselint.report import unique_skips
from pauselint.report.escaping import dump_json_chunks

SCHEMA_VERSION = 1
TOOL_NAME = "pauselint"


def render_json(report: Report, *, tool_version: str, table_date: str) -> str:
    """Render ``report`` as the contract's JSON document (indent 2, trailing newline)."""
    return "".join(json_chunks(report, tool_version=tool_version, table_date=table_date))


def json_chunks(report: Report, *, tool_version: str, table_date: str) -> Iterator[str]:
    """:func:`render_json`'s text a finding or a node at a time, to be written as it
    comes: a 10,000-file report held whole was most of the run's peak memory.

    Everything is sorted so two runs over the same inputs give byte-identical output,
    which is what lets users diff reports and cache them in CI.
    """
    document = {
        "schema": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version, "compat_table": table_date},
        # Passed through whole: the engine decides what context matters (and where
        # it came from); the reporter only makes the key order stable.
        "context": dict(sorted(report.context.items())),
        "findings": [_finding(f) for f in sorted(report.findings, key=Finding.sort_key)],
        "skipped": [_skip(s) for s in unique_skips(report.skipped)],
        "errors": [_error(e) for e in sorted(report.errors, key=_error_sort_key)],
        "summary": _summary(report),
    }
    # Additive since schema 1, after the contract's keys so their order is kept:
    # one entry per node judged (describe.py's, the shape `pauselint show` prints),
    # always a list -- empty for a live-cluster run, whose nodes are not files.
    document["nodes"] = report.nodes
    if report.files_skipped:  # what a walk passed over as no config, by reason
        document["files_skipped"] = dict(sorted(report.files_skipped.items()))
    if report.not_read:  # additive, present when a folder walk passed something over
        document["not_read"] = [{"path": path, "reason": reason}
                                for path, reason in sorted(report.not_read)]
    # A file name that is not UTF-8 would make the document invalid UTF-8: shown
    # escaped, as every reporter shows it. dump_json_chunks sees to it, and to controls.
    return dump_json_chunks(document)


def _finding(finding: Finding) -> dict[str, Any]:
    # Key order is part of the contract; a dict literal keeps it.
    loc = finding.location
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.label,
        "message": finding.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "image": finding.image,
        "expected": finding.expected,
        "node": finding.node,
        "cluster": finding.cluster,
        "fixable": finding.fixable,
        # Additive (rules.md): the findings on the same value this one made moot
        # (verdicts.compose) -- reported, not counted.
        "related": [{"rule": moot.rule, "name": moot.name, "severity": moot.severity.label,
                     "message": moot.message} for moot in finding.related],
    }


def _skip(skip: Skip) -> dict[str, Any]:
    # ``node`` always present, null for a run-wide skip: the contract's habit.
    return {"rule": skip.rule, "reason": skip.reason, "node": skip.node}


def _error_sort_key(error: InputError) -> tuple[str, int]:
    return (error.path or "", error.line or 0)


def _error(error: InputError) -> dict[str, Any]:
    entry = {"path": error.path, "line": error.line, "message": error.message}
    if error.column is not None:  # additive: set where the error is about one value
        entry["column"] = error.column
    return entry


def _summary(report: Report) -> dict[str, int]:
    counts = {sev.label: 0 for sev in sorted(Severity, reverse=True)}
    for finding in report.findings:
        counts[finding.severity.label] += 1
    return {**counts, "inputs": report.inputs}
