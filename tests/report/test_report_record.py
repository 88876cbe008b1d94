"""model.Report behaves as the ``@dataclass(slots=True)`` it replaced (for start-up)."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, InputError, Report, Severity

FINDING = Finding("PL101", "unknown-tag", Severity.ERROR, "no such tag", "a.toml", 3)


def test_each_report_gets_its_own_lists_and_dicts() -> None:
    first, second = Report(), Report()
    first.findings.append(FINDING)
    first.context["kubernetes"] = "1.31"
    assert second.findings == [] and second.context == {}
    assert (first.inputs, first.rules_run) == (0, 0)


def test_fields_keep_the_dataclass_order_positionally_and_by_name() -> None:
    errors = [InputError("a.toml", 1, "bad")]
    report = Report([FINDING], [], errors, 4, ["a.toml"])
    assert report == Report(findings=[FINDING], errors=errors, inputs=4, sources=["a.toml"])
    assert list(report.fields()) == ["findings", "skipped", "errors", "inputs", "sources",
                                     "context", "node_counts", "not_read", "nodes",
                                     "files_skipped", "rules_run"]
    assert report != Report(findings=[FINDING], errors=errors, inputs=5, sources=["a.toml"])
    assert repr(Report(inputs=2)).startswith("Report(findings=[], skipped=[], errors=[], "
                                             "inputs=2,")


def test_replace_makes_a_new_report_and_refuses_unknown_fields() -> None:
    report = Report(findings=[FINDING], inputs=1)
    copy = report.replace(inputs=2, sources=["b.toml"])
    assert (copy.inputs, copy.sources, copy.findings) == (2, ["b.toml"], [FINDING])
    assert (report.inputs, report.sources) == (1, [])
    with pytest.raises(TypeError, match="no field 'input'"):
        report.replace(input=3)


def test_a_report_is_mutable_and_so_not_hashable() -> None:
    report = Report()
    report.inputs = 7
    assert report.inputs == 7
    with pytest.raises(TypeError):
        hash(report)
