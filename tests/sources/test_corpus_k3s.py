"""The k3s/RKE2 reader on the YAML files of the k3s corpus (see corpus SOURCES.md).

The corpus folder also holds rendered containerd configs, Go templates and a
systemd unit; those belong to other readers and are left out here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.model import Component, Location, Role, Setting
from pauselint.sources.k3s import read_k3s

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "k3s"

RKE2_CONFIG = "issue-rke2-289-config-yaml-system-default-registry.yaml"
# registries.yaml files: another format, read as "no settings, no error".
REGISTRIES = {"issue-k3s-1176-registries-commented-auth.yaml", "k3d-test-registries.yaml"}
# Excerpts cut from Markdown docs: the closing ``` fence makes them invalid YAML.
# file -> the line the parser stops at.
UNREADABLE = {
    "rke2-registries-embedded-mirror-null-entries.yaml": 4,
    "rke2-registries-null-and-endpoint.yaml": 2,
}


def _yaml_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".yml"))


@pytest.fixture(autouse=True)
def _need_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not available: {CORPUS}")


def test_every_yaml_file_is_accounted_for() -> None:
    assert sorted(p.name for p in _yaml_files()) == sorted({RKE2_CONFIG, *REGISTRIES, *UNREADABLE})


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: p.name)
def test_never_raises_and_each_file_is_read_or_reported(path: Path) -> None:
    result = read_k3s(str(path), path.read_text(encoding="utf-8"))

    if path.name in UNREADABLE:
        assert result.settings == ()
        assert [(e.path, e.line) for e in result.errors] == [(str(path), UNREADABLE[path.name])]
        assert result.errors[0].message.startswith("invalid YAML: ")
    elif path.name in REGISTRIES:
        assert result.settings == ()
        assert result.errors == ()


def test_rke2_system_default_registry_makes_it_rke2() -> None:
    path = CORPUS / RKE2_CONFIG

    result = read_k3s(str(path), path.read_text(encoding="utf-8"))

    assert result.component is Component.RKE2
    assert result.errors == ()
    assert result.settings == (
        Setting(
            component=Component.RKE2,
            role=Role.DEFAULT_REGISTRY,
            key="system-default-registry",
            value="reg.lan.khaus:443",
            location=Location(str(path), 2, 26),
        ),
    )
