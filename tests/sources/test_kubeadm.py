"""kubeadm reader: every variant of where kubeadm keeps pause-related values, exactly located."""

from __future__ import annotations

import pytest

from pauselint.model import Component, InputError, Location, Role, Setting
from pauselint.sources.kubeadm import POD_INFRA_KEY, read_kubeadm
from pauselint.sources.kubeadm_configmap import read_kubeadm_configmap

PATH = "kubeadm.yaml"


def setting(
    role: Role,
    key: str,
    value: str,
    line: int,
    column: int,
    *,
    effective: bool = True,
    path: str = PATH,
) -> Setting:
    return Setting(
        component=Component.KUBEADM,
        role=role,
        key=key,
        value=value,
        location=Location(path, line, column),
        effective=effective,
    )


def version(value: str, line: int, column: int, kind: str = "ClusterConfiguration") -> Setting:
    return setting(Role.KUBERNETES_VERSION, f"{kind}.kubernetesVersion", value, line, column)


def repository(value: str, line: int, column: int, kind: str = "ClusterConfiguration") -> Setting:
    return setting(Role.IMAGE_REPOSITORY, f"{kind}.imageRepository", value, line, column)


def pod_infra(value: str, line: int, column: int, *, effective: bool = True) -> Setting:
    return setting(Role.POD_INFRA_FLAG, POD_INFRA_KEY, value, line, column, effective=effective)


V1BETA3 = """\
apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
nodeRegistration:
  criSocket: unix:///run/containerd/containerd.sock
  kubeletExtraArgs:
    node-ip: 10.0.0.5
    pod-infra-container-image: registry.k8s.io/pause:3.9
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: v1.29.3
imageRepository: registry.k8s.io
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
"""


def test_v1beta3_map_args_and_cluster_values_with_exact_positions() -> None:
    result = read_kubeadm(PATH, V1BETA3)

    assert result.component is Component.KUBEADM
    assert result.errors == ()
    assert result.settings == (
        pod_infra("registry.k8s.io/pause:3.9", 7, 32),
        version("v1.29.3", 11, 20),
        repository("registry.k8s.io", 12, 18),
    )


def test_v1beta2_join_configuration_map_args() -> None:
    text = """\
apiVersion: kubeadm.k8s.io/v1beta2
kind: JoinConfiguration
nodeRegistration:
  kubeletExtraArgs: {pod-infra-container-image: "k8s.gcr.io/pause:3.2"}
"""
    result = read_kubeadm(PATH, text)

    assert result.errors == ()
    assert result.settings == (pod_infra("k8s.gcr.io/pause:3.2", 4, 49),)


V1BETA4 = """\
apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
nodeRegistration:
  kubeletExtraArgs:
    - name: node-ip
      value: 10.0.0.6
    - name: pod-infra-container-image
      value: registry.k8s.io/pause:3.10
"""


def test_v1beta4_list_args_located_at_the_value() -> None:
    result = read_kubeadm(PATH, V1BETA4)

    assert result.errors == ()
    assert result.settings == (pod_infra("registry.k8s.io/pause:3.10", 8, 14),)


def test_v1beta4_repeated_flag_last_one_is_effective() -> None:
    text = V1BETA4 + "    - name: pod-infra-container-image\n      value: example.com/pause:3.10\n"

    result = read_kubeadm(PATH, text)

    assert result.settings == (
        pod_infra("registry.k8s.io/pause:3.10", 8, 14, effective=False),
        pod_infra("example.com/pause:3.10", 10, 14),
    )


def test_shape_the_version_cannot_decode_is_read_and_reported() -> None:
    text = """\
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  kubeletExtraArgs:
    pod-infra-container-image: registry.k8s.io/pause:3.10
"""
    result = read_kubeadm(PATH, text)

    assert result.settings == (pod_infra("registry.k8s.io/pause:3.10", 5, 32),)
    assert result.errors == (
        InputError(
            PATH,
            5,
            "kubeadm.k8s.io/v1beta4 expects kubeletExtraArgs as a list of {name, value}, "
            "not a mapping; kubeadm fails to decode this file",
        ),
    )


