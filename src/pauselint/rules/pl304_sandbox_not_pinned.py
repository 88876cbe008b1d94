"""PL304 sandbox-not-pinned: the kubelet relies on the runtime to pin pause, and it will not.

What it finds
    On Kubernetes 1.29 or later, a node whose container runtime will not report its
    sandbox image as pinned:

    * containerd older than 1.6.22, or 1.7.0 to 1.7.2 (no pinning at all);
    * containerd 2.x whose sandbox setting (``pinned_images.sandbox``, or a migrated
      ``sandbox_image``) is not written as the exact fully qualified name containerd
      stores, e.g. ``Registry.K8s.io/pause:3.10`` instead of
      ``registry.k8s.io/pause:3.10``, a short name such as ``pause:3.10``, or a name
      without a tag;
    * CRI-O older than 1.28.0 (no ``pinned_images``).

    k3s, RKE2 and cri-dockerd nodes are not checked.

Why it breaks
    From Kubernetes 1.29 the kubelet no longer protects the pause image itself (its
    ``--pod-infra-container-image`` is ignored): it keeps an image from garbage
    collection only when the runtime reports it pinned. An unpinned pause image is
    deleted under disk pressure; where it cannot be pulled again (air gap, an image
    loaded with ``ctr import``, a private registry without credentials) the node stays
    Ready but no new pod starts (kubernetes/kubernetes#81756, rancher/rke2#1830,
    awslabs/amazon-eks-ami#2166). containerd 2.x pins by comparing the configured text
    with the stored name as plain strings, so a short name is never pinned.

How to fix
    Upgrade containerd to 1.6.22, 1.7.3 or later (or CRI-O to 1.28 or later). On
    containerd 2.x, write the sandbox image as its full normalized name with a tag
    (the finding's ``expected``). A Docker Hub short name of the pause image
    (``pause:3.10``) does not name the Kubernetes image at all: ``expected`` is then
    the Kubernetes image, as PL111 suggests (``registry.k8s.io/pause:3.10``).

Facts and sources
    ``kubelet.pins_via_cri_from`` (https://github.com/kubernetes/kubernetes/pull/118544;
    https://github.com/kubernetes/kubernetes/pull/123144: 1.29.0 is the first release to
    require the runtime's ``Image.pinned``), ``containerd.pins_sandbox`` ("Pinned image
    support", first in v1.6.22 and v1.7.3,
    https://github.com/containerd/containerd/commit/699d6701ae17bd3c12a7f86f5d9470cedf210169;
    exact compare in 2.x ``getLabels``, containerd/containerd
    internal/cri/server/images/image_pull.go @v2.0.0) and ``crio.pins_pause_from``
    (``pinned_images``, first in v1.28.0,
    https://github.com/cri-o/cri-o/commit/bbe9a7a2c5300a4548476204f86b1275f0c6cdeb) in
    data/compat.yaml. Skipped when the Kubernetes version or the runtime version is
    unknown, or the containerd version is newer than the table
    (``table.containerd_through``); silent before 1.29. The name check (containerd 2.x)
    is skipped for a node whose runtime config could not be read.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from packaging.version import Version

from pauselint.compat import minor_of
from pauselint.imageref import ImageRef
from pauselint.model import Component, Finding, Location, NodeFacts, Severity, Skip
from pauselint.rules.framework import (
    KUBERNETES_UNKNOWN,
    RuleContext,
    RuntimeInfo,
    finding,
    sandbox_unknown,
)
from pauselint.rules.images import is_docker_hub_short_ref, kubernetes_image, unpublished

ID = "PL304"
NAME = "sandbox-not-pinned"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]

_CHECKED = (Component.CONTAINERD, Component.CRIO)


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report runtimes that will not pin the sandbox image for a kubelet that needs it."""
    nodes = [n for n in ctx.nodes if n.runtime in _CHECKED]
    if not nodes:
        return
    if ctx.kubernetes is None:
        yield Skip(rule=ID, reason=KUBERNETES_UNKNOWN)
        return
    if minor_of(ctx.kubernetes) < minor_of(ctx.table.kubelet_pins_via_cri_from):
        return
    reasons: list[str] = []
    for node in nodes:
        info = ctx.runtime_for(node.runtime)
        reason = _unknown_runtime(ctx, node, info)
        if info is None or reason is not None:
            if reason is not None and reason not in reasons:
                reasons.append(reason)
            continue
        if node.runtime is Component.CONTAINERD:
            yield from _containerd(ctx, node, info, ctx.kubernetes)
        else:
            yield from _crio(ctx, node, info, ctx.kubernetes)
    for reason in reasons:
        yield Skip(rule=ID, reason=reason)


def _unknown_runtime(ctx: RuleContext, node: NodeFacts, info: RuntimeInfo | None) -> str | None:
    """Why this node's runtime cannot be judged (version not given, or newer than the
    table: a later containerd may pin differently), or None."""
    name = node.runtime.value if node.runtime else "the runtime"
    if info is None:
        return (f"runtime version unknown: cannot tell whether {name} pins the sandbox "
                f"image (use --runtime-version {name}=X)")
    if node.runtime is Component.CONTAINERD and not ctx.table.known_containerd(info.version):
        return (f"containerd {info.text} is newer than the compat table ({ctx.table.date}): "
                f"cannot tell whether it pins the sandbox image")
    return None


