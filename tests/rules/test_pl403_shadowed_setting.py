"""PL403: an override with a different image is reported at both places."""

from __future__ import annotations

from pauselint.model import Component, Location, NodeFacts, Role, Setting, Severity
from pauselint.rules import pl403_shadowed_setting as rule

MAIN = "etc/crio/crio.conf"
DROPIN = "etc/crio/crio.conf.d/10-pause.conf"


def _setting(value, path, line, *, effective, ignored=False):
    return Setting(
        component=Component.CRIO, role=Role.SANDBOX_IMAGE,
        key="crio.runtime.pause_image" if ignored else "crio.image.pause_image", value=value,
        location=Location(path, line, 15), effective=effective, ignored=ignored,
        ignored_reason="CRI-O reads pause_image only under [crio.image]; here it is ignored"
        if ignored else None,
    )


def _node(*settings):
    effective = next((s for s in settings if s.effective), None)
    return NodeFacts(name="worker-1", runtime=Component.CRIO, sandbox_settings=settings,
                     effective_sandbox=effective, runtime_config_path=MAIN)


def test_both_places_are_reported(context):
    hidden = _setting("registry.k8s.io/pause:3.9", MAIN, 465, effective=False)
    winner = _setting("registry.k8s.io/pause:3.10", DROPIN, 2, effective=True)
    found = list(rule.check(context(nodes=[_node(hidden, winner)])))
    assert [(f.rule, f.name, f.severity) for f in found] == [
        ("PL403", "shadowed-setting", Severity.WARNING)
    ] * 2
    assert [(f.location, f.image, f.node, f.message) for f in found] == [
        (Location(DROPIN, 2, 15), "registry.k8s.io/pause:3.10", "worker-1",
         f"sandbox image registry.k8s.io/pause:3.10 here overrides registry.k8s.io/pause:3.9 "
         f"set at {MAIN}:465; keep one of them"),
        (Location(MAIN, 465, 15), "registry.k8s.io/pause:3.9", "worker-1",
         f"sandbox image registry.k8s.io/pause:3.9 here is not used: "
         f"registry.k8s.io/pause:3.10 at {DROPIN}:2 overrides it"),
    ]


def test_two_shadowed_values_give_two_pairs(context):
    first = _setting("registry.k8s.io/pause:3.6", MAIN, 10, effective=False)
    second = _setting("registry.k8s.io/pause:3.9", "etc/crio/crio.conf.d/00-a.conf", 3,
                      effective=False)
    winner = _setting("registry.k8s.io/pause:3.10", DROPIN, 2, effective=True)
    found = list(rule.check(context(nodes=[_node(first, second, winner)])))
    assert [(f.location.path, f.location.line) for f in found] == [
        (DROPIN, 2), (MAIN, 10), (DROPIN, 2), ("etc/crio/crio.conf.d/00-a.conf", 3),
    ]


def test_same_image_spelled_twice_is_not_reported(context):
    hidden = _setting("pause:3.9", MAIN, 465, effective=False)
    winner = _setting("docker.io/library/pause:3.9", DROPIN, 2, effective=True)
    assert list(rule.check(context(nodes=[_node(hidden, winner)]))) == []


def test_ignored_and_empty_values_are_not_shadowed(context):
    ignored = _setting("registry.k8s.io/pause:3.6", MAIN, 5, effective=False, ignored=True)
    empty = _setting("", MAIN, 465, effective=False)
    winner = _setting("registry.k8s.io/pause:3.10", DROPIN, 2, effective=True)
    assert list(rule.check(context(nodes=[_node(ignored, empty, winner)]))) == []


def test_no_effective_setting_no_finding(context):
    hidden = _setting("registry.k8s.io/pause:3.9", MAIN, 465, effective=False)
    assert list(rule.check(context(nodes=[_node(hidden)]))) == []
