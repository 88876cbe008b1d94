"""Offline stays offline: ``pauselint check`` without ``--online`` neither imports
:mod:`pauselint.online` nor opens a network socket."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_PROBE = """\
import json, socket, sys
opened = []
real_connect = socket.socket.connect
def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        opened.append(repr(address))
    return real_connect(self, address)
socket.socket.connect = connect
real_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    opened.append(f"getaddrinfo {host}")
    return real_getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo
from click.testing import CliRunner
from pauselint.cli import main
imported_by_cli = sorted(m for m in sys.modules if m.startswith("pauselint.online"))
result = CliRunner().invoke(main, ["check", "--format", "json", sys.argv[1]])
print(json.dumps({"exit": result.exit_code, "output": result.output, "opened": opened,
                  "by_cli": imported_by_cli,
                  "by_check": sorted(m for m in sys.modules if m.startswith("pauselint.online"))}))
"""


def test_check_without_online_imports_no_online_module_and_opens_no_socket(
        tmp_path: Path) -> None:
    config = tmp_path / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    # A mirror the offline table does not describe: the case online checks are for.
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      '  sandbox_image = "registry.example.com:5000/pause:3.9"\n')

    out = subprocess.run([sys.executable, "-c", _PROBE, str(config)], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    probe = json.loads(out)

    assert probe["exit"] in (0, 1), probe["output"]
    assert json.loads(probe["output"])["errors"] == []
    assert (probe["by_cli"], probe["by_check"], probe["opened"]) == ([], [], [])
