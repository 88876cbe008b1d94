"""Hostile files and paths (issue 8 items 2, 7, 11, 14), through the real CLI process.

Paths inside configs stay inside the node folder, reads are bounded, a folder walk
loses nothing silently, and CR-only line ends are located like LF ones.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

SECRET = "s3cr3t-token-value-0123456789"
CONTAINERD = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "registry.k8s.io/pause:3.9"\n')


def run(*args: str, stdin: bytes | None = None, timeout: float = 30,
        cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pauselint", "check", "-k", "1.31", "--no-config", *args],
        input=stdin.decode("latin-1") if stdin is not None else None, cwd=cwd,
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    return proc, time.monotonic() - started


def run_json(*args: str, **kwargs) -> tuple[dict, subprocess.CompletedProcess[str], float]:
    proc, took = run("--format", "json", *args, **kwargs)
    return json.loads(proc.stdout), proc, took


def errors(doc: dict) -> list[tuple[str | None, int | None, str]]:
    return [(Path(e["path"]).name if e["path"] else None, e["line"], e["message"])
            for e in doc["errors"]]


# -- item 2: paths inside configs never leave the node ---------------------------------

@pytest.fixture
def outside_secret(tmp_path: Path) -> Path:
    """A node folder ``node/`` and, beside it, files it must never read."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "secret.env").write_text(
        f"KUBELET_EXTRA_ARGS=--pod-infra-container-image={SECRET}\nTOKEN={SECRET}\n")
    (tmp_path / "etc" / "secret.toml").write_text(
        f'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "{SECRET}"\n')
    node = tmp_path / "node"
    node.mkdir()
    return node


def assert_secret_never_shown(proc: subprocess.CompletedProcess[str]) -> None:
    assert SECRET not in proc.stdout
    assert SECRET not in proc.stderr


def test_environment_file_climbing_out_of_the_node_reads_the_nodes_own_path(
        outside_secret: Path) -> None:
    node = outside_secret
    unit = node / "etc" / "systemd" / "system" / "kubelet.service"
    unit.parent.mkdir(parents=True)
    # The secret sits at node/../etc/secret.env: `/..` must not climb there.
    unit.write_text("[Service]\nEnvironmentFile=/../etc/secret.env\n"
                    "EnvironmentFile=-/../../../etc/secret.env\n"
                    "ExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n")
    doc, proc, _ = run_json(str(node))
    assert_secret_never_shown(proc)
    # `/..` stays at the node's root: the node's own etc/secret.env, which it lacks.
    assert not [f for f in doc["findings"] if f["image"]]
    (node / "etc" / "secret.env").write_text(
        "KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9\n")
    doc, proc, _ = run_json(str(node))
    assert {(f["rule"], Path(f["path"]).name, f["line"]) for f in doc["findings"]} >= {
        ("PL302", "secret.env", 1)}


def test_environment_file_symlink_out_of_the_node_is_an_error_not_a_read(
        outside_secret: Path) -> None:
    node = outside_secret
    unit = node / "etc" / "systemd" / "system" / "kubelet.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nEnvironmentFile=/etc/kubelet.env\n"
                    "ExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n")
    (node / "etc" / "kubelet.env").symlink_to(outside_secret.parent / "etc" / "secret.env")
    doc, proc, _ = run_json(str(node))
    assert_secret_never_shown(proc)
    assert ("kubelet.service", None, "EnvironmentFile=/etc/kubelet.env: `/etc/kubelet.env` "
            "leads outside the node folder through a symlink: not read") in errors(doc)
    assert proc.returncode == 2


def test_an_unreadable_environment_file_is_an_error_not_unset(tmp_path: Path) -> None:
    # The flag in it would be PL301 on 1.36; read as "nothing set" it was exit 0.
    dropin = tmp_path / "etc" / "systemd" / "system" / "kubelet.service.d" / "10-x.conf"
    dropin.parent.mkdir(parents=True)
    dropin.write_text("[Service]\nEnvironmentFile=/etc/default/kubelet\n"
                      "EnvironmentFile=-/etc/default/absent\n")
    env = tmp_path / "etc" / "default" / "kubelet"
    env.parent.mkdir(parents=True)
    env.write_bytes(b"KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9 "
                    b"\xff\n")
    doc, proc, _ = run_json(str(dropin), "--root", str(tmp_path))
    # The optional file that is not there is no error; the unreadable one is: at the
    # line that names it, and (a known file of the node, read with it) at itself.
    assert sorted(errors(doc)) == [
        ("10-x.conf", None, "EnvironmentFile=/etc/default/kubelet: not UTF-8 text (byte 73)"),
        ("kubelet", 1, "not UTF-8 text (byte 73)")]
    assert proc.returncode == 2


