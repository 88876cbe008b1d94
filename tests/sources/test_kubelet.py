"""kubelet / cri-dockerd flag reader: which image, exactly where, and which one wins."""

from __future__ import annotations

import json
import shlex

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pauselint.cli import main
from pauselint.model import Component, InputError, Location, Role
from pauselint.sources.kubelet import (
    FLAG,
    KubeletEnvFile,
    TracedText,
    _split_words,
    effective_flags,
    read_kubelet_config,
    read_kubelet_env,
    read_systemd_service,
    read_systemd_unit,
)

KUBELET = Component.KUBELET
CRI_DOCKERD = Component.CRI_DOCKERD


def flags(config) -> list[tuple[str, int | None, int | None, Component, bool]]:
    """(value, line, column, component, effective) of every pause flag, in order."""
    return [
        (s.value, s.location.line, s.location.column, s.component, s.effective)
        for s in config.settings
    ]


# --- env files ---------------------------------------------------------------------------


def test_kubeadm_flags_env_quoted_value_points_at_the_image() -> None:
    text = (
        'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock'
        ' --pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
    )
    result = read_kubelet_env("kubeadm-flags.env", text)

    assert isinstance(result, KubeletEnvFile)
    assert result.component is KUBELET
    assert result.errors == ()
    assert flags(result) == [("registry.k8s.io/pause:3.9", 1, 119, KUBELET, True)]
    setting = result.settings[0]
    assert (setting.role, setting.key) == (Role.POD_INFRA_FLAG, FLAG)
    assert setting.location.path == "kubeadm-flags.env"


def test_space_separated_flag_in_single_quotes() -> None:
    text = "KUBELET_EXTRA_ARGS='--v=2 --pod-infra-container-image  registry.k8s.io/pause:3.10'\n"
    result = read_kubelet_env("/etc/default/kubelet", text)
    assert flags(result) == [("registry.k8s.io/pause:3.10", 1, 56, KUBELET, True)]


def test_export_comments_and_nested_single_quotes() -> None:
    text = (
        "# written by hand\n"
        "; also a comment\n"
        "\n"
        "export KUBELET_EXTRA_ARGS=\"--pod-infra-container-image='mirror.example.com/pause:3.9'\"\n"
    )
    result = read_kubelet_env("/etc/sysconfig/kubelet", text)
    assert result.errors == ()
    assert flags(result) == [("mirror.example.com/pause:3.9", 4, 57, KUBELET, True)]
    assert [name for name, _ in result.variables] == ["KUBELET_EXTRA_ARGS"]


def test_escaped_quotes_inside_a_double_quoted_value() -> None:
    text = (
        'KUBELET_EXTRA_ARGS="--node-labels=\\"a=b c\\"'
        ' --pod-infra-container-image=reg.example/pause:3.8"\n'
    )
    result = read_kubelet_env("kubelet", text)
    assert flags(result) == [("reg.example/pause:3.8", 1, 73, KUBELET, True)]
    assert (
        result.variables[0][1].text
        == '--node-labels="a=b c" --pod-infra-container-image=reg.example/pause:3.8'
    )


def test_unquoted_value_is_the_whole_line_as_kubeadm_1_11_wrote_it() -> None:
    text = "KUBELET_KUBEADM_ARGS=--cgroup-driver=systemd --pod-infra-container-image=k8s.gcr.io/pause:3.1\n"
    assert flags(read_kubelet_env("kubeadm-flags.env", text)) == [
        ("k8s.gcr.io/pause:3.1", 1, 74, KUBELET, True)
    ]


def test_repeated_flag_last_one_wins() -> None:
    text = (
        'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=k8s.gcr.io/pause:3.1"\n'
        'KUBELET_EXTRA_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.9'
        ' --pod-infra-container-image registry.k8s.io/pause:3.10"\n'
    )
    assert flags(read_kubelet_env("kubeadm-flags.env", text)) == [
        ("k8s.gcr.io/pause:3.1", 1, 51, KUBELET, False),
        ("registry.k8s.io/pause:3.9", 2, 49, KUBELET, False),
        ("registry.k8s.io/pause:3.10", 2, 103, KUBELET, True),
    ]


