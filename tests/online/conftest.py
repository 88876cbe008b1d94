"""The real registries of tests/realparts/registry.py, started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from realparts.debian import FetchError
from realparts.registry import Registries, running


@pytest.fixture(scope="session")
def registries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registries]:
    """Three running registries with content pushed; skipped, with the reason, where
    Debian's docker-registry cannot be fetched here."""
    try:
        with running(tmp_path_factory.mktemp("registries")) as started:
            yield started
    except FetchError as exc:
        pytest.skip(f"Debian's docker-registry cannot be fetched: {exc}")
