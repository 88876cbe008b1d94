"""The protocol's generic pieces: SourceText mapping, references, loading what is referenced."""

from __future__ import annotations

from pathlib import Path

from pauselint.inputs import read_path
from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.nodes import assemble_group
from pauselint.reading import load_referenced, read_inputs
from pauselint.sources import registry
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import SourceText

MAIN = 'version = 2\nimports = ["conf.d/*.toml"]\n'
IMPORT = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
          '  sandbox_image = "registry.k8s.io/pause:3.9"\n')


def _setting(line: int, column: int) -> Setting:
    return Setting(Component.CONTAINERD, Role.SANDBOX_IMAGE, "k", "v", Location("in", line, column))


def test_a_whole_file_keeps_every_position() -> None:
    source = SourceText("x", "etc/containerd/config.toml")
    config = ConfigFile(source.path, None, settings=(_setting(3, 19),))

    assert source.relocate(config) is config


def test_an_embedded_text_moves_settings_errors_and_suppressions_to_the_outer_file() -> None:
    outer = SourceText("...", "outer.yaml")
    inner = outer.embedded("...", line_offset=4, column_offset=2, column_offsets=(2, 6))
    config = ConfigFile("inner", None, settings=(_setting(1, 1), _setting(2, 3), _setting(3, 5)),
                        errors=(InputError("inner", 2, "bad", 7), InputError("inner", None, "x")))

    moved = inner.relocate(config)

    assert [s.location for s in moved.settings] == [
        Location("outer.yaml", 5, 3), Location("outer.yaml", 6, 9), Location("outer.yaml", 7, 7)]
    assert moved.errors == (InputError("outer.yaml", 6, "bad", 13),
                            InputError("outer.yaml", None, "x"))


def test_a_fixed_origin_reports_everything_at_the_string() -> None:
    inner = SourceText("...", "outer.yaml").embedded("...", fixed=(3, 25))

    assert inner.location(9, 4) == Location("outer.yaml", 3, 25)
    assert inner.location(None) == Location("outer.yaml", 3, 25)


def test_containerd_references_are_its_imports_resolved(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "b.toml").write_text(IMPORT)
    (tmp_path / "conf.d" / "a.toml").write_text(IMPORT)
    main = registry.format_for(InputType.CONTAINERD).read_source(
        SourceText(MAIN, str(tmp_path / "config.toml")))

    found = registry.references_of(main, InputType.CONTAINERD, None, [])

    assert [p.name for p in found] == ["a.toml", "b.toml"]


def test_systemd_references_are_its_environment_files(tmp_path: Path) -> None:
    env = tmp_path / "etc" / "default" / "kubelet"
    env.parent.mkdir(parents=True)
    env.write_text("KUBELET_EXTRA_ARGS=\n")
    unit = tmp_path / "etc" / "systemd" / "system" / "kubelet.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nEnvironmentFile=-/etc/default/kubelet\n"
                    "EnvironmentFile=-/etc/default/missing\nExecStart=/usr/bin/kubelet\n")
    config = registry.format_for(InputType.SYSTEMD).read_source(
        SourceText(unit.read_text(), str(unit)))

    assert registry.references_of(config, InputType.SYSTEMD, tmp_path, []) == [env]


def test_a_kind_that_names_no_files_has_no_references() -> None:
    config = ConfigFile("k.yaml", Component.KUBEADM)

    assert registry.references_of(config, InputType.KUBEADM, None, []) == ()


def test_an_unreadable_reference_is_unknown_not_empty(tmp_path: Path) -> None:
    missing = tmp_path / "gone.toml"

    config = load_referenced(missing, InputType.CONTAINERD)

    assert config is not None
    assert (config.component, config.parsed, len(config.errors)) == (
        Component.CONTAINERD, False, 1)


def test_the_default_loader_layers_imports_as_the_engines_did(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "pause.toml").write_text(IMPORT)
    main = tmp_path / "config.toml"
    main.write_text(MAIN)
    read = read_inputs([read_path(str(main), explicit=True)], None, None)
    configs = [(c.config, c.kind.value) for c in read.configs]

    asked: list[Path] = []

    def legacy_loader(path: Path) -> ConfigFile | None:  # the engine's former interface
        asked.append(path)
        return load_referenced(path, InputType.CONTAINERD)

    by_default = assemble_group(configs, root=None)
    as_before = assemble_group(configs, legacy_loader, None)

    assert by_default == as_before
    assert asked == [tmp_path / "conf.d" / "pause.toml"]
    [node] = by_default[0]
    assert node.effective_sandbox is not None
    assert node.effective_sandbox.location == Location(
        str(tmp_path / "conf.d" / "pause.toml"), 3, 19)
