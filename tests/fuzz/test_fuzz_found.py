"""Inputs the fuzzers found, kept as exact regression tests.

Each test is the minimal input a fuzz target shrank a broken contract to. Crashes in
readers being reworked elsewhere are marked ``xfail(strict=False)`` with the reason,
so they can be switched on when fixed; the others pin the fix.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pauselint.compat import CompatError, load_table
from pauselint.config import ConfigError, load_config
from pauselint.config_files import find_config
from pauselint.sources.kubeadm import read_kubeadm
from pauselint.sources.yaml_locator import compose_documents
from pauselint.suppressions import find_suppressions

from .targets import TARGETS

# --- the config loader (config.py) --------------------------------------------------


def _load(tmp_path: Path, name: str, text: str) -> ConfigError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


def test_pyproject_whose_tool_is_not_a_table(tmp_path: Path) -> None:
    # fuzz_config: b"tool=0" raised AttributeError ('int' object has no attribute 'get').
    err = _load(tmp_path, "pyproject.toml", "tool=0\n")
    assert str(err) == f"{tmp_path / 'pyproject.toml'}: has no [tool.pauselint] section"
    assert find_config(tmp_path) is None


def test_toml_config_nested_too_deeply(tmp_path: Path) -> None:
    # tomllib recurses once per `[`: RecursionError escaped as a traceback.
    err = _load(tmp_path, "pyproject.toml", "[tool.pauselint]\nexclude = " + "[" * 3000 + "\n")
    assert err.problem == "not valid TOML: nested too deeply to read"
    assert str(err).startswith(str(tmp_path / "pyproject.toml"))


def test_yaml_config_nested_too_deeply(tmp_path: Path) -> None:
    err = _load(tmp_path, ".pauselint.yaml", "exclude: " + "[" * 3000 + "\n")
    assert err.problem == "not valid YAML: nested too deeply to read"


def test_toml_config_key_with_too_many_parts(tmp_path: Path) -> None:
    # tomllib's memory grows with the square of a dotted key's parts (gigabytes for a
    # 60 KB key), so such a key is refused before parsing, with its line.
    text = '[tool.pauselint]\nfail-on = "error"\n' + ".".join(["a"] * 200) + " = 1\n"
    err = _load(tmp_path, "pyproject.toml", text)
    assert (err.line, err.problem) == (3, "not valid TOML: a key with more than 128 dotted parts")


def test_compat_overlay_under_an_unknown_users_home(tmp_path: Path) -> None:
    # Path.expanduser raised RuntimeError for `~user` of a user this machine lacks.
    err = _load(tmp_path, ".pauselint.yaml",
                "fail-on: error\ncompat-overlay: ~no-such-user-pauselint/overlay.yaml\n")
    assert (err.key, err.line) == ("compat-overlay", 2)
    assert err.problem == ("'~no-such-user-pauselint/overlay.yaml': "
                           "cannot expand the home folder in it")


# --- the compat table (compat.py) ---------------------------------------------------


@pytest.mark.parametrize(("overlay", "named"), [({None: None}, "None"), ({1: "x", "a": 2}, "1, a")])
def test_overlay_keys_that_are_not_strings(overlay: dict, named: str) -> None:
    # fuzz_compat_overlay: the YAML `?` is {None: None}; joining the key raised TypeError.
    with pytest.raises(CompatError) as caught:
        load_table().extended(overlay, "overlay.yaml")
    assert str(caught.value) == f"overlay.yaml: unknown key(s) {named}"


# --- YAML positions (yaml_locator.py) -------------------------------------------------


@pytest.mark.parametrize(("text", "line", "column"), [
    ("[", 1, 2),  # libyaml said line 2 of a one-line file
    ("a:\n  - [", 2, 6),
    ("[\n", 2, 1),  # after the final line break: the position is real
])
def test_yaml_error_at_end_of_text_is_inside_the_text(text: str, line: int, column: int) -> None:
    _, problem = compose_documents(text)
    assert problem is not None
    assert problem.line == line
    assert problem.message.endswith(f"(line {line}, column {column})")


def test_kubeadm_error_at_end_of_text_names_its_last_line() -> None:
    config = read_kubeadm("kubeadm.yaml", "apiVersion: kubeadm.k8s.io/v1beta3\nkind: [")
    (error,) = config.errors
    assert (error.path, error.line) == ("kubeadm.yaml", 2)
    TARGETS["kubeadm"](b"apiVersion: kubeadm.k8s.io/v1beta3\nkind: [")


# --- suppressions (suppressions.py) ---------------------------------------------------

# U+2028 is allowed in a TOML comment; str.splitlines broke the line there, so every
# comment below it was one line lower than the findings the TOML reader located.
_SEPARATED = (
    "# note\u2028 more\nversion = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
    '  sandbox_image = "k8s.gcr.io/pause:3.2"  # pauselint: disable=PL103\n'
)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0c"])
def test_suppression_lines_count_only_line_ends(separator: str) -> None:
    (found,) = find_suppressions("config.toml", _SEPARATED.replace("\u2028", separator))
    assert (found.line, found.rules) == (4, ("PL103",))
    TARGETS["suppressions"](_SEPARATED.replace("\u2028", separator).encode())


def test_suppression_after_a_line_separator_silences_its_finding(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(_SEPARATED, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pauselint", "check", "--format", "json",
                          "--kubernetes-version", "1.30", str(config)],
                         capture_output=True, text=True, check=False)
    report = json.loads(run.stdout)
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("PL201", 4)]


# --- compat overlays, through the real check command ---------------------------------


def _check_with_overlay(tmp_path: Path, overlay: bytes) -> subprocess.CompletedProcess[str]:
    (tmp_path / ".pauselint.yaml").write_text("compat-overlay: overlay.yaml\n", encoding="utf-8")
    (tmp_path / "overlay.yaml").write_bytes(overlay)
    config = tmp_path / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("version = 2\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pauselint", "check", str(config)],
                          capture_output=True, text=True, check=False, cwd=tmp_path)


@pytest.mark.parametrize(("overlay", "message"), [
    (b"repositories: 3\n", "repositories: expected a list of entries, got int"),
    (b"mirrors: {a: 1}\n", "mirrors: expected a list of entries, got dict"),
    (b"repositories: [{name: x.io/pause, tags: 3, source: s}]\n",
     "repositories[0]: tags must be a list of tags, got 3"),
    (b"repositories: [{name: [x], tags: [], source: s}]\n",
     "repositories[0]: name must be a repository name, got ['x']"),
    (b"repositories: [{name: x.io/pause, tags: [], source: s, successor: 1}]\n",
     "repositories[0]: successor must be a string, got 1"),
    (b"mirrors: [{prefix: m.example.com/k8s, upstream: registry.k8s.io, source: s, "
     b"tag_suffixes: [x]}]\n",
     "mirrors[0]: tag_suffixes must be a mapping of suffix: arch, got ['x']"),
])
def test_overlay_values_of_the_wrong_type(tmp_path: Path, overlay: bytes, message: str) -> None:
    # fuzz_compat_overlay: b"repositories: 3" raised TypeError (iterating an int), and
    # other wrong types reached the rules unchecked.
    run = _check_with_overlay(tmp_path, overlay)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == f"pauselint: error: {tmp_path / 'overlay.yaml'}: {message}\n"


def test_overlay_nested_too_deeply(tmp_path: Path) -> None:
    run = _check_with_overlay(tmp_path, b"a: " + b"[" * 1500 + b"\n")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (f"pauselint: error: compat-overlay {tmp_path / 'overlay.yaml'}: "
                          "invalid YAML: nested too deeply to read\n")


def test_overlay_not_utf8(tmp_path: Path) -> None:
    run = _check_with_overlay(tmp_path, b"\xff\xfe")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (f"pauselint: error: compat-overlay {tmp_path / 'overlay.yaml'}:1: "
                          "not UTF-8 text (byte 0)\n")


# --- YAML lines count as editors count them (yaml_locator.py) --------------------------

# YAML breaks lines at U+2028 too; editors, the TOML readers and suppressions do not.
_KUBEADM = ("# note\u2028# more\napiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n"
            "imageRepository: k8s.gcr.io\n")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_yaml_positions_ignore_yaml_only_line_breaks(separator: str) -> None:
    text = _KUBEADM.replace("\u2028", separator)
    (setting,) = read_kubeadm("kubeadm.yaml", text).settings
    assert (setting.value, setting.location.line, setting.location.column) == ("k8s.gcr.io", 4, 18)
    TARGETS["kubeadm"](text.encode())


def test_yaml_error_after_a_line_separator_names_the_editor_line() -> None:
    _, problem = compose_documents("# a\u2028# b\nkey: [\n")
    assert problem is not None
    assert (problem.line, problem.message.endswith("(line 3, column 1)")) == (3, True)


def test_k3s_positions_ignore_yaml_only_line_breaks() -> None:
    from pauselint.sources.k3s import read_k3s

    config = read_k3s("config.yaml", "# a\u2028# b\npause-image: registry.k8s.io/pause:3.9\n")
    assert [(s.location.line, s.location.column) for s in config.settings] == [(2, 14)]


@pytest.mark.parametrize(("text", "column"), [
    # atheris (fuzz_k3s) shrank to `pause-image: &ause:3.9`: the anchor `ause`, value `:3.9`.
    ("pause-image: &ause:3.9\n", 19),
    ("pause-image: &p registry.k8s.io/pause:3.9\n", 17),
    ("pause-image: !!str registry.k8s.io/pause:3.9\n", 20),
    ("pause-image: !!str &p 'registry.k8s.io/pause:3.9'\n", 23),
])
def test_yaml_value_location_skips_anchor_and_tag(text: str, column: int) -> None:
    from pauselint.sources.k3s import read_k3s

    (setting,) = read_k3s("config.yaml", text).settings
    assert (setting.location.line, setting.location.column) == (1, column)
    TARGETS["k3s"](text.encode())


# --- wrappers (embedded.py, ignition.py) ---------------------------------------------


@pytest.mark.parametrize(("wrapper", "text", "where", "message"), [
    # fuzz_wrappers: a non-ASCII character in base64 content raised ValueError from
    # b64decode (not a binascii.Error): an internal error for the whole run.
    ("cloudinit", "#cloud-config\nwrite_files:\n  - path: /etc/containerd/config.toml\n"
     "    encoding: b64\n    content: \u00a0dmVyc2lvbiA9IDIK\n", (5, 14),
     "/etc/containerd/config.toml: its b64 content does not decode: string argument "
     "should contain only ASCII characters"),
    ("ignition", '{"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": '
     '"/etc/crio/crio.conf", "contents": {"source": "data:;base64,\u00e9"}}]}}\n', (1, 113),
     "a data: URL that does not decode: string argument should contain only ASCII "
     "characters"),
])
def test_base64_content_with_a_non_ascii_character(wrapper: str, text: str, where: tuple,
                                                   message: str) -> None:
    import importlib

    from pauselint.sources.source_text import SourceText

    module = importlib.import_module(f"pauselint.sources.{wrapper}")
    [own] = module.unwrap(SourceText(text, "user-data"))
    [error] = own.config.errors
    assert ((error.line, error.column), error.message) == (where, message)
    TARGETS["wrappers"](text.encode())
