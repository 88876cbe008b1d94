"""The containerd reader against real files from the shared corpus (<repo>/../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.model import Role
from pauselint.sources.containerd import read_containerd
from pauselint.sources.toml_locator import locate_values

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "containerd"
FILES = sorted(p.name for p in CORPUS.iterdir() if p.is_file()) if CORPUS.is_dir() else []

V2_KEY = 'plugins."io.containerd.grpc.v1.cri".sandbox_image'
V3_KEY = 'plugins."io.containerd.cri.v1.images".pinned_images.sandbox'


def read(name: str):
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {path} is absent")
    return read_containerd(name, path.read_text(encoding="utf-8"))


def sandbox(config) -> list[tuple[str, str, int | None, int | None, bool, bool]]:
    return [
        (s.key, s.value, s.location.line, s.location.column, s.effective, s.ignored)
        for s in config.settings
        if s.role is Role.SANDBOX_IMAGE
    ]


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
@pytest.mark.parametrize("name", FILES)
def test_every_corpus_file_reads_cleanly_or_reports_where(name: str) -> None:
    config = read(name)
    lines = (CORPUS / name).read_text(encoding="utf-8").removeprefix("\ufeff").splitlines()
    for error in config.errors:
        assert error.path == name
        assert error.line is not None and 1 <= error.line <= len(lines) + 1
        assert error.message
    if config.errors and config.errors[0].message.startswith("invalid TOML"):
        assert config.settings == ()
    for setting in config.settings:
        assert setting.location.path == name
        line, column = setting.location.line, setting.location.column
        assert line is not None and column is not None
        # The location points at the value as written (a string starts with its quote).
        written = lines[line - 1][column - 1 :]
        if setting.role is Role.SANDBOX_IMAGE:
            assert written[0] in "\"'"
            assert written[1:].startswith(setting.value)
        else:
            assert written.startswith(setting.value)
        assert not (setting.ignored and setting.effective)
        assert setting.ignored == (setting.ignored_reason is not None)


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
@pytest.mark.parametrize("name", FILES)
def test_locator_finds_every_string_value(name: str) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        pytest.skip("not valid TOML (a template)")
    located = locate_values(text)
    lines = text.splitlines()

    def walk(node: object, path: tuple) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, str):
            line, column = located[path]
            assert lines[line - 1][column - 1] in "\"'"

    walk(data, ())


@pytest.mark.parametrize(
    ("name", "version", "expected"),
    [
        (
            "debian-containerd-1.6.20-default.toml",
            2,
            [(V2_KEY, "registry.k8s.io/pause:3.6", 61, 21, True, False)],
        ),
        (
            "kind-v0.20.0-config.toml",
            2,
            [(V2_KEY, "registry.k8s.io/pause:3.7", 37, 19, True, False)],
        ),
        (
            "kind-base-config.toml",
            2,
            [(V2_KEY, "registry.k8s.io/pause:3.10", 37, 19, True, False)],
        ),
        (
            "eks-nodeadm-v3-expected.toml",
            3,
            [(V3_KEY, "registry.k8s.io/pause:3.10", 13, 11, True, False)],
        ),
        (
            "eks-nodeadm-v2-expected-pause-latest.toml",
            2,
            [(V2_KEY, "localhost/kubernetes/pause:latest", 11, 17, True, False)],
        ),
        (
            "jessfraz-dotfiles-v1-plugins-cri-mirrors.toml",
            None,
            [("plugins.cri.sandbox_image", "k8s.gcr.io/pause:3.1", 32, 21, True, False)],
        ),
        (
            "v3-docs-full-config-containerd2.toml",
            3,
            [(V3_KEY, "registry.k8s.io/pause:3.10.2", 22, 17, True, False)],
        ),
        # A drop-in fragment without a version line: alone it is a version 1 file, so
        # the fully qualified plugin ID is ignored (containerd_effective re-judges it
        # when it is known to be an import).
        (
            "talos-dropin-part-no-version-sandbox.toml",
            None,
            [(V2_KEY, "registry.k8s.io/pause:3.8", 6, 21, False, True)],
        ),
        # Uses version 2 plugin IDs without a version key, but sets no sandbox image:
        # nothing to report.
        ("noversion-man-page-multiple-runtimes.toml", None, []),
        ("containerd-cri-in-userns.toml", 2, []),
    ],
)
def test_known_values(name: str, version: int | None, expected: list) -> None:
    config = read(name)
    assert config.errors == ()
    assert config.config_version == version
    assert sandbox(config) == expected


def test_v4_man_page_imports() -> None:
    config = read("v4-man-page-example-imports.toml")
    assert config.config_version == 4
    assert config.imports == ("/etc/containerd/runtime_*.toml", "./debug.toml")
    assert sandbox(config) == []


def test_runtime_sandboximage_option_is_not_reported() -> None:
    # The Windows v3 template is not valid TOML ({{...}} placeholders): one located error.
    config = read("aks-windows-v3-pinned-and-runtime-sandboximage.toml")
    assert [(e.line, e.message) for e in config.errors] == [
        (47, "invalid TOML: Invalid statement (at line 47, column 11)")
    ]
    assert config.settings == ()


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("eks-nodeadm-v3.gotmpl.toml", 10),
        ("kubespray-v3-v4.toml.j2", 1),
        ("image-builder-capi-linux.toml.j2", 5),
        ("bottlerocket-k8s-containerd-handlebars.toml", 6),
    ],
)
def test_templates_are_located_input_errors(name: str, line: int) -> None:
    config = read(name)
    [error] = config.errors
    assert error.line == line
    assert error.message.startswith("invalid TOML: ")
    assert config.settings == ()
