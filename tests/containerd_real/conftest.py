"""Fixtures for the tests against real containerd binaries (see binaries.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .binaries import FetchError, fetch


@pytest.fixture(scope="session")
def containerd_binaries() -> dict[str, Path]:
    """Debian's containerd 1.6.20, 1.7.24 and 2.1.9, fetched once per session.

    Tests using it skip, with the reason, where the binaries cannot be had here.
    """
    try:
        return fetch()
    except FetchError as exc:
        pytest.skip(f"real containerd binaries unavailable: {exc}")
