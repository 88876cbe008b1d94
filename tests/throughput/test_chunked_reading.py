"""`check` and `show` read their inputs a chunk of whole node folders at a time and let
each chunk's read files go once its nodes are judged (issue 16: memory flat in the
number of files). Whatever the chunk size, the report is the one reading everything
at once gives: the same nodes in the same order, the same findings, errors, skips and
notes, byte for byte. (What a chunk holds meanwhile: test_nodes_let_go.py.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint import engine
from pauselint.cli import main
from pauselint.inputs import InputFile

FIXTURES = Path(__file__).parent.parent / "fixtures"

CONTAINERD = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "{image}"\n')
CRIO = '[crio.image]\npause_image = "{image}"\n'
DROP_IN = ("[Service]\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nExecStart=\n"
           "ExecStart=/usr/bin/kubelet $KUBELET_KUBEADM_ARGS\n")
UNIT = ('[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--pod-infra-container-image={image}"\n'
        "ExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n")
FLAGS = 'KUBELET_KUBEADM_ARGS="--pod-infra-container-image={image}"\n'
KUBEADM = ("apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n"
           "kubernetesVersion: v1.29.4\nimageRepository: registry.example.com/k8s\n")

# Node folders of every shape reading can give, in the order a walk finds them. The
# folders holding only a systemd unit ("b", "e") are placed by a format read a group
# at a time, so reading everything at once puts them after every other node.
TREE: dict[str, dict[str, str]] = {
    "a": {"etc/containerd/config.toml": CONTAINERD.format(image="k8s.gcr.io/pause:3.6")
          + "# pauselint: disable=PL999\n"},
    "b": {"etc/systemd/system/kubelet.service.d/10-kubeadm.conf": UNIT.format(
        image="k8s.gcr.io/pause:3.5")},
    "c": {"etc/crio/crio.conf": CRIO.format(image="not an image!")},
    "d": {"etc/containerd/config.toml": "version = 2\n[plugins\n"},
    "e": {"etc/systemd/system/kubelet.service.d/10-kubeadm.conf": UNIT.format(
        image="registry.k8s.io/pause:3.9")},
    "f": {"etc/containerd/config.toml": CONTAINERD.format(image="{{ .PauseImage }}")},
    "g": {"etc/containerd/config.toml": CONTAINERD.format(image="registry.k8s.io/pause:3.9"),
          "etc/kubernetes/kubeadm-config.yaml": KUBEADM,
          "etc/systemd/system/kubelet.service.d/10-kubeadm.conf": DROP_IN,
          "var/lib/kubelet/kubeadm-flags.env": FLAGS.format(image="registry.k8s.io/pause:3.8")},
}


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    for node, files in TREE.items():
        for below, text in files.items():
            path = tmp_path / "nodes" / node / below
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    wrappers = tmp_path / "nodes" / "wrappers"
    wrappers.mkdir()
    shutil.copy(FIXTURES / "wrappers" / "user-data.yaml", wrappers / "user-data.yaml")
    return tmp_path / "nodes"


def run(arguments: list[str], monkeypatch: pytest.MonkeyPatch, size: int) -> tuple[str, int]:
    """The output of ``pauselint ARGUMENTS`` reading ``size`` files a chunk, and how
    many chunks were read."""
    monkeypatch.setattr(engine, "CHUNK_FILES", size)
    chunks = []
    prepare = engine._prepare

    def counted(files, options, table):
        chunks.append(len(files))
        return prepare(files, options, table)

    monkeypatch.setattr(engine, "_prepare", counted)
    result = CliRunner().invoke(main, [arguments[0], "--no-config", *arguments[1:]])
    # 2: the tree has input errors on purpose; never a traceback.
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    monkeypatch.undo()
    return result.output, len(chunks)


def importer(tree: Path, node: str) -> Path:
    """A loose file, named before the tree, that imports node ``node``'s containerd
    config: that file's read errors (CR-only line ends, invalid TOML) are the loose
    node's refusal too, although another chunk reads it."""
    target = tree / node / "etc/containerd/config.toml"
    loose = tree.parent / "loose.toml"
    loose.write_text(f'version = 2\nimports = ["{target}"]\n'
                     '[plugins."io.containerd.grpc.v1.cri"]\n'
                     '  sandbox_image = "registry.k8s.io/pause:3.8"\n')
    return loose


@pytest.mark.parametrize("imported", ["cr-only", "cr-only-invalid"])
@pytest.mark.parametrize("arguments", [["check", "--format", "json"], ["check"],
                                       ["show", "--format", "json"]],
                         ids=["json", "text", "show-json"])
def test_a_file_another_chunk_reads_gives_the_report_of_one_read(
        tree: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str],
        imported: str) -> None:
    text = ('version = 2\r[plugins."io.containerd.grpc.v1.cri"]\r'
            '  sandbox_image = "registry.k8s.io/pause:3.9"\r')
    if imported == "cr-only-invalid":
        text = "x = = 1\r" + text
    (tree / "g" / "etc/containerd/config.toml").write_bytes(text.encode())
    loose = importer(tree, "g")
    whole, _ = run([*arguments, str(loose), str(tree)], monkeypatch, 10**9)
    # The imported file's problem is in the report: containerd 2.x's refusal of its
    # bare CRs (check), the lines that refuse it (show), or its invalid TOML.
    said = ("invalid TOML",) if imported == "cr-only-invalid" else ("CR alone", '"accepted": false')
    assert any(words in whole for words in said), whole
    for size in (1, 3):
        chunked, chunks = run([*arguments, str(loose), str(tree)], monkeypatch, size)
        assert chunks > 2
        assert chunked == whole, size


