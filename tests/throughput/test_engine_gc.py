"""The check path's collector settings are the run's only, never left behind."""

from __future__ import annotations

import gc

import pytest

from pauselint.commands.check import engine_gc


def test_engine_gc_raises_the_threshold_inside_and_restores_it_after() -> None:
    before = gc.get_threshold()
    with engine_gc():
        assert gc.get_threshold()[0] == 50_000
        assert gc.isenabled()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_engine_gc_restores_the_threshold_when_the_run_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), engine_gc():
        raise RuntimeError("run failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
