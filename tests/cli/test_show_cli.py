"""`pauselint show`'s command line: the inputs and context options of `check`, exit codes,
and a --help that teaches. What it prints per node is tested with the renderer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.commands.check import check_command
from pauselint.commands.show import show_command

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CONTAINERD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n' \
             '  sandbox_image = "registry.k8s.io/pause:3.10"\n'


def option_names(command) -> set[str]:
    return {name for param in command.params for name in param.opts}


def test_show_takes_every_input_and_context_option_of_check_and_no_rule_option() -> None:
    shared = {"--kubernetes-version", "-k", "--platform", "--runtime-version", "--type",
              "--root", "--config", "--no-config", "--exclude", "--ignore-unknown",
              "--format", "--output", "--output-file", "-o"}
    assert shared <= option_names(show_command)
    assert shared <= option_names(check_command)
    rule_options = {"--enable", "--disable", "--allowed-registry", "--fail-on",
                    "--no-inline-suppressions"}
    assert rule_options <= option_names(check_command)
    assert not rule_options & option_names(show_command)
    formats = next(p for p in show_command.params if p.name == "output_format")
    assert list(formats.type.choices) == ["text", "json"]


def test_help_teaches_with_examples() -> None:
    result = CliRunner().invoke(main, ["show", "--help"])
    assert result.exit_code == 0
    examples = re.findall(r"^\s+pauselint show .+$", result.output, re.M)
    assert len(examples) >= 3 and any("-o json --output-file" in e for e in examples)
    assert "Exit codes: 0 shown, 2 usage error" in result.output
    assert "show" in CliRunner().invoke(main, ["--help"]).output


@pytest.mark.parametrize(("args", "message"), [
    ([], "Missing argument 'PATHS...'"),
    (["-k", "banana", "x.toml"], "is not a version"),
    (["--type", "yaml", "x.toml"], "--type 'yaml'"),
    (["--platform", "arm64", "x.toml"], "use os/arch"),
    (["--runtime-version", "docker=20.10", "x.toml"], "use containerd=X.Y.Z"),
    (["--format", "sarif", "x.toml"], "'sarif' is not one of 'text', 'json'"),
    (["--enable", "PL109", "x.toml"], "No such option '--enable'"),
])
def test_usage_errors_exit_two(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["show", "--no-config", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def show(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["show", "--no-config", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_every_example_is_shown_exit_zero(example: str) -> None:
    code, out, err = show("--format", "json", str(EXAMPLES / example))
    assert code == 0, err
    doc = json.loads(out)
    assert [node["name"] for node in doc["nodes"]] == [str(EXAMPLES / example)]
    code, text, err = show(str(EXAMPLES / example))
    assert code == 0 and str(EXAMPLES / example) in text, err


def test_show_groups_nodes_exactly_like_check(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b"):
        config = tmp_path / "nodes" / name / "etc" / "containerd" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(CONTAINERD)
    monkeypatch.chdir(tmp_path)
    code, out, _ = show("--format", "json", "--runtime-version", "containerd=1.7.24",
                        "nodes/b/etc/containerd/config.toml", "nodes/a/etc/containerd/config.toml")
    assert code == 0
    nodes = json.loads(out)["nodes"]
    assert sorted(node["name"] for node in nodes) == ["nodes/a", "nodes/b"]
    assert {(r["version"], r["version_from"]) for n in nodes for r in n["runtimes"]} == {
        ("1.7.24", "flag")}


def test_a_runtime_version_from_the_config_file_says_so(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CONTAINERD)
    (tmp_path / ".pauselint.yaml").write_text("runtime-version: containerd=1.7.20\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["show", "--format", "json", "."])
    assert result.exit_code == 0, result.output
    runtime = json.loads(result.output)["nodes"][0]["runtimes"][0]
    assert (runtime["version"], runtime["version_from"]) == ("1.7.20", "config")


def test_no_recognised_input_is_exit_two(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    code, out, err = show(str(tmp_path / "notes.txt"))
    assert code == 2 and out == ""
    assert "cannot tell what kind of file this is; use --type" in err
    assert "no input was recognised" in err
    code, _, err = show(str(tmp_path))  # a walk that finds no config shows nothing
    assert code == 2 and "no input was recognised" in err


def test_a_named_input_that_cannot_be_read_is_said_and_the_rest_shown(tmp_path: Path) -> None:
    code, out, err = show("--format", "json", str(tmp_path / "absent.toml"),
                          str(EXAMPLES / "crio-node"))
    assert code == 2
    assert f"{tmp_path / 'absent.toml'}: error: No such file or directory" in err
    assert [n["name"] for n in json.loads(out)["nodes"]] == [str(EXAMPLES / "crio-node")]


def test_output_is_written_but_never_over_an_input(tmp_path: Path) -> None:
    node = tmp_path / "node"
    config = node / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CONTAINERD)
    code, _, err = show(str(node), "--output-file", str(config))
    assert code == 2 and "is one of the inputs" in err
    assert config.read_text() == CONTAINERD
    target = tmp_path / "show.json"
    code, out, err = show(str(node), "--format", "json", "--output-file", str(target))
    assert code == 0 and out == "", err
    assert json.loads(target.read_text())["nodes"][0]["name"] == str(node)


def test_exclude_applies_to_show(tmp_path: Path) -> None:
    for name in ("a", "b"):
        config = tmp_path / name / "etc" / "containerd" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(CONTAINERD)
    code, out, _ = show("--format", "json", "--exclude", str(tmp_path / "b"), str(tmp_path))
    assert code == 0
    assert [n["name"] for n in json.loads(out)["nodes"]] == [str(tmp_path / "a")]


def test_an_unreadable_file_of_the_node_is_said_and_never_overwritten(tmp_path: Path) -> None:
    # Review of issue 9: `show -o` protected only named and readable files, so the
    # node's unreadable kubeadm-flags.env could be replaced by the report.
    node = tmp_path / "node"
    config = node / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CONTAINERD)
    flags = node / "var" / "lib" / "kubelet" / "kubeadm-flags.env"
    flags.parent.mkdir(parents=True)
    flags.write_bytes(b"KUBELET_KUBEADM_ARGS=\xff\n")
    code, out, err = show(str(config), "--output-file", str(flags))
    assert code == 2 and "is one of the inputs" in err
    assert flags.read_bytes() == b"KUBELET_KUBEADM_ARGS=\xff\n"
    code, out, err = show(str(config))
    assert code == 2  # as check: the node's flags are unknown
    assert f"{flags}:1: error: not UTF-8 text" in err
    assert str(config) in out


def test_o_is_the_output_format_and_a_file_name_there_is_pointed_to_output_file() -> None:
    # Issue 11: as in kubectl, pluto, kubent and popeye, -o takes the format; before, -o
    # json wrote a file named json, printed nothing and exited 1.
    shown = CliRunner().invoke(main, ["show", "--no-config", "-o", "json",
                                      str(EXAMPLES / "crio-node")])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["nodes"]
    wrong = CliRunner().invoke(main, ["check", "--no-config", "-o", "report.json",
                                      str(EXAMPLES / "crio-node")])
    assert wrong.exit_code == 2
    assert ("'report.json' is not an output format (text, json, sarif, github, openmetrics); the report "
            "file is --output-file report.json") in wrong.output
