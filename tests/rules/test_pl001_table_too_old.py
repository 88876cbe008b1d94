"""PL001: versions newer than the compat table are reported, never guessed about."""

from __future__ import annotations

import pytest
from packaging.version import Version

from pauselint.model import Location, Severity
from pauselint.rules import pl001_table_too_old as rule
from pauselint.rules.framework import RuleContext, RuntimeInfo


@pytest.mark.parametrize(
    ("kubernetes", "runtime", "fragments"),
    [
        ("1.38", None, ["Kubernetes 1.38 is newer than the compat table (2026-12-04)",
                        "describes up to 1.37", "upgrade pauselint", "compat overlay"]),
        ("1.38.2", None, ["Kubernetes 1.38.2 is newer than the compat table (2026-12-04)"]),
        ("1.29", "containerd=2.5.0", ["containerd 2.5.0 is newer than the compat table "
                                      "(2026-12-04), which describes up to 2.4"]),
        (None, "cri-o=1.38.1", ["cri-o 1.38.1 is newer than the compat table (2026-12-04)",
                                "describes up to 1.37"]),
    ],
)
def test_fires_for_versions_beyond_the_table(context, kubernetes, runtime, fragments):
    found = list(rule.check(context(kubernetes=kubernetes, runtime=runtime)))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL001", "table-too-old", Severity.WARNING)
    assert f.location == Location(None)
    for fragment in fragments:
        assert fragment in f.message


@pytest.mark.parametrize(
    ("kubernetes", "runtime"),
    [("1.36", None), ("1.36.3", "containerd=2.3.4"), ("1.18", "cri-o=1.36.0"), (None, None)],
)
def test_silent_for_versions_the_table_knows(context, kubernetes, runtime):
    assert list(rule.check(context(kubernetes=kubernetes, runtime=runtime))) == []


def test_kubernetes_and_runtime_both_too_new_give_two_findings(table):
    ctx = RuleContext(
        table=table,
        kubernetes=Version("1.38"),
        runtimes=(RuntimeInfo(rule.Component.CONTAINERD, Version("2.5.1"), "2.5.1"),),
    )
    messages = [f.message for f in rule.check(ctx)]
    assert [m.split(" is newer")[0] for m in messages] == ["Kubernetes 1.38", "containerd 2.5.1"]