@pytest.mark.parametrize("label", ["stable-1.29", "stable", "latest", "ci/latest", "1.30"])
def test_version_labels_are_kept_as_written(label: str) -> None:
    text = f"apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: {label}\n"

    assert read_kubeadm(PATH, text).settings == (version(label, 3, 20),)


def test_non_kubeadm_documents_are_skipped_silently() -> None:
    text = """\
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
imageRepository: not-kubeadm.example.com
---
apiVersion: v1
kind: Pod
metadata: {name: x}
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
imageRepository: my.registry.example.com/k8s
"""
    result = read_kubeadm(PATH, text)

    assert result.errors == ()
    assert result.settings == (repository("my.registry.example.com/k8s", 11, 18),)


def test_unknown_kubeadm_kind_is_skipped() -> None:
    text = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: UpgradeConfiguration\napply:\n  force: true\n"

    result = read_kubeadm(PATH, text)

    assert result.settings == ()
    assert result.errors == ()


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "---\n", "---\n---\n"])
def test_empty_file_gives_nothing(text: str) -> None:
    result = read_kubeadm(PATH, text)

    assert result.settings == ()
    assert result.errors == ()


def test_crlf_line_endings_and_bom() -> None:
    text = "\ufeff" + V1BETA3.replace("\n", "\r\n")

    result = read_kubeadm(PATH, text)

    assert result.errors == ()
    assert result.settings == (
        pod_infra("registry.k8s.io/pause:3.9", 7, 32),
        version("v1.29.3", 11, 20),
        repository("registry.k8s.io", 12, 18),
    )


def test_invalid_yaml_gives_one_error_with_the_line_and_no_settings() -> None:
    text = """\
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: v1.29.3
networking:
  podSubnet: [10.244.0.0/16
"""
    result = read_kubeadm(PATH, text)

    assert result.settings == ()
    assert len(result.errors) == 1
    assert result.errors[0].line == 6
    assert result.errors[0].message.startswith("invalid YAML: ")


def test_template_is_named_in_the_error() -> None:
    text = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n{% if x %}\nimageRepository: a\n{% endif %}\n"

    (error,) = read_kubeadm(PATH, text).errors

    assert error.line == 3
    assert error.message.endswith("this looks like a template -- check the rendered file instead")


def test_v1alpha2_master_configuration_is_read_like_the_newer_kinds() -> None:
    text = """\
apiVersion: kubeadm.k8s.io/v1alpha2
kind: MasterConfiguration
kubernetesVersion: 1.11.1
imageRepository: MyPrivateRegistry
nodeRegistration:
  kubeletExtraArgs:
    pod-infra-container-image: MyPrivateRegistry/pause-amd64:3.1
"""
    result = read_kubeadm(PATH, text)

    assert result.errors == ()
    assert result.settings == (
        version("1.11.1", 3, 20, kind="MasterConfiguration"),
        repository("MyPrivateRegistry", 4, 18, kind="MasterConfiguration"),
        pod_infra("MyPrivateRegistry/pause-amd64:3.1", 7, 32),
    )


def test_kubeadm_kind_without_api_version_is_read_and_reported() -> None:
    text = """\
kind: InitConfiguration
nodeRegistration:
  kubeletExtraArgs:
    pod-infra-container-image: "example.com/k8s/pause:3.2"
"""
    result = read_kubeadm(PATH, text)

    assert result.settings == (pod_infra("example.com/k8s/pause:3.2", 4, 32),)
    assert result.errors == (
        InputError(
            PATH,
            1,
            "this InitConfiguration has no apiVersion; kubeadm refuses a file with such a "
            "document (kind and apiVersion are mandatory)",
        ),
    )


def test_non_string_value_is_an_error_not_a_setting() -> None:
    text = (
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nimageRepository:\n  - a\n"
    )

    result = read_kubeadm(PATH, text)

    assert result.settings == ()
    assert result.errors == (
        InputError(PATH, 4, "ClusterConfiguration.imageRepository must be a string, not a list"),
    )


def test_empty_values_are_not_settings() -> None:
    text = """\
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion:
imageRepository: ~
"""
    result = read_kubeadm(PATH, text)

    assert result.settings == ()
    assert result.errors == ()


