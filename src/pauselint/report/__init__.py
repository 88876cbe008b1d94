"""Reporters turn a Report into text; this module picks one and writes the result.

Writing goes through a temporary file in the target folder and a rename, so a
report file is either the old one or the whole new one, never half-written.
"""

from __future__ import annotations

import os
import tempfile

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


def write_atomically(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (temp file, fsync, rename).

    The new file gets the mode a plain ``open()`` would give it (mkstemp's 0600
    would hide a CI report from the next job's user), or the old file's mode.
    """
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".pauselint-", suffix=".tmp", dir=folder)
    try:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
