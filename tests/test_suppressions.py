"""Inline `# pauselint: disable=` comments: where they are found and what they silence."""

from __future__ import annotations

import pytest

from pauselint.model import Finding, Location, Severity, Suppression
from pauselint.suppressions import apply_suppressions, find_suppressions

CONTAINERD = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  # pauselint: disable=PL201 -- the vendor pins 3.6 until their 2025.2 release
  sandbox_image = "registry.k8s.io/pause:3.6"
  snapshotter = "overlayfs"  # pauselint: disable=PL401,PL403
  note = "see # pauselint: disable=PL999 in the wiki"
  other = 'literal # pauselint: disable=PL998'
"""

KUBEADM = """apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: v1.29.3
imageRepository: registry.example.com/k8s # pauselint: disable=PL203
description: it's here # pauselint: disable=PL103
"""

ENV = """# pauselint: disable=PL301 -- removed on the 1.35 upgrade, ticket OPS-12
KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9"
KUBELET_EXTRA_ARGS="--node-ip=10.0.0.4 # pauselint: disable=PL302"
"""

SYSTEMD = """[Service]
; pauselint: disable=PL302
Environment="KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9"
ExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS #pauselint:disable = PL301
"""


@pytest.mark.parametrize(("text", "expected"), [
    (CONTAINERD, [
        Suppression("c.toml", 3, ("PL201",), "the vendor pins 3.6 until their 2025.2 release",
                    standalone=True),
        Suppression("c.toml", 5, ("PL401", "PL403"), None),
    ]),
    (KUBEADM, [
        Suppression("c.toml", 4, ("PL203",), None),
        Suppression("c.toml", 5, ("PL103",), None),
    ]),
    (ENV, [
        Suppression("c.toml", 1, ("PL301",), "removed on the 1.35 upgrade, ticket OPS-12",
                    standalone=True),
    ]),
    (SYSTEMD, [
        Suppression("c.toml", 2, ("PL302",), None, standalone=True),
        Suppression("c.toml", 4, ("PL301",), None),
    ]),
], ids=["toml", "yaml", "env", "systemd"])
def test_find_suppressions_in_each_format(text: str, expected: list[Suppression]) -> None:
    assert list(find_suppressions("c.toml", text)) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("x = 1 # pauselint: disable=PL302", ("PL302",)),
    ("x = 1 #pauselint:disable=PL302", ("PL302",)),
    ("x = 1 #  pauselint :  disable = PL302 , PL303", ("PL302", "PL303")),
    ("x = 1 ## pauselint: disable=pl302", ("PL302",)),
    ("x = 1 # pauselint: disable=PL302 PL303", ("PL302", "PL303")),
    ("x = 1 # pauselint: disable=PL302,PL302", ("PL302",)),
    # Malformed ids are kept as written, so they surface as unused.
    ("x = 1 # pauselint: disable=PL30,all", ("PL30", "all")),
    ("x = 1 # pauselint: disable=", ()),
    ("x = 1 # pauselint: disabel=PL302", ()),
    ("x = 1 # PAUSELINT: DISABLE=PL302", ("PL302",)),
])
def test_directive_spelling(line: str, expected: tuple[str, ...]) -> None:
    assert find_suppressions("f", line) == (Suppression("f", 1, expected, None),)


@pytest.mark.parametrize("line", [
    'x = "registry/pause:3.9 # pauselint: disable=PL302"',
    "x = 'a # pauselint: disable=PL302'",
    'x = "escaped \\" quote # pauselint: disable=PL302"',
    "# see mypauselint: disable=PL302",
    "# TODO pauselint: disable=PL302",
    "x = 1 # pauselint disable=PL302",
    "x = 1 ; pauselint: disable=PL302",
    "# pauselint-disable=PL302",
])
def test_not_a_suppression(line: str) -> None:
    assert find_suppressions("f", line) == ()


def test_reason_after_double_dash() -> None:
    found = find_suppressions("f", "x = 1  # pauselint: disable=PL302, PL303 -- kubelet 1.26 still reads it -- see #12\n")
    assert found == (Suppression("f", 1, ("PL302", "PL303"), "kubelet 1.26 still reads it -- see #12"),)


def test_empty_reason_is_none() -> None:
    assert find_suppressions("f", "x = 1 # pauselint: disable=PL302 --") == (
        Suppression("f", 1, ("PL302",), None),)


def test_comment_inside_toml_multiline_string_is_not_taken() -> None:
    text = 'a = """\n# pauselint: disable=PL101\n"""  # pauselint: disable=PL104\nb = 1\n'
    assert find_suppressions("f", text) == (Suppression("f", 3, ("PL104",), None),)


