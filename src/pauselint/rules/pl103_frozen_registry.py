"""PL103 frozen-registry: the pause image comes from a frozen registry.

What it finds
    A pause image on ``k8s.gcr.io`` (frozen since 2023-04-03) or
    ``gcr.io/google_containers`` (the Google-owned store k8s.gcr.io pointed at until
    the July 2020 domain flip, which got nothing after it: its newest pause is 3.2),
    including their per-arch repositories such as ``k8s.gcr.io/pause-amd64``. The
    message names the repository's own freeze date.

Why it breaks
    Nothing new is published there: newer pause tags (3.10 and later on k8s.gcr.io,
    3.3 and later on gcr.io/google_containers) never reach it, so the next upgrade
    that bumps the tag fails to pull. k8s.gcr.io has been redirected to
    registry.k8s.io since 2023-03-20 and the Google Container Registry backend has
    been shut down, so even existing tags depend on redirects that may go away, and
    air-gapped mirrors built from the old name drift from what kubeadm expects.

How to fix
    Use the same tag on the successor registry, ``registry.k8s.io/pause:<tag>`` (the
    finding's ``expected`` names it when the tag exists there). For a per-arch name,
    the successor's multi-arch image covers every architecture.

Facts and sources
    ``repositories`` entries with ``frozen`` and ``successor`` in data/compat.yaml.
    Upstream: the kubernetes.io blog posts "k8s.gcr.io Image Registry Will Be Frozen
    From the 3rd of April 2023" (2023-02-06,
    https://kubernetes.io/blog/2023/02/06/k8s-gcr-io-freeze-announcement/) and
    "k8s.gcr.io Redirect to registry.k8s.io - What You Need to Know" (2023-03-10,
    https://kubernetes.io/blog/2023/03/10/image-registry-redirect/): redirected from
    2023-03-20, frozen from 2023-04-03. gcr.io/google-containers: kubernetes/k8s.io PR
    #1036 (the last backfill "before the flip on July 20, 2020") and the frozen
    legacy-backfill manifest k8s.gcr.io/archived/images/DO-NOT-MODIFY-legacy-backfill
    ("the totality of images in gcr.io/google-containers").
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.imageref import tag_suffix
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding
from pauselint.rules.images import kubernetes_pause_uses, lookup_tag

ID = "PL103"
NAME = "frozen-registry"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report every pause image on a repository the table marks frozen."""
    table = ctx.table
    for use in kubernetes_pause_uses(ctx):
        repository = table.repository(use.upstream.name)
        # A user's mirror that copies a frozen registry is not itself frozen.
        if repository is None or repository.frozen is None or use.mirror is not None:
            continue
        expected = None
        successor = table.repository(repository.successor) if repository.successor else None
        tag = lookup_tag(use)
        if successor is not None and tag is not None and not table.is_floating_tag(tag):
            split = tag_suffix(tag)
            for candidate in (tag, split.base if split else None):
                if candidate is not None and candidate in (successor.tags or ()):
                    expected = f"{successor.name}:{candidate}"
                    break
        target = expected or repository.successor
        advice = f"; use {target}" if target else ""
        yield finding(
            _RULE,
            f"{use.ref.original} is on {repository.name}, frozen since {repository.frozen}: "
            f"it gets no new pause tags{advice}",
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )
