"""No quadratic path (issue 16): the work per file stays flat as the input grows.

Two shapes of input were quadratic once: one folder per node (each group's kubeadm
context scanned every config of the run) and explicit file lists as pre-commit
passes them (each loose runtime file's node scanned every loose file). Time is no
measure in a test, so operations are counted instead: every read of a config's path
and of a read config's group or kind (the fields those scans touch) goes through a
counting property while ``check`` runs on N and on 2N inputs. Linear work doubles;
quadratic work quadruples.

The sizes are the issue's "a few thousand node folders and a few thousand explicit
files". Work that should happen once per file is counted exactly: each TOML file is
parsed by tomllib once and scanned for positions once -- twice per distinct text,
when files repeat one (source_text.RepeatsRemembered) -- and each distinct image
text is parsed once however many rules look at it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as a package
    import tomli as tomllib  # type: ignore[no-redef]

from pauselint.compat import load_table
from pauselint.engine import Options, check_files
from pauselint.imageref import parse_image
from pauselint.inputs import collect
from pauselint.model import ConfigFile
from pauselint.reading import ReadConfig
from pauselint.sources import containerd, toml_locator

# Each file its own text (the comment), so work per file is work per text.
CONFIG = ('# node {index}\nversion = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
          'sandbox_image = "{image}"\n')
SMALL, LARGE = 1000, 2000
IMAGES = 3  # distinct images in every tree


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts reads of ConfigFile.path and ReadConfig.group/kind while a test runs."""
    counts: Counter[str] = Counter()
    for cls, field in ((ConfigFile, "path"), (ReadConfig, "group"), (ReadConfig, "kind")):
        getter = getattr(cls, field)

        def read(self: object, _getter=getter, _name=f"{cls.__name__}.{field}") -> object:
            counts[_name] += 1
            return _getter.__get__(self, type(self))

        monkeypatch.setattr(cls, field, property(read))
    yield counts


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts tomllib parses, position scans and image parses while a test runs, the
    texts remembered before it forgotten."""
    counts: Counter[str] = Counter()
    loads, document = tomllib.loads, toml_locator._Scanner.document

    def counted_loads(text: str, **kwargs: object) -> object:
        counts["tomllib.loads"] += 1
        return loads(text, **kwargs)

    def counted_document(self: toml_locator._Scanner) -> None:
        counts["scans"] += 1
        document(self)

    monkeypatch.setattr(tomllib, "loads", counted_loads)
    monkeypatch.setattr(toml_locator._Scanner, "document", counted_document)
    toml_locator.parse_toml.cache_clear()
    toml_locator.locate_values.cache_clear()
    containerd._READINGS.cache_clear()
    parse_image.cache_clear()
    yield counts


def node_folders(root: Path, count: int) -> list[str]:
    for index in range(count):
        config = root / f"node{index:05d}" / "etc" / "containerd" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(CONFIG.format(index=index,
                                        image=f"registry.k8s.io/pause:3.{index % 3 + 8}"))
    return [str(root)]


def loose_files(root: Path, count: int) -> list[str]:
    root.mkdir()
    paths = []
    for index in range(count):
        path = root / f"containerd-{index:05d}.toml"
        path.write_text(CONFIG.format(index=index,
                                      image=f"registry.k8s.io/pause:3.{index % 3 + 8}"))
        paths.append(str(path))
    return paths


def work(counts: Counter[str], paths: list[str]) -> int:
    counts.clear()
    report = check_files(collect(paths), Options(kubernetes="1.31"), load_table())
    assert report.inputs == len(report.sources)
    return sum(counts.values())


@pytest.mark.parametrize("shape", [node_folders, loose_files],
                         ids=["one folder per node", "explicit files"])
def test_work_per_file_stays_flat(tmp_path: Path, counted: Counter[str], shape) -> None:
    small = work(counted, shape(tmp_path / "small", SMALL))
    large = work(counted, shape(tmp_path / "large", LARGE))
    assert small > 0
    # Twice the files: about twice the work (quadratic would be four times).
    assert large / small < 2.3, (small, large)


@pytest.mark.parametrize("shape", [node_folders, loose_files],
                         ids=["one folder per node", "explicit files"])
def test_each_file_is_parsed_once_and_each_image_once(tmp_path: Path, shape,
                                                     parses: Counter[str]) -> None:
    paths = shape(tmp_path / "tree", SMALL)
    report = check_files(collect(paths), Options(kubernetes="1.31"), load_table())
    assert report.inputs == SMALL
    assert (parses["tomllib.loads"], parses["scans"]) == (SMALL, SMALL)
    assert parse_image.cache_info().misses == IMAGES


def test_a_text_many_files_repeat_is_parsed_twice_not_per_file(
        tmp_path: Path, parses: Counter[str]) -> None:
    # A fleet's repo: the same config in every node folder, one of IMAGES texts each.
    # A text is remembered when it comes a second time (RepeatsRemembered).
    for index in range(SMALL):
        config = tmp_path / f"node{index:05d}" / "etc" / "containerd" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(CONFIG.format(index=index % IMAGES,
                                        image=f"registry.k8s.io/pause:3.{index % 3 + 8}"))
    report = check_files(collect([str(tmp_path)]), Options(kubernetes="1.31"), load_table())
    assert report.inputs == SMALL
    assert (parses["tomllib.loads"], parses["scans"]) == (2 * IMAGES, 2 * IMAGES)
    # Each node still has its own findings, at its own file: pause 3.8 and 3.9 are
    # older than Kubernetes 1.31's 3.10.
    older = {str(tmp_path / f"node{i:05d}" / "etc" / "containerd" / "config.toml")
             for i in range(SMALL) if i % 3 != 2}
    assert {f.location.path for f in report.findings if f.rule == "PL201"} == older
