"""pauselint's reading of containerd configs against the real containerd binaries.

For each of Debian's containerd 1.6.20, 1.7.24 and 2.1.9 and each set of files,
pauselint's ``show`` entry for that containerd version (in-process) must say what the
binary says (oracle.py: the daemon's own start path, then ``config dump``, from ``/``):
accepted or refused and, when accepted, the same sandbox image (None: no CRI plugin).

pauselint runs with ``--root /``: an absolute import names this machine's file, as it
does for containerd (by default the layout ``<tmp>/etc/containerd`` makes ``<tmp>`` the
node's ``/``, so absolute imports would name other files for the two).

One difference of ``config dump`` from a running daemon is mapped, as the real daemon
decided it (test_daemon.py; compat.yaml ``containerd.loading.empty_sandbox``): under 2.x
an empty sandbox image is replaced by the release's default when a sandbox is made.

Sets: every containerd file of tests/, examples/ and ../shared/corpus, copied to
``<tmp>/etc/containerd/config.toml``; and hypothesis-generated sets (configs.py), each
run against all three versions. ``PAUSELINT_DIFF_EXAMPLES`` raises the example count.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from packaging.version import Version

from pauselint import engine
from pauselint.compat import load_table
from pauselint.inputs import collect
from pauselint.model import Component

from . import configs
from .binaries import SUITES
from .oracle import dump

VERSIONS = tuple(SUITES)
# Some 0.16 s per example for the three versions here (binaries cached): 400 examples
# and the 55 real files take some 75 s when all agree (a failure adds its shrinking).
EXAMPLES = configs.example_count(400)
TABLE = load_table()

Answer = tuple[bool, str | None]


def pauselint_says(main: Path, version: str) -> tuple[Answer, str]:
    """(accepted, sandbox image) from ``show``'s runtime entry, and its refusal text."""
    # --root /: an absolute import means this machine's path, as it does to containerd
    # (without it, the node layout <tmp>/etc/containerd makes <tmp> the node's `/`).
    options = engine.Options(runtimes=((Component.CONTAINERD, version),), root=Path("/"))
    nodes = engine.describe_files(collect([str(main)]), options, TABLE)
    runtimes = [r for node in nodes for r in node["runtimes"] if r["name"] == "containerd"]
    if not runtimes:  # not read as containerd's config at all: it names no image
        return (False, None), "no containerd runtime shown (the file is not read as containerd's)"
    assert len(runtimes) == 1, f"pauselint shows {len(runtimes)} containerd entries: {nodes}"
    [runtime] = runtimes
    image = (runtime["sandbox_image"] or {}).get("value")
    refusal = runtime["refusal"]
    return (runtime["accepted"], image), (str(refusal) if refusal else "")


def containerd_says(binary: Path, main: Path, version: str) -> tuple[Answer, str]:
    """(accepted, sandbox image) from the real binary, and its error line."""
    verdict = dump(binary, main, cwd="/")
    image = verdict.sandbox_image
    if verdict.accepted and image == "" and Version(version).major >= 2:
        default = TABLE.containerd_default(Version(version))
        assert default is not None, f"compat.yaml has no default for containerd {version}"
        image = default.image  # the sandbox controller's default (daemon-verified)
    return (verdict.accepted, image), verdict.message


def disagreements(binaries: dict[str, Path], main: Path) -> list[str]:
    """Each version where pauselint and containerd differ, with both answers."""
    found = []
    for version in VERSIONS:
        ours, refusal = pauselint_says(main, version)
        theirs, message = containerd_says(binaries[version], main, version)
        # Refused: only that both refuse counts (the image of a refused config is moot).
        same = ours == theirs if theirs[0] else not ours[0]
        if not same:
            found.append(
                f"containerd {version}: pauselint accepted={ours[0]} sandbox_image={ours[1]!r}"
                f"{f' (refusal: {refusal})' if refusal else ''}; containerd "
                f"accepted={theirs[0]} sandbox_image={theirs[1]!r}"
                f"{f' ({message})' if message else ''}")
    return found


_REAL = configs.corpus_files(configs.PROJECT_ROOTS)
_CORPUS = configs.corpus_files((configs.CORPUS,))


def _real_params() -> list:
    params = [pytest.param(p, id=str(p.relative_to(configs.CHECKOUT))) for p in _REAL]
    params += [pytest.param(p, id=str(p.relative_to(configs.CORPUS.parent))) for p in _CORPUS]
    if not _CORPUS:
        params.append(pytest.param(None, id="shared-corpus", marks=pytest.mark.skip(
            reason=f"the shared corpus {configs.CORPUS} is absent (or holds no containerd file)")))
    return params


@pytest.mark.parametrize("source", _real_params())
def test_real_file_read_as_containerd_reads_it(source: Path, tmp_path: Path,
                                               containerd_binaries: dict[str, Path]) -> None:
    main = configs.write_copy(source, tmp_path)
    found = disagreements(containerd_binaries, main)
    assert not found, ("\n".join(found) + f"\nfile {source}, copied to {main}:\n"
                       + main.read_text(encoding="utf-8", errors="replace"))


def _found(test):
    """Every disagreement found so far (configs.FOUND) as an explicit example."""
    for file_set in reversed(configs.FOUND):
        test = example(file_set=file_set)(test)
    return test


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(file_set=configs.file_sets())
@_found
def test_generated_configs_read_as_containerd_reads_them(
        file_set: configs.FileSet, containerd_binaries: dict[str, Path]) -> None:
    with tempfile.TemporaryDirectory(prefix="pauselint-diff-") as folder:
        root = Path(folder)
        main = file_set.write(root)
        found = disagreements(containerd_binaries, main)
        assert not found, "\n".join(found) + "\nfiles:\n" + file_set.shown(root)
