"""PL303 pod-infra-flag-mismatch: the kubelet flag names another image than the runtime uses.

What it finds
    The effective ``--pod-infra-container-image`` value of a node's kubelet differs
    from the sandbox image the node's container runtime really uses (its effective
    setting, or its built-in default when nothing is set). Names are compared
    normalized (``pause:3.9`` is ``docker.io/library/pause:3.9``), and a digest after
    the same name and tag is the same image. Typical cause: ``kubeadm upgrade`` left
    an old value in ``/var/lib/kubelet/kubeadm-flags.env`` (kubernetes/kubeadm#1927).

Why it breaks
    With containerd or CRI-O the flag never chose the sandbox image
    (kubernetes/kubernetes#62732, #86081). Before Kubernetes 1.29 it had a second job:
    the kubelet's image garbage collector never deleted the image it names. When it
    names another image, the real pause image is unprotected: under disk pressure it
    is deleted, and if it cannot be pulled again (air gap, ``ctr import``, private
    registry) the node stays Ready but no pod starts (kubernetes/kubernetes#81756).
    From 1.29 the kubelet ignores the flag and relies on the runtime's pinning
    (PL304); the mismatch is then only drift that misleads whoever reads it.

How to fix
    Before Kubernetes 1.29, set the flag to exactly the runtime's sandbox image (the
    finding's ``expected``). From 1.29, remove the flag (it is removed in 1.35, PL301):
    the finding then has no ``expected`` image, only the fix "remove the flag".

Facts and sources
    ``kubelet.pins_via_cri_from`` in data/compat.yaml and, for runtime defaults,
    ``containerd.defaults`` / ``crio.defaults`` (each release's code default, e.g.
    https://github.com/containerd/containerd/blob/v2.0.0/internal/cri/config/config.go
    ``DefaultSandboxImage``; cri-o/cri-o pkg/config/config.go per tag). With a remote
    CRI runtime the flag never chose the sandbox image
    (https://github.com/kubernetes/kubernetes/issues/62388); it kept the image from the
    kubelet's garbage collection until
    https://github.com/kubernetes/kubernetes/pull/118544. Incidents:
    kubernetes/kubernetes#62732, #86081 and #81756, kubernetes/kubeadm#1927. Skipped for
    a node whose runtime configuration is missing, ambiguous or could not be read, or
    whose runtime default is unknown (runtime version not given).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.compat import minor_of
from pauselint.display import shown
from pauselint.model import Finding, NodeFacts, Severity, Skip
from pauselint.rules.framework import (
    IMAGE_VALUE_RULES,
    ImageUse,
    RuleContext,
    finding,
    is_effective_flag,
    is_effective_sandbox,
    same_image,
    sandbox_unknown,
)

ID = "PL303"
NAME = "pod-infra-flag-mismatch"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Compare each node's effective kubelet flag with its runtime's effective image."""
    reasons: list[str] = []
    for flag in ctx.images:
        if not is_effective_flag(flag):
            continue
        runtime_use = _runtime_image(ctx, flag.node)
        if isinstance(runtime_use, str):
            if runtime_use not in reasons:
                reasons.append(runtime_use)
            continue
        if same_image(flag.ref, runtime_use.ref):
            continue
        yield _mismatch(ctx, flag, runtime_use)
    for reason in reasons:
        yield Skip(rule=ID, reason=reason)


def _runtime_image(ctx: RuleContext, node: NodeFacts | None) -> ImageUse | str:
    """The node's runtime sandbox image use, or why it cannot be known."""
    if node is None or node.runtime is None:
        return ("kubelet --pod-infra-container-image found, but the inputs hold no single "
                "container runtime configuration for that node (none, or several): cannot "
                "compare it with the runtime's sandbox image")
    unknown = sandbox_unknown(node)
    if unknown is not None:
        return unknown
    for use in ctx.images:
        if use.node == node and is_effective_sandbox(use):
            return use
    runtime = node.runtime.value
    if node.effective_sandbox is not None:
        value = node.effective_sandbox.value
        return f"the {runtime} sandbox image {shown(value)} is not an image reference"
    info = ctx.runtime_for(node.runtime)
    if info is None:
        return (f"runtime version unknown: cannot tell which built-in default sandbox image "
                f"{runtime} uses (use --runtime-version {runtime}=X)")
    return (f"the built-in default sandbox image of {runtime} {info.text} is not in the "
            f"compat table ({ctx.table.date})")


def _mismatch(ctx: RuleContext, flag: ImageUse, runtime_use: ImageUse) -> Finding:
    table = ctx.table
    pins = table.kubelet_pins_via_cri_from
    runtime = runtime_use.component.value if runtime_use.component else "the runtime"
    image = runtime_use.ref.original
    if runtime_use.origin == "default":
        what = f"the built-in default {image} that {runtime} uses"
    else:
        what = f"{image} that {runtime} uses"
    head = (f"kubelet {table.pod_infra_flag}={flag.ref.original} differs from {what} for "
            f"pod sandboxes")
    gc = ("the kubelet's image garbage collector keeps only the flag's image, so the real "
          "pause image can be deleted under disk pressure and pods stop starting "
          "(kubernetes#81756)")
    if ctx.kubernetes is not None and minor_of(ctx.kubernetes) >= minor_of(pins):
        # The flag does nothing any more: the fix is to drop it, not to edit it.
        why = (f"kubelet {ctx.kubernetes} ignores the flag (the runtime pins the sandbox "
               f"image), so it only misleads")
        return finding(_RULE, f"{head}: {why}; remove the flag", use=flag,
                       fix="remove the flag", supersedes=IMAGE_VALUE_RULES)
    if ctx.kubernetes is None:
        why = f"before kubelet {pins}, {gc}; from {pins} the flag is ignored"
    else:
        why = f"before kubelet {pins}, {gc}"
    return finding(
        _RULE,
        f"{head}: {why}; use {image}",
        use=flag,
        expected=image,
        fix=f"use {image}",
    )
