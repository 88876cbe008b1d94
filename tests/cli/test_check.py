"""`pauselint check` through click's CliRunner: options, formats, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.rules import RULES

V2_OLD_TAG = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
"""
V2_GOOD = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
"""
V3_IGNORED = """version = 3
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
"""


def run(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(main, list(args), input=input, env=env)


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    path = write(tmp_path, "config.toml", V2_GOOD)
    result = run("check", "-k", "1.31", "--platform", "linux/amd64",
                 "--runtime-version", "containerd=2.1.9", path)
    assert result.exit_code == 0, result.output
    assert result.output.endswith("1 file checked: no problems found\n")


def test_clean_but_short_of_context_says_how_many_rules_could_judge(tmp_path: Path) -> None:
    # Issue 11: a bare "no problems found" read as a clean bill while four rules (the
    # runtime and platform ones) had not run at all.
    path = write(tmp_path, "config.toml", V2_GOOD)
    result = run("check", "-k", "1.31", path)
    assert result.exit_code == 0, result.output
    skipped = {line.split(":")[0].split()[1] for line in result.output.splitlines()
               if line.startswith("skipped PL")}
    # The online rules (PL112-PL114) do not run offline, so they are not counted.
    enabled = sum(1 for module in RULES.values()
                  if module.DEFAULT_ENABLED and not getattr(module, "ONLINE", False))
    assert result.output.endswith(
        f"1 file checked: no problems found by the {enabled - len(skipped)} rules that could "
        f"run; {len(skipped)} skipped: give --runtime-version, --platform\n")


def test_error_finding_exits_one_with_located_line(tmp_path: Path) -> None:
    path = write(tmp_path, "config.toml", V3_IGNORED)
    result = run("check", "-k", "1.31", path)
    assert result.exit_code == 1
    assert f"{path}:3:19: error PL401 ignored-setting:" in result.output


def test_warnings_pass_by_default_and_fail_with_fail_on_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "config.toml", V2_OLD_TAG)
    assert run("check", "-k", "1.31", path).exit_code == 0
    strict = run("check", "-k", "1.31", "--fail-on", "warning", path)
    assert strict.exit_code == 1
    assert f"{path}:3:19: warning PL201 pause-older-than-expected:" in strict.output
    assert run("check", "-k", "1.31", "--fail-on", "never", write(tmp_path, "b/config.toml",
                                                                  V3_IGNORED)).exit_code == 0


def test_json_follows_the_contract(tmp_path: Path) -> None:
    path = write(tmp_path, "config.toml", V3_IGNORED)
    result = run("check", "-k", "1.31", "--format", "json", path)
    doc = json.loads(result.output)
    assert list(doc) == ["schema", "tool", "context", "findings", "skipped", "errors", "summary",
                         "nodes"]
    assert doc["context"]["kubernetes_version"] == "1.31"
    assert [node["name"] for node in doc["nodes"]] == [path]
    assert {f["node"] for f in doc["findings"]} == {path}
    assert doc["context"]["kubernetes_version_from"] == "flag"
    pl401 = next(f for f in doc["findings"] if f["rule"] == "PL401")
    assert (pl401["path"], pl401["line"], pl401["column"]) == (path, 3, 19)
    assert doc["summary"]["inputs"] == 1 and doc["summary"]["error"] >= 1


def test_broken_file_is_reported_and_the_others_still_checked(tmp_path: Path) -> None:
    broken = write(tmp_path, "a/config.toml", 'version = 2\n[plugins\nsandbox_image = "x"\n')
    bad = write(tmp_path, "b/config.toml", V3_IGNORED)
    result = run("check", "-k", "1.31", "--format", "json", broken, bad)
    assert result.exit_code == 2
    doc = json.loads(result.output)
    assert doc["errors"][0]["path"] == broken and doc["errors"][0]["line"] == 2
    assert any(f["rule"] == "PL401" and f["path"] == bad for f in doc["findings"])
    assert doc["summary"]["inputs"] == 2


def test_stdin_with_forced_type() -> None:
    result = run("check", "-k", "1.31", "--type", "containerd", "-", input=V3_IGNORED)
    assert result.exit_code == 1
    assert "<stdin>:3:19: error PL401" in result.output


def test_unrecognised_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "hello\n")
    result = run("check", path)
    assert result.exit_code == 2
    assert "cannot tell what kind of file this is; use --type" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-k", "banana"], "is not a version"),
        (["-k", "1.10"], "older than anything pauselint knows"),
        (["--platform", "arm64"], "use os/arch"),
        (["--platform", "windows/amd64:ltsc2099"], "unknown Windows version"),
        (["--runtime-version", "docker=20.10"], "use containerd=X.Y.Z"),
        (["--disable", "PL999"], "unknown rule id(s): PL999"),
        (["--type", "yaml"], "--type 'yaml'"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    path = write(tmp_path, "config.toml", V2_GOOD)
    result = run("check", *args, path)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_file_is_exit_two_with_reason(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "absent.toml"))
    assert result.exit_code == 2
    assert "No such file or directory" in result.output


def test_newer_kubernetes_is_reported_not_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "config.toml", V2_GOOD)
    doc = json.loads(run("check", "-k", "1.38", "--format", "json", path).output)
    assert any(f["rule"] == "PL001" for f in doc["findings"])
    assert any(s["rule"] == "PL201" for s in doc["skipped"])


def test_crio_main_and_dropins_in_one_folder_are_one_configuration(tmp_path: Path) -> None:
    write(tmp_path, "etc/crio/crio.conf",
          '[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n')
    dropin = write(tmp_path, "etc/crio/crio.conf.d/10-old.conf",
                   '[crio.image]\npause_image = "registry.k8s.io/pause:3.9"\n')
    doc = json.loads(run("check", "-k", "1.31", "--format", "json", str(tmp_path)).output)
    shadow = [f for f in doc["findings"] if f["rule"] == "PL403"]
    assert shadow and {f["path"] for f in shadow} >= {dropin}
    older = [f for f in doc["findings"] if f["rule"] == "PL201"]
    assert [(f["path"], f["line"]) for f in older] == [(dropin, 2)]


def test_no_colour_when_not_a_tty_and_with_no_color(tmp_path: Path) -> None:
    path = write(tmp_path, "config.toml", V3_IGNORED)
    assert "\x1b[" not in run("check", path).output
    assert "\x1b[" not in run("check", path, env={"NO_COLOR": "1"}).output


def test_skipped_rules_are_listed_with_reasons(tmp_path: Path) -> None:
    path = write(tmp_path, "config.toml", V2_OLD_TAG)
    result = run("check", path)
    assert "skipped PL201: Kubernetes version unknown" in result.output


def test_rules_and_explain() -> None:
    listing = run("rules")
    assert listing.exit_code == 0
    assert "PL109  unpinned-digest" in listing.output and " off " in listing.output
    explained = run("explain", "pl401")
    assert explained.exit_code == 0
    assert explained.output.startswith("PL401 ignored-setting (error, on)")
    unknown = run("explain", "PL999")
    assert unknown.exit_code == 2 and "unknown rule" in unknown.output


def test_help_teaches() -> None:
    result = run("check", "--help")
    assert "Exit codes" in result.output and "--kubernetes-version" in result.output


def test_image_rules_apply_by_role_not_by_name(tmp_path: Path) -> None:
    # Issue 11: a value set as the sandbox image is a pause image whatever its name.
    path = write(tmp_path, "config.toml", 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                 '  sandbox_image = "sandbox-image:latest"\n')
    result = run("check", "-k", "1.31", "--format", "json", path)
    assert result.exit_code == 1
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert {"PL104", "PL111", "PL202"} <= rules


def test_a_default_crio_1_37_node_is_told_kubeadm_1_37_wants_another_pause(
        tmp_path: Path) -> None:
    """CRI-O 1.37 still defaults to pause 3.10.1 while kubeadm 1.37 expects 3.10.2
    (issue 12): a node that sets nothing hears it, with the default's source."""
    write(tmp_path, "etc/crio/crio.conf", '[crio.runtime]\ndefault_runtime = "crun"\n')
    doc = json.loads(run("check", "-k", "1.37", "--runtime-version", "cri-o=1.37.0",
                         "-o", "json", str(tmp_path)).output)
    [older] = [f for f in doc["findings"] if f["rule"] == "PL201"]
    assert older["image"] == "registry.k8s.io/pause:3.10.1"
    assert older["expected"] == "registry.k8s.io/pause:3.10.2"
