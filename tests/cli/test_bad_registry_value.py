"""RKE2's system-default-registry written as a URL: a located error, the run goes on
(issue 8 item 9). It used to end the run with "internal error: ImageRefError"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pauselint", "check", *args],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[str, str]:
    rke2 = tmp_path / "a" / "etc" / "rancher" / "rke2" / "config.yaml"
    rke2.parent.mkdir(parents=True)
    rke2.write_text("node-name: a\nsystem-default-registry: https://registry.example.com:5000\n")
    other = tmp_path / "b" / "etc" / "containerd" / "config.toml"
    other.parent.mkdir(parents=True)
    other.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                     '  sandbox_image = "registry.k8s.io/pause:3.6"\n')
    return str(rke2), str(other)


def test_text_names_file_line_and_column(inputs: tuple[str, str]) -> None:
    rke2, other = inputs
    result = run("-k", "1.30", "--runtime-version", "rke2=v1.33.13+rke2r2", rke2, other)
    assert result.returncode == 2
    assert "internal error" not in result.stderr
    # Input errors go to stderr (issue 11), findings to stdout.
    assert (f"{rke2}:2:26: error: system-default-registry makes the built-in sandbox image "
            "of rke2 1.33.13+rke2r2 invalid: image reference 'https://registry.example.com:5000"
            "/rancher/mirrored-pause:3.10.2' starts with the URL scheme 'https://'"
            ) in result.stderr
    assert f"{other}:3:" in result.stdout  # the other node is still judged


def test_json_error_carries_the_column(inputs: tuple[str, str]) -> None:
    rke2, _other = inputs
    result = run("--format", "json", "--runtime-version", "rke2=v1.33.13+rke2r2", rke2)
    assert result.returncode == 2
    [error] = json.loads(result.stdout)["errors"]
    assert (error["path"], error["line"], error["column"]) == (rke2, 2, 26)