def test_a_bad_byte_after_a_bom_is_counted_from_the_start_of_the_file(tmp_path: Path) -> None:
    # The BOM's three bytes are the file's: byte 5 here, on line 2, as `cmp` says.
    config = tmp_path / "etc" / "crio" / "crio.conf"
    config.parent.mkdir(parents=True)
    config.write_bytes(b"\xef\xbb\xbf#\n\xff\n")
    doc, proc, _ = run_json(str(config))
    assert errors(doc) == [("crio.conf", 2, "not UTF-8 text (byte 5)")]
    assert proc.returncode == 2


def test_containerd_imports_never_leave_the_node(outside_secret: Path) -> None:
    node = outside_secret
    config = node / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('version = 2\nimports = ["../../../etc/secret.toml", "/../../etc/*.toml"]\n'
                      + CONTAINERD.split("\n", 1)[1])
    doc, proc, _ = run_json(str(node))
    assert_secret_never_shown(proc)
    assert [f["image"] for f in doc["findings"] if f["image"]] \
        and {f["image"] for f in doc["findings"] if f["image"]} == {"registry.k8s.io/pause:3.9"}


def test_a_glob_import_is_capped(tmp_path: Path) -> None:
    from pauselint.sources.node_paths import MAX_GLOB_MATCHES

    config = tmp_path / "etc" / "containerd" / "config.toml"
    dropins = config.parent / "conf.d"
    dropins.mkdir(parents=True)
    for index in range(MAX_GLOB_MATCHES + 1):
        (dropins / f"{index:03}.toml").write_text("version = 2\n")
    config.write_text('version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n')
    doc, _proc, _ = run_json(str(tmp_path))
    assert ("config.toml", None, "imports: `/etc/containerd/conf.d/*.toml` matches more than "
            f"{MAX_GLOB_MATCHES} files: none of them read (no runtime config imports that "
            "many)") in errors(doc)
    assert doc["findings"] == [] or {f["path"] for f in doc["findings"]} == {str(config)}


def _entries_bound(pattern: str) -> str:
    from pauselint.sources.node_paths import MAX_GLOB_ENTRIES

    return (f"imports: `{pattern}`: expanding it examined more than {MAX_GLOB_ENTRIES:,} folder "
            "entries: none of them read (no runtime config imports from that many)")


def test_a_glob_import_through_looping_symlinks_ends_at_its_bound(tmp_path: Path) -> None:
    conf = tmp_path / "etc" / "containerd"
    for i in range(1, 11):
        (conf / f"d{i}").mkdir(parents=True)
        for j in range(1, 11):
            (conf / f"d{i}" / f"up{j}").symlink_to("..")
    (conf / "loop").symlink_to(".")
    pattern = "/etc/containerd/loop/*/*/*/*/*/*/*/zz*.toml"
    (conf / "config.toml").write_text(f'version = 2\nimports = ["{pattern}"]\n')
    doc, proc, took = run_json(str(conf / "config.toml"), "--root", str(tmp_path), timeout=30)
    assert errors(doc) == [("config.toml", None, _entries_bound(pattern))]
    assert proc.returncode == 2
    assert took < 10  # an interpreter start included


def test_a_glob_import_with_no_root_never_walks_the_whole_host(tmp_path: Path) -> None:
    # A file named alone (as the pre-commit hook does): the node is this machine.
    pattern = "/*/*/*/*/*/*/*/zz*.toml"
    (tmp_path / "config.toml").write_text(f'version = 2\nimports = ["{pattern}"]\n')
    doc, proc, took = run_json("config.toml", cwd=tmp_path, timeout=30)
    assert errors(doc) == [("config.toml", None, _entries_bound(pattern))]
    assert proc.returncode == 2
    assert took < 10


