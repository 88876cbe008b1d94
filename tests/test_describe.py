"""What pauselint says it read and derived per node (`show`, check's `nodes`), and that
each node is judged alone: the entry must say what the node's runtime would use, so
every case here is a real file layout with the value a runtime would take."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pauselint import engine
from pauselint.compat import load_table
from pauselint.inputs import collect
from pauselint.model import Component
from pauselint.report.show import render_show

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SCHEMA = json.loads((REPO / "tests" / "schemas" / "show.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
TABLE = load_table()


def describe(paths, **options) -> list[dict]:
    entries = engine.describe_files(collect([str(p) for p in paths]),
                                    engine.Options(**options), TABLE)
    VALIDATOR.validate(json.loads(render_show(entries, "json")))
    return entries


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def four_nodes(root: Path) -> Path:
    """The issue's config repo: node1 on 1.30, node3 on 1.35.2, each its own mirror."""
    versions = {"node1": "v1.30.4", "node2": "v1.31.1", "node3": "v1.35.2", "node4": "v1.33.0"}
    for index, (node, version) in enumerate(versions.items(), start=1):
        mirror = f"mirror{index}.example.com/k8s"
        write(root / "nodes" / node, {
            "etc/containerd/config.toml":
                f'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                f'  sandbox_image = "{mirror}/pause:3.9"\n',
            "var/lib/kubelet/kubeadm-flags.env":
                f'KUBELET_KUBEADM_ARGS="--pod-infra-container-image={mirror}/pause:3.9"\n',
            "etc/kubernetes/kubeadm-config.yaml":
                "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n"
                f"kubernetesVersion: {version}\nimageRepository: {mirror}\n",
        })
    return root / "nodes"


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_every_example_node_is_described_within_the_schema(example):
    for versions in ((), ((Component.CONTAINERD, "1.7.24"), (Component.CRIO, "1.30.4"))):
        entries = describe([EXAMPLES / example], runtimes=versions,
                           runtime_from=tuple((c, "flag") for c, _ in versions))
        assert [e["name"] for e in entries] == [str(EXAMPLES / example)]
        for runtime in entries[0]["runtimes"]:
            assert runtime["files"], runtime
            for path in runtime["files"]:
                assert Path(path).is_file()


def test_check_json_nodes_are_the_show_entries(tmp_path):
    files = collect([str(EXAMPLES)])
    options = engine.Options(kubernetes="1.31")
    shown = engine.describe_files(files, options, TABLE)
    assert engine.check_files(files, options, TABLE, pull_paths=True).nodes == shown
    VALIDATOR.validate({"schema": 1, "nodes": shown})
    # Offline, check leaves where pulls go to show: the same entries, pull_path null.
    offline = engine.check_files(files, options, TABLE).nodes
    assert any(r["pull_path"] for node in shown for r in node["runtimes"])
    for node in shown:
        for runtime in node["runtimes"]:
            runtime["pull_path"] = None
    assert offline == shown


def test_four_nodes_each_with_its_own_kubeadm_version_and_files(tmp_path):
    entries = {e["name"]: e for e in describe([four_nodes(tmp_path)])}
    assert sorted(entries) == [str(tmp_path / "nodes" / f"node{i}") for i in range(1, 5)]
    node1 = entries[str(tmp_path / "nodes" / "node1")]
    assert node1["kubernetes_version"] == "1.30.4"
    assert node1["kubernetes_version_from"].startswith("kubeadm:")
    assert node1["kubernetes_version_from"].endswith("node1/etc/kubernetes/kubeadm-config.yaml")
    assert node1["kubeadm"]["image_repository"] == "mirror1.example.com/k8s"
    assert node1["kubelet"]["pod_infra_container_image"] == "mirror1.example.com/k8s/pause:3.9"
    assert node1["kubelet"]["pod_infra_container_image_at"]["path"].endswith(
        "node1/var/lib/kubelet/kubeadm-flags.env")
    for name, entry in entries.items():
        assert all(f["path"].startswith(name + "/") for f in entry["files"]), entry["files"]
        assert {f["role"] for f in entry["files"]} == {"main", "env-file", "kubeadm"}


