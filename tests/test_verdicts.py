"""One coherent verdict per value (issue 11): which findings make others moot, one fix.

Each case is a real node layout written to a temporary folder and run through the
CLI, so the readers, the rules and the composition are all the product's own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from pauselint.cli import main
from pauselint.compat import load_table
from pauselint.fleet import check_clusters
from pauselint.imageref import parse_image
from pauselint.model import ClusterFacts, ClusterNode, Finding, Location, Severity
from pauselint.rules.framework import RuleContext
from pauselint.verdicts import compose

CONTAINERD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "{image}"\n'
FLAGS = "KUBELET_KUBEADM_ARGS=\"--pod-infra-container-image={image}\"\n"


def node(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "node"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def check(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--no-config", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def findings(*args: str | Path) -> list[dict]:
    code, output = check("-o", "json", *args)
    assert code in (0, 1), output
    return json.loads(output)["findings"]


def on(found: list[dict], name: str) -> list[dict]:
    return [f for f in found if f["path"] and Path(f["path"]).name == name]


def test_a_flag_the_kubelet_refuses_is_one_error_with_the_rest_under_it(tmp_path: Path) -> None:
    root = node(tmp_path, {
        "etc/containerd/config.toml": CONTAINERD.format(image="registry.k8s.io/pause:3.10.1"),
        "var/lib/kubelet/kubeadm-flags.env": FLAGS.format(image="registry.k8s.io/pause:3.6"),
    })
    [flag] = on(findings("-k", "1.35", root), "kubeadm-flags.env")
    # Not "the kubelet ignores the flag" (PL303) beside "the kubelet exits" (PL301),
    # nor "change the flag's image" (PL201) beside "remove the flag".
    assert flag["rule"] == "PL301"
    assert {r["rule"] for r in flag["related"]} == {"PL201", "PL303"}
    code, text = check("-k", "1.35", root)
    assert code == 1
    assert "supersedes PL201 pause-older-than-expected, PL303 pod-infra-flag-mismatch" in text
    assert text.count("fix: remove the flag") == 1


def test_a_flag_to_remove_is_not_told_to_change_its_image(tmp_path: Path) -> None:
    root = node(tmp_path, {
        "etc/containerd/config.toml": CONTAINERD.format(image="registry.k8s.io/pause:3.10"),
        "var/lib/kubelet/kubeadm-flags.env": FLAGS.format(image="registry.k8s.io/pause:3.6"),
    })
    flag = on(findings("-k", "1.31", root), "kubeadm-flags.env")
    assert {f["rule"] for f in flag} == {"PL302", "PL303"}
    assert all(r["rule"] == "PL201" for f in flag for r in f["related"])
    text = check("-k", "1.31", root)[1]
    assert "use registry.k8s.io/pause:3.10" not in text.split("kubeadm-flags.env")[-1]


def test_a_value_a_later_drop_in_overrides_gets_only_its_shadowing(tmp_path: Path) -> None:
    root = node(tmp_path, {
        "etc/crio/crio.conf": '[crio.image]\npause_image = "registry.k8s.io/pause:3.2"\n',
        "etc/crio/crio.conf.d/10-pause.conf":
            '[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n',
    })
    [hidden] = on(findings("-k", "1.31", root), "crio.conf")
    assert hidden["rule"] == "PL403"
    assert [r["rule"] for r in hidden["related"]] == ["PL201"]


def test_an_ignored_key_gets_its_ignored_finding_only(tmp_path: Path) -> None:
    root = node(tmp_path, {"etc/containerd/config.toml": (
        'version = 3\n[plugins."io.containerd.grpc.v1.cri"]\n'
        '  sandbox_image = "k8s.gcr.io/pause:3.2"\n')})
    found = on(findings("-k", "1.31", root), "config.toml")
    assert [f["rule"] for f in found if f["line"] == 3] == ["PL401"]


def test_one_fix_for_a_per_arch_old_image_names_neither_old_nor_per_arch(
        tmp_path: Path) -> None:
    root = node(tmp_path, {"etc/containerd/config.toml":
                           CONTAINERD.format(image="registry.k8s.io/pause-amd64:3.3")})
    code, text = check("-k", "1.31", "--platform", "linux/arm64", root)
    assert code == 1  # PL105 is an error
    fixes = re.findall(r"^    fix: (.*)$", text, re.M)
    assert fixes == ["use registry.k8s.io/pause:3.10"]
    # The line leads with the error, the other finding on the value under it.
    [located] = [line for line in text.splitlines() if "config.toml:3:" in line]
    assert " error PL105 " in located
    assert "    and warning PL201 " in text and "supersedes PL106" in text


def test_a_fix_never_names_a_frozen_registry(tmp_path: Path) -> None:
    """kubeadm 1.24 itself named k8s.gcr.io/pause:3.7; the fix moves to its successor."""
    root = node(tmp_path, {"etc/containerd/config.toml":
                           CONTAINERD.format(image="k8s.gcr.io/pause:3.2")})
    for f in findings("-k", "1.24", root):
        assert f["expected"] is None or not f["expected"].startswith("k8s.gcr.io/"), f
    assert "fix: use registry.k8s.io/pause:3.7" in check("-k", "1.24", root)[1]


def test_a_fix_never_names_a_tag_a_vendor_repository_is_not_known_to_carry(
        tmp_path: Path) -> None:
    for image in ("mcr.microsoft.com/oss/kubernetes/pause:3.6",
                  "mcr.microsoft.com/k8s/core/pause:1.0.0"):
        root = node(tmp_path / image.replace("/", "_"),
                    {"etc/containerd/config.toml": CONTAINERD.format(image=image)})
        fixes = re.findall(r"^    fix: use (\S+)", check("-k", "1.28", root)[1], re.M)
        assert fixes == ["registry.k8s.io/pause:3.9"], image


def test_every_fix_is_a_tagged_reference(tmp_path: Path) -> None:
    for image in ("pause", "registry.k8s.io/pause", "k8s.gcr.io/pause:latest",
                  "docker.io/library/pause:3.1"):
        root = node(tmp_path / re.sub(r"\W", "_", image),
                    {"etc/containerd/config.toml": CONTAINERD.format(image=image)})
        for fix in re.findall(r"^    fix: use (\S+)", check("-k", "1.31", root)[1], re.M):
            assert parse_image(fix.rstrip(";")).tag, (image, fix)


def test_a_mirror_fix_keeps_the_mirror_and_points_kubeadm_at_it(tmp_path: Path) -> None:
    mirror = "registry.cn-hangzhou.aliyuncs.com/google_containers"
    root = node(tmp_path, {"etc/containerd/config.toml":
                           CONTAINERD.format(image=f"{mirror}/pause:3.6")})
    fixes = re.findall(r"^    fix: (.*)$", check("-k", "1.31", root)[1], re.M)
    assert fixes == [f"use {mirror}/pause:3.10; set kubeadm imageRepository to {mirror}"]


def test_suppressing_a_superseded_rule_still_counts_as_used(tmp_path: Path) -> None:
    root = node(tmp_path, {
        "etc/containerd/config.toml": CONTAINERD.format(image="registry.k8s.io/pause:3.10.1"),
        "var/lib/kubelet/kubeadm-flags.env":
            "# pauselint: disable=PL201 -- pinned by the image bundle\n"
            + FLAGS.format(image="registry.k8s.io/pause:3.6"),
    })
    found = findings("-k", "1.35", root)
    assert "PL002" not in {f["rule"] for f in found}
    [flag] = on(found, "kubeadm-flags.env")
    assert [r["rule"] for r in flag["related"]] == ["PL303"]


def test_live_nodes_get_one_verdict_per_image_too() -> None:
    node_ = ClusterNode("arm", "v1.31.4", "containerd://1.7.20", "arm64", "linux", "", None,
                        ("registry.k8s.io/pause-amd64:3.3",))
    report = check_clusters([ClusterFacts("prod", "v1.31.4", (node_,))], load_table())
    mine = [f for f in report.findings if f.image == "registry.k8s.io/pause-amd64:3.3"]
    assert "PL106" not in {f.rule for f in mine}
    assert {m.rule for f in mine for m in f.related} == {"PL106"}
    assert {f.fix for f in mine if f.fix} == {"use registry.k8s.io/pause:3.10"}


def test_findings_that_moot_each_other_in_a_ring_all_stay() -> None:
    """No declaration makes a ring today; if one ever does, nothing is lost."""
    where = Location("config.toml", 3, 19)
    ring = [Finding(rule, rule.lower(), Severity.WARNING, f"{rule} says so", where,
                    image="registry.k8s.io/pause:3.10", supersedes=(moots,))
            for rule, moots in (("PL101", "PL102"), ("PL102", "PL103"), ("PL103", "PL101"))]
    kept = compose(ring, RuleContext(table=load_table()), [])
    assert sorted(f.rule for f in kept) == ["PL101", "PL102", "PL103"]
    assert all(not f.related for f in kept)
