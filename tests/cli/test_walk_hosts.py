"""Walking real hosts: pseudo filesystems never entered, what is not a config counted
and skipped, never an error; only named files that cannot be read are errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.inputs import HEAD_BYTES, MAX_BYTES, collect, walk

CONTAINERD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n' \
             '  sandbox_image = "registry.k8s.io/pause:3.10"\n'


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300,
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pauselint", "check", "--no-config", *args],
                          capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd)


@pytest.mark.skipif(not Path("/etc/os-release").is_file(), reason="not a Linux host")
def test_the_machines_etc_is_clean() -> None:
    proc = run_cli("/etc", "--format", "json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["errors"] == []
    if Path("/etc/ld.so.cache").is_file():  # a binary: counted, never an error
        assert doc["files_skipped"]["binary"] >= 1


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc on this host")
def test_a_walk_of_the_real_root_never_enters_pseudo_filesystems() -> None:
    # Bounded: every other top-level folder is excluded, so only / itself and the
    # four pruned folders are looked at; none of /proc's files is yielded.
    pruned = {"/proc", "/sys", "/dev", "/run"}
    others = [name for name in os.listdir("/") if os.path.isdir(os.path.join("/", name))
              and f"/{name}" not in pruned]
    notes: list = []
    found = list(walk("/", skip=lambda path: path.count("/") == 1 and path[1:] in others,
                      notes=notes))
    assert all(path.count("/") == 1 for path in found), found
    not_walked = {note.path for note in notes if note.reason == "pseudo filesystem: not walked"}
    assert not_walked == {p for p in pruned if os.path.isdir(p) and not os.path.islink(p)}
    # Through the CLI, with the same bound: finishes, and says what it did not enter.
    excludes = [arg for name in others for arg in ("--exclude", f"/{name}")]
    proc = run_cli("/", "--format", "json", *excludes, cwd=Path("/"), timeout=60)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    doc = json.loads(proc.stdout)
    assert {"path": "/proc", "reason": "pseudo filesystem: not walked"} in doc["not_read"]


def test_a_walk_counts_what_is_no_config(tmp_path: Path) -> None:
    node = tmp_path / "node"
    (node / "etc" / "containerd").mkdir(parents=True)
    (node / "etc" / "containerd" / "config.toml").write_text(CONTAINERD)
    (node / "etc" / "ld.so.cache").write_bytes(b"ld.so-1.7.0\x00\x01\x02")
    (node / "etc" / "latin1.conf").write_bytes(b"caf\xe9\n")
    (node / "etc" / "hosts").write_text("127.0.0.1 localhost\n")
    (node / "README.md").write_text("```toml\n" + CONTAINERD.replace("3.10", "3.4") + "```\n")
    (node / "etc" / "alternatives").mkdir()
    (node / "etc" / "alternatives" / "editor").symlink_to("/usr/bin/vi")
    os.mkfifo(node / "etc" / "initctl")
    skipped: dict[str, int] = {}
    notes: list = []
    files = collect([str(node)], notes=notes, skipped=skipped)
    assert [f.path for f in files] == [str(node / "etc" / "containerd" / "config.toml")]
    assert skipped == {"binary": 1, "not UTF-8": 1, "no known kind": 1, "documentation": 1,
                       "symlink to outside the folder": 1, "special file": 1}
    assert notes == []  # nothing named like a config was passed over
    result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json", str(node)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["errors"] == [] and doc["findings"] == []  # the quoted 3.4 is no config


def test_a_walked_config_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    crio = tmp_path / "etc" / "crio"
    crio.mkdir(parents=True)
    (crio / "crio.conf").write_bytes(b'[crio.image]\npause_image = "caf\xe9"\n')
    (tmp_path / "etc" / "motd.bin").write_bytes(b"\x00\x01")
    result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json",
                                       str(tmp_path)])
    doc = json.loads(result.output)
    assert [(e["path"], e["message"]) for e in doc["errors"]] == [
        (str(crio / "crio.conf"), "not UTF-8 text (byte 31)")]
    assert result.exit_code == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_walked_file_that_cannot_be_opened_is_an_error_only_if_named_like_a_config(
        tmp_path: Path) -> None:
    (tmp_path / "etc" / "containerd").mkdir(parents=True)
    config = tmp_path / "etc" / "containerd" / "config.toml"
    config.write_text(CONTAINERD)
    shadow = tmp_path / "etc" / "shadow"
    shadow.write_text("root:*:1:0:99999:7:::\n")
    config.chmod(0)
    shadow.chmod(0)
    skipped: dict[str, int] = {}
    files = collect([str(tmp_path)], skipped=skipped)
    assert [(f.path, f.error is not None) for f in files] == [(str(config), True)]
    assert skipped == {"unreadable": 1}


def test_only_the_head_decides_a_file_of_no_known_kind(tmp_path: Path) -> None:
    # Read whole, this would be "too big"; its head already says it is no config, so
    # the rest is never read.
    (tmp_path / "data.log").write_bytes(b"x" * (MAX_BYTES + HEAD_BYTES))
    # A config by content is read on, and refused as too big: an error, being a config.
    big = tmp_path / "etc" / "containerd" / "config.toml"
    big.parent.mkdir(parents=True)
    big.write_text(CONTAINERD + "#" * MAX_BYTES + "\n")
    skipped: dict[str, int] = {}
    files = collect([str(tmp_path)], skipped=skipped)
    assert skipped == {"no known kind": 1}
    assert [(f.path, f.error.message if f.error else None) for f in files] == [
        (str(big), f"more than {MAX_BYTES:,} bytes; not a node config")]


def test_type_reads_every_walked_file(tmp_path: Path) -> None:
    (tmp_path / "runtime.cfg").write_text(CONTAINERD.replace("3.10", "3.4"))
    result = CliRunner().invoke(main, ["check", "--no-config", "--type", "containerd",
                                       "-k", "1.31", str(tmp_path)])
    assert result.exit_code == 1 and "PL101" in result.output


def test_an_empty_walk_is_clean_but_a_named_non_config_is_not(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    walked = CliRunner().invoke(main, ["check", "--no-config", str(tmp_path)])
    assert walked.exit_code == 0, walked.output
    assert "0 files checked" in walked.output
    named = CliRunner().invoke(main, ["check", "--no-config", str(tmp_path / "notes.txt")])
    assert named.exit_code == 2


def test_pruned_folders_are_pruned_by_real_path_and_links_into_them_not_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in for /proc (the real one cannot be created): pruned by its real path,
    # so a link to it (/etc/mtab -> ../proc/self/mounts) is not read either.
    fake_proc = tmp_path / "host" / "proc"
    (fake_proc / "self").mkdir(parents=True)
    (fake_proc / "self" / "mounts").write_text("proc /proc proc rw 0 0\n")
    monkeypatch.setattr("pauselint.inputs.PRUNED_FOLDERS",
                        frozenset({str(fake_proc.resolve())}))
    etc = tmp_path / "host" / "etc"
    etc.mkdir()
    (etc / "mtab").symlink_to("../proc/self/mounts")
    (etc / "kubeadm-flags.env").symlink_to("../proc/self/mounts")
    notes: list = []
    skipped: dict[str, int] = {}
    assert collect([str(tmp_path / "host")], notes=notes, skipped=skipped) == []
    assert skipped == {"symlink into a pseudo filesystem": 1}
    assert sorted((n.path, n.reason) for n in notes) == [
        (str(etc / "kubeadm-flags.env"), "symlink into a pseudo filesystem: not read"),
        (str(fake_proc), "pseudo filesystem: not walked"),
    ]