def test_a_reassigned_variable_drops_its_earlier_flags() -> None:
    text = (
        "KUBELET_EXTRA_ARGS=--pod-infra-container-image=a.example/pause:3.9\n"
        "KUBELET_EXTRA_ARGS=--v=2\n"
    )
    assert flags(read_kubelet_env("kubelet", text)) == [
        ("a.example/pause:3.9", 1, 48, KUBELET, False)
    ]


def test_empty_file_and_empty_value() -> None:
    assert read_kubelet_env("kubelet", "") == KubeletEnvFile("kubelet", KUBELET)
    empty_value = read_kubelet_env("kubelet", "KUBELET_EXTRA_ARGS=\n")
    assert (empty_value.settings, empty_value.errors) == ((), ())
    assert empty_value.variables == (("KUBELET_EXTRA_ARGS", TracedText("", ())),)


def test_unterminated_quote_is_reported_and_other_lines_still_read() -> None:
    text = (
        'KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd\n'
        "KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9\n"
    )
    result = read_kubelet_env("kubeadm-flags.env", text)
    assert result.errors == (
        InputError("kubeadm-flags.env", 1, "unterminated double quote (column 22): line not read"),
    )
    assert flags(result) == [("registry.k8s.io/pause:3.9", 2, 48, KUBELET, True)]


def test_crlf_line_endings() -> None:
    text = '# kubeadm\r\nKUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.9"\r\n'
    result = read_kubelet_env("kubeadm-flags.env", text)
    assert result.errors == ()
    assert flags(result) == [("registry.k8s.io/pause:3.9", 2, 51, KUBELET, True)]


def test_flag_per_line_args_file() -> None:
    text = '--v=2\n--pod-infra-container-image="registry.k8s.io/pause:3.7"\n'
    assert flags(read_kubelet_env("args/kubelet", text)) == [
        ("registry.k8s.io/pause:3.7", 2, 30, KUBELET, True)
    ]


def test_garbage_and_template_lines_are_reported_not_read() -> None:
    text = (
        "{% if pause %}\n"
        "KUBELET_EXTRA_ARGS=--pod-infra-container-image={{ pause_image }}\n"
        "{% endif %}\n"
        "[Service]\n"
    )
    result = read_kubelet_env("kubelet.j2", text)
    # The flag's template value is kept as written; the engine says it is not checked.
    assert [(s.value, s.location.line) for s in result.settings] == [("{{ pause_image }}", 2)]
    assert [(e.line, e.message) for e in result.errors] == [
        (
            1,
            "this looks like a template: template-only lines were skipped -- check the rendered file",
        ),
        (4, "not a NAME=value assignment, a comment or flags: skipped"),
    ]


def test_a_long_template_value_is_shown_once_and_cut(tmp_path) -> None:
    """Not checked, named once, cut: a placeholder is no error (issue 14)."""
    value = "{{ " + "x" * 5000 + " }}"
    path = tmp_path / "var" / "lib" / "kubelet" / "kubeadm-flags.env"
    path.parent.mkdir(parents=True)
    path.write_text(f'KUBELET_KUBEADM_ARGS="--pod-infra-container-image={value}"\n')
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", str(path)])
    assert result.exit_code == 0, result.output
    [note] = json.loads(result.output)["not_read"]
    assert note["reason"] == (f"--pod-infra-container-image = {value[:200] + '…'!r} (5006 "
                              "characters) is a template placeholder: not checked (check the "
                              "rendered file)")


# --- systemd units -------------------------------------------------------------------------

