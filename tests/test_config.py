"""The config file: where it is found, what it may say, and how it says what is wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pauselint.config import Config, ConfigError, is_excluded, load_config
from pauselint.config_files import find_config

FULL_YAML = """\
kubernetes-version: 1.30
arch: arm64
runtime-version:
  - containerd=1.7.20
  - crio=v1.30.4
disable: [PL104, pl111]
enable: PL304
severity:
  PL201: error
  PL403: Info
allowed-registries:
  - registry.k8s.io
  - registry.example.com/k8s/
mirrors:
  registry.example.com/k8s: registry.k8s.io
fail-on: warning
exclude:
  - vendor/
  - "**/*.bak"
compat-overlay: overlay.yaml
online: true
"""

FULL_TOML = """\
[project]
name = "nodes"

[tool.pauselint]
kubernetes-version = "1.30"
platform = "windows/amd64:ltsc2022"
runtime = "containerd"
runtime-version = "2.0.1"
disable = ["PL104"]
fail-on = "error"
exclude = ["generated/**"]
compat-overlay = "data/overlay.yaml"

[tool.pauselint.severity]
PL201 = "warning"

[tool.pauselint.mirrors]
"mirror.local/k8s" = "registry.k8s.io"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


# --- find_config -------------------------------------------------------------------


def test_find_walks_up_to_the_nearest_yaml(tmp_path: Path) -> None:
    top = write(tmp_path, ".pauselint.yaml", "")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(nested) == top
    inner = write(tmp_path / "a", ".pauselint.yml", "")
    assert find_config(nested) == inner
    assert find_config(nested / "config.toml") == inner  # a file starts at its folder


def test_find_takes_pyproject_only_with_a_tool_section(tmp_path: Path) -> None:
    top = write(tmp_path, "pyproject.toml", "[tool.pauselint]\nfail-on = 'info'\n")
    write(tmp_path / "svc", "pyproject.toml", "[project]\nname = 'svc'\n[tool.ruff]\n")
    assert find_config(tmp_path / "svc") == top


def test_find_prefers_yaml_over_pyproject_in_one_folder(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.pauselint]\n")
    yml = write(tmp_path, ".pauselint.yml", "")
    yaml_file = write(tmp_path, ".pauselint.yaml", "")
    assert find_config(tmp_path) == yaml_file
    yaml_file.unlink()
    assert find_config(tmp_path) == yml


def test_find_claims_a_broken_pyproject_that_has_the_section(tmp_path: Path) -> None:
    broken = write(tmp_path, "pyproject.toml", "[tool.pauselint]\nfail-on = \n")
    assert find_config(tmp_path) == broken
    with pytest.raises(ConfigError) as err:
        load_config(broken)
    assert err.value.line == 2
    assert str(err.value).startswith(f"{broken}:2: not valid TOML: ")


def test_find_returns_none_when_nothing_is_above(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.black]\n")
    # Nothing above tmp_path is expected to hold a pauselint config on a test machine.
    found = find_config(tmp_path)
    assert found is None or tmp_path not in found.parents


# --- load_config: valid files ------------------------------------------------------


def test_every_yaml_key(tmp_path: Path) -> None:
    overlay = write(tmp_path, "overlay.yaml", "repositories: []\n")
    path = write(tmp_path, ".pauselint.yaml", FULL_YAML)
    assert load_config(path) == Config(
        path=str(path),
        kubernetes_version="1.30",  # YAML's float 1.3 read back as written
        platform="linux/arm64",
        runtime_versions=("containerd=1.7.20", "cri-o=v1.30.4"),
        disable=("PL104", "PL111"),
        enable=("PL304",),
        severity=(("PL201", "error"), ("PL403", "info")),
        allowed_registries=("registry.k8s.io", "registry.example.com/k8s"),
        mirrors=(("registry.example.com/k8s", "registry.k8s.io"),),
        fail_on="warning",
        exclude=("vendor/", "**/*.bak"),
        compat_overlay=str(overlay),
        online=True,
    )


def test_every_pyproject_key(tmp_path: Path) -> None:
    overlay = write(tmp_path, "data/overlay.yaml", "repositories: []\n")
    path = write(tmp_path, "pyproject.toml", FULL_TOML)
    assert load_config(path) == Config(
        path=str(path),
        kubernetes_version="1.30",
        platform="windows/amd64:ltsc2022",
        runtime_versions=("containerd=2.0.1",),
        disable=("PL104",),
        severity=(("PL201", "warning"),),
        mirrors=(("mirror.local/k8s", "registry.k8s.io"),),
        fail_on="error",
        exclude=("generated/**",),
        compat_overlay=str(overlay),
    )


def test_empty_yaml_is_an_empty_config(tmp_path: Path) -> None:
    path = write(tmp_path, ".pauselint.yaml", "# nothing yet\n")
    assert load_config(path) == Config(path=str(path))


@pytest.mark.parametrize(("text", "platform"), [
    ("arch: amd64\n", "linux/amd64"),
    ("arch: amd64\nos: windows\n", "windows/amd64"),
    ("arch: amd64\nos: windows:1809\n", "windows/amd64:1809"),
    ("platform: Linux/ARM64\n", "linux/arm64"),
])
def test_platform_forms(tmp_path: Path, text: str, platform: str) -> None:
    assert load_config(write(tmp_path, ".pauselint.yaml", text)).platform == platform


