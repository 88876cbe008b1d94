"""The `kube_api` fixture: a fresh local Kubernetes API server per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .apiserver import KubeAPI, server_threads


@pytest.fixture
def kube_api(tmp_path: Path) -> Iterator[KubeAPI]:
    """A started `KubeAPI` with no nodes and no ConfigMaps; closed and checked after.

    Teardown fails the test if a handler thread crashed or a thread outlived
    the server, since either would hide a server bug behind a client error.
    """
    api = KubeAPI(tmp_path / "kube-api").start()
    try:
        yield api
    finally:
        api.close()
    assert api.server_errors == []
    assert server_threads() == []
