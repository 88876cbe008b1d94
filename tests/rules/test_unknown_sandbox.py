"""Rules that need a node's effective sandbox image skip when it is unknown (issue 8 item 10).

A node whose runtime config (or an import of it) could not be parsed has a written
value that may be overridden and no default that may be assumed. The same facts, with
the config parsed, give the finding: so each row also shows what the skip replaces.
"""

from __future__ import annotations

import pytest

from pauselint.model import Component, ConfigFile, Location, NodeFacts, Role, Setting, Skip
from pauselint.rules import (
    pl202_pause_differs_from_kubeadm,
    pl203_registry_differs_from_image_repository,
    pl303_pod_infra_flag_mismatch,
    pl304_sandbox_not_pinned,
    pl404_runtime_default_used,
)

MAIN = "etc/containerd/config.toml"
IMPORT = "etc/containerd/conf.d/10-pause.toml"
REASON = f"sandbox image unknown: {IMPORT} could not be read"
WRITTEN = "registry.example.com/pause:3.10"
FLAG = Setting(Component.KUBELET, Role.POD_INFRA_FLAG, "--pod-infra-container-image",
               "registry.k8s.io/pause:3.9", Location("var/lib/kubelet/kubeadm-flags.env", 1, 40))


def node(parsed: bool, written: str | None) -> NodeFacts:
    setting = (Setting(Component.CONTAINERD, Role.SANDBOX_IMAGE, "sandbox_image", written,
                       Location(MAIN, 3, 19)) if written else None)
    files = (ConfigFile(MAIN, Component.CONTAINERD),
             ConfigFile(IMPORT, Component.CONTAINERD, parsed=parsed))
    return NodeFacts(name=None, runtime=Component.CONTAINERD, files=files,
                     sandbox_settings=(setting,) if setting else (), other_settings=(FLAG,),
                     effective_sandbox=setting, runtime_config_path=MAIN)


def uses_for(use_of, facts: NodeFacts, runtime: str) -> list:
    """The uses the engine builds: written values (not effective while unknown) and the
    default only where nothing is set and nothing is unknown."""
    unknown = facts.unread_config is not None
    uses = [use_of(FLAG.value, path=FLAG.location.path, line=1, column=40,
                   component=Component.KUBELET, role=Role.POD_INFRA_FLAG)._replace(node=facts)]
    if facts.effective_sandbox is not None:
        uses.append(use_of(facts.effective_sandbox.value, line=3, column=19,
                           effective=not unknown)._replace(node=facts))
    elif not unknown:
        default = "registry.k8s.io/pause:3.8" if runtime.startswith("containerd=1") else \
            "registry.k8s.io/pause:3.10"
        uses.append(use_of(default, path=MAIN, line=None, column=None,
                           origin="default")._replace(node=facts))
    return uses


@pytest.mark.parametrize(
    ("rule", "written", "runtime", "extra"),
    [
        (pl202_pause_differs_from_kubeadm, WRITTEN, "containerd=1.7.20", {}),
        (pl203_registry_differs_from_image_repository, WRITTEN, "containerd=1.7.20",
         {"image_repository": "mirror.example.com/k8s"}),
        (pl303_pod_infra_flag_mismatch, WRITTEN, "containerd=1.7.20", {}),
        (pl304_sandbox_not_pinned, "pause:3.10", "containerd=2.0.0", {}),
        (pl404_runtime_default_used, None, "containerd=1.7.20", {}),
    ],
    ids=["PL202", "PL203", "PL303", "PL304", "PL404"],
)
def test_unknown_sandbox_skips_with_the_file(context, use_of, rule, written, runtime, extra):
    read = node(True, written)
    known = list(rule.check(context(nodes=[read], images=uses_for(use_of, read, runtime),
                                    kubernetes="1.31", runtime=runtime, **extra)))
    assert [f.rule for f in known] == [rule.ID]  # what the unread file would have given

    unread = node(False, written)
    found = list(rule.check(context(nodes=[unread], images=uses_for(use_of, unread, runtime),
                                    kubernetes="1.31", runtime=runtime, **extra)))
    assert found == [Skip(rule=rule.ID, reason=REASON)]


def test_a_node_without_a_runtime_is_never_unknown() -> None:
    files = (ConfigFile("kubeadm.yaml", Component.KUBEADM, parsed=False),)
    assert NodeFacts(name=None, runtime=None, files=files).unread_config is None