@pytest.mark.parametrize(("text", "runtimes"), [
    ("runtime-version: containerd=1.7.20\n", ("containerd=1.7.20",)),
    ("runtime: cri-o\nruntime-version: 1.30\n", ("cri-o=1.30",)),
    ("runtime: rke2\nruntime-version: v1.33.13+rke2r2\n", ("rke2=v1.33.13+rke2r2",)),
])
def test_runtime_forms(tmp_path: Path, text: str, runtimes: tuple[str, ...]) -> None:
    assert load_config(write(tmp_path, ".pauselint.yaml", text)).runtime_versions == runtimes


# --- load_config: errors name the file, the key and the line -----------------------


@pytest.mark.parametrize(("text", "message"), [
    ("fail-on: error\nkubernetes_version: '1.30'\n",
     "2: kubernetes_version: unknown key (did you mean kubernetes-version?)"),
    ("kubernetes-version: banana\n",
     "1: kubernetes-version: 'banana' is not a version (use e.g. \"1.31\")"),
    ("kubernetes-version: '2.1'\n", "1: kubernetes-version: '2.1': expected 1.MINOR[.PATCH]"),
    # Past Python's int-string limit packaging raises a bare ValueError: still an error,
    # and the value is shown cut, once.
    ("kubernetes-version: '1." + "9" * 5000 + "'\n",
     "1: kubernetes-version: '1." + "9" * 198 + "…' (5002 characters) is not a version (use e.g. \"1.31\")"),
    ("runtime-version: [containerd=1." + "9" * 5000 + "]\n",
     "1: runtime-version: 'containerd=1." + "9" * 187 + "…' (5013 characters): '1." + "9" * 198
     + "…' (5002 characters) is not a version"),
    ("kubernetes-version: [1.30]\n",
     "1: kubernetes-version: expected a version string, got a list"),
    ("arch: arm64\nplatform: linux/arm64\n",
     "2: platform: give either platform or arch/os, not both"),
    ("os: windows\n", "1: os: needs arch as well (e.g. arch: amd64)"),
    ("arch: linux/arm64\n",
     "1: arch: 'linux/arm64': give only the architecture (amd64, arm64, ...); the OS goes in os"),
    ("platform: arm64\n",
     "1: platform: 'arm64': use os/arch[:osversion], e.g. linux/arm64 or windows/amd64:ltsc2022"),
    ("platform: darwin/arm64\n",
     "1: platform: 'darwin/arm64': unknown OS 'darwin' (linux or windows)"),
    ("platform: linux/amd64:22.04\n",
     "1: platform: 'linux/amd64:22.04': an OS version is only meaningful for windows"),
    ("platform: windows/amd64:vista\n",
     "1: platform: 'windows/amd64:vista': unknown Windows version 'vista'"),
    ("runtime: docker\nruntime-version: 1.0\n",
     "1: runtime: unknown runtime 'docker' (use containerd, cri-dockerd, cri-o, crio, k3s, rke2)"),
    ("runtime: containerd\n",
     "1: runtime: needs runtime-version as well (e.g. runtime-version: 1.7.20)"),
    ("runtime-version: 1.7.20\n",
     "1: runtime-version: '1.7.20': use NAME=VERSION (e.g. containerd=1.7.20) or set runtime"),
    ("runtime-version:\n  - containerd=1.7.20\n  - cri-o=latest\n",
     "3: runtime-version: 'cri-o=latest': 'latest' is not a version"),
    ("runtime-version:\n  - containerd=1.7.20\n  - podman=4.0\n",
     "3: runtime-version: 'podman=4.0': unknown runtime 'podman' (use containerd, cri-dockerd, cri-o, crio, k3s, rke2)"),
    ("runtime: containerd\nruntime-version: containerd=1.7.20\n",
     "2: runtime-version: 'containerd=1.7.20': runtime is set, so give only the version"),
    ("runtime: containerd\nruntime-version: [1.7.20, 2.0.0]\n",
     "2: runtime-version: with runtime set, give one version (e.g. 1.7.20)"),
    ("disable:\n  - PL104\n  - PL3O2\n",
     "3: disable: unknown rule id 'PL3O2' (did you mean PL302?)"),
    ("disable: PL104, PL999\n", "1: disable: unknown rule id 'PL999'"),
    ("enable: 304\n", "1: enable: expected a string or a list of strings, got a number (304)"),
    ("enable: [PL304, true]\n", "1: enable: expected a non-empty string, got a boolean (true)"),
    ("disable: [PL304]\nenable: [PL304]\n", "2: enable: PL304 also in disable"),
    ("severity: error\n", "1: severity: expected a mapping, got 'error'"),
    ("severity:\n  PL201: error\n  PL202: fatal\n",
     "3: severity: PL202: 'fatal' is not a severity (use error, warning or info)"),
    ("severity:\n  PL777: error\n", "2: severity: unknown rule id 'PL777'"),
    ("allowed-registries: {a: b}\n",
     "1: allowed-registries: expected a string or a list of strings, got a mapping"),
    ("mirrors:\n  mirror.local/k8s:\n", "2: mirrors: 'mirror.local/k8s': expected a mirror prefix mapped to the upstream it copies, got nothing"),
    ("fail-on: sometimes\n", "1: fail-on: 'sometimes' is not one of error, warning, info, never"),
    ("fail-on: false\n", "1: fail-on: expected a non-empty string, got a boolean (false)"),
    ("exclude: [vendor/, '']\n", "1: exclude: expected a non-empty string, got ''"),
    ("fail-on: error\nfail-on: info\n", "2: fail-on: set twice (first on line 1)"),
    ("online: yes please\n", "1: online: 'yes please' is not true or false"),
])
def test_yaml_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, ".pauselint.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}:{message}"


