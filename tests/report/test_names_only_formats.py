"""text, GitHub and SARIF reports show nothing of a node but its name: a run in one
of them skips describing its nodes (engine.Options.describe_nodes), and prints the
same bytes as a run that described them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.compat import load_table
from pauselint.engine import Options, check_files
from pauselint.inputs import collect
from pauselint.report import DESCRIBING_FORMATS, FORMATS, render

REPO = Path(__file__).resolve().parents[2]
# Five example nodes (several with findings and skips), and loose fixture files.
INPUTS = [str(REPO / "examples"), str(REPO / "tests" / "fixtures" / "containerd")]


@pytest.fixture(scope="module")
def reports() -> tuple:
    table = load_table()
    files = collect(INPUTS)
    options = Options(kubernetes="1.31")
    described = check_files(files, options, table)
    named = check_files(files, options._replace(describe_nodes=False), table)
    return described, named


@pytest.mark.parametrize("output_format", sorted(set(FORMATS) - DESCRIBING_FORMATS))
def test_a_names_only_format_prints_the_same_without_descriptions(
        reports: tuple, output_format: str) -> None:
    described, named = reports
    assert len(described.nodes) > 1 and described.findings  # a run worth comparing
    assert [n["name"] for n in named.nodes] == [n["name"] for n in described.nodes]
    assert all(set(n) == {"name"} for n in named.nodes)
    for quiet in (False, True):
        assert render(named, output_format, tool_version="0", table_date="d", quiet=quiet) \
            == render(described, output_format, tool_version="0", table_date="d", quiet=quiet)


def test_every_other_report_field_is_the_same(reports: tuple) -> None:
    described, named = reports
    assert named.replace(nodes=[]) == described.replace(nodes=[])