CONFIG_MAP = """\
apiVersion: v1
data:
  ClusterConfiguration: |
    apiServer:
      timeoutForControlPlane: 4m0s
    apiVersion: kubeadm.k8s.io/v1beta3

    imageRepository: registry.k8s.io
    kind: ClusterConfiguration
    kubernetesVersion: v1.29.3
kind: ConfigMap
metadata:
  name: kubeadm-config
  namespace: kube-system
"""


def test_config_map_embedded_cluster_configuration_at_outer_positions() -> None:
    result = read_kubeadm_configmap(PATH, CONFIG_MAP)

    assert result.errors == ()
    assert result.settings == (
        repository("registry.k8s.io", 8, 22),
        version("v1.29.3", 10, 24),
    )


def test_config_map_with_crlf_line_endings() -> None:
    result = read_kubeadm_configmap(PATH, CONFIG_MAP.replace("\n", "\r\n"))

    assert result.settings == (
        repository("registry.k8s.io", 8, 22),
        version("v1.29.3", 10, 24),
    )


def test_config_map_with_explicit_indentation_indicator() -> None:
    # `|2` on a key at column 3 means content indented by 4, even when the first
    # content line is indented more.
    text = """\
kind: ConfigMap
apiVersion: v1
data:
  ClusterConfiguration: |2
      # indented comment line
    apiVersion: kubeadm.k8s.io/v1beta3
    kind: ClusterConfiguration
    kubernetesVersion: v1.30.0
"""
    assert read_kubeadm_configmap(PATH, text).settings == (version("v1.30.0", 8, 24),)


def test_config_map_in_a_list_and_quoted_string_at_the_string_start() -> None:
    # A double-quoted string (kubectl writes one when a line has trailing spaces)
    # cannot be mapped line by line: everything inside is reported at its start.
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  data:
    ClusterConfiguration: "apiVersion: kubeadm.k8s.io/v1beta3\\nkind: ClusterConfiguration\\n\\
      kubernetesVersion: v1.28.0  \\n"
- apiVersion: v1
  kind: ConfigMap
  data:
    kubelet: |
      kind: KubeletConfiguration
"""
    assert read_kubeadm_configmap(PATH, text).settings == (version("v1.28.0", 7, 27),)


def test_config_map_with_invalid_embedded_yaml_reports_the_outer_line() -> None:
    text = """\
kind: ConfigMap
data:
  ClusterConfiguration: |
    apiVersion: kubeadm.k8s.io/v1beta3
    kind: ClusterConfiguration
    networking: [a
"""
    result = read_kubeadm_configmap(PATH, text)

    assert result.settings == ()
    assert len(result.errors) == 1
    assert result.errors[0].line == 7
    assert result.errors[0].message.startswith("data.ClusterConfiguration is not valid YAML: ")


def test_other_config_maps_are_skipped() -> None:
    text = "kind: ConfigMap\napiVersion: v1\ndata:\n  kubelet: |\n    kind: KubeletConfiguration\n"

    result = read_kubeadm_configmap(PATH, text)

    assert result.settings == ()
    assert result.errors == ()


def test_a_kubeadm_kind_without_api_version_is_found_by_content(tmp_path) -> None:
    """Found by its kind alone (issue 14), so a file kubeadm refuses is said to be
    refused, at its line, instead of passing as a file of no known kind; its values are
    still read. kubeadm's own check: kubernetes cmd/kubeadm/app/util/marshal.go
    SplitYAMLDocuments ("kind and apiVersion is mandatory information...")."""
    import json

    from click.testing import CliRunner

    from pauselint.cli import main

    path = tmp_path / "kubeadm.yaml"
    path.write_text("kind: ClusterConfiguration\nkubernetesVersion: v1.31.0\n"
                    "imageRepository: registry.example.com/k8s\n")
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", str(path)])
    assert result.exit_code == 2, result.output
    doc = json.loads(result.output)
    assert [(e["line"], "has no apiVersion" in e["message"]) for e in doc["errors"]] == [
        (1, True)]
    [node] = doc["nodes"]
    assert node["kubeadm"]["image_repository"] == "registry.example.com/k8s"
