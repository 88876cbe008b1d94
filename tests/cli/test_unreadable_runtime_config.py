"""A runtime config that cannot be read is "unknown", never "nothing set" (issue 8 item 10).

Real templates (copied from the corpus into tests/fixtures/unreadable/) used to be
judged as if they set no sandbox image: the runtime default was invented for them and
PL404, PL201 and PL202 fired on it. Each now gets its input error and skips naming it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "unreadable"
CORPUS = Path("/work/shared/corpus")
RUNTIMES = ("--runtime-version", "containerd=1.7.20", "--runtime-version", "cri-o=1.30.4")
# Rules whose findings would be about the runtime's effective (or default) image.
EFFECTIVE_RULES = {"PL201", "PL202", "PL203", "PL303", "PL404"}


def check_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    return result.exit_code, json.loads(result.output)


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("aks-windows-v1-plugins-cri-placeholder.toml", 40),
        ("eks-nodeadm-v3.gotmpl.toml", 10),
        ("kubespray-crio.conf.j2", 28),
    ],
)
def test_template_is_unknown_not_unset(tmp_path: Path, name: str, line: int) -> None:
    path = str(tmp_path / name)
    shutil.copy(FIXTURES / name, path)
    code, report = check_json("-k", "1.30", *RUNTIMES, path)
    assert code == 2
    assert [(e["path"], e["line"]) for e in report["errors"]] == [(path, line)]
    assert report["findings"] == []
    assert {"rule": "PL404", "reason": f"sandbox image unknown: {path} could not be read"} in [
        {"rule": s["rule"], "reason": s["reason"]} for s in report["skipped"]]


def test_unreadable_import_makes_the_main_files_image_unknown(tmp_path: Path) -> None:
    main_file = write(tmp_path, "etc/containerd/config.toml", (
        'version = 2\nimports = ["conf.d/*.toml"]\n'
        '[plugins."io.containerd.grpc.v1.cri"]\n'
        '  sandbox_image = "registry.example.com/pause:3.10"\n'))
    broken = write(tmp_path, "etc/containerd/conf.d/10-pause.toml",
                   '[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "{{ .Pause }}\n')
    code, report = check_json("-k", "1.31", "--runtime-version", "containerd=1.7.20", main_file)
    assert code == 2
    assert [(e["path"], e["line"]) for e in report["errors"]] == [(broken, 2)]
    # Before: PL202 judged the main file's value as the one containerd uses.
    assert [f["rule"] for f in report["findings"]] == []
    reason = f"sandbox image unknown: {broken} could not be read"
    assert {"rule": "PL202", "reason": reason} in [
        {"rule": s["rule"], "reason": s["reason"]} for s in report["skipped"]]


def test_unreadable_import_and_no_value_invents_no_default(tmp_path: Path) -> None:
    main_file = write(tmp_path, "etc/containerd/config.toml",
                      'version = 2\nimports = ["conf.d/*.toml"]\n')
    broken = write(tmp_path, "etc/containerd/conf.d/10-pause.toml", "{{ template }}\n")
    code, report = check_json("-k", "1.31", "--runtime-version", "containerd=1.7.20", main_file)
    assert code == 2
    assert report["findings"] == []
    assert [s["reason"] for s in report["skipped"] if s["rule"] == "PL404"] == [
        f"sandbox image unknown: {broken} could not be read"]


def test_a_readable_node_beside_it_is_still_judged(tmp_path: Path) -> None:
    broken = str(tmp_path / "a" / "etc" / "containerd" / "config.toml")
    Path(broken).parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "eks-nodeadm-v3.gotmpl.toml", broken)
    fine = write(tmp_path, "b/etc/containerd/config.toml", "version = 2\n")
    code, report = check_json("-k", "1.30", *RUNTIMES, broken, fine)
    assert code == 2
    assert [(f["rule"], f["path"]) for f in report["findings"]
            if f["rule"] in EFFECTIVE_RULES] == [("PL201", fine), ("PL404", fine)]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the project corpus is not here")
def test_no_effective_image_finding_on_a_corpus_file_that_cannot_be_read() -> None:
    files = sorted(str(p) for p in CORPUS.glob("*/*") if p.is_file())
    _code, report = check_json("-k", "1.30", *RUNTIMES, "--runtime-version", "k3s=1.30.4",
                               *files)
    unreadable = {e["path"] for e in report["errors"] if e["message"].startswith(
        ("invalid TOML", "not valid TOML", "invalid YAML"))}
    assert unreadable
    judged = [(f["rule"], f["path"]) for f in report["findings"]
              if f["path"] in unreadable and f["rule"] in EFFECTIVE_RULES]
    assert judged == []


def test_an_import_that_is_not_text_is_an_error_and_unknown(tmp_path: Path) -> None:
    main_file = write(tmp_path, "etc/containerd/config.toml",
                      'version = 2\nimports = ["conf.d/*.toml"]\n')
    binary = tmp_path / "etc/containerd/conf.d/10-pause.toml"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"sandbox_image = \"\xff\xfe\"\n")
    code, report = check_json("-k", "1.31", "--runtime-version", "containerd=1.7.20", main_file)
    assert code == 2
    # Before: the import was dropped without a word and the default was assumed.
    assert [(e["path"], e["line"]) for e in report["errors"]] == [(str(binary), 1)]
    assert report["findings"] == []
    assert [s["reason"] for s in report["skipped"] if s["rule"] == "PL404"] == [
        f"sandbox image unknown: {binary} could not be read"]


def test_a_k3s_dropin_that_is_not_yaml_makes_the_image_unknown(tmp_path: Path) -> None:
    main_file = write(tmp_path, "etc/rancher/k3s/config.yaml",
                      "pause-image: registry.example.com/pause:3.10\n")
    dropin = write(tmp_path, "etc/rancher/k3s/config.yaml.d/50-pause.yaml",
                   "pause-image: [{{ .Pause }}\n")
    code, report = check_json("-k", "1.31", main_file, dropin)
    assert code == 2
    assert [e["path"] for e in report["errors"]] == [dropin]
    assert [f["rule"] for f in report["findings"] if f["rule"] in EFFECTIVE_RULES] == []
    assert {"rule": "PL202", "reason": f"sandbox image unknown: {dropin} could not be read"} in [
        {"rule": s["rule"], "reason": s["reason"]} for s in report["skipped"]]
