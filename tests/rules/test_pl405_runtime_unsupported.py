"""PL405: runtimes too old (or the wrong CRI-O minor) for the target Kubernetes."""

from __future__ import annotations

import pytest

from pauselint.model import Component, Location, NodeFacts, Severity, Skip
from pauselint.rules import pl405_runtime_unsupported as rule

E, W = Severity.ERROR, Severity.WARNING


@pytest.mark.parametrize(
    ("runtime", "kubernetes", "severity", "message"),
    [
        ("containerd=1.6.10", "1.27", E,
         "containerd 1.6.10 lacks the CRI v1 API that Kubernetes 1.26 and later require "
         "(target 1.27): upgrade to containerd 1.6.15 or later"),
        ("containerd=1.5.18", "1.26", E,
         "containerd 1.5.18 lacks the CRI v1 API that Kubernetes 1.26 and later require "
         "(target 1.26): upgrade to containerd 1.6.15 or later"),
        ("containerd=1.7.20", "1.36", E,
         "containerd 1.7.20 is a 1.x release, which Kubernetes 1.36 and later do not support "
         "(target 1.36): upgrade to containerd 2.2.0 or later"),
        ("containerd=1.7.28", "1.38", E,
         "containerd 1.7.28 is a 1.x release, which Kubernetes 1.36 and later do not support "
         "(target 1.38): upgrade to a newer containerd major release"),
        ("containerd=2.0.0", "1.32", W,
         "containerd 2.0.0 is below 2.0.1, the oldest 2.0 release supported with "
         "Kubernetes 1.32: upgrade to containerd 2.0.1 or later"),
        ("containerd=1.7.20", "1.32", W,
         "containerd 1.7.20 is below 1.7.24, the oldest 1.7 release supported with "
         "Kubernetes 1.32: upgrade to containerd 1.7.24 or later"),
        ("containerd=1.6.39", "1.35", W,
         "containerd 1.6.39 is on the 1.6 line, which containerd does not support with "
         "Kubernetes 1.35: upgrade to containerd 1.7.28 or later"),
        ("containerd=2.0.6", "1.35", W,
         "containerd 2.0.6 is on the 2.0 line, which containerd does not support with "
         "Kubernetes 1.35: upgrade to containerd 2.1.5 or later"),
        ("cri-o=1.30.4", "1.31", W,
         "cri-o 1.30.4 does not match Kubernetes 1.31: CRI-O minors follow Kubernetes "
         "minors, use CRI-O 1.31.x"),
    ],
)
def test_fires(context, runtime, kubernetes, severity, message):
    found = list(rule.check(context(runtime=runtime, kubernetes=kubernetes)))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == ("PL405", "runtime-unsupported", severity)
    assert f.location == Location(None)
    assert f.message == message


@pytest.mark.parametrize(
    ("runtime", "kubernetes"),
    [
        ("containerd=2.3.0", "1.32"),  # a line newer than every listed one
        ("containerd=2.0.1", "1.32"),
        ("containerd=1.7.28", "1.35"),
        ("containerd=1.6.4", "1.25"),  # CRI v1 not required yet
        ("cri-o=1.31.2", "1.31.5"),
    ],
)
def test_silent(context, runtime, kubernetes):
    assert list(rule.check(context(runtime=runtime, kubernetes=kubernetes))) == []


def test_located_at_the_nodes_runtime_config(context):
    node = NodeFacts(name="n1", runtime=Component.CONTAINERD,
                     runtime_config_path="etc/containerd/config.toml")
    found = list(rule.check(context(nodes=[node], runtime="containerd=1.7.20",
                                    kubernetes="1.36")))
    assert [(f.location, f.node, f.severity) for f in found] == [
        (Location("etc/containerd/config.toml", None, None), "n1", E)
    ]


@pytest.mark.parametrize(
    ("runtime", "kubernetes", "reason"),
    [
        ("containerd=2.3.0", None, "Kubernetes version unknown (use --kubernetes-version)"),
        (None, "1.31", "containerd version unknown (use --runtime-version containerd=X)"),
        ("containerd=2.3.0", "1.37",
         "Kubernetes 1.37 is not in the compat table's containerd support matrix (2026-12-04)"),
    ],
)
def test_skips(context, runtime, kubernetes, reason):
    node = NodeFacts(name=None, runtime=Component.CONTAINERD)
    found = list(rule.check(context(nodes=[node], runtime=runtime, kubernetes=kubernetes)))
    assert found == [Skip(rule="PL405", reason=reason)]


def test_nothing_to_judge_no_skip(context):
    assert list(rule.check(context(kubernetes=None))) == []