def test_environment_values_are_never_quoted_in_errors(tmp_path: Path) -> None:
    unit = tmp_path / "etc" / "systemd" / "system" / "kubelet.service"
    unit.parent.mkdir(parents=True)
    unit.write_text(f"[Service]\nEnvironment=TOKEN= {SECRET}\nEnvironment=\"A={SECRET}\n"
                    "ExecStart=/usr/bin/kubelet\n")
    env = tmp_path / "var" / "lib" / "kubelet" / "kubeadm-flags.env"
    env.parent.mkdir(parents=True)
    env.write_text(f"KUBELET_KUBEADM_ARGS='{SECRET}\n{SECRET} nonsense\n")
    doc, proc, _ = run_json(str(tmp_path))
    assert_secret_never_shown(proc)
    assert ("kubelet.service", 2, "systemd ignores the word at column 20 of Environment=: not a "
            "NAME=VALUE assignment (quote the whole assignment to keep spaces)") in errors(doc)
    assert ("kubeadm-flags.env", 1,
            "unterminated single quote (column 22): line not read") in errors(doc)
    text, _ = run(str(tmp_path))
    assert_secret_never_shown(text)


# -- item 7: bounded reading --------------------------------------------------------

@pytest.mark.parametrize(("device", "kind"), [("/dev/zero", "a character device"),
                                              ("/dev/urandom", "a character device")])
def test_devices_are_refused_at_once(device: str, kind: str) -> None:
    doc, proc, took = run_json(device, timeout=10)
    assert errors(doc) == [(Path(device).name, None, f"{kind}, not a regular file: not read")]
    assert proc.returncode == 2
    assert took < 5  # a whole interpreter start included; the read itself is instant


def test_a_fifo_with_no_writer_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    doc, proc, _ = run_json(str(fifo), timeout=10)
    assert errors(doc) == [("config.toml", None, "a FIFO (named pipe), not a regular file: "
                            "not read")]
    assert proc.returncode == 2


def test_a_walk_never_opens_special_files_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "etc" / "containerd"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(CONTAINERD)
    os.mkfifo(folder / "pipe.toml")
    doc, _proc, _ = run_json(str(tmp_path), timeout=10)
    assert doc["not_read"] == [{"path": str(folder / "pipe.toml"),
                                "reason": "a FIFO (named pipe): not read"}]
    assert doc["errors"] == []


def test_endless_stdin_is_capped(tmp_path: Path) -> None:
    from pauselint.inputs import MAX_BYTES

    source = subprocess.Popen(["cat", "/dev/zero"], stdout=subprocess.PIPE)
    try:
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "pauselint", "check", "--no-config", "--format", "json",
             "--type", "containerd", "-"],
            stdin=source.stdout, capture_output=True, text=True, timeout=20, check=False)
        took = time.monotonic() - started
    finally:
        source.kill()
        source.wait()
    doc = json.loads(proc.stdout)
    assert errors(doc) == [("<stdin>", None, f"more than {MAX_BYTES:,} bytes; not a node config")]
    assert took < 10


def test_deeply_nested_crio_conf_is_an_input_error_fast(tmp_path: Path) -> None:
    crio = tmp_path / "crio.conf"
    crio.write_text("[crio.image]\n" + "".join(f"[a{i}.b]\n" for i in range(2))
                    + "x = " + "[" * 1000 + "]" * 1000 + "\n")
    assert crio.stat().st_size < 4096
    doc, proc, _ = run_json(str(crio), timeout=10)
    assert errors(doc) == [("crio.conf", 4, "not read: nested more than 32 levels deep "
                            "(`[`/`{`): refused before parsing")]
    assert "Traceback" not in proc.stderr


