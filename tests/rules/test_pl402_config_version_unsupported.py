"""PL402: containerd config versions the installed containerd cannot load."""

from __future__ import annotations

import pytest

from pauselint.model import Component, Location, NodeFacts, Severity, Skip
from pauselint.rules import pl402_config_version_unsupported as rule

PATH = "etc/containerd/config.toml"


def _node(version, runtime=Component.CONTAINERD):
    return NodeFacts(
        name=None, runtime=runtime, config_version=version,
        config_version_location=Location(PATH, 1, 11) if version is not None else None,
        runtime_config_path=PATH,
    )


@pytest.mark.parametrize(
    ("runtime", "version", "message"),
    [
        ("1.7.20", 3, "containerd 1.7.20 refuses to start with `version = 3` (the max version "
                      "is 2): write the file for `version = 2` (`version = 3` needs containerd "
                      "2.0.0)"),
        ("1.6.32", 4, "containerd 1.6.32 refuses to start with `version = 4` (the max version "
                      "is 2): write the file for `version = 2` (`version = 4` needs containerd "
                      "2.3.0)"),
        ("1.6.10", 3, "containerd 1.6.10 does not know config `version = 3` (containerd 2.0.0 "
                      "or later does): it reads the file as version 2, so its version 3 "
                      "sandbox key (pinned_images.sandbox) is not applied; regenerate the "
                      "file with `containerd config default` or upgrade containerd"),
        # 2.0-2.2 load at most version 3 (version/version.go ConfigVersion): a refusal.
        ("2.2.1", 4, "containerd 2.2.1 refuses to start with `version = 4` (the max version "
                     "is 3): write the file for `version = 3` (`version = 4` needs containerd "
                     "2.3.0)"),
    ],
)
def test_fires(context, runtime, version, message):
    found = list(rule.check(context(nodes=[_node(version)], runtime=f"containerd={runtime}")))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL402", "config-version-unsupported", Severity.ERROR)
    assert f.location == Location(PATH, 1, 11)
    assert f.message == message


@pytest.mark.parametrize(
    ("runtime", "version"),
    [("1.7.20", 2), ("2.0.0", 3), ("2.3.0", 4), ("2.3.0", 2), ("1.7.16", 2), ("1.3.0", 2)],
)
def test_silent(context, runtime, version):
    ctx = context(nodes=[_node(version)], runtime=f"containerd={runtime}")
    assert list(rule.check(ctx)) == []


def test_no_version_line_needs_no_runtime_version(context):
    assert list(rule.check(context(nodes=[_node(None)]))) == []


def test_skips_without_containerd_version(context):
    found = list(rule.check(context(nodes=[_node(3)], runtime="cri-o=1.31.0")))
    assert found == [Skip(
        rule="PL402",
        reason="containerd version unknown: cannot tell whether it reads the config version "
        "(use --runtime-version containerd=X)",
    )]
