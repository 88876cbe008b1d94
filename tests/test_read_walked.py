"""A walked file is read whole when it fits in the head, and its head decoded in one
step: the same answers as reading the head through a buffered file and decoding it
with an incremental decoder, without either."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pauselint.cli import main
from pauselint.inputs import HEAD_BYTES, MAX_BYTES, _head_text, read_walked
from pauselint.sources import registry

CONTAINERD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "x"\n'


def completable(head: bytes) -> bool:
    """Whether some bytes after ``head`` make it valid UTF-8: a character is cut in two,
    not wrong. Continuations differ only in range, so four stand for all of them."""
    return any(_decodes(head + bytes(tail)) for count in (1, 2, 3)
               for tail in itertools.product((0x80, 0x90, 0xA0, 0xBF), repeat=count))


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@given(st.binary(max_size=24) | st.text(max_size=12).map(str.encode).flatmap(
    lambda data: st.integers(0, len(data)).map(lambda cut: data[:cut])))
def test_the_head_leaves_out_only_a_character_the_rest_could_complete(head: bytes) -> None:
    # Not the incremental decoder's answer: CPython's takes b"\xed\xa0" for a character
    # not yet complete, though no byte after it makes a valid one (a surrogate).
    try:
        expected: str | int = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        expected = head[:exc.start].decode("utf-8") if completable(head) else exc.start
    try:
        got: str | int = _head_text(head)
    except UnicodeDecodeError as exc:
        got = exc.start
    assert got == expected


@pytest.mark.parametrize(("head", "expected"), [
    (b"ab\xc3", "ab"), (b"\xf0\x90\x80", ""), (b"\xed", ""),  # cut: left out
    (b"\xed\xa0", 0), (b"a\xe0\x80", 1), (b"\xc3(", 0), (b"\xff", 0),  # wrong: raise
])
def test_the_head_cuts_and_bad_bytes(head: bytes, expected: str | int) -> None:
    try:
        got: str | int = _head_text(head)
    except UnicodeDecodeError as exc:
        got = exc.start
    assert got == expected


@pytest.mark.parametrize("size", [10, HEAD_BYTES - 1, HEAD_BYTES, HEAD_BYTES + 1,
                                  3 * HEAD_BYTES + 17])
def test_a_walked_config_is_read_whole_whatever_its_size(tmp_path: Path, size: int) -> None:
    config = tmp_path / "etc/containerd/config.toml"
    config.parent.mkdir(parents=True)
    text = CONTAINERD + "#" * max(0, size - len(CONTAINERD) - 1) + "\n"
    config.write_text(text)
    item = read_walked(str(config))
    assert item is not None and item.text == text and item.error is None


def test_a_walked_file_past_the_cap_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "etc/containerd/config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CONTAINERD + "#" * MAX_BYTES + "\n")
    item = read_walked(str(config))
    assert item is not None and item.text is None and "more than" in item.error.message


def test_a_cut_character_at_the_head_is_no_error_a_bad_byte_is(tmp_path: Path) -> None:
    config = tmp_path / "etc/containerd/config.toml"
    config.parent.mkdir(parents=True)
    # "é" (two bytes) straddles the end of the head: the whole file is valid UTF-8.
    padding = "#" * (HEAD_BYTES - len(CONTAINERD) - 1)
    config.write_text(CONTAINERD + padding + "é\n")
    item = read_walked(str(config))
    assert item is not None and item.error is None and item.text.endswith("é\n")
    # A BOM and a bad byte on line 2: the file's byte 5, as a named file says it too.
    config.write_bytes(b"\xef\xbb\xbf#\n\xff\n" + CONTAINERD.encode())
    item = read_walked(str(config))
    assert item is not None and item.error is not None
    assert item.error.message == "not UTF-8 text (byte 5)"


def test_a_walked_file_no_format_reads_is_skipped_and_counted(tmp_path: Path) -> None:
    notes = tmp_path / "etc/containerd/notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("nothing a runtime reads\n")
    skipped: dict[str, int] = {}
    assert read_walked(str(notes), skipped=skipped) is None
    assert sum(skipped.values()) == 1


def test_an_empty_walked_config_is_read_as_empty(tmp_path: Path) -> None:
    config = tmp_path / "etc/containerd/config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("")
    item = read_walked(str(config))  # a size of 0 reads by the head, and finds nothing
    assert item is not None and item.text == "" and item.error is None


def test_a_pseudo_file_whose_size_says_nothing_is_read_by_its_head() -> None:
    status = Path("/proc/self/status")
    if not status.exists() or status.stat().st_size != 0:
        pytest.skip("no procfs here")
    skipped: dict[str, int] = {}
    assert read_walked(str(status), skipped=skipped) is None  # read, and no config
    assert sum(skipped.values()) == 1


FRAGMENTS = [CONTAINERD, "[crio.image]\npause_image = \"x\"\n", 'server = "https://a"\n',
             "[[registry]]\nlocation = \"a\"\n", 'KUBELET_KUBEADM_ARGS="--x=1"\n', "# note\n",
             "[Service]\nEnvironment=\"A=b\"\n", "é"]
NAMES = ["etc/containerd/config.toml", "etc/crio/crio.conf", "notes.txt",
         "etc/containerd/certs.d/a/hosts.toml", "var/lib/kubelet/kubeadm-flags.env"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=5), st.sampled_from(["\n", "\r", "\r\n"]),
       st.integers(0, 2), st.sampled_from(NAMES))
def test_the_kind_the_walk_found_is_what_the_text_read_is_detected_as(
        tmp_path_factory: pytest.TempPathFactory, parts: list[str], line_end: str, boms: int,
        name: str) -> None:
    # Kept from the walk only where its head was the very text read: a BOM, CR line
    # ends (made LF) or a file bigger than the head make reading detect it afresh.
    path = tmp_path_factory.mktemp("walk") / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\ufeff" * boms + "".join(parts).replace("\n", line_end)).encode()
    path.write_bytes(data)
    item = read_walked(str(path))
    if item is None or item.text is None:
        return
    fresh = registry.detect(str(path), item.text)
    if item.kind is not None:
        assert fresh is not None and item.kind is fresh.kind
    elif not item.cr_line_ends and not item.bom:
        assert fresh is None or not data  # detected in the walk, so kept


def test_a_walked_tree_is_detected_once_a_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for node in range(5):
        config = tmp_path / f"n{node}/etc/containerd/config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(CONTAINERD)
        (config.parent / "notes.txt").write_text("nothing a runtime reads\n")
    calls: list[str] = []
    detect = registry.detect

    def counted(path: str, text: str):
        calls.append(path)
        return detect(path, text)

    monkeypatch.setattr(registry, "detect", counted)
    result = CliRunner().invoke(main, ["check", "--no-config", "-k", "1.31", "--format",
                                       "json", str(tmp_path)])
    assert json.loads(result.output)["summary"]["inputs"] == 5, result.output
    assert len(calls) == 10 and len(set(calls)) == 10
