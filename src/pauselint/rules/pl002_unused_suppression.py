"""PL002 unused-suppression: an inline `pauselint: disable=` that suppressed nothing.

What it finds
    A ``# pauselint: disable=PL302`` comment (on a line, or alone on the line above
    it) for which no finding of the named rule was reported at that line.

Why it breaks
    Suppressions rot: the setting moves, the rule is renamed in a comment, a typo
    names the wrong ID, and the comment goes on silencing nothing while the next
    real problem on that line would be silenced without anyone having looked at it.
    Tools whose suppressions fail silently (kube-linter#1180, checkov#1780) taught
    users to distrust them.

How to fix
    Delete the comment, or move it to the line the finding is on, or correct the
    rule ID. ``pauselint check --no-inline-suppressions`` ignores every inline
    comment, for CI that must not accept them.

Facts and sources
    None from the compat table: this rule is about pauselint's own comments (the
    requests behind it: stackrox/kube-linter#487 and #128, hadolint/hadolint#747 and
    #370 on GitHub).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

from pauselint.model import Finding, Location, Severity, Skip, Suppression
from pauselint.rules.framework import RuleContext, finding

ID = "PL002"
NAME = "unused-suppression"
SEVERITY = Severity.INFO
DEFAULT_ENABLED = True

_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Nothing to check in the facts: the engine reports unused suppressions after
    every other rule has run (see :func:`findings_for`)."""
    return iter(())


def findings_for(unused: Iterable[Suppression]) -> list[Finding]:
    """One finding per suppression comment that suppressed nothing."""
    return [
        finding(
            _RULE,
            (f"`pauselint: disable={','.join(s.rules)}` suppressed nothing here; "
             "delete it or move it to the line of the finding") if s.rules else
            "malformed `pauselint:` comment (write `# pauselint: disable=PL302 -- reason`); "
            "it suppresses nothing",
            location=Location(s.path, s.line, None),
            fix="delete the comment",
        )
        for s in unused
    ]
