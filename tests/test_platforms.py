"""Platform spellings: the flag, the config file and a live node read them alike.

And a Linux-only pause image on a Windows node is an error (PL105), through
``pauselint check`` on a real containerd config.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.compat import load_table
from pauselint.fleet import check_clusters, platform_of
from pauselint.model import ClusterFacts, ClusterNode

# (spelling, its OCI / GOARCH architecture): uname -m, Debian dpkg, OCI arch/variant.
SPELLINGS = [
    ("amd64", "amd64"), ("x86_64", "amd64"), ("X86_64", "amd64"),
    ("arm64", "arm64"), ("aarch64", "arm64"), ("arm64/v8", "arm64"),
    ("arm", "arm"), ("armv7l", "arm"), ("armv7", "arm"), ("armhf", "arm"), ("arm/v7", "arm"),
    ("ppc64le", "ppc64le"), ("ppc64el", "ppc64le"),
    ("s390x", "s390x"),
    ("riscv64", "riscv64"),
    ("386", "386"), ("i386", "386"), ("i686", "386"),
]
# The architectures data/compat.yaml lists in every multi-arch pause tag.
IN_MANIFEST = {"amd64", "arm", "arm64", "ppc64le", "s390x"}

MULTI_ARCH = "registry.k8s.io/pause:3.9"
AMD64_ONLY = "registry.k8s.io/pause-amd64:3.3"


def containerd(folder: Path, image: str) -> Path:
    path = folder / "config.toml"
    path.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                    f'  sandbox_image = "{image}"\n')
    return path


def check_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "-k", "1.33", "--format", "json",
                                       *args])
    return result.exit_code, json.loads(result.output)


def rules(doc: dict) -> set[str]:
    return {f["rule"] for f in doc["findings"]}


def expected_rules(arch: str, image: str) -> set[str]:
    """What the image rules must say on a linux node of ``arch`` (PL106 aside)."""
    if image == MULTI_ARCH:
        return set() if arch in IN_MANIFEST else {"PL107"}
    return set() if arch == "amd64" else {"PL105"}


@pytest.mark.parametrize("image", [MULTI_ARCH, AMD64_ONLY])
@pytest.mark.parametrize(("spelling", "arch"), SPELLINGS)
def test_flag_reads_every_spelling(tmp_path: Path, spelling: str, arch: str, image: str) -> None:
    code, doc = check_json("--no-config", "--platform", f"linux/{spelling}",
                           str(containerd(tmp_path, image)))
    assert doc["context"]["platform"] == f"linux/{arch}"
    assert rules(doc) & {"PL105", "PL107"} == expected_rules(arch, image)
    assert code == (1 if expected_rules(arch, image) else 0)


@pytest.mark.parametrize("form", ["platform: linux/{}\n", "arch: {}\n", "arch: {}\nos: linux\n"])
@pytest.mark.parametrize(("spelling", "arch"), SPELLINGS)
def test_config_file_reads_every_spelling(tmp_path: Path, spelling: str, arch: str,
                                          form: str) -> None:
    settings = tmp_path / ".pauselint.yaml"
    settings.write_text(form.format(spelling))
    _code, doc = check_json("--config", str(settings), str(containerd(tmp_path, MULTI_ARCH)))
    assert doc["context"]["platform"] == f"linux/{arch}"
    assert rules(doc) & {"PL105", "PL107"} == expected_rules(arch, MULTI_ARCH)


def node(name: str, arch: str, images: tuple[str, ...]) -> ClusterNode:
    return ClusterNode(name, "v1.33.2", "containerd://2.0.5", arch, "linux", "", None, images)


@pytest.mark.parametrize(("spelling", "arch"), SPELLINGS)
def test_live_node_reads_every_spelling(spelling: str, arch: str) -> None:
    # status.nodeInfo.architecture: an x86_64 node used to get PL107 for every tag.
    # (PL105 is not among fleet.NODE_RULES, so only PL107 judges the platform here.)
    live = node("n1", spelling, (MULTI_ARCH,))
    assert str(platform_of(live, load_table())) == f"linux/{arch}"
    report = check_clusters([ClusterFacts("prod", "v1.33.2", (live,))], load_table())
    found = {f.rule for f in report.findings} & {"PL105", "PL107"}
    assert found == expected_rules(arch, MULTI_ARCH)


def test_live_node_with_an_architecture_no_table_names_keeps_it() -> None:
    # A fact about a node is not refused: PL107 says no pause image carries it.
    live = node("n1", "MIPS64", (MULTI_ARCH,))
    assert str(platform_of(live, load_table())) == "linux/mips64"
    report = check_clusters([ClusterFacts("prod", "v1.33.2", (live,))], load_table())
    assert [f.rule for f in report.findings if f.rule in {"PL105", "PL107"}] == ["PL107"]


ACCEPTED = ("use amd64, arm64, arm, ppc64le, s390x, riscv64, 386, or another spelling of "
            "one: aarch64, arm/v7, arm64/v8, armhf, armv7, armv7l, i386, i686, ppc64el, x86_64")


@pytest.mark.parametrize(("platform", "message"), [
    ("freebsd/amd64", "'freebsd/amd64': unknown OS 'freebsd' (linux or windows)"),
    ("linux/mips64", f"'linux/mips64': unknown architecture 'mips64' ({ACCEPTED})"),
    # ARMv6 is not arm/v7: no pause image runs there.
    ("linux/armv6l", f"'linux/armv6l': unknown architecture 'armv6l' ({ACCEPTED})"),
    ("linux/arm/v6", f"'linux/arm/v6': unknown architecture 'arm/v6' ({ACCEPTED})"),
    ("linux/armel", f"'linux/armel': unknown architecture 'armel' ({ACCEPTED})"),
    ("arm64", "'arm64': use os/arch[:osversion], e.g. linux/arm64 or windows/amd64:ltsc2022"),
    ("linux/amd64:1809", "'linux/amd64:1809': an OS version is only meaningful for windows"),
    ("windows/x86_64:vista", "'windows/x86_64:vista': unknown Windows version 'vista'"),
])
def test_flag_and_config_refuse_the_same_values(tmp_path: Path, platform: str,
                                                message: str) -> None:
    path = str(containerd(tmp_path, MULTI_ARCH))
    flag = CliRunner().invoke(main, ["check", "--no-config", "--platform", platform, path])
    settings = tmp_path / ".pauselint.yaml"
    settings.write_text(f"fail-on: error\nplatform: {platform}\n")
    config = CliRunner().invoke(main, ["check", "--config", str(settings), path])
    assert (flag.exit_code, config.exit_code) == (2, 2)
    assert f"--platform {message}" in flag.output
    assert f"{settings}:2: platform: {message}" in config.output


@pytest.mark.parametrize(("given", "platform"), [
    ("windows/x86_64:ltsc2019", "windows/amd64:1809"),
    ("Windows/AMD64:LTSC2022", "windows/amd64:ltsc2022"),
])
def test_flag_and_config_accept_the_same_values(tmp_path: Path, given: str,
                                               platform: str) -> None:
    path = str(containerd(tmp_path, MULTI_ARCH))
    settings = tmp_path / ".pauselint.yaml"
    settings.write_text(f"platform: {given}\n")
    _code, by_flag = check_json("--no-config", "--platform", given, path)
    _code, by_config = check_json("--config", str(settings), path)
    assert by_flag["context"]["platform"] == by_config["context"]["platform"] == platform


# --- a Linux-only pause image on a Windows node ----------------------------------------

SWR = "swr.cn-north-4.myhuaweicloud.com/ddn-k8s/registry.k8s.io/pause"


@pytest.mark.parametrize(("image", "pinned", "by", "expected"), [
    # Same arch as the node, only the OS differs: this was PL106's warning alone, exit 0.
    ("registry.k8s.io/pause-amd64:3.2", "linux/amd64", "repository", "registry.k8s.io/pause:3.10"),
    # A mirror's per-arch tag (compat.yaml tag_suffixes -linuxarm64).
    (f"{SWR}:3.9-linuxarm64", "linux/arm64", "tag", "registry.k8s.io/pause:3.10"),
])
def test_linux_only_image_on_windows_node_is_an_error(tmp_path: Path, image: str, pinned: str,
                                                      by: str, expected: str) -> None:
    path = containerd(tmp_path, image)
    result = CliRunner().invoke(main, ["check", "--no-config", "-k", "1.33", "--platform",
                                       "windows/amd64:ltsc2022", str(path)])
    assert result.exit_code == 1
    line = (f"{path}:3:19: error PL105 arch-mismatch: {image} is a Linux image ({pinned} only, "
            f"per-arch {by}): the pod sandbox cannot start on this windows/amd64:ltsc2022 "
            f"node, so no pod can run there; use {expected}")
    assert line in result.output.splitlines()
    # The offered image carries ltsc2022: checked again, no platform error remains.
    again = CliRunner().invoke(main, ["check", "--no-config", "-k", "1.33", "--platform",
                                      "windows/amd64:ltsc2022",
                                      str(containerd(tmp_path, expected))])
    assert again.exit_code == 0, again.output


def test_windows_image_on_windows_node_is_fine(tmp_path: Path) -> None:
    path = containerd(tmp_path, "mcr.microsoft.com/oss/kubernetes/pause:3.5-windows-1809-amd64")
    result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json", "--platform",
                                       "windows/amd64:1809", str(path)])
    assert "PL105" not in rules(json.loads(result.output))
