"""PL401: keys the runtime never reads, with the key this file's version does read."""

from __future__ import annotations

from pauselint.model import (
    Component,
    ConfigFile,
    Location,
    NodeFacts,
    Role,
    Setting,
    Severity,
)
from pauselint.rules import pl401_ignored_setting as rule

V2_KEY = 'plugins."io.containerd.grpc.v1.cri".sandbox_image'
V3_KEY = 'plugins."io.containerd.cri.v1.images".pinned_images.sandbox'
V2_IN_V3 = (
    "`sandbox_image` under io.containerd.grpc.v1.cri is not read in a version 3 file "
    f"(containerd 2.x reads {V3_KEY}); it is silently ignored"
)


def _setting(key, value, path, line, *, reason=None, component=Component.CONTAINERD,
             effective=None):
    return Setting(
        component=component, role=Role.SANDBOX_IMAGE, key=key, value=value,
        location=Location(path, line, 19),
        effective=(reason is None) if effective is None else effective,
        ignored=reason is not None, ignored_reason=reason,
    )


def _node(settings, *, version=None, files=(), runtime=Component.CONTAINERD):
    effective = next((s for s in settings if s.effective and not s.ignored), None)
    return NodeFacts(
        name=None, runtime=runtime, files=tuple(files), sandbox_settings=tuple(settings),
        effective_sandbox=effective, config_version=version,
        config_version_location=Location("etc/containerd/config.toml", 1, 11) if version else None,
        runtime_config_path="etc/containerd/config.toml",
    )


def test_v2_key_in_version_3_file(context):
    ignored = _setting(V2_KEY, "registry.k8s.io/pause:3.10", "etc/containerd/config.toml", 4,
                       reason=V2_IN_V3)
    found = list(rule.check(context(nodes=[_node([ignored], version=3)])))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL401", "ignored-setting", Severity.ERROR)
    assert f.location == Location("etc/containerd/config.toml", 4, 19)
    assert f.image == "registry.k8s.io/pause:3.10"
    assert f.message == f'`{V2_KEY}` = "registry.k8s.io/pause:3.10" is ignored: {V2_IN_V3}'
    assert f.fix == f"move the value to `{V3_KEY}`"
    assert f.expected is None


def test_version_3_key_in_file_without_version_line_points_at_v1_key(context):
    reason = ("pinned_images.sandbox is a version 3 key: a version 1 file reads "
              "plugins.cri.sandbox_image, and containerd 1.x has no io.containerd.cri.v1.images "
              "plugin, so it is ignored (or declare `version = 3` for containerd 2.x)")
    ignored = _setting(V3_KEY, "registry.k8s.io/pause:3.10", "etc/containerd/config.toml", 2,
                       reason=reason)
    found = list(rule.check(context(nodes=[_node([ignored])])))
    assert [(f.location.line, f.fix) for f in found] == [
        (2, "move the value to `plugins.cri.sandbox_image`")
    ]


def test_import_file_uses_its_own_version(context):
    reason = "misspelled: containerd reads `sandbox_image`"
    path = "etc/containerd/conf.d/10-pause.toml"
    ignored = _setting('plugins."io.containerd.grpc.v1.cri".sandbox-image',
                       "registry.k8s.io/pause:3.9", path, 3, reason=reason)
    files = [ConfigFile("etc/containerd/config.toml", Component.CONTAINERD, config_version=3),
             ConfigFile(path, Component.CONTAINERD, config_version=2)]
    found = list(rule.check(context(nodes=[_node([ignored], version=3, files=files)])))
    assert [(f.location.path, f.fix) for f in found] == [(path, f"move the value to `{V2_KEY}`")]
    assert found[0].message.endswith("is ignored: misspelled: containerd reads `sandbox_image`")


def test_crio_pause_image_outside_crio_image(context):
    reason = "CRI-O reads pause_image only under [crio.image]; here it is ignored"
    ignored = _setting("crio.runtime.pause_image", "registry.k8s.io/pause:3.10",
                       "etc/crio/crio.conf.d/10-pause.conf", 2, reason=reason,
                       component=Component.CRIO)
    found = list(rule.check(context(nodes=[_node([ignored], runtime=Component.CRIO)])))
    assert len(found) == 1
    assert found[0].message == (
        f'`crio.runtime.pause_image` = "registry.k8s.io/pause:3.10" is ignored: {reason}'
    )
    assert found[0].fix == "move the value to `crio.image.pause_image`"


def test_read_settings_are_not_reported(context):
    read = _setting(V3_KEY, "registry.k8s.io/pause:3.10", "etc/containerd/config.toml", 9)
    assert list(rule.check(context(nodes=[_node([read], version=3)]))) == []


def test_a_key_the_files_own_version_reads_gets_a_migration_not_a_move(tmp_path):
    """A version 1 file read by a release that reads it as version 3 (the 2.2 line, as
    the table's loading model says): "move the value to plugins.cri.sandbox_image", the
    key it is already under, would be a fix that fixes nothing."""
    import json

    from click.testing import CliRunner

    from pauselint.cli import main

    config = tmp_path / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[plugins.cri]\nsandbox_image = "registry.k8s.io/pause:3.10"\n')
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", str(tmp_path)])
    [finding] = [f for f in json.loads(result.output)["findings"] if f["rule"] == "PL401"]
    assert "plugins.cri.sandbox_image" in finding["message"]
    assert "move the value" not in result.output
    text = CliRunner().invoke(main, ["check", "--no-config", str(tmp_path)]).output
    assert ("fix: write the file as a version 3 config (containerd config migrate) with the "
            'value at `plugins."io.containerd.cri.v1.images".pinned_images.sandbox`') in text
