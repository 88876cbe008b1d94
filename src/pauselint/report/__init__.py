"""Reporters turn a Report into text; this module picks one.

Writing the result to ``--output`` is output_file.py's job (never losing a file);
how input strings are shown in every format is escaping.py's.
"""

from __future__ import annotations

import os

from pauselint.model import Report, Skip

FORMATS = ("text", "json", "sarif", "github")


def render(report: Report, output_format: str, *, tool_version: str, table_date: str,
           color: bool = False, quiet: bool = False) -> str:
    """Render ``report`` in one of FORMATS (reporters are imported on use)."""
    if output_format == "json":
        from pauselint.report.json_report import render_json

        return render_json(report, tool_version=tool_version, table_date=table_date)
    if output_format == "sarif":
        from pauselint.report.sarif import render_sarif
        from pauselint.rules import RULES

        return render_sarif(report, tool_version=tool_version, table_date=table_date,
                            rules=RULES)
    if output_format == "github":
        from pauselint.report.github import render_github

        return render_github(report)
    from pauselint.report.text import render_text

    return render_text(report, color=color, quiet=quiet)


def unique_skips(skips: list[Skip]) -> list[Skip]:
    """Several nodes or files can skip a rule for the same reason; say it once."""
    return sorted(set(skips), key=lambda s: (s.rule, s.reason))


def use_color(stream) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())
