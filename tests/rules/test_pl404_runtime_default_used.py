"""PL404: the runtime's built-in default, named with its version and source."""

from __future__ import annotations

import pytest

from pauselint.model import Component, Location, NodeFacts, Role, Setting, Severity, Skip
from pauselint.rules import pl404_runtime_default_used as rule


@pytest.mark.parametrize(
    ("runtime", "image", "component", "path", "source"),
    [
        ("containerd=1.7.20", "registry.k8s.io/pause:3.8", Component.CONTAINERD,
         "etc/containerd/config.toml", "containerd v1.7.x pkg/cri/config/config_unix.go"),
        ("containerd=2.3.0", "registry.k8s.io/pause:3.10.2", Component.CONTAINERD,
         "etc/containerd/config.toml", "containerd commit 05d3b31586fb (2026-04-03, PR #13156, "
         "first in v2.3.0-beta.1)"),
        ("cri-o=1.30.4", "registry.k8s.io/pause:3.9", Component.CRIO, "etc/crio/crio.conf",
         "cri-o commit 21b47b11c4a3 (first in v1.28.0); on release-1.27 as 49cfa2060736 "
         "through PR #6987 (merge 55f1d5c5bfa3, first in v1.27.1; v1.27.0 has 3.6)"),
    ],
)
def test_names_the_default(context, use_of, runtime, image, component, path, source):
    default = use_of(image, path=path, line=None, column=None, component=component,
                     origin="default")
    found = list(rule.check(context(images=[default], runtime=runtime)))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL404", "runtime-default-used", Severity.INFO)
    assert f.location == Location(path, None, None)
    name, _, version = runtime.partition("=")
    assert f.message == (
        f"no sandbox image is set, so the built-in default of {name} {version} applies: "
        f"{image} (source: {source})"
    )
    assert f.image == image
    assert f.expected is None


def test_written_setting_is_not_reported(context, use_of):
    ctx = context(images=[use_of("registry.k8s.io/pause:3.10")], runtime="containerd=2.0.0")
    assert list(rule.check(ctx)) == []


def _node(runtime, effective=None):
    return NodeFacts(name=None, runtime=runtime, effective_sandbox=effective,
                     runtime_config_path="etc/containerd/config.toml")


@pytest.mark.parametrize(
    ("component", "runtime", "reason"),
    [
        (Component.CONTAINERD, None,
         "runtime version unknown: cannot tell which built-in default applies "
         "(use --runtime-version containerd=X)"),
        (Component.CRIO, "containerd=1.7.20",
         "runtime version unknown: cannot tell which built-in default applies "
         "(use --runtime-version cri-o=X)"),
        (Component.CONTAINERD, "containerd=2.5.0",
         "containerd 2.5.0 is not in the compat table (2026-12-04): cannot tell which "
         "built-in default applies"),
    ],
)
def test_skips_when_the_default_cannot_be_named(context, component, runtime, reason):
    ctx = context(nodes=[_node(component), _node(component)], runtime=runtime)
    assert list(rule.check(ctx)) == [Skip(rule="PL404", reason=reason)]


def test_node_with_a_setting_needs_no_runtime_version(context):
    setting = Setting(Component.CONTAINERD, Role.SANDBOX_IMAGE, "sandbox_image",
                      "registry.k8s.io/pause:3.10", Location("etc/containerd/config.toml", 3, 17))
    assert list(rule.check(context(nodes=[_node(Component.CONTAINERD, setting)]))) == []