KUBELET_SERVICE = """\
[Unit]
Description=kubelet

[Service]
ExecStart=/usr/bin/kubelet \\
    --config=/var/lib/kubelet/config.yaml \\
# a comment inside a continuation is skipped
    --pod-infra-container-image k8s.gcr.io/pause:3.2 \\
    --v=2
Restart=always
"""


def test_exec_start_continuation_lines_and_comments() -> None:
    result = read_systemd_unit("kubelet.service", KUBELET_SERVICE)
    assert result.component is KUBELET
    assert result.errors == ()
    assert flags(result) == [("k8s.gcr.io/pause:3.2", 8, 33, KUBELET, True)]
    assert result.settings[0].role is Role.POD_INFRA_FLAG


def test_quoted_environment_with_escapes_expands_into_exec_start() -> None:
    text = (
        "[Service]\n"
        r'Environment="KUBELET_EXTRA_ARGS=--node-labels=\"x y\"'
        r' --pod-infra-container-image=registry.k8s.io/pause:3.9 --v=2" "A=\\"'
        "\n"
        "ExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n"
    )
    result = read_systemd_unit("20-pause.conf", text)
    assert result.errors == ()
    assert flags(result) == [("registry.k8s.io/pause:3.9", 2, 83, KUBELET, True)]


def test_empty_exec_start_clears_earlier_commands() -> None:
    text = (
        "[Service]\r\n"
        "ExecStart=/usr/bin/kubelet --pod-infra-container-image=k8s.gcr.io/pause:3.1\r\n"
        "; reset, as a drop-in does\r\n"
        "ExecStart=\r\n"
        "ExecStart=/usr/bin/kubelet --pod-infra-container-image=registry.k8s.io/pause:3.9\r\n"
    )
    result = read_systemd_unit("kubelet.service", text)
    assert result.errors == ()
    assert flags(result) == [
        ("k8s.gcr.io/pause:3.1", 2, 56, KUBELET, False),
        ("registry.k8s.io/pause:3.9", 5, 56, KUBELET, True),
    ]


def test_reset_in_a_drop_in_clears_the_units_command() -> None:
    unit = (
        "[Service]\nExecStart=/usr/bin/kubelet --pod-infra-container-image=k8s.gcr.io/pause:3.1\n"
    )
    dropin = (
        "[Service]\n"
        'Environment="KUBELET_KUBEADM_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
        "ExecStart=\n"
        "ExecStart=/usr/bin/kubelet $KUBELET_KUBEADM_ARGS\n"
    )
    main, conf = read_systemd_service(
        [("kubelet.service", unit), ("kubelet.service.d/10-kubeadm.conf", dropin)]
    )
    assert flags(main) == [("k8s.gcr.io/pause:3.1", 2, 56, KUBELET, False)]
    assert flags(conf) == [("registry.k8s.io/pause:3.9", 2, 63, KUBELET, True)]
    assert conf.settings[0].location.path == "kubelet.service.d/10-kubeadm.conf"
    assert [s.value for s in effective_flags([main, conf]) if s.effective] == [
        "registry.k8s.io/pause:3.9"
    ]


def test_environment_files_expand_in_exec_start_order() -> None:
    kubeadm_env = read_kubelet_env(
        "/host/var/lib/kubelet/kubeadm-flags.env",
        'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=k8s.gcr.io/pause:3.1"\n',
    )
    extra_env = read_kubelet_env(
        "/host/etc/default/kubelet",
        "KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9\n",
    )
    dropin = (
        "[Service]\n"
        "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
        "EnvironmentFile=-/etc/default/kubelet\n"
        "ExecStart=\n"
        "ExecStart=/usr/bin/kubelet $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n"
    )
    result = read_systemd_unit(
        "10-kubeadm.conf",
        dropin,
        environment_files={
            "/var/lib/kubelet/kubeadm-flags.env": kubeadm_env,
            "/etc/default/kubelet": extra_env,
        },
    )
    assert result.imports == ("/var/lib/kubelet/kubeadm-flags.env", "/etc/default/kubelet")
    assert [(s.location, s.value, s.effective) for s in result.settings] == [
        (Location("/host/var/lib/kubelet/kubeadm-flags.env", 1, 51), "k8s.gcr.io/pause:3.1", False),
        (Location("/host/etc/default/kubelet", 1, 48), "registry.k8s.io/pause:3.9", True),
    ]
    # Given alone too, each location still counts once.
    combined = effective_flags([kubeadm_env, extra_env, result])
    assert [(s.value, s.effective) for s in combined] == [
        ("k8s.gcr.io/pause:3.1", False),
        ("registry.k8s.io/pause:3.9", True),
    ]


