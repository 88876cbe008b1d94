"""PL203 registry-differs-from-image-repository: the sandbox image is off kubeadm's registry.

What it finds
    A kubeadm ClusterConfiguration sets ``imageRepository`` (a mirror or a private
    registry such as ``localhost:5000`` or
    ``registry.cn-hangzhou.aliyuncs.com/google_containers``), but the sandbox image the
    container runtime really uses -- its effective setting, or its built-in default
    when nothing is set -- is not under that repository (for example containerd's
    ``registry.k8s.io/pause:3.6``). Names are compared normalized, so ``pause:3.9``
    is ``docker.io/library/pause:3.9``.

Why it breaks
    kubeadm pulls every control-plane image from ``imageRepository``, but the pause
    image is pulled by the runtime, from the name in the runtime's own configuration.
    In a restricted or air-gapped network the API server, etcd and CoreDNS images
    pull fine while every pod sandbox fails with an image pull error, and the kubelet
    never gets a static pod running (kubernetes/kubeadm#2801,
    kubernetes/kubernetes#122577).

How to fix
    Set the runtime's sandbox image to ``<imageRepository>/pause:<version kubeadm
    expects>`` (``pinned_images.sandbox`` for containerd config version 3+,
    ``sandbox_image`` for version 2, ``pause_image`` under ``[crio.image]``), and
    make sure the registry carries that tag.

Facts and sources
    ``kubeadm.pause_image_name`` and ``kubeadm.pause_versions`` in data/compat.yaml
    (kubeadm expects ``<imageRepository>/pause:<PauseVersion>``, and its preflight,
    kubernetes/kubernetes cmd/kubeadm/app/preflight/checks.go, compares the same two
    values); incidents https://github.com/kubernetes/kubeadm/issues/2801 and
    https://github.com/kubernetes/kubernetes/issues/122577. Without a Kubernetes version
    the fix keeps the image's own tag. Skipped for a node whose runtime config (or a
    file it imports) could not be read: its sandbox image is unknown, not unset.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.display import shown
from pauselint.imageref import ImageRefError, normalize_prefix
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import (
    ImageUse,
    RuleContext,
    finding,
    is_effective_sandbox,
    location_text,
    unknown_sandbox_skips,
)

ID = "PL203"
NAME = "registry-differs-from-image-repository"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report each effective sandbox image that is not under kubeadm's imageRepository."""
    repository = ctx.image_repository
    if repository is None:
        return
    yield from unknown_sandbox_skips(ctx, ID)
    # By role: the sandbox is pulled from wherever the value names, whatever its name.
    uses = [u for u in ctx.images if is_effective_sandbox(u)]
    if not uses:
        return
    try:
        prefix = normalize_prefix(repository)
    except ImageRefError as err:
        yield Skip(rule=ID, reason=f"kubeadm imageRepository {shown(repository)} is not a registry "
                                   f"prefix: {err}")
        return
    written = repository.strip().rstrip("/")
    where = location_text(ctx.image_repository_location, "the kubeadm configuration")
    for use in uses:
        if use.ref.name.startswith(prefix + "/"):
            continue
        expected = _expected(ctx, use, written)
        what = "built-in default sandbox image" if use.origin == "default" else "sandbox image"
        yield finding(
            _RULE,
            f"the runtime's {what} {use.ref.original} is not under kubeadm imageRepository "
            f"{written} (set at {where}): in a restricted network the sandbox pull fails "
            f"while every other control-plane image pulls from {written}"
            + (f"; use {expected}" if expected else ""),
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )


def _expected(ctx: RuleContext, use: ImageUse, repository: str) -> str | None:
    """``<imageRepository>/pause:<kubeadm's tag for the target, else the image's own>``."""
    if ctx.kubernetes is not None:
        expectation = ctx.table.kubeadm_expectation(ctx.kubernetes, repository)
        if expectation is not None:
            return expectation.image
    if use.ref.tag is None:
        return None
    return f"{repository}/{ctx.table.kubeadm_pause_name}:{use.ref.tag}"