def test_no_finding_crosses_nodes(tmp_path):
    report = engine.check_files(collect([str(four_nodes(tmp_path))]), engine.Options(), TABLE)
    assert report.findings
    for finding in report.findings:
        assert finding.node and finding.location.path.startswith(finding.node + "/"), finding
    removed = [f for f in report.findings if f.rule == "PL301"]
    # Only node3 runs a kubelet (1.35) that refuses the flag; node1 (1.30) does not.
    assert [f.node for f in removed] == [str(tmp_path / "nodes" / "node3")]
    assert report.context["kubernetes_version"] is None  # no flag, no config file
    assert all(s.node for s in report.skipped)


def test_loose_main_configs_are_separate_nodes_sharing_the_kubeadm_config(tmp_path):
    write(tmp_path, {
        "a.toml": 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                  '  sandbox_image = "registry.k8s.io/pause:3.9"\n',
        "b.toml": 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                  '  sandbox_image = "registry.k8s.io/pause:3.6"\n',
        "kubeadm.yaml": "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n"
                        "kubernetesVersion: v1.31.0\n",
    })
    entries = describe([tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "kubeadm.yaml"])
    assert [e["name"] for e in entries] == [str(tmp_path / "a.toml"), str(tmp_path / "b.toml")]
    for entry in entries:
        assert entry["kubernetes_version"] == "1.31.0"
        assert [f["kind"] for f in entry["files"]] == ["containerd", "kubeadm"]
    assert [e["runtimes"][0]["sandbox_image"]["value"] for e in entries] == [
        "registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.6"]


def test_an_import_chain_is_one_runtime_and_the_shadowed_value_says_why(tmp_path):
    write(tmp_path, {
        "config.toml": 'version = 2\nimports = ["conf.d/*.toml"]\n'
                       '[plugins."io.containerd.grpc.v1.cri"]\n'
                       '  sandbox_image = "registry.k8s.io/pause:3.6"\n',
        "conf.d/10-pause.toml": 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                                '  sandbox_image = "registry.k8s.io/pause:3.10"\n',
    })
    (entry,) = describe([tmp_path / "config.toml"])
    (runtime,) = entry["runtimes"]
    assert runtime["files"] == [str(tmp_path / "config.toml"),
                                str(tmp_path / "conf.d" / "10-pause.toml")]
    assert [f["role"] for f in entry["files"]] == ["main", "import"]
    assert runtime["sandbox_image"] == {
        "value": "registry.k8s.io/pause:3.10", "origin": "set",
        "path": str(tmp_path / "conf.d" / "10-pause.toml"), "line": 3, "column": 19}
    (shadowed,) = runtime["overridden"]
    assert shadowed["value"] == "registry.k8s.io/pause:3.6" and shadowed["line"] == 4
    assert shadowed["why"] == f"overridden by {tmp_path / 'conf.d' / '10-pause.toml'}:3"


