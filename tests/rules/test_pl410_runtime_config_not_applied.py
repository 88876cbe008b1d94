"""PL410 runtime-config-not-applied: the running runtime's sandbox image vs its files.

The real daemons are in tests/containerd_real/test_node_live.py; here each way the
live answer can come (an image in Status, only pinned images, nothing) meets a node.
"""

from __future__ import annotations

import pytest

from pauselint.model import Component, LiveRuntime, NodeFacts, Skip
from pauselint.rules import pl410_runtime_config_not_applied as rule

NODE = NodeFacts(name="n1", runtime=Component.CONTAINERD)
ENDPOINT = "unix:///run/containerd/containerd.sock"


def live(**kw) -> LiveRuntime:
    return LiveRuntime(**{"endpoint": ENDPOINT, "name": "containerd", "version": "1.7.24",
                          **kw})


def run(context, use_of, image: str, running: LiveRuntime | None, **kw) -> list:
    use = use_of(image)._replace(node=NODE, node_name="n1")
    return list(rule.check(context(images=[use], nodes=[NODE], live=running, **kw)))


def test_nothing_outside_node_mode(context, use_of) -> None:
    assert run(context, use_of, "registry.k8s.io/pause:3.10", None) == []


def test_a_runtime_that_could_not_be_asked_is_a_skip(context, use_of) -> None:
    found = run(context, use_of, "registry.k8s.io/pause:3.10", None,
                live_unread="no CRI socket at /run/containerd/containerd.sock")
    assert found == [Skip("PL410", "the running runtime could not be asked: no CRI socket at "
                                   "/run/containerd/containerd.sock")]


def test_the_same_image_however_spelled_is_quiet(context, use_of) -> None:
    running = live(sandbox_image="registry.k8s.io/pause:3.10@sha256:" + "a" * 64,
                   sandbox_image_from="CRI Status(verbose) config.sandboxImage")
    assert run(context, use_of, "registry.k8s.io/pause:3.10", running) == []


def test_a_different_running_image_names_both_and_the_restart(context, use_of) -> None:
    running = live(sandbox_image="registry.k8s.io/pause:3.9",
                   sandbox_image_from="CRI Status(verbose) config.sandboxImage")
    [found] = run(context, use_of, "registry.k8s.io/pause:3.10", running)
    assert found.rule == "PL410" and found.location.line == 3
    assert found.message == (
        "the running containerd 1.7.24 uses sandbox image registry.k8s.io/pause:3.9 (CRI "
        "Status(verbose) config.sandboxImage), but its configuration says "
        "registry.k8s.io/pause:3.10 (set at etc/containerd/config.toml:3): the file changed "
        "after containerd started, or it is not where containerd reads it; restart "
        "containerd (systemctl restart containerd) to apply it")
    assert found.fix == "restart containerd (systemctl restart containerd)"


@pytest.mark.parametrize(("pinned", "fires"), [
    (("registry.k8s.io/pause:3.10",), False),
    (("docker.io/library/busybox:1.36", "registry.k8s.io/pause:3.9"), True),
])
def test_containerd_2_is_judged_by_what_it_pins(context, use_of, pinned, fires) -> None:
    running = live(version="2.1.9", pinned_images=pinned,
                   not_reported=("containerd 2.x reports no sandbox image in CRI Status",))
    found = run(context, use_of, "registry.k8s.io/pause:3.10", running)
    assert [f.rule for f in found] == (["PL410"] if fires else [])
    if fires:
        assert "pins docker.io/library/busybox:1.36, registry.k8s.io/pause:3.9" in found[0].message


def test_containerd_2_pinning_nothing_cannot_be_told(context, use_of) -> None:
    running = live(version="2.1.9",
                   not_reported=("containerd 2.x reports no sandbox image in CRI Status",))
    [skip] = run(context, use_of, "registry.k8s.io/pause:3.10", running)
    assert skip == Skip("PL410", "containerd 2.x reports no sandbox image in CRI Status, and "
                                 "pins no image yet: the running sandbox image cannot be "
                                 "compared with the files")


def test_crio_is_told_to_reload(context, use_of) -> None:
    node = NodeFacts(name="n1", runtime=Component.CRIO)
    use = use_of("registry.k8s.io/pause:3.10", path="etc/crio/crio.conf",
                 component=Component.CRIO)._replace(node=node, node_name="n1")
    running = LiveRuntime(ENDPOINT, "cri-o", "1.36.3", sandbox_image="registry.k8s.io/pause:3.9",
                          sandbox_image_from="CRI Status(verbose) config.sandboxImage")
    [found] = rule.check(context(images=[use], nodes=[node], live=running))
    assert found.fix == "reload CRI-O (systemctl reload crio)"


def test_a_runtime_whose_files_are_not_read_is_said(context, use_of) -> None:
    running = LiveRuntime(ENDPOINT, "docker", "27.0")
    [skip] = run(context, use_of, "registry.k8s.io/pause:3.10", running)
    assert "whose configuration files pauselint does not read" in skip.reason


def test_docstring_has_the_four_sections() -> None:
    for heading in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert heading in rule.__doc__