def test_environment_file_overrides_environment_and_braced_reference() -> None:
    env = read_kubelet_env("/etc/default/kubelet", "PAUSE=mirror.example.com/pause:3.9\n")
    unit = (
        "[Service]\n"
        "Environment=PAUSE=registry.k8s.io/pause:3.9\n"
        "EnvironmentFile=/etc/default/kubelet\n"
        "ExecStart=/usr/bin/kubelet --pod-infra-container-image=${PAUSE}\n"
    )
    result = read_systemd_unit(
        "kubelet.service", unit, environment_files={"/etc/default/kubelet": env}
    )
    assert flags(result) == [("mirror.example.com/pause:3.9", 1, 7, KUBELET, True)]
    assert result.settings[0].location.path == "/etc/default/kubelet"
    alone = read_systemd_unit("kubelet.service", unit)
    assert flags(alone) == [("registry.k8s.io/pause:3.9", 2, 19, KUBELET, True)]


def test_cri_dockerd_unit_sets_its_sandbox_image_not_the_kubelets() -> None:
    text = (
        "[Service]\n"
        "Type=notify\n"
        "ExecStart=-/usr/bin/cri-dockerd --container-runtime-endpoint fd:// "
        "--pod-infra-container-image=registry.k8s.io/pause:3.9\n"
    )
    result = read_systemd_unit("cri-docker.service", text)
    assert result.component is CRI_DOCKERD
    assert flags(result) == [("registry.k8s.io/pause:3.9", 3, 96, CRI_DOCKERD, True)]
    assert result.settings[0].role is Role.SANDBOX_IMAGE


def test_at_prefix_skips_argv0_and_the_executable_decides() -> None:
    text = (
        "[Service]\n"
        "ExecStart=@/usr/bin/cri-dockerd kubelet --pod-infra-container-image=r.example/pause:3.9\n"
    )
    assert flags(read_systemd_unit("cri-docker.service", text)) == [
        ("r.example/pause:3.9", 2, 69, CRI_DOCKERD, True)
    ]


def test_effective_flags_is_per_program() -> None:
    kubelet = read_systemd_unit(
        "kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --pod-infra-container-image=k.example/pause:3.9\n",
    )
    dockerd = read_systemd_unit(
        "cri-docker.service",
        "[Service]\nExecStart=/usr/bin/cri-dockerd --pod-infra-container-image=d.example/p:3.9\n",
    )
    result = effective_flags([kubelet, dockerd])
    assert [(s.component, s.value, s.effective) for s in result] == [
        (KUBELET, "k.example/pause:3.9", True),
        (CRI_DOCKERD, "d.example/p:3.9", True),
    ]


def test_flag_for_an_unknown_program_is_an_error_not_a_setting() -> None:
    text = (
        "[Service]\nExecStart=/bin/sh -c 'exec kubelet' --pod-infra-container-image=x/pause:3.9\n"
    )
    result = read_systemd_unit("kubelet.service", text)
    assert result.component is None
    assert result.settings == ()
    assert result.errors == (
        InputError(
            "kubelet.service",
            2,
            "`--pod-infra-container-image` is passed to `sh`, which is neither the kubelet "
            "nor cri-dockerd: not read",
        ),
    )


