"""PL406-PL409: what containerd releases make of real config files (each expectation is
what Debian's containerd 1.6.20, 1.7.24 and 2.1.9 do with the same files:
tests/containerd_real proves the model behind them against the binaries)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint import engine
from pauselint.compat import load_table
from pauselint.inputs import collect
from pauselint.model import Component, Severity

TABLE = load_table()
MAIN_39 = ('version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n'
           '[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n')
SYSTEMD = ('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n'
           "  SystemdCgroup = true\n")


def check(root: Path, files: dict[str, str], version: str | None = None):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    runtimes = ((Component.CONTAINERD, version),) if version else ()
    report = engine.check_files(collect([str(root)]), engine.Options(runtimes=runtimes), TABLE)
    return {(f.rule, f.severity, Path(f.location.path or "-").name, f.location.line): f
            for f in report.findings}


@pytest.mark.parametrize("version", ["1.6.20", "1.7.24"])
def test_pl407_the_systemd_drop_in_drops_the_main_files_sandbox_image_in_1x(tmp_path, version):
    found = check(tmp_path, {"etc/containerd/config.toml": MAIN_39,
                             "etc/containerd/conf.d/99-systemd.toml": SYSTEMD}, version)
    finding = found[("PL407", Severity.ERROR, "config.toml", 4)]
    assert finding.message.startswith(f"containerd {version} drops this whole CRI plugin table, "
                                      "sandbox_image included: ")
    assert finding.message.endswith("it uses its built-in default")
    # The default then applies and is named (3.6 / 3.8), not the main file's 3.9.
    default = TABLE.containerd_default(engine.parse_version(version)).image
    assert any(rule == "PL404" and default in f.message for (rule, *_), f in found.items())


def test_pl407_not_in_2x_which_merges(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml": MAIN_39,
                             "etc/containerd/conf.d/99-systemd.toml": SYSTEMD}, "2.1.9")
    assert not any(rule == "PL407" for rule, *_ in found)
    assert not any(rule == "PL404" for rule, *_ in found)  # 3.9 is set and used


def test_pl409_version_unknown_and_the_lines_disagree(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml": MAIN_39,
                             "etc/containerd/conf.d/99-systemd.toml": SYSTEMD})
    (finding,) = [f for (rule, *_), f in found.items() if rule == "PL409"]
    assert "1.6.32: registry.k8s.io/pause:3.6; 1.7.17: registry.k8s.io/pause:3.8; " \
           "2.0.0: registry.k8s.io/pause:3.9" in finding.message
    # Read as the newest line (2.x merges): 3.9 is the effective value, no PL407.
    assert not any(rule == "PL407" for rule, *_ in found)


def test_pl409_silent_when_every_line_uses_the_same_image(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                             '  sandbox_image = "registry.k8s.io/pause:3.10"\n'})
    assert not any(rule == "PL409" for rule, *_ in found)


@pytest.mark.parametrize(("version", "fires"), [("1.6.20", True), ("1.7.24", True),
                                                ("2.1.9", False)])
def test_pl408_empty_sandbox_image_where_the_release_keeps_it(tmp_path, version, fires):
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                             '  sandbox_image = ""\n'}, version)
    assert (("PL408", Severity.ERROR, "config.toml", 3) in found) is fires
    # 2.1.9's sandbox controller uses its default for "": PL404 names it.
    assert any(rule == "PL404" for rule, *_ in found) is not fires


@pytest.mark.parametrize("version", ["1.6.20", "1.7.24", "2.1.9"])
def test_pl406_a_missing_import_is_refused_by_every_release(tmp_path, version):
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 2\nimports = ["/etc/containerd/extra.toml"]\n'}, version)
    finding = found[("PL406", Severity.ERROR, "config.toml", 2)]
    assert finding.message == (
        "import /etc/containerd/extra.toml does not exist: containerd fails to open it ('no "
        "such file or directory') and does not start")


def test_pl406_v1_plugin_key_in_a_v2_file_refused_by_1x_ignored_by_2x(tmp_path):
    files = {"etc/containerd/config.toml": 'version = 2\n[plugins.cri]\n  enable_selinux = false\n'}
    assert ("PL406", Severity.ERROR, "config.toml", 3) in check(tmp_path, files, "1.7.24")
    assert not any(rule == "PL406" for rule, *_ in check(tmp_path, files, "2.1.9"))


def test_pl406_a_bom_is_refused_by_2x_only(tmp_path):
    config = tmp_path / "etc/containerd/config.toml"
    config.parent.mkdir(parents=True)
    config.write_bytes(b"\xef\xbb\xbf" + MAIN_39.replace("imports", "#").encode())
    assert ("PL406", Severity.ERROR, "config.toml", 1) in check(tmp_path, {}, "2.1.9")
    assert not any(rule == "PL406" for rule, *_ in check(tmp_path, {}, "1.7.24"))


CR_ONLY = ('version = 2\r[plugins."io.containerd.grpc.v1.cri"]\r'
           '  sandbox_image = "registry.k8s.io/pause:3.9"\r')
# An LF file with one stray CR: no line end to an editor (`^M`), one to go-toml v1.
STRAY_CR = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
            '  enable_selinux = false\r  sandbox_image = "registry.k8s.io/pause:3.9"\n')


@pytest.mark.parametrize(("written", "row", "column"), [(CR_ONLY, 1, 12), (STRAY_CR, 3, 25)],
                         ids=["cr-only", "stray-cr"])
@pytest.mark.parametrize("where", ["main", "import"])
def test_pl406_a_bare_cr_is_refused_by_2x_and_read_as_a_line_end_by_1x(
        tmp_path, written, row, column, where):
    # Verified: 1.6.20 and 1.7.24 start and use pause:3.9; 2.1.9 stops with "failed to
    # unmarshal TOML at row R column C: toml: expected newline but got U+000D".
    files = {"etc/containerd/config.toml": written}
    if where == "import":
        files = {"etc/containerd/config.toml": 'version = 2\nimports = ["/etc/containerd/a.toml"]\n',
                 "etc/containerd/a.toml": written}
    name = Path(list(files)[-1]).name
    refused = check(tmp_path, files, "2.1.9")
    finding = refused[("PL406", Severity.ERROR, name, row)]
    assert finding.message == (
        "containerd 2.1.9 refuses to start: a line ends in CR alone, which TOML does not allow "
        f"('failed to unmarshal TOML at row {row} column {column}'); save the file with LF "
        "line ends")
    for version in ("1.6.20", "1.7.24"):
        found = check(tmp_path, {}, version)
        assert not any(rule == "PL406" for rule, *_ in found)
        report = engine.check_files(collect([str(tmp_path)]), engine.Options(
            runtimes=((Component.CONTAINERD, version),)), TABLE)
        (node,) = report.nodes
        (runtime,) = node["runtimes"]
        image = runtime["sandbox_image"]
        # Where an editor shows it: line 3, after the stray CR's column.
        assert (image["value"], Path(image["path"]).name, image["line"], image["column"]) == (
            "registry.k8s.io/pause:3.9", name, 3, 19 if written == CR_ONLY else 44)


def test_pl406_release_unknown_a_refusal_by_some_lines_is_a_warning(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml": CR_ONLY})
    finding = found[("PL406", Severity.WARNING, "config.toml", 1)]
    assert finding.message.startswith("containerd 2.0.0 refuses to start: a line ends in CR ")
    assert finding.message.endswith("(the containerd release is not known; 1.6.32, 1.7.17 start "
                                    "with these files)")
    assert not [rule for (rule, severity, *_) in found
                if severity is Severity.ERROR or rule == "PL000"]


def test_pl406_release_unknown_no_warning_for_a_version_only_some_lines_load(tmp_path):
    # Version 3 is 2.x's: 1.x refusing an import of it is no news (PL402 skips).
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 3\nimports = ["/etc/containerd/a.toml"]\n',
                             "etc/containerd/a.toml":
                             "version = 3\n[plugins.'io.containerd.cri.v1.images'.pinned_images]"
                             '\n  sandbox = "registry.k8s.io/pause:3.10"\n'})
    assert not any(rule == "PL406" for rule, *_ in found)


def test_pl409_info_where_the_2x_line_kubernetes_136_needs_refuses_the_files(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml": CR_ONLY}, "1.7.24")
    (finding,) = [f for (rule, *_), f in found.items() if rule == "PL409"]
    assert finding.message == ("containerd 1.7.24 uses registry.k8s.io/pause:3.9; Kubernetes "
                               "1.36 requires containerd 2.2.0+, which refuses to start with "
                               "these files")
    assert finding.fix.startswith("--runtime-version containerd=2.2.0 says why")


def test_pl406_when_every_line_refuses_it_says_so(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 2\nimports = ["/etc/containerd/gone.toml"]\n'})
    finding = found[("PL406", Severity.ERROR, "config.toml", 2)]
    assert finding.message.endswith("(so does every containerd line pauselint knows: 1.6.32, "
                                    "1.7.17, 2.0.0, 2.2.0)")


@pytest.mark.parametrize(("version", "refused"), [("1.6.20", True), ("2.1.9", False)])
def test_pl406_a_sandbox_image_that_is_no_string_where_the_release_decodes_it(
        tmp_path, version, refused):
    # Verified: 1.6.20 reads `version = 3` as 2 and fails to decode the grpc key's 3.10
    # ("Can't convert"); 2.1.9 reads a version 3 file's pinned_images only and starts.
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 3\n[plugins."io.containerd.grpc.v1.cri"]\n'
                             "  sandbox_image = 3.10\n"}, version)
    assert (("PL406", Severity.ERROR, "config.toml", 3) in found) is refused
    if refused:
        assert found[("PL406", Severity.ERROR, "config.toml", 3)].message == (
            "containerd 1.6.20 refuses to start: `sandbox_image` must be a string, not 3.1")


def test_pl409_info_a_known_1x_release_against_the_2x_line_kubernetes_136_needs(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml": MAIN_39,
                             "etc/containerd/conf.d/99-systemd.toml": SYSTEMD}, "1.7.24")
    finding = found[("PL409", Severity.INFO, "config.toml", None)]
    assert finding.message == (
        "containerd 1.7.24 uses registry.k8s.io/pause:3.8; Kubernetes 1.36 requires "
        "containerd 2.2.0+, which for these files uses registry.k8s.io/pause:3.9")


def test_pl409_no_info_when_both_lines_use_the_same_image(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                             '  sandbox_image = "registry.k8s.io/pause:3.10"\n'}, "1.7.24")
    assert not any(rule == "PL409" for rule, *_ in found)


def test_pl401_a_key_the_release_does_not_read_is_ignored_there(tmp_path):
    # 2.1.9 migrates a version 1 main file to version 3 without the CRI plugin's own
    # migration: its [plugins.cri] sandbox_image is dropped for the default (verified).
    files = {"etc/containerd/config.toml": '[plugins.cri]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n'}
    finding = check(tmp_path, files, "2.1.9")[("PL401", Severity.ERROR, "config.toml", 2)]
    assert "containerd 2.1.9 does not read it: it reads `sandbox` under " \
           '[plugins."io.containerd.cri.v1.images".pinned_images] of a version 3 config' \
           in finding.message
    assert not any(rule == "PL401" for rule, *_ in check(tmp_path / "b", files, "1.7.24"))


def test_version_unknown_a_version_3_file_with_the_grpc_key_is_judged_by_2x(tmp_path):
    # 1.x refuses version 3; 2.0-2.2 ignore the grpc.v1.cri key of a version 3 file:
    # PL401, and PL409 names each line's default.
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 3\n[plugins."io.containerd.grpc.v1.cri"]\n'
                             '  sandbox_image = "registry.k8s.io/pause:3.9"\n'})
    assert ("PL401", Severity.ERROR, "config.toml", 3) in found
    (drift,) = [f for (rule, *_), f in found.items() if rule == "PL409"]
    assert "2.0.0: registry.k8s.io/pause:3.10; 2.2.0: registry.k8s.io/pause:3.10.1" \
        in drift.message


def test_pl406_an_imports_version_the_release_refuses_is_reported_at_the_import(tmp_path):
    # In 1.x the last non-zero version wins: a version 3 import makes 1.7.24 refuse the
    # whole configuration, naming no line of the main file (PL402 reads the main's).
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n',
                             "etc/containerd/conf.d/a.toml": "version = 3\n"}, "1.7.24")
    finding = found[("PL406", Severity.ERROR, "a.toml", 1)]
    assert finding.message == ("containerd 1.7.24 refuses to start: config version `3` is not "
                               "supported, the max version is `2`")
    assert not any(rule == "PL402" for rule, *_ in found)


def test_pl407_is_a_warning_where_the_image_is_what_a_merge_gives(tmp_path):
    # The import repeats the main file's image (PL407's own fix): the table is still
    # replaced, but the sandbox image is the same as 2.x's merge gives.
    found = check(tmp_path, {"etc/containerd/config.toml": MAIN_39,
                             "etc/containerd/conf.d/99-systemd.toml": SYSTEMD +
                             '[plugins."io.containerd.grpc.v1.cri"]\n'
                             '  sandbox_image = "registry.k8s.io/pause:3.9"\n'}, "1.7.24")
    assert ("PL407", Severity.WARNING, "config.toml", 4) in found
    assert not any(rule == "PL407" and sev is Severity.ERROR for rule, sev, *_ in found)


def test_pl406_a_2x_version_refusal_by_an_import_is_at_the_import(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n',
                             "etc/containerd/conf.d/a.toml": "version = 4\n"}, "2.1.9")
    assert ("PL406", Severity.ERROR, "a.toml", 1) in found
    assert not any(rule == "PL404" for rule, *_ in found)  # it does not start at all


def test_pl408_release_unknown_and_1x_keeps_the_empty_image(tmp_path):
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                             '  sandbox_image = ""\n'})
    finding = found[("PL408", Severity.ERROR, "config.toml", 3)]
    assert finding.message.startswith("`plugins.\"io.containerd.grpc.v1.cri\".sandbox_image` "
                                      "is empty: containerd 1.6.32, 1.7.17 keep it")


def test_pl402_counts_the_merged_version(tmp_path):
    # 1.x: the last non-zero version wins, so a version 2 import makes a version 3 main
    # file load on 1.7.24 (truth table e-cases): no "refuses to start".
    found = check(tmp_path, {"etc/containerd/config.toml":
                             'version = 3\nimports = ["/etc/containerd/conf.d/*.toml"]\n',
                             "etc/containerd/conf.d/a.toml": "version = 2\n"}, "1.7.24")
    assert not any(rule in ("PL402", "PL406") for rule, *_ in found)


def test_a_version_1_table_in_a_version_2_file_one_finding_per_release(tmp_path):
    files = {"etc/containerd/config.toml":
             'version = 2\n[plugins.cri]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n'}
    on_1x = check(tmp_path, files, "1.7.24")
    assert ("PL406", Severity.ERROR, "config.toml", 3) in on_1x
    assert not any(rule == "PL401" for rule, *_ in on_1x)  # the refusal says it once
    on_2x = check(tmp_path / "b", files, "2.1.9")
    finding = on_2x[("PL401", Severity.ERROR, "config.toml", 3)]
    assert "containerd 2.1.9 does not read it" in finding.message
    assert "refuses" not in finding.message  # 2.1.9 starts with it (truth table g1)
