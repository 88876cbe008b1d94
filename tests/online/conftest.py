"""The real registries of tests/realparts/registry.py, started once per session."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from cluster.conftest import kube_api  # noqa: F401 (the stand-in API server, for cluster --online)
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


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_host() -> Iterator[str]:
    """A listening socket that never accepts or answers: the kernel completes the TCP
    handshake (backlog), then nothing is ever said."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"127.0.0.1:{server.getsockname()[1]}"