def test_a_60kb_dotted_key_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("version = 2\n" + "a" + ".a" * 30_000 + " = 1\n")
    # The peak is the process's own (VmHWM): on Linux ru_maxrss keeps the high-water
    # mark of the process it was forked from, here the test runner, however large.
    probe = (
        "import resource, sys\n"
        "from pauselint.cli import main\n"
        "try:\n"
        f"    main(['check', '--no-config', '--format', 'json', {str(config)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "try:\n"
        "    peak = next(int(line.split()[1]) for line in open('/proc/self/status')\n"
        "                if line.startswith('VmHWM:'))\n"
        "except (OSError, StopIteration):\n"
        "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(peak, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=30, check=False)
    doc = json.loads(proc.stdout)
    assert errors(doc) == [("config.toml", 2, "not read: a dotted key of more than 64 parts "
                            "(60,001 characters): refused before parsing")]
    peak_kib = int(proc.stderr.strip().splitlines()[-1])
    assert peak_kib < 200 * 1024


def test_a_4mb_word_after_many_dots_is_judged_in_linear_time(tmp_path: Path) -> None:
    # The guard once retried its dotted-key pattern at every letter of a long word.
    config = tmp_path / "config.toml"
    config.write_text("version = 2\n# " + "." * 65 + "\n" + "a" * 4_000_000 + "\n")
    doc, proc, took = run_json(str(config), timeout=60)
    assert errors(doc) == [("config.toml", 3, "invalid TOML: Expected '=' after a key in a "
                            "key/value pair (at line 3, column 4000001)")]
    assert proc.returncode == 2
    assert took < 5


# -- item 11: nothing in a walk is lost silently -------------------------------------

# Root reads any folder, and the interpreter lives under /root (mode 700), so a child
# cannot exec it as nobody. Instead the child starts as root, runs one check on a
# readable folder (so every module the run needs is imported), then drops to nobody
# and runs the real check: the EACCES os.walk meets is the kernel's own.
_AS_NOBODY = """
import os, sys
from pauselint.cli import main
def check(path):
    try:
        main(["check", "--no-config", "-k", "1.31", path])
    except SystemExit as exc:
        return exc.code
    return 0
check(sys.argv[1])
print("---", flush=True)
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
sys.exit(check(sys.argv[2]))
"""


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="needs POSIX users")
def test_an_unreadable_config_folder_is_an_error_never_clean() -> None:
    # pytest's tmp_path sits under a folder of mode 700: nobody could not reach it at all.
    tmp_path = Path(tempfile.mkdtemp(prefix="pauselint-eacces-"))
    try:
        _unreadable_config_folder(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def _unreadable_config_folder(tmp_path: Path) -> None:
    warm = tmp_path / "warm" / "etc" / "crio"
    warm.mkdir(parents=True)
    (warm / "crio.conf").write_text('[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n')
    crio = tmp_path / "node" / "etc" / "crio"
    crio.mkdir(parents=True)
    (crio / "crio.conf").write_text('[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n')
    for folder in (tmp_path, tmp_path / "node", tmp_path / "node" / "etc"):
        os.chmod(folder, 0o755)
    os.chmod(crio, 0o700 if os.geteuid() == 0 else 0)  # owner root: nobody cannot list it
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _AS_NOBODY, str(tmp_path / "warm"), str(tmp_path / "node")],
            capture_output=True, text=True, timeout=30, check=False, cwd="/")
    finally:
        os.chmod(crio, 0o755)
    warm_out, _, out = proc.stdout.partition("---\n")
    assert "no problems found" in warm_out  # the same config, readable, is clean
    assert proc.returncode == 2, proc.stdout + proc.stderr
    # The input error goes to stderr (issue 11); the summary on stdout counts it.
    assert f"{crio}: error: folder not read: Permission denied; configs in it are unknown" \
        in proc.stderr
    assert out.endswith("1 input error\n")
    assert "no problems found" not in out
    assert "Traceback" not in proc.stderr


def test_symlinked_folders_and_broken_links_are_reported_not_followed(tmp_path: Path) -> None:
    node = tmp_path / "node"
    (node / "etc" / "containerd").mkdir(parents=True)
    (node / "etc" / "containerd" / "config.toml").write_text(CONTAINERD)
    (node / "etc" / "loop").symlink_to(node)  # would loop if followed
    (node / "etc" / "containerd" / "old.toml").symlink_to(node / "missing.toml")
    doc, _proc, _ = run_json(str(node))
    assert doc["not_read"] == [
        {"path": str(node / "etc" / "containerd" / "old.toml"),
         "reason": "broken symlink: not read"},
        {"path": str(node / "etc" / "loop"), "reason": "symlinked folder: not followed"},
    ]
    text, _ = run(str(node))
    assert f"not read {node / 'etc' / 'loop'}: symlinked folder: not followed" in text.stdout


# -- item 14: CR-only line ends -------------------------------------------------------

