"""Reporters turn a Report into text; this module picks one.

Writing the result to ``--output-file`` is output_file.py's job (never losing a file);
how input strings are shown in every format is escaping.py's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from pauselint.model import Report, Skip

FORMATS = ("text", "json", "sarif", "github", "openmetrics")
# The formats that print each node's whole entry (Report.nodes); the others show
# only the nodes' names, so a run in one of them need not describe its nodes.
DESCRIBING_FORMATS = frozenset({"json", "openmetrics"})
# Node names listed in one line (a collapsed finding, a skip); the rest are counted.
SHOWN_NODES = 5


def render(report: Report, output_format: str, *, tool_version: str, table_date: str,
           color: bool = False, quiet: bool = False) -> str:
    """Render ``report`` in one of FORMATS (reporters are imported on use)."""
    return "".join(render_chunks(report, output_format, tool_version=tool_version,
                                 table_date=table_date, color=color, quiet=quiet))


def render_chunks(report: Report, output_format: str, *, tool_version: str,
                  table_date: str, color: bool = False, quiet: bool = False) -> Iterator[str]:
    """:func:`render`'s text in the pieces its reporter makes: JSON and SARIF a
    finding or a node at a time, so a big report is written while it is made; the
    other formats, whose reports are small or built line by line, in one piece."""
    if output_format == "json":
        from pauselint.report.json_report import json_chunks

        return json_chunks(report, tool_version=tool_version, table_date=table_date)
    if output_format == "sarif":
        from pauselint.report.sarif import sarif_chunks
        from pauselint.rules import RULES

        return sarif_chunks(report, tool_version=tool_version, table_date=table_date,
                            rules=RULES)
    if output_format == "github":
        from pauselint.report.github import render_github

        return iter((render_github(report),))
    if output_format == "openmetrics":
        from pauselint.report.openmetrics import render_openmetrics

        return iter((render_openmetrics(report, tool_version=tool_version,
                                        table_date=table_date),))
    from pauselint.report.text import render_text

    return iter((render_text(report, color=color, quiet=quiet),))


def unique_skips(skips: list[Skip]) -> list[Skip]:
    """Each skip once, sorted by rule, reason and node (a run-wide skip first).

    A rule skipped for one reason on four nodes stays four skips: the JSON report
    says on which nodes it did not run. Readers that say it once per reason use
    :func:`skips_by_reason`.
    """
    return sorted(set(skips), key=lambda s: (s.rule, s.reason, s.node is not None, s.node or ""))


def skips_by_reason(skips: list[Skip]) -> dict[tuple[str, str], list[str | None]]:
    """(rule, reason) -> the nodes it was skipped on, sorted; ``None`` stands for a
    skip about the whole run (or a run without nodes) and sorts first."""
    grouped: dict[tuple[str, str], list[str | None]] = {}
    for skip in unique_skips(skips):
        grouped.setdefault((skip.rule, skip.reason), []).append(skip.node)
    return grouped


def judged_nodes(report: Report) -> list[str]:
    """The names of the nodes a file run judged, sorted: the nodes it described and
    those its findings and skips name. Live-cluster findings (``cluster`` set) name
    nodes of a cluster, not nodes judged from files, and are left out.

    More than one means the output must say which node each line is about: paths
    alone do not tell loose files of two nodes apart.
    """
    names = {entry["name"] for entry in report.nodes
             if isinstance(entry, dict) and isinstance(entry.get("name"), str)}
    names.update(f.node for f in report.findings if f.node and f.cluster is None)
    names.update(s.node for s in report.skipped if s.node)
    return sorted(names)


def use_color(stream) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def name_nodes(nodes: list[str]) -> str:
    """``nodes/a, nodes/b``, or ``12 nodes`` past SHOWN_NODES: the machine-readable
    reports carry every name, a line for a person cannot."""
    if len(nodes) > SHOWN_NODES:
        return f"{len(nodes):,} nodes"
    return ", ".join(nodes)