def test_missing_overlay_names_the_resolved_path(tmp_path: Path) -> None:
    path = write(tmp_path, ".pauselint.yaml", "fail-on: info\ncompat-overlay: extra.yaml\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"{path}:2: compat-overlay: 'extra.yaml': no such file "
                              f"({tmp_path / 'extra.yaml'})")
    assert (err.value.path, err.value.key, err.value.line) == (str(path), "compat-overlay", 2)


@pytest.mark.parametrize(("text", "message"), [
    ("fail-on: [error\n", "2: not valid YAML: expected ',' or ']', but got '<stream end>'"),
    ("- PL101\n", "1: the top level must be a mapping of settings"),
    ("a: b\n  c: d\n", "2: not valid YAML: mapping values are not allowed here"),
])
def test_invalid_yaml(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, ".pauselint.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}:{message}"


@pytest.mark.parametrize(("text", "message"), [
    ("[tool.pauselint]\nfail-on = 'info'\nkubernetes-version = 1.30\n",
     "3: kubernetes-version: expected a version string, got a number (1.3) (quote it: \"1.30\")"),
    ("[tool.pauselint]\nfail_on = 'info'\n", "2: fail_on: unknown key (did you mean fail-on?)"),
    ("[tool.pauselint]\ndisable = ['PL104']\n[tool.pauselint.severity]\nPL201 = 'loud'\n",
     "3: severity: PL201: 'loud' is not a severity (use error, warning or info)"),
    ("[tool.other]\nx = 1\n", " has no [tool.pauselint] section"),
    ("[tool]\npauselint = 'strict'\n", " tool.pauselint: [tool.pauselint] must be a table"),
])
def test_pyproject_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "pyproject.toml", text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}:{message}"


def test_invalid_toml_has_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", "[tool.pauselint]\nfail-on = 'info'\ndisable = [\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    # tomllib's wording is its own; the file, the line and what failed are ours.
    assert err.value.line == 3
    assert str(err.value).startswith(f"{path}:3: not valid TOML: ")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / ".pauselint.yaml")
    assert str(err.value) == f"{tmp_path / '.pauselint.yaml'}: cannot read: No such file or directory"


# --- exclude -----------------------------------------------------------------------


@pytest.mark.parametrize(("patterns", "relative", "excluded"), [
    (("vendor/",), "vendor/containerd/config.toml", True),
    (("vendor",), "nodes/vendor/config.toml", True),  # no slash: a name at any depth
    (("/vendor",), "nodes/vendor/config.toml", False),  # leading slash: anchored
    (("/vendor",), "vendor/config.toml", True),
    (("*.bak",), "nodes/a/config.toml.bak", True),
    (("*.bak",), "nodes/a/config.toml", False),
    (("nodes/*/config.toml",), "nodes/a/config.toml", True),
    (("nodes/*/config.toml",), "nodes/a/b/config.toml", False),  # * stays in one folder
    (("nodes/**/config.toml",), "nodes/a/b/config.toml", True),
    (("nodes/**/config.toml",), "nodes/config.toml", True),  # ** may be no folder at all
    (("**/test-*.toml",), "test-1.toml", True),
    (("generated/**",), "generated/x/y.env", True),
    (("node-[0-9].toml",), "node-7.toml", True),
    (("node-[!0-9].toml",), "node-7.toml", False),
    (("node-?.toml",), "node-ab.toml", False),
    ((), "anything.toml", False),
])
def test_exclude_globs(tmp_path: Path, patterns: tuple[str, ...], relative: str,
                       excluded: bool) -> None:
    config = Config(path=str(tmp_path / ".pauselint.yaml"), exclude=patterns)
    assert is_excluded(config, str(tmp_path / relative)) is excluded


def test_exclude_is_relative_to_the_config_folder(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(path=str(tmp_path / "repo" / ".pauselint.yaml"), exclude=("vendor/",))
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    assert is_excluded(config, "vendor/config.toml") is True  # relative to the cwd
    assert is_excluded(config, str(tmp_path / "vendor" / "config.toml")) is False  # outside
    assert is_excluded(config, "-") is False


def test_exclude_without_config_file_is_relative_to_the_cwd(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert is_excluded(Config(path=None, exclude=("build/**",)), "build/x/config.toml") is True
