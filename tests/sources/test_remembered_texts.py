"""The TOML parse and scan, the YAML composition and containerd's reading are
remembered by text once a text repeats (source_text.RepeatsRemembered): a fleet's repo
holds one file for many nodes. What a reader makes of a text must not depend on
whether the text was seen before, at another path, by another reader: every reader
only reads what it gets back.

Each file of the project (and of the shared corpus, when present) that a format reads
alone is read at three paths, the last one remembered, and again with every cache
cleared; the answers must be the same but for the path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pauselint.inputs import read_path
from pauselint.reading import detect, text_for
from pauselint.sources import containerd, kubelet, registry, yaml_locator
from pauselint.sources.containerd_hosts import scan
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import SourceText
from pauselint.sources.toml_locator import locate_values, parse_toml

CHECKOUT = Path(__file__).resolve().parents[2]
CORPUS = CHECKOUT.parent / "shared" / "corpus"
TOML_KINDS = {InputType.CONTAINERD, InputType.CONTAINERD_HOSTS, InputType.CRIO,
              InputType.REGISTRIES_CONF}
YAML_KINDS = {InputType.KUBEADM, InputType.KUBELET_CONFIG}
REMEMBERED = (parse_toml, locate_values, scan, yaml_locator._composed)


def alone(path: Path) -> InputType | None:
    """The kind of ``path`` when its format reads it alone (not a wrapper, not a unit)."""
    item = read_path(str(path), explicit=True)
    kind = detect(item) if item.text is not None else None
    if kind is None:
        return None
    entry = registry.format_for(kind, item.text or "")
    return kind if entry.read_together is None and entry.unwrap is None else None


def read_alone_files() -> list[Path]:
    found = []
    for root in (CHECKOUT / "tests", CHECKOUT / "examples", CORPUS):
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix in (".py", ".pyc"):
                continue
            if alone(path) is not None:
                found.append(path)
    return found


FILES = read_alone_files()


def forget() -> None:
    for remembered in REMEMBERED:
        remembered.cache_clear()
    kubelet._VALID_YAML.clear()
    kubelet._ENV_READINGS.cache_clear()
    kubelet._SERVICES.cache_clear()
    kubelet._SERVICE_ASKS.clear()
    kubelet.read_kubelet_env_once.cache_clear()
    containerd._READINGS.cache_clear()


def read(path: Path, at: str) -> str:
    """The reader's answer for ``path``'s text as if it were the file ``at``."""
    item = read_path(str(path), explicit=True)
    kind = detect(item)
    assert kind is not None
    entry = registry.format_for(kind, item.text or "")
    return repr(entry.read_source(SourceText(text_for(entry, item), at)))


def test_there_are_files_of_every_remembering_kind() -> None:
    assert {alone(p) for p in FILES} >= TOML_KINDS | YAML_KINDS


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(p.parents[2])) for p in FILES])
def test_a_remembered_text_reads_as_a_new_one(path: Path) -> None:
    forget()
    first = read(path, "/first/node/file.toml")
    read(path, "/other/node/file.toml")  # a text is remembered when it comes again
    again = read(path, "/second/node/file.toml")  # parse and scan remembered
    forget()
    fresh = read(path, "/second/node/file.toml")
    assert again == fresh
    assert first.replace("/first/", "/second/") == fresh
    # Every place in the answer is the file's own.
    assert set(re.findall(r"\bpath='([^']*)'", fresh)) == {"/second/node/file.toml"}
