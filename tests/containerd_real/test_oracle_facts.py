"""Facts pauselint's containerd model relies on, checked against the real binaries.

Each test is one row of the truth table (``containerd --config F config dump``, with the
daemon's own start path for refusals; see oracle.py) that the model in
``data/compat.yaml`` and ``sources/containerd.py`` must reproduce.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from pauselint.compat import load_table

from .binaries import SUITES
from .oracle import Verdict, dump

VERSIONS = tuple(SUITES)
CRI = '[plugins."io.containerd.grpc.v1.cri"]'


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text, ``{D}`` for the folder) and return the main one."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{D}", str(folder)), encoding="utf-8")
    return folder / "config.toml"


def verdict(binaries: dict[str, Path], version: str, folder: Path,
            files: dict[str, str]) -> Verdict:
    return dump(binaries[version], write(folder, files), cwd="/")


@pytest.mark.parametrize("version", VERSIONS)
def test_builtin_default_is_the_compat_tables(version: str, containerd_binaries: dict[str, Path],
                                              tmp_path: Path) -> None:
    default = load_table().containerd_default(Version(version))
    assert default is not None
    result = verdict(containerd_binaries, version, tmp_path, {"config.toml": "version = 2\n"})
    assert result == Verdict(True, default.image, "", result.log)


def test_1_6_20_reads_version_3_as_2(containerd_binaries: dict[str, Path],
                                     tmp_path: Path) -> None:
    files = {"config.toml": f'version = 3\n{CRI}\nsandbox_image = "example.com/v2key:1"\n'
                            '[plugins."io.containerd.cri.v1.images".pinned_images]\n'
                            'sandbox = "example.com/pinned:1"\n'}
    result = verdict(containerd_binaries, "1.6.20", tmp_path, files)
    assert (result.accepted, result.sandbox_image) == (True, "example.com/v2key:1")


def test_1_7_24_refuses_version_3(containerd_binaries: dict[str, Path], tmp_path: Path) -> None:
    result = verdict(containerd_binaries, "1.7.24", tmp_path, {"config.toml": "version = 3\n"})
    assert not result.accepted
    assert result.message == (f"containerd: failed to load TOML from {tmp_path}/config.toml: "
                              "unsupported config version `3`")


# Case (a): the common SystemdCgroup drop-in. containerd 1.x replaces the main file's
# whole `plugins."io.containerd.grpc.v1.cri"` table with the import's, so its built-in
# default applies; 2.x merges deeply and keeps the main file's image.
SYSTEMD_DROP_IN = {
    "config.toml": f'version = 2\nimports = ["{{D}}/conf.d/*.toml"]\n{CRI}\n'
                   'sandbox_image = "registry.k8s.io/pause:3.9"\n',
    "conf.d/99-systemd.toml": f"{CRI[:-1]}.containerd.runtimes.runc.options]\n"
                              "SystemdCgroup = true\n",
}


@pytest.mark.parametrize(("version", "image"), [
    ("1.6.20", "registry.k8s.io/pause:3.6"),
    ("1.7.24", "registry.k8s.io/pause:3.8"),
    ("2.1.9", "registry.k8s.io/pause:3.9"),
])
def test_systemd_drop_in_keeps_or_drops_the_main_image(version: str, image: str,
                                                       containerd_binaries: dict[str, Path],
                                                       tmp_path: Path) -> None:
    result = verdict(containerd_binaries, version, tmp_path, SYSTEMD_DROP_IN)
    assert (result.accepted, result.sandbox_image, result.message) == (True, image, "")


def test_an_import_of_another_plugin_keeps_the_main_image(containerd_binaries: dict[str, Path],
                                                          tmp_path: Path) -> None:
    files = {**SYSTEMD_DROP_IN, "conf.d/99-systemd.toml":
             '[plugins."io.containerd.internal.v1.opt"]\npath = "/opt/containerd"\n'}
    result = verdict(containerd_binaries, "1.7.24", tmp_path, files)
    assert result.sandbox_image == "registry.k8s.io/pause:3.9"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_missing_import_stops_the_daemon(version: str, containerd_binaries: dict[str, Path],
                                           tmp_path: Path) -> None:
    # 2.x's `config dump` alone prints the files before the missing one and exits 0;
    # the daemon's start path refuses, and so must the oracle.
    files = {"config.toml": f'version = 2\nimports = ["{{D}}/nope.toml"]\n{CRI}\n'
                            'sandbox_image = "registry.k8s.io/pause:3.9"\n'}
    result = verdict(containerd_binaries, version, tmp_path, files)
    assert not result.accepted
    assert result.message.endswith(f"open {tmp_path}/nope.toml: no such file or directory")


@pytest.mark.parametrize(("version", "image"), [
    ("1.6.20", "registry.k8s.io/pause:3.9"),  # glob taken from the working directory, /
    ("1.7.24", "example.com/imported:1"),  # glob taken from the config's folder
    ("2.1.9", "example.com/imported:1"),
])
def test_relative_glob_import_from_root(version: str, image: str,
                                        containerd_binaries: dict[str, Path],
                                        tmp_path: Path) -> None:
    files = {"config.toml": f'version = 2\nimports = ["conf.d/*.toml"]\n{CRI}\n'
                            'sandbox_image = "registry.k8s.io/pause:3.9"\n',
             "conf.d/x.toml": f'version = 2\n{CRI}\nsandbox_image = "example.com/imported:1"\n'}
    assert verdict(containerd_binaries, version, tmp_path, files).sandbox_image == image
