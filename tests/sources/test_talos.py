"""Talos machine configs: the CRI part merged into the node's containerd config, the
kubelet flag from ``machine.kubelet.extraArgs`` and the kubelet image's version, each
reported where the machine config has it (issue 14)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.model import Role
from pauselint.sources import containerd, registry, talos
from pauselint.sources.source_text import SourceText

DATA = Path(__file__).resolve().parent / "data" / "talos"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "containerd"


def run(path: Path, *args: str, verb: str = "check") -> dict:
    result = CliRunner().invoke(main, [verb, "--no-config", "-o", "json", *args, str(path)])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def places(doc: dict) -> set[tuple[str, int, int]]:
    return {(f["rule"], f["line"], f["column"]) for f in doc["findings"]}


def at(path: Path, line: int, column: int) -> str:
    """The text of ``path`` from (line, column) on, to show what a position points at."""
    return path.read_text().splitlines()[line - 1][column - 1:]


def machine_config(tmp_path: Path, part: str, installer: str | None = "v1.13.9",
                   flag: str | None = None, op: str = "create") -> Path:
    """A worker config whose 20-customization.part holds ``part`` (as a `|` block)."""
    install = f"  install:\n    image: ghcr.io/siderolabs/installer:{installer}\n" if installer else ""
    kubelet = (f"  kubelet:\n    extraArgs:\n      pod-infra-container-image: {flag}\n"
               if flag else "")
    block = "".join(f"        {line}\n" if line.strip() else "\n" for line in part.splitlines())
    path = tmp_path / "worker.yaml"
    path.write_text("version: v1alpha1\nmachine:\n  type: worker\n" + install + kubelet
                    + "  files:\n    - path: /etc/cri/conf.d/20-customization.part\n"
                    + f"      op: {op}\n      content: |\n" + block, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "flag_at", "sandbox_at", "version"), [
    # Talos v1.7 (base part version 2): the grpc.v1.cri sandbox_image of a v2 config.
    ("worker-v2-part.yaml", (10, 34), (19, 27), "v1.30.5"),
    # Talos v1.11 (base part version 3): pinned_images.sandbox, content key listed first.
    ("worker-v3-part.yaml", (9, 34), (16, 21), "v1.34.1"),
])
def test_a_part_and_a_kubelet_flag_that_disagree_give_pl303_at_the_flag(
        name: str, flag_at: tuple[int, int], sandbox_at: tuple[int, int], version: str) -> None:
    path = DATA / name
    doc = run(path)

    assert ("PL303", *flag_at) in places(doc)
    assert at(path, *flag_at).startswith("registry.k8s.io/pause:3.9")
    [node] = doc["nodes"]
    [runtime] = node["runtimes"]
    sandbox = runtime["sandbox_image"]
    assert (sandbox["value"], sandbox["line"], sandbox["column"]) == (
        "registry.k8s.io/pause:3.10", *sandbox_at)
    assert at(path, *sandbox_at).startswith('"registry.k8s.io/pause:3.10"')
    # The Kubernetes version is the kubelet image's tag, at the tag.
    kubeadm = node["kubeadm"]
    assert kubeadm["kubernetes_version"] == version
    where = kubeadm["kubernetes_version_at"]
    assert at(path, where["line"], where["column"]) == version


def test_a_part_without_version_takes_the_base_parts_version_of_the_release(
        tmp_path: Path) -> None:
    part = ('[plugins."io.containerd.grpc.v1.cri"]\n'
            '  sandbox_image = "registry.k8s.io/pause:3.10"\n')
    # Talos v1.7's base part is version 2: the key is read.
    old = run(machine_config(tmp_path, part, "v1.7.7"), "-k", "1.30", verb="show")
    [runtime] = old["nodes"][0]["runtimes"]
    assert runtime["config_version"] == 2
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.10"
    # Talos v1.13's is version 3: containerd 2.x ignores grpc.v1.cri there (PL401), at
    # the key as the machine config has it.
    path = machine_config(tmp_path, part, "v1.13.9")
    doc = run(path, "-k", "1.33")
    assert ("PL401", 11, 27) in places(doc)
    assert at(path, 11, 11).startswith('sandbox_image = "registry.k8s.io/pause:3.10"')


def test_the_base_version_is_placed_at_the_content_key(tmp_path: Path) -> None:
    path = machine_config(tmp_path, '[plugins."io.containerd.cri.v1.images".pinned_images]\n'
                                    '  sandbox = "registry.k8s.io/pause:3.10"\n')
    doc = run(path, verb="show")
    [runtime] = doc["nodes"][0]["runtimes"]
    assert runtime["config_version"] == 3
    [part] = [p for p in talos.unwrap(SourceText(path.read_text(), str(path))) if p.source]
    [version] = [s for s in containerd.read_source(part.source).settings
                 if s.role is Role.CONFIG_VERSION]
    assert (version.value, version.location.line, version.location.column) == ("3", 9, 7)
    assert at(path, 9, 7).startswith("content: |")


def test_an_unknown_release_is_said_in_a_note(tmp_path: Path) -> None:
    path = machine_config(tmp_path, '[plugins."io.containerd.cri.v1.images".pinned_images]\n'
                                    '  sandbox = "registry.k8s.io/pause:3.10"\n', installer=None)
    result = CliRunner().invoke(main, ["check", "--no-config", str(path)])
    assert (f"{path}:5: /etc/cri/conf.d/20-customization.part: the Talos release is not "
            "known") in result.output
    # A part that writes its own version needs no release.
    path = machine_config(tmp_path, "version = 3\n", installer=None)
    result = CliRunner().invoke(main, ["check", "--no-config", str(path)])
    assert "the Talos release is not known" not in result.output


@pytest.mark.parametrize("op", ["append", "overwrite"])
def test_the_customization_part_is_its_content_whatever_the_op(tmp_path: Path, op: str) -> None:
    path = machine_config(tmp_path, '[plugins."io.containerd.cri.v1.images".pinned_images]\n'
                                    '  sandbox = "registry.k8s.io/pause:3.9"\n', op=op)
    [runtime] = run(path, verb="show")["nodes"][0]["runtimes"]
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.9"


def test_a_bad_part_is_an_error_at_its_line_and_other_parts_are_notes() -> None:
    path = DATA / "bad-part.yaml"
    result = CliRunner().invoke(main, ["check", "--no-config", str(path)])

    assert result.exit_code == 2
    assert f"{path}:11: error: invalid TOML" in result.output
    assert at(path, 11, 11).startswith("sandbox = registry")
    # op: create outside /var stops Talos's WriteUserFiles: that part is never written.
    assert (f"{path}:12: /etc/cri/conf.d/30-mine.part: Talos refuses op: create outside "
            "/var") in result.output


@pytest.mark.parametrize(("path", "op", "installer", "why"), [
    ("/etc/cri/conf.d/00-base.part", "overwrite", "v1.13.9",
     "op: overwrite on a part Talos's merge does not take from the machine config"),
    ("/var/cri/conf.d/metrics.toml", "create", "v1.1.2",
     "containerd imported /var/cri/conf.d/*.toml only before Talos v1.3"),
    ("/etc/cri/conf.d/20-customization.part", "create", "v1.2.8",
     "Talos v1.2.8 does not merge it from the machine config"),
])
def test_what_talos_does_not_merge_is_a_note_at_its_path(tmp_path: Path, path: str, op: str,
                                                         installer: str, why: str) -> None:
    config = machine_config(tmp_path, "version = 2\n", installer)
    config.write_text(config.read_text().replace("/etc/cri/conf.d/20-customization.part", path)
                      .replace("op: create", f"op: {op}"))
    result = CliRunner().invoke(main, ["check", "--no-config", str(config)])
    assert f"not read {config}:7: {path}: {why}" in result.output
    assert run(config, verb="show")["nodes"][0]["runtimes"] == []  # no runtime config read


def test_a_second_customization_part_is_a_note_and_the_first_is_read(tmp_path: Path) -> None:
    path = machine_config(tmp_path, '[plugins."io.containerd.cri.v1.images".pinned_images]\n'
                                    '  sandbox = "registry.k8s.io/pause:3.10"\n')
    path.write_text(path.read_text() + textwrap.indent(textwrap.dedent("""\
        - path: /etc/cri/conf.d/20-customization.part
          op: create
          content: |
            version = 2
        """), "    "))
    result = CliRunner().invoke(main, ["check", "--no-config", str(path)])
    assert (f"not read {path}:12: /etc/cri/conf.d/20-customization.part is given twice"
            in result.output)
    [runtime] = run(path, verb="show")["nodes"][0]["runtimes"]
    assert (runtime["config_version"], runtime["sandbox_image"]["line"]) == (3, 11)


CUSTOMIZATION = textwrap.dedent("""\
    ---
    apiVersion: v1alpha1
    kind: CRICustomizationConfig
    name: pause
    content: |
      [plugins."io.containerd.cri.v1.images".pinned_images]
        sandbox = "registry.k8s.io/pause:3.9"
    """)


def test_a_cri_customization_document_is_read_as_its_part(tmp_path: Path) -> None:
    path = tmp_path / "worker.yaml"
    path.write_text("version: v1alpha1\nmachine:\n  install:\n"
                    "    image: ghcr.io/siderolabs/installer:v1.14.0-rc.1\n" + CUSTOMIZATION)
    [node] = run(path, verb="show")["nodes"]
    [runtime] = node["runtimes"]
    sandbox = runtime["sandbox_image"]
    assert (runtime["config_version"], sandbox["line"], sandbox["column"]) == (3, 11, 15)
    assert at(path, 11, 15) == '"registry.k8s.io/pause:3.9"'
    assert [f["written_to"] for f in node["files"] if f["kind"] == "containerd"] == [
        "/etc/cri/conf.d/20-pause.part"]


def test_several_customizations_are_notes(tmp_path: Path) -> None:
    path = machine_config(tmp_path, "version = 3\n", "v1.14.0-rc.1")
    path.write_text(path.read_text() + CUSTOMIZATION)
    result = CliRunner().invoke(main, ["check", "--no-config", str(path)])
    names = "/etc/cri/conf.d/20-customization.part, /etc/cri/conf.d/20-pause.part"
    assert (f"{path}:7: /etc/cri/conf.d/20-customization.part: Talos merges several CRI "
            f"customizations ({names})") in result.output
    assert f"{path}:14: /etc/cri/conf.d/20-pause.part: Talos merges" in result.output
    assert run(path, verb="show")["nodes"][0]["runtimes"] == []


def test_a_customization_document_before_talos_v1_14_is_a_note(tmp_path: Path) -> None:
    path = tmp_path / "worker.yaml"
    path.write_text("version: v1alpha1\nmachine:\n  install:\n"
                    "    image: ghcr.io/siderolabs/installer:v1.13.9\n" + CUSTOMIZATION)
    result = CliRunner().invoke(main, ["check", "--no-config", str(path)])
    assert (f"{path}:6: Talos v1.13 has no CRICustomizationConfig document (v1.14 has)"
            in result.output)


def test_a_control_plane_without_a_kubelet_image_takes_the_api_servers(tmp_path: Path) -> None:
    path = tmp_path / "controlplane.yaml"
    path.write_text("version: v1alpha1\nmachine:\n  type: controlplane\ncluster:\n"
                    "  apiServer:\n    image: registry.k8s.io/kube-apiserver:v1.35.1\n")
    kubeadm = run(path, verb="show")["nodes"][0]["kubeadm"]
    assert kubeadm["kubernetes_version"] == "v1.35.1"
    where = kubeadm["kubernetes_version_at"]
    assert (where["line"], where["column"]) == (6, 43)
    assert at(path, 6, 43) == "v1.35.1"


def test_no_part_leaves_the_flag_alone_and_its_last_list_value_wins() -> None:
    path = DATA / "worker-no-part.yaml"  # a multi-document config, extraArgs as a list
    doc = run(path)
    [node] = doc["nodes"]
    assert node["runtimes"] == []
    assert node["kubelet"]["pod_infra_container_image"] == "registry.k8s.io/pause:3.10"
    where = node["kubelet"]["pod_infra_container_image_at"]
    assert (where["line"], where["column"]) == (9, 11)
    assert {("PL302", 8, 11), ("PL302", 9, 11)} <= places(doc)


def test_a_patch_is_not_detected_but_reads_with_type_talos() -> None:
    path = DATA / "patch.yaml"
    assert registry.detect(str(path), path.read_text()) is None
    doc = run(path, "--type", "talos", "-k", "1.31")
    assert {("PL302", 4, 34), ("PL303", 4, 34)} <= places(doc)
    [runtime] = doc["nodes"][0]["runtimes"]
    assert (runtime["sandbox_image"]["line"], runtime["sandbox_image"]["column"]) == (10, 21)


@pytest.mark.parametrize(("text", "found"), [
    ("version: v1alpha1\nmachine:\n  type: worker\n", "talos"),
    ("# generated\nversion: 'v1alpha1'\ndebug: false\nmachine: {}\n", "talos"),
    ("apiVersion: v1alpha1\nkind: HostnameConfig\n---\nversion: v1alpha1\nmachine: {}\n",
     "talos"),
    ("config:\n  version: v1alpha1\nmachine: {}\n", None),   # not at column 0
    ("version: v1alpha2\nmachine: {}\n", None),
])
def test_detection_by_content(text: str, found: str | None) -> None:
    entry = registry.detect("controlplane.yaml", text)
    assert (entry.name if entry else None) == found


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here (a user's clone)")
def test_talos_own_merge_output_agrees_with_reading_its_part(tmp_path: Path) -> None:
    """Talos's merge test (internal/pkg/toml/testdata): 3.toml, a part with no version,
    merged after a version 2 base gives expected.toml; read as a v1.7 node's
    20-customization.part it gives the sandbox image and version Talos's output has."""
    merged = run(CORPUS / "talos-merged-v2-with-source-comments.toml", "--type", "containerd",
                 verb="show")
    [want] = merged["nodes"][0]["runtimes"]
    part = (CORPUS / "talos-dropin-part-no-version-sandbox.toml").read_text()
    [got] = run(machine_config(tmp_path, part, "v1.7.7"), verb="show")["nodes"][0]["runtimes"]

    assert (got["config_version"], got["sandbox_image"]["value"]) == (
        want["config_version"], want["sandbox_image"]["value"]) == (2, "registry.k8s.io/pause:3.8")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here (a user's clone)")
def test_talos_base_part_as_the_users_part_sets_no_sandbox_image(tmp_path: Path) -> None:
    part = (CORPUS / "talos-cri-plugin-v3.part").read_text()
    doc = run(machine_config(tmp_path, part), "--runtime-version", "containerd=2.2.7",
              verb="show")
    [runtime] = doc["nodes"][0]["runtimes"]
    assert runtime["config_version"] == 3
    assert runtime["sandbox_image"]["origin"] != "set"


def test_a_quoted_kubelet_image_gives_the_version_at_its_tag(tmp_path: Path) -> None:
    path = tmp_path / "cp.yaml"
    path.write_text(textwrap.dedent("""\
        version: v1alpha1
        machine:
          kubelet:
            image: "ghcr.io/siderolabs/kubelet:v1.36.3@sha256:0123"
        """))
    where = run(path, verb="show")["nodes"][0]["kubeadm"]["kubernetes_version_at"]
    assert at(path, where["line"], where["column"]).startswith("v1.36.3@")
