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
SENDERS = {"HTTPConnection", "HTTPSConnection", "urlopen", "create_connection", "connect",
           "wrap_socket", "request", "putrequest", "getresponse"}
NETWORK_MODULES = {"socket", "ssl", "http.client", "urllib.request", "http"}


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


def _uses(tree: ast.Module, names: set[str]) -> list[tuple[str, str]]:
    """(enclosing function, name) for every use of one of ``names``."""
    found = []
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for node in (n for statement in function.body for n in ast.walk(statement)):
            name = (node.attr if isinstance(node, ast.Attribute)
                    else node.id if isinstance(node, ast.Name) else None)
            if name in names:
                found.append((function.name, name))
    return found


def _imports(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_transport_imports_the_network() -> None:
    trees = {path.name: ast.parse(path.read_text()) for path in sorted(ONLINE.glob("*.py"))}

    importing = {name for name, tree in trees.items() if _imports(tree) & NETWORK_MODULES}

    assert importing == {"transport.py"}


def test_only_send_sends_and_only_send_connects() -> None:
    tree = ast.parse((ONLINE / "transport.py").read_text())

    senders = _uses(tree, SENDERS)
    callers_of_connect = {owner for owner, _ in _uses(tree, {"_connect", "_resolve"})}

    assert {owner for owner, name in senders if name in
            {"request", "putrequest", "getresponse"}} == {"send"}
    assert {owner for owner, _ in senders} == {"send", "_connect"}
    # _connect is reached from send alone, _resolve from _connect alone.
    assert callers_of_connect == {"send", "_connect"}
    assert ("send", "_resolve") not in _uses(tree, {"_resolve"})
