"""The CRI-O reader on real files from public projects (see corpus SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.model import Component
from pauselint.sources.crio import crio_effective, read_crio

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "crio"

# file -> (value, line, column) of its [crio.image] pause_image, or None when the
# file does not set one. Files the reader cannot parse are in UNREADABLE instead.
KNOWN = {
    "crio-test-50-runc.conf": None,
    "crio-v1.11-fixture-pause-no-registry.conf": ("kubernetes/pause", 28, 15),
    "crio-v1.11-testdata-indented.toml": ("kubernetes/pause", 22, 19),
    "crio-v1.17-full-dump.conf": ("registry.k8s.io/pause:3.1", 300, 15),
    "disco-user-crio.conf": ("k8s.gcr.io/pause:3.2", 344, 15),
    "minikube-iso-02-crio.conf": None,  # only "# pause_image = """
    "minikube-iso-crio.conf": ("registry.k8s.io/pause:3.2", 342, 15),
    "minikube-iso-crio.conf.default": ("registry.k8s.io/pause:3.2", 342, 15),
    "minikube-kicbase-02-crio.conf": None,  # only "# pause_image = """
}
# file -> (error line, end of the message)
UNREADABLE = {
    # The first Jinja statement ({% if crio_storage_driver is defined %}) stops the parse.
    "kubespray-crio.conf.j2": (28, "this looks like a template -- check the rendered file instead"),
    "openshift-mco-crio.conf.d-00-default-embedded.yaml": (
        1,
        "this looks like YAML wrapping a CRI-O config -- check the embedded file",
    ),
}


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.is_file())


@pytest.fixture(autouse=True)
def _need_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not available: {CORPUS}")


def test_every_corpus_file_is_accounted_for() -> None:
    assert sorted(p.name for p in _corpus_files()) == sorted({*KNOWN, *UNREADABLE})


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_never_raises_and_reports_settings_or_reasoned_errors(path: Path) -> None:
    result = read_crio(str(path), path.read_text(encoding="utf-8"))

    assert result.component is Component.CRIO
    assert all(e.message and e.path == str(path) and e.line for e in result.errors)
    assert all(s.location.path == str(path) for s in result.settings)
    if path.name in UNREADABLE:
        line, ending = UNREADABLE[path.name]
        assert result.settings == ()
        assert [e.line for e in result.errors] == [line]
        assert result.errors[0].message.startswith("not valid TOML: ")
        assert result.errors[0].message.endswith(ending)
        return
    assert result.errors == ()
    found = [
        (s.value, s.location.line, s.location.column)
        for s in result.settings
        if s.key == "crio.image.pause_image" and not s.ignored
    ]
    expected = KNOWN.get(path.name)
    assert found == ([expected] if expected else [])
    assert [s for s in result.settings if s.ignored] == []


def test_minikube_iso_dropin_leaves_main_file_effective() -> None:
    # The ISO ships crio.conf plus 02-crio.conf whose pause_image is commented out,
    # so the main file's value is the one CRI-O uses.
    main_path = CORPUS / "minikube-iso-crio.conf"
    dropin_path = CORPUS / "minikube-iso-02-crio.conf"
    main = read_crio(str(main_path), main_path.read_text(encoding="utf-8"))
    dropin = read_crio(str(dropin_path), dropin_path.read_text(encoding="utf-8"))

    result = crio_effective(main, [dropin])

    assert [(s.value, s.location.line, s.effective) for s in result] == [
        ("registry.k8s.io/pause:3.2", 342, True)
    ]


def test_v1_17_dump_over_v1_11_fixture_as_dropin() -> None:
    # Not a real node layout, but real files: a drop-in's value beats the main file's.
    main_path = CORPUS / "crio-v1.17-full-dump.conf"
    dropin_path = CORPUS / "crio-v1.11-fixture-pause-no-registry.conf"
    main = read_crio(str(main_path), main_path.read_text(encoding="utf-8"))
    dropin = read_crio(str(dropin_path), dropin_path.read_text(encoding="utf-8"))

    result = crio_effective(main, [dropin])

    assert [(s.value, s.effective) for s in result] == [
        ("registry.k8s.io/pause:3.1", False),
        ("kubernetes/pause", True),
    ]
