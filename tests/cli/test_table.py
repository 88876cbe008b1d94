"""`pauselint table`: what the compat table knows, and a table that says how current it is."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.compat import CompatTable, load_table, table_path


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["table", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_text_names_the_date_the_newest_releases_and_every_kubeadm_minor() -> None:
    table = load_table()
    text = run()
    first = text.splitlines()[0]
    assert table.date in first and f"Kubernetes through {table.kubernetes_through}" in first
    for expectation in table.kubeadm_minors():
        assert f"  {expectation.kubernetes:<6} {expectation.image}\n" in text
    assert "registry.k8s.io/pause: " in text


def test_json_carries_every_repository_with_its_tags_and_sources() -> None:
    table = load_table()
    document = json.loads(run("-o", "json"))
    by_name = {r["name"]: r for r in document["repositories"]}
    assert set(by_name) == {r.name for r in table.repositories()}
    upstream = by_name["registry.k8s.io/pause"]
    assert upstream["tags"] == list(table.repository("registry.k8s.io/pause").tags)
    assert all(entry["source"] for key in ("pause_tags", "repositories", "mirrors")
               for entry in document[key])
    assert document["date"] == table.date


def test_the_table_date_is_not_older_than_any_fact_in_it() -> None:
    """A row added without bumping table.date makes the table look staler, or a
    stale date look current: bump `table.date` when this fails."""
    table = load_table()
    assert table.newest_fact_date() is not None
    assert table.date >= table.newest_fact_date()


def test_newest_fact_date_reads_dates_in_sources_too() -> None:
    raw = yaml.safe_load(Path(table_path()).read_text(encoding="utf-8"))
    raw["mirrors"][0]["source"] += " (checked 2099-01-31)"
    assert CompatTable(raw).newest_fact_date() == "2099-01-31"


def test_every_runtime_default_row_is_shown_with_its_release_range() -> None:
    table = load_table()
    rows = table.runtime_default_rows()
    assert {r["runtime"] for r in rows} == {"containerd", "cri-o", "rke2", "k3s", "cri-dockerd"}
    text = run()
    for row in rows:
        assert f"  {row['runtime']:<12} {row['versions']:<34} {row['image']}" in text
    assert json.loads(run("-o", "json"))["runtime_defaults"] == rows
