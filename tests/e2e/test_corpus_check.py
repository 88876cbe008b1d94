"""Every real-world containerd and CRI-O file through the whole engine: no crash, ever.

Each file is either read (counted as an input, findings or not) or reported as
unreadable with a reason; nothing raises and nothing is silently dropped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.compat import load_table
from pauselint.engine import Options, check_files
from pauselint.inputs import read_path
from pauselint.sources.detect import InputType

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
# Folders whose files are all of one kind are read as that kind; the others are
# detected, as a user running `pauselint check FILE` would have them.
FOLDERS = {"containerd": InputType.CONTAINERD, "crio": InputType.CRIO, "kubelet": None,
           "kubeadm": None, "k3s": None}


def corpus_files() -> list[tuple[Path, InputType | None]]:
    if not SHARED.is_dir():
        return []
    return [(p, kind) for folder, kind in FOLDERS.items()
            for p in sorted((SHARED / folder).glob("*")) if p.is_file()]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpus is not present")
@pytest.mark.parametrize(("path", "kind"), corpus_files(), ids=lambda v: getattr(v, "name", v))
def test_corpus_file_is_read_or_reported(path: Path, kind: InputType | None) -> None:
    options = Options(kubernetes="1.31", input_type=kind,
                      runtimes=(), platform=None)
    report = check_files([read_path(str(path), explicit=True)], options, load_table())
    assert report.inputs == 1  # read, or reported: never silently dropped
    if report.errors:
        assert all(e.path == str(path) for e in report.errors)
    for error in report.errors:
        assert error.path and error.message
    for finding in report.findings:
        assert finding.location.path is not None
        assert finding.message