def test_cr_only_containerd_is_detected_located_and_refused(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_bytes(CONTAINERD.replace("3.9", "3.4").replace("\n", "\r").encode())
    doc, _proc, _ = run_json(str(config))
    assert ("PL101", 3, 19) in {(f["rule"], f["line"], f["column"]) for f in doc["findings"]}
    # Verified against Debian's containerd: 1.6.20 and 1.7.24 take a CR alone for a line
    # end, 2.1.9 stops at the first one. No input error: which release runs decides.
    assert errors(doc) == []
    refusal = next(f for f in doc["findings"] if f["rule"] == "PL406")
    assert (refusal["severity"], refusal["line"]) == ("warning", 1)
    assert refusal["message"].startswith(
        "containerd 2.0.0 refuses to start: a line ends in CR alone, which TOML does not "
        "allow ('failed to unmarshal TOML at row 1 column 12')")
    assert refusal["message"].endswith("(the containerd release is not known; 1.6.32, 1.7.17 "
                                       "start with these files)")
    doc, _proc, _ = run_json(str(config), "--runtime-version", "containerd=1.7.24")
    assert not [f for f in doc["findings"] if f["rule"] == "PL406"]
    assert ("PL101", 3, 19) in {(f["rule"], f["line"], f["column"]) for f in doc["findings"]}
    doc, _proc, _ = run_json(str(config), "--runtime-version", "containerd=2.1.9")
    assert [(f["severity"], f["line"]) for f in doc["findings"] if f["rule"] == "PL406"] == [
        ("error", 1)]


def test_cr_only_kubelet_env_is_located_and_flagged(tmp_path: Path) -> None:
    env = tmp_path / "kubeadm-flags.env"
    env.write_bytes(b"# kubeadm\rKUBELET_KUBEADM_ARGS=\"--pod-infra-container-image="
                    b"registry.k8s.io/pause:3.9\"\r")
    doc, _proc, _ = run_json(str(env))
    assert ("PL302", 2, 51) in {(f["rule"], f["line"], f["column"]) for f in doc["findings"]}
    assert [e[:2] for e in errors(doc)] == [("kubeadm-flags.env", 1)]
    assert "systemd and shells split lines at LF only" in doc["errors"][0]["message"]


def test_cr_only_yaml_is_valid_and_located(tmp_path: Path) -> None:
    # A guard, not a regression: YAML counts a lone CR as a line break, so no error.
    config = tmp_path / "etc" / "rancher" / "k3s" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_bytes(b"# k3s\rpause-image: registry.k8s.io/pause:3.4\r")
    doc, _proc, _ = run_json(str(config))
    assert ("PL101", 2, 14) in {(f["rule"], f["line"], f["column"]) for f in doc["findings"]}
    assert doc["errors"] == []


def test_a_file_is_read_to_the_cap_whatever_its_size_said(tmp_path: Path) -> None:
    """The read asks for the size fstat() gave, plus one: a file longer than that (one
    that grew) is still read whole, and one past the cap is refused, never loaded."""
    from pauselint.inputs import MAX_BYTES, _read_capped, read_path

    text = CONTAINERD + "#" * (MAX_BYTES - len(CONTAINERD) - 1) + "\n"  # exactly the cap
    exact = tmp_path / "config.toml"
    exact.write_text(text)
    fd = os.open(exact, os.O_RDONLY)
    try:
        assert _read_capped(fd, 10) == text.encode()  # a stale size: read on to the end
    finally:
        os.close(fd)
    assert read_path(str(exact), explicit=True).text == text
    sparse = tmp_path / "huge.toml"
    with sparse.open("wb") as handle:
        handle.truncate(1 << 40)  # a terabyte, of which nothing is on disk
    fd = os.open(sparse, os.O_RDONLY)
    try:
        assert len(_read_capped(fd, 1 << 40)) == MAX_BYTES + 1
    finally:
        os.close(fd)
    big = read_path(str(sparse), explicit=True)
    assert big.text is None and big.error.message == f"more than {MAX_BYTES:,} bytes; " \
                                                      "not a node config"


def test_an_input_another_node_imports_by_absolute_path_has_its_error_once(
        tmp_path: Path) -> None:
    # The importer reads the file again by the path its import writes; the error is
    # the input's, named as the input was named (relative here), not twice.
    node = tmp_path / "nodes" / "g"
    broken = node / "etc" / "containerd" / "config.toml"
    broken.parent.mkdir(parents=True)
    broken.write_text("x = = 1\n")
    loose = tmp_path / "loose.toml"
    loose.write_text(f'version = 2\nimports = ["{broken}"]\n' + CONTAINERD.split("\n", 1)[1])
    doc, proc, _ = run_json("loose.toml", "nodes", cwd=tmp_path)
    assert proc.returncode == 2
    assert [(e["path"], e["line"]) for e in doc["errors"]] == [
        ("nodes/g/etc/containerd/config.toml", 1)]