def test_literal_multiline_string_too() -> None:
    text = "a = '''\nx # pauselint: disable=PL101\n'''\n# pauselint: disable=PL102\n"
    assert find_suppressions("f", text) == (Suppression("f", 4, ("PL102",), None, standalone=True),)


def finding(rule: str, line: int | None, path: str = "c.toml") -> Finding:
    return Finding(rule, "name", Severity.WARNING, "message", Location(path, line, 3))


def test_trailing_and_line_above_suppress_their_findings() -> None:
    sups = find_suppressions("c.toml", CONTAINERD)
    pl201 = finding("PL201", 4)  # under the own-line comment on line 3
    pl403 = finding("PL403", 5)  # on the line with the trailing comment
    pl401 = finding("PL401", 5)
    kept, unused = apply_suppressions([pl201, pl403, pl401], sups)
    assert kept == []
    assert unused == []


def test_other_rule_on_the_same_line_is_kept() -> None:
    sups = find_suppressions("c.toml", CONTAINERD)
    pl101 = finding("PL101", 4)
    kept, unused = apply_suppressions([pl101, finding("PL201", 4)], sups)
    assert kept == [pl101]
    assert unused == [Suppression("c.toml", 5, ("PL401", "PL403"), None)]


def test_unused_reports_only_the_ids_that_matched_nothing() -> None:
    sups = find_suppressions("c.toml", CONTAINERD)
    kept, unused = apply_suppressions([finding("PL201", 4), finding("PL403", 5)], sups)
    assert kept == []
    assert unused == [Suppression("c.toml", 5, ("PL401",), None)]


def test_two_lines_below_is_not_covered() -> None:
    sups = find_suppressions("c.toml", CONTAINERD)
    late = finding("PL201", 5)  # the comment on line 3 covers 3 and 4 only
    kept, unused = apply_suppressions([late], sups)
    assert kept == [late]
    assert [s.line for s in unused] == [3, 5]


def test_other_file_and_lineless_findings_are_kept() -> None:
    sups = (Suppression("a.toml", 4, ("PL201",)),)
    elsewhere = finding("PL201", 4, path="b.toml")
    lineless = finding("PL201", None, path="a.toml")
    kept, unused = apply_suppressions([elsewhere, lineless], sups)
    assert kept == [elsewhere, lineless]
    assert unused == list(sups)


def test_paths_compare_normalised() -> None:
    sups = (Suppression("./etc/containerd/config.toml", 4, ("PL201",)),)
    kept, unused = apply_suppressions([finding("PL201", 4, path="etc/containerd/config.toml")], sups)
    assert (kept, unused) == ([], [])


def test_malformed_directive_is_always_unused() -> None:
    sups = find_suppressions("f", "x = 1 # pauselint: disable-PL302\n")
    kept, unused = apply_suppressions([finding("PL302", 1, path="f")], sups)
    assert kept == [finding("PL302", 1, path="f")]
    assert unused == [Suppression("f", 1, (), None)]


def test_one_suppression_covers_several_findings_of_its_rule() -> None:
    sups = (Suppression("c.toml", 3, ("PL104",), standalone=True),)
    kept, unused = apply_suppressions([finding("PL104", 3), finding("PL104", 4)], sups)
    assert (kept, unused) == ([], [])


def test_trailing_comment_does_not_reach_the_next_line() -> None:
    text = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"] # pauselint: disable=PL103\n'
            '  sandbox_image = "registry.k8s.io/pause:3.9"\n')
    sups = find_suppressions("c.toml", text)
    assert sups == (Suppression("c.toml", 2, ("PL103",), None, standalone=False),)
    below = finding("PL103", 3)
    kept, unused = apply_suppressions([below], sups)
    assert kept == [below]
    assert unused == list(sups)


def test_comment_alone_on_its_line_covers_the_next() -> None:
    text = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  # pauselint: disable=PL103\n'
            '  sandbox_image = "registry.k8s.io/pause:3.9"\n')
    sups = find_suppressions("c.toml", text)
    assert sups == (Suppression("c.toml", 3, ("PL103",), None, standalone=True),)
    assert apply_suppressions([finding("PL103", 4)], sups) == ([], [])
