"""`named`: what the user named stays protected from --output whatever --ignore-unknown does,
and what a walk skipped is not an input."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.commands.run_inputs import check_inputs
from pauselint.inputs import collect
from pauselint.model import Report

CONTAINERD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n' \
             '  sandbox_image = "registry.k8s.io/pause:3.10"\n'


def test_named_files_and_stdin_are_named_walked_ones_are_not(tmp_path: Path) -> None:
    (tmp_path / "walked.toml").write_text("title = 'a pyproject-like file'\n")
    named = tmp_path / "named.txt"
    named.write_text("not a config\n")
    (tmp_path / "etc" / "crio").mkdir(parents=True)
    (tmp_path / "etc" / "crio" / "crio.conf").write_text("[crio.image]\n")
    files = collect([str(named), "-", str(tmp_path)], stdin="x")
    # walked.toml is no config by name or content, so a walk never reads it whole.
    assert {(Path(f.path).name, f.named, f.explicit) for f in files} == {
        ("named.txt", True, True), ("<stdin>", True, True), ("crio.conf", False, False)}


def test_named_files_stay_inputs_when_ignore_unknown_clears_explicit(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    files = [f._replace(explicit=False) for f in collect([str(notes)])]
    assert str(notes) in check_inputs(files, Report(), None)


@pytest.mark.parametrize("flags", [[], ["--ignore-unknown"]])
def test_output_over_a_named_unknown_file_is_refused(tmp_path: Path, flags: list[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    result = CliRunner().invoke(main, ["check", "--no-config", *flags, str(notes),
                                       "--output-file", str(notes)])
    assert result.exit_code == 2 and "is one of the inputs" in result.output
    assert notes.read_text() == "hello\n"


def test_a_report_in_the_walked_folder_is_no_input_on_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CONTAINERD)
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json", ".",
                                           "--output-file", "report.json"])
        assert result.exit_code == 0, result.output
    assert Path("report.json").read_text().startswith("{")


def test_each_node_root_is_resolved_once_a_run(tmp_path: Path, monkeypatch) -> None:
    """Every file of a node asks the root's real path: asked of the file system once
    per root and run, not once per file and question (issue 16). A root is resolved
    by realpath(), or from its folder's real path after one islink()."""
    import os
    import re

    files = ("etc/containerd/config.toml", "var/lib/kubelet/kubeadm-flags.env",
             "etc/kubernetes/kubeadm-config.yaml", "etc/default/kubelet")
    for node in range(30):
        for name in files:
            path = tmp_path / "nodes" / f"n{node:02d}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("KUBELET_EXTRA_ARGS=\n" if "kubelet" in name else "version = 2\n")
    asked: list[str] = []
    for name in ("realpath", "islink"):
        original = getattr(os.path, name)

        def counting(path, *args, _original=original, **kwargs):
            asked.append(str(path))
            return _original(path, *args, **kwargs)

        monkeypatch.setattr(os.path, name, counting)

    def roots_resolved(arguments: list[str], count: int) -> list[str]:
        asked.clear()
        assert len(collect(arguments)) == count
        return [p for p in asked if re.fullmatch(r"n\d\d", os.path.basename(p))]

    walked = roots_resolved([str(tmp_path / "nodes")], 30 * len(files))
    assert len(walked) == len(set(walked)) == 30  # each root once, however many files
    named = roots_resolved([str(tmp_path / "nodes" / "n00" / name) for name in files],
                           len(files))
    assert len(named) == 1
