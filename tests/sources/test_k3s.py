"""k3s/RKE2 reader: config.yaml keys, distribution, drop-in precedence, kubelet-arg flags."""

from __future__ import annotations

import pytest
import yaml

from pauselint.model import Component, InputError, Location, Role, Setting
from pauselint.sources import yaml_locator
from pauselint.sources.k3s import k3s_effective, read_k3s

K3S_MAIN = "/etc/rancher/k3s/config.yaml"
RKE2_MAIN = "/etc/rancher/rke2/config.yaml"


def pause(
    value: str,
    path: str,
    line: int,
    column: int,
    *,
    component: Component = Component.K3S,
    effective: bool = True,
) -> Setting:
    return Setting(
        component=component,
        role=Role.SANDBOX_IMAGE,
        key="pause-image",
        value=value,
        location=Location(path, line, column),
        effective=effective,
    )


def kubelet_flag(
    value: str,
    path: str,
    line: int,
    column: int,
    *,
    key: str = "kubelet-arg",
    effective: bool = True,
) -> Setting:
    return Setting(
        component=Component.KUBELET,
        role=Role.POD_INFRA_FLAG,
        key=key,
        value=value,
        location=Location(path, line, column),
        effective=effective,
    )


def test_pause_image_in_k3s_config() -> None:
    text = 'write-kubeconfig-mode: "0644"\npause-image: docker.io/rancher/mirrored-pause:3.6\n'

    result = read_k3s(K3S_MAIN, text)

    assert result.component is Component.K3S
    assert result.errors == ()
    assert result.settings == (pause("docker.io/rancher/mirrored-pause:3.6", K3S_MAIN, 2, 14),)


def test_rke2_pause_image_and_system_default_registry() -> None:
    text = '---\nsystem-default-registry: reg.lan.khaus:443\npause-image: "rancher/mirrored-pause:3.6"\n'

    result = read_k3s(RKE2_MAIN, text)

    assert result.component is Component.RKE2
    assert result.errors == ()
    assert result.settings == (
        Setting(
            component=Component.RKE2,
            role=Role.DEFAULT_REGISTRY,
            key="system-default-registry",
            value="reg.lan.khaus:443",
            location=Location(RKE2_MAIN, 2, 26),
        ),
        pause("rancher/mirrored-pause:3.6", RKE2_MAIN, 3, 14, component=Component.RKE2),
    )


@pytest.mark.parametrize(
    ("path", "text", "given", "expected"),
    [
        ("/etc/rancher/rke2/config.yaml", "pause-image: a\n", None, Component.RKE2),
        ("/host/etc/rancher/rke2/config.yaml.d/10.yaml", "pause-image: a\n", None, Component.RKE2),
        ("/etc/rancher/k3s/config.yaml", "system-default-registry: r\n", None, Component.K3S),
        ("config.yaml", "system-default-registry: r\n", None, Component.RKE2),
        ("config.yaml", "pause-image: a\n", None, Component.K3S),
        ("/etc/rancher/k3s/config.yaml", "pause-image: a\n", Component.RKE2, Component.RKE2),
    ],
)
def test_distribution_from_caller_then_path_then_keys(
    path: str, text: str, given: Component | None, expected: Component
) -> None:
    result = read_k3s(path, text, distribution=given)

    assert result.component is expected
    assert {s.component for s in result.settings} == {expected}


def test_kubelet_arg_list_with_and_without_dashes() -> None:
    text = """\
kubelet-arg:
  - "max-pods=250"
  - pod-infra-container-image=registry.k8s.io/pause:3.9
  - --pod-infra-container-image=registry.k8s.io/pause:3.10
"""
    result = read_k3s(K3S_MAIN, text)

    assert result.errors == ()
    assert result.settings == (
        kubelet_flag("registry.k8s.io/pause:3.9", K3S_MAIN, 3, 31, effective=False),
        kubelet_flag("registry.k8s.io/pause:3.10", K3S_MAIN, 4, 33),
    )