@pytest.mark.parametrize("arguments", [
    ["check", "--format", "json"],
    ["check", "--format", "json", "-k", "1.31", "--platform", "linux/arm64"],
    ["check", "--format", "sarif"],
    ["check"],
    ["show", "--format", "json"],
    ["show"],
], ids=["json", "json-k", "sarif", "text", "show-json", "show-text"])
def test_any_chunk_size_gives_the_report_of_one_read(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                                     arguments: list[str]) -> None:
    whole, one = run([*arguments, str(tree)], monkeypatch, 10**9)
    assert one == 1
    for size in (1, 2, 3):
        chunked, chunks = run([*arguments, str(tree)], monkeypatch, size)
        assert chunks > 2, (size, chunks)
        assert chunked == whole, size


def test_the_report_has_the_shapes_it_was_built_for(tree: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """What the comparison above compares: late nodes, each kind of error and note."""
    output, _ = run(["check", "--format", "json", str(tree)], monkeypatch, 1)
    report = json.loads(output)
    names = [Path(entry["name"]).name for entry in report["nodes"]]
    assert names[-2:] == ["b", "e"], names  # placed by the kubelet unit: last
    assert set(names[:-2]) >= {"a", "c", "d", "f", "g"}, names
    assert any(name.endswith("user-data.yaml") for name in names), names
    messages = " ".join(e["message"] for e in report["errors"])
    assert "not an image reference" in messages, messages  # c: a use's error
    assert any(e["path"].endswith("d/etc/containerd/config.toml")
               for e in report["errors"])  # d: a read error
    assert any("placeholder" in item["reason"] for item in report["not_read"])  # f
    assert any(f["rule"] == "PL002" for f in report["findings"])  # a's unused comment
    assert report["skipped"], report


def files(*groups: str) -> list[InputFile]:
    return [InputFile(f"{group}/f{index}", "", explicit=False, group=group)
            for index, group in enumerate(groups)]


def chunked(given: list[InputFile], size: int) -> list[list[str]]:
    return [[f.group for f in given[start:end]]
            for start, end in engine.input_chunks(given, size)]


def test_chunks_are_whole_groups_in_order() -> None:
    given = files("a", "a", "a", "b", "c", "c", "d")
    assert chunked(given, 2) == [["a", "a", "a"], ["b", "c", "c"], ["d"]]
    assert chunked(given, 1) == [["a", "a", "a"], ["b"], ["c", "c"], ["d"]]
    assert engine.input_chunks(given, 100) == [(0, 7)]
    assert engine.input_chunks([], 2) == [(0, 0)]


def test_a_group_whose_files_are_apart_is_read_as_one_chunk() -> None:
    """Loose files named before and after a folder: the order they came in is kept."""
    assert engine.input_chunks(files("", "nodes/a", "nodes/a", ""), 1) == [(0, 4)]


def test_released_texts_give_the_same_report(tree: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` hands its inputs over: each chunk's texts are dropped once read, but a
    text with a comment (for suppressions) stays, and the report is the same."""
    from pauselint.compat import load_table
    from pauselint.inputs import collect
    from pauselint.report import render

    (tree / "h" / "etc/containerd").mkdir(parents=True)
    (tree / "h" / "etc/containerd/config.toml").write_text(
        CONTAINERD.format(image="k8s.gcr.io/pause:3.6").rstrip("\n")
        + "  # pauselint: disable=PL103,PL201 -- frozen on purpose\n")
    table = load_table()
    options = engine.Options(kubernetes="1.31")
    kept = collect([str(tree)])
    given = collect([str(tree)])
    assert [f.text for f in given] == [f.text for f in kept]
    one_chunk = list(given)
    engine.check_files(one_chunk, options, table, release_texts=True)
    assert one_chunk == given  # one chunk: nothing would be saved, nothing is dropped
    monkeypatch.setattr(engine, "CHUNK_FILES", 2)
    reports = []
    for files, release in ((kept, False), (given, True)):
        report = engine.check_files(files, options, table, release_texts=release)
        reports.append(render(report, "json", tool_version="0", table_date=table.date))
    assert reports[0] == reports[1]
    commented = [f.path for f in given if f.text]
    assert commented == [f.path for f in kept if f.text and "pauselint" in f.text]
    assert any(p.startswith(str(tree / "h")) for p in commented), commented
    assert all(f.text == "" for f in given if f.path not in commented)
    assert [f.path for f in given] == [f.path for f in kept]
    # The comment in h's kept text still took effect: a's same value has the findings.
    findings = json.loads(reports[1])["findings"]
    assert {"PL103", "PL201"} <= {f["rule"] for f in findings if "/a/" in f["path"]}
    assert not {"PL103", "PL201"} & {f["rule"] for f in findings if "/h/" in f["path"]}
