"""`pauselint explain` cites sources a user can open, never the project's unshipped notes.

Every rule's "Facts and sources" section must name at least one upstream source: a URL
or an ORG/REPO path (``kubernetes/kubernetes build/pause/CHANGELOG.md``, ``ORG/REPO#N``).
The exceptions are the meta rules, whose facts are pauselint's own (listed in META).
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.rules import RULES

# Rules about pauselint itself: their facts are not upstream ones.
META = {
    "PL001": "the compat table's own date and coverage (table.* in data/compat.yaml)",
    "PL002": "pauselint's own suppression comments",
}

# Files of the reference folder that do not ship with pauselint: a user cannot open them.
UNSHIPPED = ("pause-facts.md", "field-notes.md")

HEADING = "Facts and sources"
URL = re.compile(r"https?://[^\s)]+")
GITHUB_URL = re.compile(
    r"https://github\.com/[\w.-]+/[\w.-]+/"
    r"(?:pull/\d+|issues/\d+|commit/[0-9a-f]{40}|blob/[\w.-]+/[\w./-]+)$")
REPO_PATH = re.compile(
    r"\b[\w-]+/[\w.-]+ (?:[\w.{},-]+/)*(?:[\w{},-]+\.(?:go|md|yaml|sh)|Makefile)\b")
REPO_ISSUE = re.compile(r"\b[\w-]+/[\w.-]+#\d+\b")


def explain(rule_id: str) -> str:
    result = CliRunner().invoke(main, ["explain", rule_id])
    assert result.exit_code == 0, result.output
    return result.output


def facts_section(text: str) -> str:
    """The indented block under the "Facts and sources" heading, joined into one line."""
    lines = text.splitlines()
    assert HEADING in lines, f"no {HEADING!r} section"
    body: list[str] = []
    for line in lines[lines.index(HEADING) + 1:]:
        if line and not line.startswith(" "):
            break
        body.append(line.strip())
    return " ".join(part for part in body if part)


def urls(section: str) -> list[str]:
    return [url.rstrip(".,;:") for url in URL.findall(section)]


def test_meta_rules_exist() -> None:
    assert set(META) <= set(RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_explain_names_no_unshipped_notes(rule_id: str) -> None:
    text = explain(rule_id)
    assert text.startswith(f"{rule_id} {RULES[rule_id].NAME} (")
    for name in UNSHIPPED:
        assert name not in text


@pytest.mark.parametrize("rule_id", sorted(set(RULES) - set(META)))
def test_explain_cites_an_upstream_source(rule_id: str) -> None:
    section = facts_section(explain(rule_id))
    assert urls(section) or REPO_PATH.search(section) or REPO_ISSUE.search(section), section


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_github_links_are_openable_shapes(rule_id: str) -> None:
    """A GitHub link is a PR, issue, commit (full hash) or a file at a tag or commit."""
    for url in urls(facts_section(explain(rule_id))):
        if url.startswith("https://github.com/"):
            assert GITHUB_URL.match(url), url


def test_section_parser_sees_a_missing_source() -> None:
    """The check above can fail: a section citing only the notes has no upstream source."""
    section = facts_section("X\n\nFacts and sources\n    ``pause_tags`` (pause-facts.md §3).\n")
    assert not urls(section) and not REPO_PATH.search(section)
    assert not REPO_ISSUE.search(section)
