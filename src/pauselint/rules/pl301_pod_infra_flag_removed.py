"""PL301 pod-infra-flag-removed: the kubelet is given a flag it no longer has, and exits.

What it finds
    ``--pod-infra-container-image`` given to a kubelet of Kubernetes 1.35 or later,
    wherever it is set: ``/var/lib/kubelet/kubeadm-flags.env``, ``KUBELET_EXTRA_ARGS``
    in ``/etc/default/kubelet`` or ``/etc/sysconfig/kubelet``, systemd units and
    drop-ins, k3s/RKE2 ``kubelet-arg``, and kubeadm ``nodeRegistration.kubeletExtraArgs``.
    Every occurrence is reported, including one a later setting overrides: the kubelet
    parses every argument it is given.

Why it breaks
    The flag was removed in Kubernetes 1.35. A kubelet given it exits at start with
    ``failed to parse kubelet flag: unknown flag: --pod-infra-container-image``, so the
    node goes NotReady right after the kubelet upgrade. kubeadm 1.35 removes the flag
    from ``kubeadm-flags.env`` during ``kubeadm upgrade``, but not from
    ``kubeletExtraArgs``, and older kubeadm left stale values there
    (kubernetes/kubeadm#1927, kubernetes/kubeadm#3281).

How to fix
    Remove the flag before upgrading the kubelet. The sandbox image is chosen by the
    container runtime (containerd ``pinned_images.sandbox`` / ``sandbox_image``,
    CRI-O ``pause_image``); set it there.

Facts and sources
    ``kubelet.pod_infra_flag`` and ``kubelet.pod_infra_flag_removed`` in
    data/compat.yaml: kubernetes/kubernetes CHANGELOG/CHANGELOG-1.35.md, "Urgent Upgrade
    Notes"; https://github.com/kubernetes/kubernetes/pull/133779; the kubeadm side,
    https://github.com/kubernetes/kubernetes/pull/133778. Skipped when the Kubernetes
    version is unknown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.compat import minor_of
from pauselint.display import cut
from pauselint.model import Component, Finding, Severity, Skip
from pauselint.rules.framework import (
    IMAGE_VALUE_RULES,
    KUBERNETES_UNKNOWN,
    RuleContext,
    finding,
    pod_infra_flags,
)

ID = "PL301"
NAME = "pod-infra-flag-removed"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
# A kubelet that will not start makes every question about the flag's image moot.
SUPERSEDES = (*IMAGE_VALUE_RULES, "PL302", "PL303")
_RULE = sys.modules[__name__]

def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report every kubelet pod-infra flag once the target kubelet no longer has it."""
    flags = pod_infra_flags(ctx.nodes)
    if not flags:
        return
    if ctx.kubernetes is None:
        yield Skip(rule=ID, reason=KUBERNETES_UNKNOWN)
        return
    removed = ctx.table.pod_infra_removed
    if minor_of(ctx.kubernetes) < minor_of(removed):
        return
    flag = ctx.table.pod_infra_flag
    for node, setting in flags:
        kubeadm = (
            " (kubeadm upgrade does not strip it from nodeRegistration.kubeletExtraArgs)"
            if setting.component is Component.KUBEADM else ""
        )
        yield finding(
            _RULE,
            f"{flag}={cut(setting.value)} is given to kubelet {ctx.kubernetes}, but kubelet "
            f"{removed} and later exit with `failed to parse kubelet flag: unknown "
            f"flag: {flag}`; remove the flag{kubeadm}",
            location=setting.location,
            image=setting.value,
            node=node.name,
            fix="remove the flag",
        )