def test_kubelet_arg_as_a_single_string() -> None:
    text = 'kubelet-arg: "pod-infra-container-image=example.com/pause:3.9"\n'

    assert read_k3s(K3S_MAIN, text).settings == (
        kubelet_flag("example.com/pause:3.9", K3S_MAIN, 1, 41),
    )


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("kubelet-arg:\n- '  --pod-infra-container-image=x.io/pause:3.9'\n", 2, 34),
        ("kubelet-arg: [max-pods=9, pod-infra-container-image=x.io/pause:3.9]\n", 1, 53),
    ],
)
def test_kubelet_arg_column_points_at_the_image(text: str, line: int, column: int) -> None:
    [setting] = read_k3s(K3S_MAIN, text).settings

    assert (setting.location.line, setting.location.column) == (line, column)
    assert text.splitlines()[line - 1][column - 1:].startswith("x.io/pause:3.9")


def test_kubelet_arg_in_a_block_scalar_keeps_the_scalar_start() -> None:
    # The image's column inside a multi-line scalar is not known; its start is.
    text = "kubelet-arg: |\n  pod-infra-container-image=x.io/pause:3.9\n"

    assert read_k3s(K3S_MAIN, text).settings == (kubelet_flag("x.io/pause:3.9", K3S_MAIN, 1, 14),)


DROPIN_DIR = "/etc/rancher/k3s/config.yaml.d"


def test_dropins_apply_after_main_in_lexical_order_and_last_wins() -> None:
    main = read_k3s(K3S_MAIN, "pause-image: main.example.com/pause:3.6\n")
    late = read_k3s(f"{DROPIN_DIR}/20-late.yaml", "pause-image: late.example.com/pause:3.10\n")
    early = read_k3s(f"{DROPIN_DIR}/10-early.yaml", "pause-image: early.example.com/pause:3.9\n")

    result = k3s_effective(main, [late, early])

    assert result == (
        pause("main.example.com/pause:3.6", K3S_MAIN, 1, 14, effective=False),
        pause("early.example.com/pause:3.9", f"{DROPIN_DIR}/10-early.yaml", 1, 14, effective=False),
        pause("late.example.com/pause:3.10", f"{DROPIN_DIR}/20-late.yaml", 1, 14),
    )


def test_empty_last_value_means_the_default_so_nothing_is_effective() -> None:
    main = read_k3s(K3S_MAIN, "pause-image: main.example.com/pause:3.6\n")
    dropin = read_k3s(f"{DROPIN_DIR}/50.yaml", 'pause-image: ""\n')

    result = k3s_effective(main, [dropin])

    assert [(s.value, s.effective) for s in result] == [
        ("main.example.com/pause:3.6", False),
        ("", False),
    ]


def test_kubelet_arg_replaces_and_kubelet_arg_plus_appends() -> None:
    main = read_k3s(K3S_MAIN, "kubelet-arg:\n- pod-infra-container-image=main/pause:3.6\n")
    append = read_k3s(f"{DROPIN_DIR}/10.yaml", "kubelet-arg+:\n- max-pods=200\n")
    replace = read_k3s(
        f"{DROPIN_DIR}/20.yaml", "kubelet-arg:\n- pod-infra-container-image=d/p:3.9\n"
    )
    add = read_k3s(f"{DROPIN_DIR}/30.yaml", "kubelet-arg+:\n- pod-infra-container-image=e/p:3.10\n")

    assert k3s_effective(main, [append])[0].effective is True
    assert k3s_effective(main, [append, replace]) == (
        kubelet_flag("main/pause:3.6", K3S_MAIN, 2, 29, effective=False),
        kubelet_flag("d/p:3.9", f"{DROPIN_DIR}/20.yaml", 2, 29),
    )
    assert k3s_effective(main, [add, replace]) == (
        kubelet_flag("main/pause:3.6", K3S_MAIN, 2, 29, effective=False),
        kubelet_flag("d/p:3.9", f"{DROPIN_DIR}/20.yaml", 2, 29, effective=False),
        kubelet_flag("e/p:3.10", f"{DROPIN_DIR}/30.yaml", 2, 29, key="kubelet-arg+"),
    )


