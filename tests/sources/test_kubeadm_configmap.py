"""The kubeadm-config ConfigMap format: it unwraps, the kubeadm reader reads, positions
point into the ConfigMap file the user has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.model import Role
from pauselint.sources import registry
from pauselint.sources.kubeadm_configmap import read_kubeadm_configmap, read_source
from pauselint.sources.source_text import SourceText

# As `kubectl get cm kubeadm-config -n kube-system -o yaml` prints it (kubeadm 1.29).
DUMP = Path(__file__).parent / "data" / "kubeadm-config-configmap.yaml"
REPOSITORY_AT = (16, 22)  # `    imageRepository: registry.k8s.io`
VERSION_AT = (18, 24)  # `    kubernetesVersion: v1.29.3`


def positions(text: str, path: str = "cm.yaml") -> dict[Role, tuple[str, int | None, int | None]]:
    config = read_kubeadm_configmap(path, text)
    assert config.errors == ()
    return {s.role: (s.value, s.location.line, s.location.column) for s in config.settings}


def test_the_dump_is_detected_as_the_configmap_wrapper() -> None:
    found = registry.detect(str(DUMP), DUMP.read_text())

    assert found is not None and (found.name, found.kind.value) == ("kubeadm-configmap", "kubeadm")


def test_settings_point_at_the_outer_files_lines_and_columns() -> None:
    found = positions(DUMP.read_text())

    assert found == {
        Role.IMAGE_REPOSITORY: ("registry.k8s.io", *REPOSITORY_AT),
        Role.KUBERNETES_VERSION: ("v1.29.3", *VERSION_AT),
    }


@pytest.mark.parametrize("header", ["|-", "|+", "|2"])
def test_every_literal_block_header_maps_line_by_line(header: str) -> None:
    text = DUMP.read_text().replace("ClusterConfiguration: |", f"ClusterConfiguration: {header}")

    assert positions(text)[Role.KUBERNETES_VERSION] == ("v1.29.3", *VERSION_AT)


def test_a_folded_block_is_reported_at_the_string_start() -> None:
    # `>` joins lines, so no line of the embedded document is a line of the file.
    text = ("data:\n  ClusterConfiguration: >\n    apiVersion: kubeadm.k8s.io/v1beta3\n\n"
            "    kind: ClusterConfiguration\n\n    kubernetesVersion: v1.30.0\nkind: ConfigMap\n")

    assert positions(text)[Role.KUBERNETES_VERSION] == ("v1.30.0", 2, 25)


def test_a_value_of_the_wrong_type_is_an_error_at_its_outer_line(tmp_path: Path) -> None:
    bad = tmp_path / "kubeadm-config.yaml"
    bad.write_text(DUMP.read_text().replace("kubernetesVersion: v1.29.3",
                                            "kubernetesVersion: [1, 29]"))

    result = CliRunner().invoke(main, ["check", "--format", "json", str(bad)])

    assert json.loads(result.output)["errors"] == [{
        "path": str(bad), "line": VERSION_AT[0],
        "message": "ClusterConfiguration.kubernetesVersion must be a string, not a list"}]
    assert result.exit_code == 2


def test_an_embedded_document_that_is_not_yaml_is_an_error_at_its_outer_line() -> None:
    text = DUMP.read_text().replace("    dns: {}\n", "    dns: {\n")

    config = read_kubeadm_configmap("cm.yaml", text)

    assert config.settings == ()
    [error] = config.errors
    assert error.message.startswith("data.ClusterConfiguration is not valid YAML: ")
    # The parser gives up at `local:`, two lines below the unclosed `{`: line 14 of
    # the file, column 8 + 4 of block indentation -- in the message too.
    assert (error.path, error.line) == ("cm.yaml", 14)
    assert error.message.endswith("(line 14, column 12)")


def test_a_configmap_embedded_in_another_text_maps_through_both() -> None:
    # A wrapper around the wrapper (a cloud-init file holding the dump, say): the
    # embedded SourceText composes its offsets with the outer one's.
    outer = SourceText("(outer file)", "bundle.yaml")
    inner = outer.embedded(DUMP.read_text(), line_offset=10, column_offset=6)

    config = read_source(inner)

    version = next(s for s in config.settings if s.role is Role.KUBERNETES_VERSION)
    assert version.location == ("bundle.yaml", VERSION_AT[0] + 10, VERSION_AT[1] + 6)


def test_the_check_reads_the_kubernetes_version_from_the_dump() -> None:
    result = CliRunner().invoke(main, ["check", "--format", "json", str(DUMP)])

    # What the dump says is the node's, not the run's: it is in the node's entry.
    (node,) = json.loads(result.output)["nodes"]
    assert (node["kubernetes_version"], node["kubeadm"]["image_repository"]) == (
        "1.29.3", "registry.k8s.io")
    assert node["kubernetes_version_from"] == f"kubeadm:{DUMP}"
