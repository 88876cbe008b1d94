"""Read-only by construction: one function sends, and it sends only GET and HEAD."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

from pauselint.online.deadline import Deadline
from pauselint.online.transport import METHODS, TLSOptions, send

ONLINE = Path(__file__).resolve().parents[2] / "src" / "pauselint" / "online"
# What opens a connection or sends a request, by name.
SENDERS = {"HTTPConnection", "HTTPSConnection", "urlopen", "create_connection", "socket",
           "request", "putrequest"}


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH", "get", "OPTIONS"])
def test_any_other_method_is_refused_before_a_socket_exists(
        method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []

    def no_socket(*args: object, **kwargs: object) -> None:
        opened.append(args)
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", no_socket)
    monkeypatch.setattr(socket, "create_connection", no_socket)

    with pytest.raises(ValueError, match="only GET and HEAD"):
        send(method, "http://127.0.0.1:9/v2/", {}, tls=TLSOptions(), timeout=1,
             deadline=Deadline(5))
    assert opened == []
    assert frozenset({"GET", "HEAD"}) == METHODS


def _senders_used(path: Path) -> list[tuple[str, str, int]]:
    """(function, name, line) for every use of a sending name in ``path``."""
    tree = ast.parse(path.read_text())
    found = []
    for function in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
        owner = function.name if isinstance(function, ast.FunctionDef) else "<module>"
        body = function.body
        for node in (n for statement in body for n in ast.walk(statement)):
            name = (node.attr if isinstance(node, ast.Attribute)
                    else node.id if isinstance(node, ast.Name) else None)
            if name in SENDERS:
                found.append((owner, name, node.lineno))
    return found


def test_only_send_opens_connections_or_sends_requests() -> None:
    uses = {path.name: _senders_used(path) for path in sorted(ONLINE.glob("*.py"))}

    outside = {name: found for name, found in uses.items()
               if name != "transport.py" and found}
    in_transport = {owner for owner, _, _ in uses["transport.py"]}
    assert outside == {}
    # The module level and send() itself walk the same nodes; no other function sends.
    assert in_transport <= {"<module>", "send"}
    assert "send" in in_transport