def test_no_main_file() -> None:
    dropin = read_k3s(f"{DROPIN_DIR}/10.yaml", "pause-image: a/pause:3.9\n")

    assert k3s_effective(None, [dropin]) == (pause("a/pause:3.9", f"{DROPIN_DIR}/10.yaml", 1, 14),)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/etc/rancher/k3s/registries.yaml", "mirrors:\n  docker.io:\n    endpoint: [x]\n"),
        # Named registries.yaml: not even parsed, so a broken one is no error here.
        ("/etc/rancher/rke2/registries.yaml", "mirrors: [\n"),
        ("reg.yaml", '---\nmirrors:\n  "a.example.com":\nconfigs:\n  a.example.com: {}\n'),
    ],
)
def test_registries_yaml_is_not_a_config_file(path: str, text: str) -> None:
    result = read_k3s(path, text)

    assert result.settings == ()
    assert result.errors == ()


@pytest.mark.parametrize("text", ["", "---\n", "# nothing\n"])
def test_empty_file(text: str) -> None:
    result = read_k3s(K3S_MAIN, text)

    assert result.settings == ()
    assert result.errors == ()


def test_crlf_line_endings() -> None:
    text = "token: x\r\npause-image: a/pause:3.9\r\nkubelet-arg:\r\n- pod-infra-container-image=b/p:1\r\n"

    assert read_k3s(K3S_MAIN, text).settings == (
        pause("a/pause:3.9", K3S_MAIN, 2, 14),
        kubelet_flag("b/p:1", K3S_MAIN, 4, 29),
    )


def test_invalid_yaml() -> None:
    result = read_k3s(K3S_MAIN, "pause-image: a\nkubelet-arg: [x\n")

    assert result.settings == ()
    assert len(result.errors) == 1
    assert result.errors[0].line == 3
    assert result.errors[0].message.startswith("invalid YAML: ")
    assert result.parsed is False  # what it sets is unknown, not "nothing"


def test_non_string_pause_image_and_non_mapping_file() -> None:
    assert read_k3s(K3S_MAIN, "pause-image:\n  a: b\n").errors == (
        InputError(K3S_MAIN, 2, "pause-image must be a string, not a mapping"),
    )
    assert read_k3s(K3S_MAIN, "- pause-image: a\n").errors == (
        InputError(K3S_MAIN, 1, "a config file must be a mapping, not a list"),
    )
    # k3s cannot load a top level that is not a map; a bad value leaves the file read.
    assert read_k3s(K3S_MAIN, "- pause-image: a\n").parsed is False
    assert read_k3s(K3S_MAIN, "pause-image:\n  a: b\n").parsed is True
    assert read_k3s(K3S_MAIN, "").parsed is True


def test_system_default_registry_is_located_at_its_value() -> None:
    [setting] = read_k3s(RKE2_MAIN, "system-default-registry: https://r.example:5000\n").settings
    assert (setting.role, setting.value, setting.location) == (
        Role.DEFAULT_REGISTRY, "https://r.example:5000", Location(RKE2_MAIN, 1, 26))


def test_too_deeply_nested_yaml_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without libyaml, PyYAML's pure-Python composer recurses once per nested node.
    monkeypatch.setattr(yaml_locator, "_Loader", yaml.SafeLoader)
    text = "pause-image: a/pause:3.9\nkubelet-arg: " + "[" * 20_000 + "]" * 20_000 + "\n"

    result = read_k3s(K3S_MAIN, text)

    assert result.errors == (
        InputError(K3S_MAIN, None, "invalid YAML: too deeply nested to read"),
    )
    assert result.settings == ()
