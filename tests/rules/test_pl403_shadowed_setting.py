"""PL403: an override with a different image is reported at both places."""

from __future__ import annotations

import pytest

from pauselint.model import Component, Location, NodeFacts, Role, Setting, Severity
from pauselint.rules import pl403_shadowed_setting as rule

MAIN = "etc/crio/crio.conf"
DROPIN = "etc/crio/crio.conf.d/10-pause.conf"
DIGEST_39 = "sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"
DIGEST_310 = "sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a"


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


@pytest.mark.parametrize(
    ("main", "dropin", "reported"),
    [
        ("pause:3.9", "docker.io/library/pause:3.9", False),
        # A digest on one side only pins the same tag: the same image (as PL202/PL303 say).
        ("registry.k8s.io/pause:3.10", f"registry.k8s.io/pause:3.10@{DIGEST_310}", False),
        (f"registry.k8s.io/pause:3.10@{DIGEST_310}", "Registry.K8s.io/pause:3.10", False),
        ("not an image!", " not an image! ", False),  # unparsable: compared as written
        # Docker Hub's pause is another image than registry.k8s.io's.
        ("pause:3.10", f"registry.k8s.io/pause:3.10@{DIGEST_310}", True),
        (f"registry.k8s.io/pause:3.10@{DIGEST_39}", f"registry.k8s.io/pause:3.10@{DIGEST_310}",
         True),
        (f"registry.k8s.io/pause@{DIGEST_310}", "registry.k8s.io/pause:3.10", True),
        ("not an image!", "registry.k8s.io/pause:3.10", True),
    ],
)
def test_same_image_is_not_reported(context, main, dropin, reported):
    hidden = _setting(main, MAIN, 465, effective=False)
    winner = _setting(dropin, DROPIN, 2, effective=True)
    found = list(rule.check(context(nodes=[_node(hidden, winner)])))
    assert [f.location for f in found] == (
        [Location(DROPIN, 2, 15), Location(MAIN, 465, 15)] if reported else []
    )


def test_place_without_a_path(context):
    hidden = _setting("registry.k8s.io/pause:3.9", MAIN, 465, effective=False)
    hidden = hidden._replace(location=Location(None, 465, 15))
    winner = _setting("registry.k8s.io/pause:3.10", DROPIN, 2, effective=True)
    [first, _second] = rule.check(context(nodes=[_node(hidden, winner)]))
    assert first.message == ("sandbox image registry.k8s.io/pause:3.10 here overrides "
                             "registry.k8s.io/pause:3.9 set at another input; keep one of them")


def test_ignored_and_empty_values_are_not_shadowed(context):
    ignored = _setting("registry.k8s.io/pause:3.6", MAIN, 5, effective=False, ignored=True)
    empty = _setting("", MAIN, 465, effective=False)
    winner = _setting("registry.k8s.io/pause:3.10", DROPIN, 2, effective=True)
    assert list(rule.check(context(nodes=[_node(ignored, empty, winner)]))) == []


def test_no_effective_setting_no_finding(context):
    hidden = _setting("registry.k8s.io/pause:3.9", MAIN, 465, effective=False)
    assert list(rule.check(context(nodes=[_node(hidden)]))) == []
