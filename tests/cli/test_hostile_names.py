"""Hostile file names and values through the real CLI (a subprocess, real stdout bytes).

A name that is not UTF-8 must never make JSON or SARIF invalid or stop the run, and
no control character from a name or value may reach the terminal or a CI log raw.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "sarif" /
                     "sarif-schema-2.1.0.json").read_text())
FROZEN = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "k8s.gcr.io/pause:3.9"
"""
# Not UTF-8: Latin-1 "café", as an old tarball or a Windows share leaves it on disk.
LATIN1_NAME = b"caf\xe9.toml"
# Clears the screen, rings the bell, returns to column 0, reverses the line (RLO).
HOSTILE_NAME = "evil\x1b[2J\x07\r\u202e.toml"
# A value with an OSC "set window title" sequence: the TOML parser quotes it back.
HOSTILE_VALUE = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "x\x1b]0;pwned\x07"\n'
# Valid UTF-8 that a Latin-1 terminal cannot show.
JAPANESE_NAME = "ノード.toml"
RAW_CONTROLS = [b"\x1b", b"\x07", b"\r", "\u202e".encode()]


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / os.fsdecode(LATIN1_NAME)).write_text(FROZEN)
    (folder / HOSTILE_NAME).write_text(FROZEN)
    (folder / JAPANESE_NAME).write_text(FROZEN)
    (folder / "value.toml").write_text(HOSTILE_VALUE)
    return folder


def run_check(folder: Path, *args: str, env: dict[str, str] | None = None,
              ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pauselint", "check", "--no-config", "-k", "1.31", *args, "."],
        cwd=folder, capture_output=True, env={**os.environ, **(env or {})}, check=False,
    )


def assert_safe(stdout: bytes) -> str:
    text = stdout.decode("utf-8")  # raises if a raw byte of the name got through
    for raw in RAW_CONTROLS:
        assert raw not in stdout
    return text


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_every_format_is_valid_utf8_without_raw_controls(hostile_folder: Path,
                                                         output_format: str) -> None:
    result = run_check(hostile_folder, "--format", output_format)
    assert result.returncode == 2, result.stderr  # value.toml is an input error
    assert b"Traceback" not in result.stderr and b"internal error" not in result.stderr
    assert_safe(result.stdout)


def test_text_shows_names_escaped(hostile_folder: Path) -> None:
    result = run_check(hostile_folder)
    text = assert_safe(result.stdout) + assert_safe(result.stderr)  # errors: stderr
    assert "./caf\\xe9.toml:3:19: warning PL103 frozen-registry:" in text
    assert "./evil\\x1b[2J\\x07\\r\\u202e.toml:3:19: warning PL103 frozen-registry:" in text
    assert "./value.toml:3: error: invalid TOML:" in text


def test_github_commands_cannot_be_split_or_forged(hostile_folder: Path) -> None:
    text = assert_safe(run_check(hostile_folder, "--format", "github").stdout)
    lines = text.splitlines()
    # Every line is one of pauselint's workflow commands: no name started a line.
    assert all(line.startswith(("::warning ", "::error ", "::notice ")) for line in lines)
    assert "::warning file=./caf\\xe9.toml,line=3,col=19,title=PL103 frozen-registry::" in text
    # CR goes in the runner's own escape; ESC, BEL and RLO in the shown form.
    assert ("::warning file=./evil\\x1b[2J\\x07%0D\\u202e.toml,line=3,col=19,"
            "title=PL103 frozen-registry::") in text


def test_json_keeps_valid_utf8_and_every_name(hostile_folder: Path) -> None:
    stdout = run_check(hostile_folder, "--format", "json").stdout
    assert_safe(stdout)
    doc = json.loads(stdout)
    # The name that is not UTF-8 in the shown form; the others exactly, through
    # JSON's own escapes (\u001b, \u202e), which json.loads undoes.
    assert {f["path"] for f in doc["findings"]} == {
        "./caf\\xe9.toml", "./evil\x1b[2J\x07\r\u202e.toml", "./ノード.toml"}
    assert [(e["path"], e["line"]) for e in doc["errors"]] == [("./value.toml", 3)]


def test_sarif_is_valid_and_uris_name_the_real_bytes(hostile_folder: Path) -> None:
    stdout = run_check(hostile_folder, "--format", "sarif").stdout
    assert_safe(stdout)
    doc = json.loads(stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"] for loc in r["locations"]}
    # A URI carries the file's real bytes, percent-encoded: it still names the file.
    assert uris == {"./caf%E9.toml", "./evil%1B%5B2J%07%0D%E2%80%AE.toml",
                    "./%E3%83%8E%E3%83%BC%E3%83%89.toml"}


def test_latin1_terminal_gets_text_and_json_stays_utf8(hostile_folder: Path) -> None:
    # A terminal in Latin-1: text output uses its encoding and never crashes on a
    # character it lacks; machine formats are UTF-8 whatever the locale.
    env = {"PYTHONIOENCODING": "latin-1"}
    text = run_check(hostile_folder, env=env)
    assert text.returncode == 2 and b"Traceback" not in text.stderr
    assert b"./caf\\xe9.toml:3:19: warning PL103" in text.stdout
    assert b"./\\u30ce\\u30fc\\u30c9.toml:3:19: warning PL103" in text.stdout
    as_json = run_check(hostile_folder, "--format", "json", env=env)
    doc = json.loads(as_json.stdout.decode("utf-8"))
    assert doc["summary"]["inputs"] == 4
    assert "./ノード.toml" in {f["path"] for f in doc["findings"]}


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_output_file_with_hostile_names_is_written(hostile_folder: Path, tmp_path: Path,
                                                   output_format: str) -> None:
    out = tmp_path / "report.out"
    result = run_check(hostile_folder, "--format", output_format, "--output-file", str(out))
    assert result.returncode == 2 and result.stdout == b""
    assert b"Traceback" not in result.stderr
    assert_safe(out.read_bytes())


def test_fatal_message_never_prints_a_raw_control(tmp_path: Path) -> None:
    folder = tmp_path / "no\x1b[2Jdir"  # --output into a folder that is not there
    result = subprocess.run(
        [sys.executable, "-m", "pauselint", "check", "--no-config", "--output-file",
         str(folder / "r.json"), "-"], input=FROZEN.encode(), capture_output=True,
        check=False)
    assert result.returncode == 2
    assert b"\x1b" not in result.stderr
    assert b"no\\x1b[2Jdir/r.json: No such file or directory" in result.stderr
