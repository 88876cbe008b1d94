"""PL302 pod-infra-flag-deprecated: a kubelet flag that does nothing now and breaks later.

What it finds
    ``--pod-infra-container-image`` given to a kubelet of Kubernetes 1.24 to 1.34,
    wherever it is set (``kubeadm-flags.env``, ``KUBELET_EXTRA_ARGS``, systemd units
    and drop-ins, k3s/RKE2 ``kubelet-arg``, kubeadm ``kubeletExtraArgs``).

Why it breaks
    With a CRI runtime (containerd, CRI-O) the flag never chose the sandbox image: the
    runtime's own setting does, so a value here misleads whoever reads it
    (kubernetes/kubernetes#62732, #86081). The flag is deprecated since 1.24 and
    removed in 1.35, where a kubelet given it refuses to start (PL301), so it turns
    into an outage at the next upgrade.

How to fix
    Remove the flag, and set the sandbox image in the runtime's configuration
    (containerd ``pinned_images.sandbox`` / ``sandbox_image``, CRI-O ``pause_image``).
    Before Kubernetes 1.29 the flag still tells the kubelet's image garbage collector
    which image to keep: until then keep it equal to the runtime's image (PL303) and
    remove it with the kubelet upgrade to 1.29 or later.

Facts and sources
    ``kubelet.pod_infra_flag_deprecated`` and ``kubelet.pod_infra_flag_removed`` in
    data/compat.yaml (https://github.com/kubernetes/kubernetes/pull/108045,
    kubernetes/kubernetes CHANGELOG/CHANGELOG-1.35.md,
    https://github.com/kubernetes/kubernetes/pull/133779) and
    ``kubelet.pins_via_cri_from``
    (https://github.com/kubernetes/kubernetes/pull/118544). Skipped when the Kubernetes
    version is unknown; silent before 1.24.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.compat import minor_of
from pauselint.display import cut
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import (
    IMAGE_VALUE_RULES,
    KUBERNETES_UNKNOWN,
    RuleContext,
    finding,
    pod_infra_flags,
)

ID = "PL302"
NAME = "pod-infra-flag-deprecated"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report every pod-infra flag on a kubelet that has it deprecated but not removed."""
    flags = pod_infra_flags(ctx.nodes)
    if not flags:
        return
    if ctx.kubernetes is None:
        yield Skip(rule=ID, reason=KUBERNETES_UNKNOWN)
        return
    deprecated, removed = ctx.table.pod_infra_deprecated, ctx.table.pod_infra_removed
    if not minor_of(deprecated) <= minor_of(ctx.kubernetes) < minor_of(removed):
        return
    flag = ctx.table.pod_infra_flag
    pins = ctx.table.kubelet_pins_via_cri_from
    pinned_by_runtime = minor_of(ctx.kubernetes) >= minor_of(pins)
    for node, setting in flags:
        advice = (
            "remove the flag and set the sandbox image in the runtime's configuration"
            if pinned_by_runtime else
            f"until kubelet {pins} it still protects that image from garbage collection, "
            f"so keep it equal to the runtime's sandbox image and remove it when the "
            f"kubelet reaches {pins}"
        )
        yield finding(
            _RULE,
            f"{flag}={cut(setting.value)} has no effect on the sandbox with CRI runtimes "
            f"(deprecated since kubelet {deprecated}) and is removed in {removed}, where "
            f"the kubelet refuses to start with it; {advice}",
            location=setting.location,
            image=setting.value,
            node=node.name,
            fix="remove the flag" if pinned_by_runtime else None,
            # A flag to remove: its image no longer matters.
            supersedes=IMAGE_VALUE_RULES if pinned_by_runtime else (),
        )
