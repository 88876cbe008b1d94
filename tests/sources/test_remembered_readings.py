"""Each containerd release's reading of a config.toml that imports nothing is
remembered by the file's text (containerd._released_readings): what `show` says of a
node must not depend on whether another node held the same text before it.

Every containerd config of the project (and of the shared corpus, when present) is
the config.toml of three node folders; a run over the three (the second remembers
the readings, the third reuses them) must say of the third node what a run over it
alone says (its `show`, and its `check` findings) with every cache cleared, and of the first what it says of the third but
for the path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.inputs import read_path
from pauselint.reading import detect
from pauselint.sources import containerd, kubelet, yaml_locator
from pauselint.sources.containerd_hosts import scan
from pauselint.sources.kinds import InputType
from pauselint.sources.toml_locator import locate_values, parse_toml

CHECKOUT = Path(__file__).resolve().parents[2]
CORPUS = CHECKOUT.parent / "shared" / "corpus"
OPTIONS = ([], ["--runtime-version", "containerd=1.7.24"])


def containerd_files() -> list[Path]:
    found = []
    for root in (CHECKOUT / "tests", CHECKOUT / "examples", CORPUS):
        if root.is_dir():
            for path in sorted(root.rglob("*.toml")):
                item = read_path(str(path), explicit=True)
                if item.text is not None and detect(item) is InputType.CONTAINERD:
                    found.append(path)
    return found


FILES = containerd_files()


def forget() -> None:
    for remembered in (parse_toml, locate_values, scan, yaml_locator._composed,
                       containerd._READINGS, containerd._RELEASE_READINGS,
                       kubelet._ENV_READINGS, kubelet._SERVICES):
        remembered.cache_clear()


def show(*args: str) -> dict[str, dict]:
    """Each node's `show` entry, and its `check` findings (of every rule, on)."""
    result = CliRunner().invoke(main, ["show", "--no-config", "--format", "json", *args])
    assert result.exit_code in (0, 1, 2), result.output
    nodes = {node["name"]: node for node in json.loads(result.output)["nodes"]}
    result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json",
                                       "--enable", "PL109", "-k", "1.31", *args])
    assert result.exit_code in (0, 1, 2), result.output
    for finding in json.loads(result.output)["findings"]:
        nodes.setdefault(finding["node"], {}).setdefault("findings", []).append(finding)
    return nodes


def test_there_are_configs_to_read() -> None:
    assert len(FILES) >= 10


# Texts some containerd lines refuse and others start with: the refusal, kept with
# the readings, is moved to the node's file only when PL406 reports it (at its place).
REFUSED_BY_SOME_LINES = {
    "plugins.cri in a version 2 file": b'version = 2\n[plugins.cri]\n'
                                       b'  sandbox_image = "registry.k8s.io/pause:3.9"\n',
    "a UTF-8 BOM": b'\xef\xbb\xbfversion = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                   b'  sandbox_image = "registry.k8s.io/pause:3.9"\n',
}


@pytest.mark.parametrize("options", OPTIONS, ids=["release unknown", "1.7.24"])
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(p.parents[2])) for p in FILES])
def test_a_remembered_reading_is_the_nodes_own(path: Path, options: list[str],
                                               tmp_path: Path, monkeypatch) -> None:
    same_of_each_node(path.read_bytes(), options, tmp_path, monkeypatch)


@pytest.mark.parametrize("name", sorted(REFUSED_BY_SOME_LINES))
def test_a_refusal_remembered_is_said_at_the_nodes_file(name: str, tmp_path: Path,
                                                        monkeypatch) -> None:
    nodes = same_of_each_node(REFUSED_BY_SOME_LINES[name], [], tmp_path, monkeypatch)
    refusals = [f for f in nodes["third"]["findings"] if f["rule"] == "PL406"]
    assert [f["path"] for f in refusals] == ["third/etc/containerd/config.toml"]


def same_of_each_node(text: bytes, options: list[str], tmp_path: Path,
                      monkeypatch) -> dict[str, dict]:
    """Three nodes holding ``text``, read together: the third as read alone, the
    first the same but for its name; what was said of the three is returned."""
    for node in ("first", "second", "third"):
        config = tmp_path / node / "etc" / "containerd" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_bytes(text)
    monkeypatch.chdir(tmp_path)
    forget()
    together = show(*options, "first", "second", "third")
    forget()
    alone = show(*options, "third")
    assert together["third"] == alone["third"]
    assert json.dumps(together["first"]).replace("first", "third") == json.dumps(alone["third"])
    return together