def test_nothing_set_is_the_tables_default_only_when_the_version_is_known(tmp_path):
    write(tmp_path, {"config.toml": 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'})
    (unknown,) = describe([tmp_path / "config.toml"])
    sandbox = unknown["runtimes"][0]["sandbox_image"]
    assert sandbox["origin"] == "default" and sandbox["value"] is None
    assert "--runtime-version containerd=" in sandbox["why"]
    (known,) = describe([tmp_path / "config.toml"],
                        runtimes=((Component.CONTAINERD, "1.7.24"),),
                        runtime_from=((Component.CONTAINERD, "config"),))
    runtime = known["runtimes"][0]
    expected = TABLE.runtime_default("containerd", engine.parse_version("1.7.24")).image
    assert runtime["sandbox_image"]["value"] == expected
    assert (runtime["version"], runtime["version_from"]) == ("1.7.24", "config")


def test_a_config_that_cannot_be_parsed_is_refused_and_its_image_unknown(tmp_path):
    write(tmp_path, {"config.toml": 'version = 2\n[plugins."io.containerd.grpc.v1.cri"\n'
                                    '  sandbox_image = "registry.k8s.io/pause:3.9"\n'})
    (entry,) = describe([tmp_path / "config.toml"], runtimes=((Component.CONTAINERD, "1.7.24"),))
    runtime = entry["runtimes"][0]
    assert runtime["accepted"] is False
    assert runtime["refusal"].startswith(f"{tmp_path / 'config.toml'}:2")
    assert runtime["sandbox_image"]["origin"] == "unknown"
    assert runtime["sandbox_image"]["value"] is None


def test_show_text_names_each_value_and_where_it_came_from(tmp_path):
    entries = describe([EXAMPLES / "crio-node"])
    text = render_show(entries, "text")
    dropin = EXAMPLES / "crio-node" / "etc" / "crio" / "crio.conf.d" / "20-mirror.conf"
    assert f"sandbox image: registry.cn-hangzhou.aliyuncs.com/google_containers/pause:3.4 " \
           f"(set at {dropin}:3:15)" in text
    assert f'not used: "registry.k8s.io/pause:3.10" at {EXAMPLES}/crio-node/etc/crio/' \
           f"crio.conf:6: overridden by {dropin}:3" in text


def test_show_text_escapes_a_hostile_file_name(tmp_path):
    hostile = tmp_path / "evil\x1b[2Jname.toml"
    hostile.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                       '  sandbox_image = "registry.k8s.io/pause:3.9"\n')
    text = render_show(describe([hostile]), "text")
    assert "\x1b" not in text and "evil\\x1b[2Jname.toml" in text


def test_a_runtime_config_that_cannot_be_read_is_shown_unknown_not_left_out(tmp_path):
    # A binary etc/containerd/config.toml beside the kubelet's flags: show said "no
    # runtime" and rules compared the flag with nothing; the runtime is there, unknown.
    (tmp_path / "etc/containerd").mkdir(parents=True)
    (tmp_path / "etc/containerd/config.toml").write_bytes(b"version = 2\x00\n")
    write(tmp_path, {"var/lib/kubelet/kubeadm-flags.env":
                     'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.9"\n'})
    (entry,) = describe([tmp_path], runtimes=((Component.CONTAINERD, "1.7.24"),))
    (runtime,) = entry["runtimes"]
    assert runtime["name"] == "containerd" and runtime["accepted"] is False
    assert "binary file" in runtime["refusal"]
    assert runtime["sandbox_image"]["origin"] == "unknown"


CRI_39 = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n'


def test_a_toml_beside_the_nodes_config_that_it_does_not_import_is_no_runtime(tmp_path):
    # Review of issue 9: conf.d/a.toml, never imported, became a second containerd of
    # the node: PL202 judged a file containerd never reads, PL303 was skipped.
    write(tmp_path, {
        "etc/containerd/config.toml": CRI_39,
        "etc/containerd/conf.d/a.toml": CRI_39.replace("3.9", "3.6"),
        "var/lib/kubelet/kubeadm-flags.env":
            'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.8"\n',
        "etc/kubernetes/kubeadm-config.yaml":
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n"
            "kubernetesVersion: v1.28.4\n",
    })
    (entry,) = describe([tmp_path / "etc/containerd/conf.d/a.toml"])
    (runtime,) = entry["runtimes"]
    assert runtime["files"] == [str(tmp_path / "etc/containerd/config.toml")]
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.9"
    roles = {Path(f["path"]).name: f["role"] for f in entry["files"]}
    assert roles["a.toml"] == "not-read" and roles["config.toml"] == "main"
    report = engine.check_files(collect([str(tmp_path)]), engine.Options(), TABLE)
    rules = {(f.rule, Path(f.location.path).name) for f in report.findings}
    assert ("PL303", "kubeadm-flags.env") in rules  # the flag against the runtime's 3.9
    assert not any(name == "a.toml" for _, name in rules)


def test_an_import_of_the_nodes_config_is_still_layered(tmp_path):
    write(tmp_path, {
        "etc/containerd/config.toml": 'imports = ["conf.d/*.toml"]\n' + CRI_39,
        "etc/containerd/conf.d/a.toml": CRI_39.replace("3.9", "3.10"),
    })
    (entry,) = describe([tmp_path])
    (runtime,) = entry["runtimes"]
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.10"
    assert {Path(f["path"]).name: f["role"] for f in entry["files"]}["a.toml"] == "import"


@pytest.mark.parametrize(("version", "accepted"), [("1.7.24", False), ("2.1.9", True)])
def test_a_config_version_the_runtime_refuses_is_not_accepted(tmp_path, version, accepted):
    # Review of issue 9: check said PL402 (containerd 1.7.24 refuses `version = 3`)
    # while show said accepted: true.
    write(tmp_path, {"etc/containerd/config.toml":
                     'version = 3\n[plugins."io.containerd.cri.v1.images".pinned_images]\n'
                     '  sandbox = "registry.k8s.io/pause:3.10"\n'})
    (entry,) = describe([tmp_path], runtimes=((Component.CONTAINERD, version),))
    (runtime,) = entry["runtimes"]
    assert runtime["accepted"] is accepted
    if not accepted:
        assert runtime["refusal"] == (
            f"{tmp_path}/etc/containerd/config.toml:1: containerd 1.7.24 refuses to start: "
            "config version `3` is not supported, the max version is `2`")
    report = engine.check_files(collect([str(tmp_path)]),
                                engine.Options(runtimes=((Component.CONTAINERD, version),)),
                                TABLE)
    assert ("PL402" in {f.rule for f in report.findings}) is not accepted


def test_a_version_1_plugin_key_in_a_version_2_file_is_refused_by_1x_only(tmp_path):
    # Verified with Debian's binaries: 1.6.20 and 1.7.24 refuse ('invalid plugin key URI
    # "cri"'), 2.1.9 starts and ignores the table.
    write(tmp_path, {"etc/containerd/config.toml":
                     'version = 2\n\n[plugins.cri.containerd]\n  snapshotter = "overlayfs"\n'})
    for version in ("1.6.20", "1.7.24"):
        (entry,) = describe([tmp_path], runtimes=((Component.CONTAINERD, version),))
        (runtime,) = entry["runtimes"]
        assert runtime["accepted"] is False and runtime["read_as"] == version
        assert runtime["refusal"] == (
            f"{tmp_path}/etc/containerd/config.toml:4: containerd {version} refuses to start: "
            'invalid plugin key URI "cri" expect io.containerd.x.vx (a version 2 config names '
            "plugins by URI: `[plugins.cri]` is version 1's)")
    (entry,) = describe([tmp_path], runtimes=((Component.CONTAINERD, "2.1.9"),))
    (runtime,) = entry["runtimes"]
    assert runtime["accepted"] is True
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.10"
    # Version unknown: read as the newest line that starts, and every line said.
    (entry,) = describe([tmp_path])
    (runtime,) = entry["runtimes"]
    # (2.3's per-file migration is not modelled: compat.yaml says why.)
    assert runtime["accepted"] is True and runtime["read_as"] == "2.2.0 line"
    assert [(r["version"], r["accepted"]) for r in runtime["releases"]] == [
        ("1.6.32", False), ("1.7.17", False), ("2.0.0", True), ("2.2.0", True)]


def test_a_value_that_is_no_image_reference_is_no_refusal(tmp_path):
    # containerd starts with any string as its sandbox image; the pull fails later.
    write(tmp_path, {"etc/containerd/config.toml": CRI_39.replace(
        "registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9 extra")})
    (entry,) = describe([tmp_path])
    (runtime,) = entry["runtimes"]
    assert runtime["accepted"] is True and runtime["refusal"] is None
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.9 extra"