def _relies(ctx: RuleContext, kubernetes: Version) -> str:
    return (f"kubelet {kubernetes} keeps the pause image from garbage collection only when "
            f"the runtime pins it (from {ctx.table.kubelet_pins_via_cri_from}), so under disk "
            f"pressure it can be deleted and, where it cannot be pulled again, no pod starts")


def _where(ctx: RuleContext, node: NodeFacts) -> tuple[Location, str | None, bool]:
    """Where to report (the effective setting, else the config file), the image, and
    whether that image is a written setting (False: the runtime's built-in default)."""
    setting = node.effective_sandbox
    if sandbox_unknown(node) is not None:
        return Location(node.runtime_config_path), None, False
    if setting is not None:
        return setting.location, setting.value, True
    default = next((u.ref.original for u in ctx.images
                    if u.node == node and u.origin == "default"), None)
    return Location(node.runtime_config_path), default, False


def _containerd(ctx: RuleContext, node: NodeFacts, info: RuntimeInfo,
                kubernetes: Version) -> Iterator[Finding]:
    table = ctx.table
    location, value, written = _where(ctx, node)
    pinning = table.containerd_pinning(info.version)
    if pinning is None:
        first = table.containerd_pinning_from(info.version)
        upgrade = f"upgrade containerd to {first} or later" if first else "upgrade containerd"
        yield finding(
            _RULE,
            f"containerd {info.text} does not pin the sandbox image, but "
            f"{_relies(ctx, kubernetes)}; {upgrade}",
            location=location, image=value, node=node.name, fix=upgrade,
        )
        return
    if pinning.normalizes_name:
        return
    unknown = sandbox_unknown(node)
    if unknown is not None:
        yield Skip(rule=ID, reason=unknown)  # whether the name is the pinned one is unknown
        return
    if not written or value is None:
        return  # a built-in default is always written fully qualified
    ref = table.parse(value)
    if ref is None:
        return  # not an image reference: reported as an input error
    short = is_docker_hub_short_ref(ref, table)
    if ref.tag is None and ref.digest is None:
        if short:
            expected = _kubernetes_image(ctx, ref)
        else:
            expectation = table.kubeadm_expectation(kubernetes)
            expected = f"{ref.name}:{expectation.pause}" if expectation else None
        yield finding(
            _RULE,
            f"containerd {info.text} pins the sandbox image only when it is written exactly "
            f"as the name it stores, and {value} has no tag, so it is never pinned: "
            f"{_relies(ctx, kubernetes)}; write the full name with a tag"
            + (f", e.g. {expected}" if expected else ""),
            location=location, image=value, node=node.name, expected=expected,
            fix=f"use {expected}" if expected else None,
        )
        return
    stored = ref.normalized()
    if stored == value.strip():
        return
    if short:
        # The stored name would be Docker Hub's image, not the Kubernetes pause image:
        # suggest what PL111 suggests.
        expected = _kubernetes_image(ctx, ref)
        yield finding(
            _RULE,
            f"containerd {info.text} pins the sandbox image only when it is written exactly "
            f"as the name it stores, so {value} (a short name for {stored} on Docker Hub, "
            f"not the Kubernetes pause image) is never pinned: {_relies(ctx, kubernetes)}; "
            + (f"use {expected}" if expected else "write the Kubernetes image's full name"),
            location=location, image=value, node=node.name, expected=expected,
            fix=f"use {expected}" if expected else None,
        )
        return
    yield finding(
        _RULE,
        f"containerd {info.text} pins the sandbox image only when it is written exactly as "
        f"the name it stores, {stored}, so {value} is never pinned: "
        f"{_relies(ctx, kubernetes)}; use {stored}",
        location=location, image=value, node=node.name, expected=stored,
        fix=f"use {stored}",
    )


def _kubernetes_image(ctx: RuleContext, ref: ImageRef) -> str | None:
    """PL111's replacement for a Docker Hub short name: the Kubernetes image, or None
    when its repository does not carry the tag."""
    if unpublished(ctx, ref.tag) is not None:
        return None
    return kubernetes_image(ctx, ref.tag, ref.digest)


def _crio(ctx: RuleContext, node: NodeFacts, info: RuntimeInfo,
          kubernetes: Version) -> Iterator[Finding]:
    table = ctx.table
    if table.crio_pins_pause(info.version):
        return
    location, value, _written = _where(ctx, node)
    upgrade = f"upgrade CRI-O to {table.crio_pins_pause_from} or later"
    yield finding(
        _RULE,
        f"CRI-O {info.text} does not pin its pause image (pinned_images came in CRI-O "
        f"{table.crio_pins_pause_from}), but {_relies(ctx, kubernetes)}; {upgrade}",
        location=location, image=value, node=node.name, fix=upgrade,
    )
