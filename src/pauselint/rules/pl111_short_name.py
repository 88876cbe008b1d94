"""PL111 short-name: a pause image written without a registry host.

What it finds
    A pause image whose name has no registry host, such as ``pause:3.9``,
    ``library/pause:3.9`` or ``rancher/mirrored-pause:3.6``.

    Runtimes complete such names with Docker Hub: ``pause:3.9`` is
    ``docker.io/library/pause:3.9``, which is not the Kubernetes pause image at all.
    When the short name happens to be a Docker Hub copy the compat table knows
    (``rancher/mirrored-pause``), the finding only asks for the fully qualified name.
    The other image rules (PL101-PL109) stay quiet on a short name that is not in the
    table, because their facts are about the Kubernetes image, which it does not name.

Why it breaks
    ``docker.io/library/pause`` is not published by Kubernetes: the pull fails or, worse,
    fetches whatever someone put there. Even for a real copy, containerd 2.x pins the
    sandbox image against garbage collection only when the configured string equals the
    normalized name, so a short name leaves the pause image unprotected (see PL304).

How to fix
    Write the full name. For ``pause:<tag>``, use kubeadm's image repository for the
    target Kubernetes version (``registry.k8s.io/pause:3.9``), or the ``imageRepository``
    your kubeadm configuration sets; for a known copy, prefix ``docker.io/``.

Facts and sources
    Docker Hub completion follows distribution/reference normalize.go (see
    ``imageref.py``). The registry to use is ``kubeadm.default_image_repository`` in
    data/compat.yaml (registry.k8s.io from Kubernetes 1.25, and from 1.22.17, 1.23.15
    and 1.24.9: kubernetes.io blog of 2023-02-06,
    https://kubernetes.io/blog/2023/02/06/k8s-gcr-io-freeze-announcement/);
    containerd 2.x exact-name pinning is ``containerd.pins_sandbox`` (``getLabels``
    compares the configured name as an exact string:
    https://github.com/containerd/containerd/blob/v2.0.0/internal/cri/server/images/image_pull.go).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding
from pauselint.rules.images import is_docker_hub_short_name, kubernetes_image, unpublished

ID = "PL111"
NAME = "short-name"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report every pause image written without a registry host."""
    for use in ctx.images:
        if use.ref.explicit_registry:  # by role: any sandbox value, whatever its name
            continue
        full = use.ref.normalized()
        if is_docker_hub_short_name(use, ctx.table):
            expected = kubernetes_image(ctx, use.ref.tag, use.ref.digest)
            advice = f"; use {expected}" if expected else ""
            missing = unpublished(ctx, use.ref.tag)
            if missing is not None:
                expected = None
                advice = f"; and {missing} has no tag {use.ref.tag}"
            yield finding(
                _RULE,
                f"{use.ref.original} has no registry host, so it means {full} on Docker "
                f"Hub, not the Kubernetes pause image{advice}",
                use=use,
                expected=expected,
                fix=f"use {expected}" if expected else None,
            )
        else:
            yield finding(
                _RULE,
                f"{use.ref.original} has no registry host; write the full name {full}, "
                "the only one containerd 2.x pins against garbage collection",
                use=use,
                expected=full,
                fix=f"use {full}",
            )
