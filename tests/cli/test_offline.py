"""Offline stays offline (issue 15): without ``--online``, checking files opens no
socket at all, whatever the files name (registries, mirrors, hosts.toml servers).

The audit hook sees every ``socket.__new__`` and ``socket.connect`` in the process
(PEP 578), including ones made by C code through the socket module, so a test that
only patched ``socket.socket`` could miss what this one catches. The run is a real
``pauselint`` process over every bundled example and the wrapper fixtures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Runs pauselint's real entry point in a process whose every socket is refused.
_GUARD = """
import sys
def refuse(event, args):
    if event in ("socket.__new__", "socket.connect", "socket.getaddrinfo",
                 "socket.gethostbyname"):
        sys.stderr.write(f"NETWORK USED: {event} {args!r}\\n")
        sys.stderr.flush()
        import os
        os._exit(99)
sys.addaudithook(refuse)
from pauselint.cli import run
sys.argv = ["pauselint", *sys.argv[1:]]
run()
"""


def run_guarded(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _GUARD, *args], capture_output=True,
                          text=True, cwd=REPO, timeout=120, check=False)


def test_check_and_show_open_no_socket() -> None:
    inputs = [str(p) for p in sorted((REPO / "examples").iterdir()) if p.is_dir()]
    inputs.append(str(REPO / "tests" / "fixtures" / "wrappers"))
    for verb in ("check", "show"):
        result = run_guarded(verb, "--no-config", "-k", "1.31", *inputs)
        assert "NETWORK USED" not in result.stderr, result.stderr
        assert result.returncode in (0, 1), result.stderr


def test_the_guard_catches_a_socket() -> None:
    """The guard itself: a process that does open a socket is stopped and says so."""
    result = subprocess.run(
        [sys.executable, "-c", _GUARD.replace("from pauselint.cli import run",
                                              "import socket; socket.socket()\n"
                                              "from pauselint.cli import run"), "--version"],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 99
    assert "NETWORK USED: socket.__new__" in result.stderr