def test_dropin_alone_reports_its_environment_flags() -> None:
    text = (
        "[Service]\n"
        'Environment="KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
        "EnvironmentFile=-/etc/default/kubelet\n"
    )
    result = read_systemd_unit("20-pause.conf", text)
    assert result.imports == ("/etc/default/kubelet",)
    assert flags(result) == [("registry.k8s.io/pause:3.9", 2, 61, KUBELET, True)]


def test_bad_environment_lines_are_reported_and_the_rest_read() -> None:
    text = (
        "[Service]\n"
        'Environment="KUBELET_EXTRA_ARGS=--v=2\n'
        "Environment=KUBELET_KUBEADM_ARGS=--pod-infra-container-image=r.example/pause:3.9 --v=2\n"
        "ExecStart=/usr/bin/kubelet $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n"
    )
    result = read_systemd_unit("kubelet.service", text)
    assert result.errors == (
        InputError("kubelet.service", 2, "unterminated double quote (column 13): line not read"),
        InputError(
            "kubelet.service",
            3,
            "systemd ignores the word at column 82 of Environment=: not a NAME=VALUE "
            "assignment (quote the whole assignment to keep spaces)",
        ),
    )
    assert flags(result) == [("r.example/pause:3.9", 3, 62, KUBELET, True)]


def test_only_the_service_section_counts() -> None:
    text = "[Unit]\nExecStart=/usr/bin/kubelet --pod-infra-container-image=x/pause:3.9\n"
    assert read_systemd_unit("kubelet.service", text).settings == ()


def test_empty_unit() -> None:
    result = read_systemd_unit("kubelet.service", "")
    assert (result.settings, result.errors, result.imports) == ((), (), ())


# --- KubeletConfiguration --------------------------------------------------------------------


def test_kubelet_config_has_no_pause_setting() -> None:
    text = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
    result = read_kubelet_config("config.yaml", text)
    assert (result.component, result.settings, result.errors) == (KUBELET, (), ())


def test_invalid_kubelet_config_names_the_line() -> None:
    text = "kind: KubeletConfiguration\ncgroupDriver: [systemd\n"
    result = read_kubelet_config("config.yaml", text)
    assert result.settings == ()
    assert [(e.path, e.line) for e in result.errors] == [("config.yaml", 3)]
    assert result.errors[0].message.startswith("invalid YAML: ")


# --- the word splitter -----------------------------------------------------------------------


def _traced(text: str) -> TracedText:
    return TracedText(text, tuple(Location("t", 1, i + 1) for i in range(len(text))))


@given(st.text(alphabet="ab= '\"\\\t-", max_size=30))
def test_words_match_shlex(text: str) -> None:
    words, unclosed = _split_words(_traced(text))
    try:
        expected = shlex.split(text)
    except ValueError:
        assert unclosed is not None
        return
    assert unclosed is None
    assert [w.value.text for w in words] == expected
    assert all(len(w.value.text) == len(w.value.locations) for w in words)


_UNIT_ALPHABET = st.sampled_from(
    [
        "\n",
        "\r\n",
        "\\\n",
        " ",
        "=",
        '"',
        "'",
        "\\",
        "$",
        "${A}",
        "$A",
        "A=",
        "#",
        ";",
        "-",
        "@",
        "[Service]",
        "ExecStart=",
        "Environment=",
        "EnvironmentFile=",
        "/usr/bin/kubelet",
        "cri-dockerd",
        FLAG,
        "x",
        "{{ y }}",
        "{% if %}",
        "export ",
    ]
)


@given(st.lists(_UNIT_ALPHABET, max_size=40).map("".join))
def test_readers_never_raise(text: str) -> None:
    env = read_kubelet_env("env", text)
    unit = read_systemd_unit("unit", text, environment_files={"x": env})
    read_kubelet_config("config.yaml", text)
    for setting in effective_flags([env, unit]):
        assert setting.key == FLAG
        assert setting.location.line is not None and setting.location.column is not None
