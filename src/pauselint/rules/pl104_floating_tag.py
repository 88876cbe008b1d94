"""PL104 floating-tag: the pause image has no fixed tag (``:latest`` or none).

What it finds
    A pause image written with ``:latest`` or with no tag at all and no digest:
    ``registry.k8s.io/pause``, ``registry.k8s.io/pause:latest``. A digest pins the
    image, so ``name@sha256:...`` is not reported.

Why it breaks
    Runtimes read a missing tag as ``latest``. Where the repository has no such tag
    (k8s.gcr.io, gcr.io/google_containers), the pull fails and no pod sandbox can be
    created. registry.k8s.io/pause does carry a ``latest`` tag, among its legacy tags,
    but no pause release updates it and no record says which image it names: the node
    runs an old, unknown sandbox. Elsewhere the image can change under you, and nodes
    built on different days run different sandboxes.

How to fix
    Use the pause tag kubeadm expects for your Kubernetes version (the finding's
    ``expected`` names it when the version is known, e.g. ``registry.k8s.io/pause:3.9``
    for 1.29). Pass ``--kubernetes-version`` to get that suggestion.

Facts and sources
    ``pause_tags`` (no ``latest``), the repositories' tag lists and
    ``kubeadm.pause_versions`` in data/compat.yaml. Upstream: the published tags in the
    promoter manifest, kubernetes/k8s.io
    registry.k8s.io/images/k8s-staging-kubernetes/images.yaml @ecf019a88caa (no
    ``latest``); the tags registry.k8s.io/pause serves, legacy ``latest`` included, as a
    maintainer listed them with ``crane ls`` in kubernetes/kubernetes PR #130102; kubeadm's
    tag per minor, ``PauseVersion`` in kubernetes/kubernetes
    cmd/kubeadm/app/constants/constants.go (every release listed in kubernetes/minikube
    pkg/minikube/constants/constants_kubeadm_images.go @383c3aa4af9c). The default tag
    is distribution/reference's (normalize.go).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.imageref import arch_of_repository
from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import ImageUse, RuleContext, finding
from pauselint.rules.images import is_docker_hub_short_name, written_name

ID = "PL104"
NAME = "floating-tag"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Report pause images pinned by neither tag nor digest."""
    for use in ctx.images:
        ref = use.ref
        # By role: a value set as the sandbox image (or the kubelet's flag) is a pause
        # image whatever its repository is called (`sandbox-image:latest`).
        if ref.digest is not None:
            continue
        if not ctx.table.is_floating_tag(ref.tag):
            continue
        expected = _expected(ctx, use)
        what = f"tag {ref.tag}" if ref.tag else "no tag (read as latest)"
        advice = f"; use {expected}" if expected else "; pin the pause tag kubeadm expects"
        yield finding(
            _RULE,
            f"{ref.original} has {what}: {_why(ctx, use)}{advice}",
            use=use,
            expected=expected,
            fix=f"use {expected}" if expected else None,
        )


_NOT_REPRODUCIBLE = ("a floating tag is not reproducible: nodes built on different days can run "
                     "different sandboxes")


def _why(ctx: RuleContext, use: ImageUse) -> str:
    """What the floating tag does on this repository, as far as the table knows it."""
    repository = ctx.table.repository(use.upstream.name)
    tag = use.upstream.tag or "latest"
    known = (repository is not None and repository.tags is not None and use.mirror is None
             and not is_docker_hub_short_name(use, ctx.table))
    if known and tag in repository.tags:
        return (f"{repository.name} has a {tag} tag, but no pause release updates it and no "
                f"record says which image it names: the sandbox is an old, unknown image")
    if known and repository.tags_complete:
        return (f"{repository.name} is not known to carry a {tag} tag: where it has none the "
                f"pull fails and no pod sandbox starts, and where a copy answers the image is "
                f"not reproducible")
    return _NOT_REPRODUCIBLE


def _expected(ctx: RuleContext, use: ImageUse) -> str | None:
    """kubeadm's tag on the user's own repository when it carries it, else kubeadm's image."""
    table = ctx.table
    if ctx.kubernetes is None:
        return None
    expectation = table.kubeadm_expectation(ctx.kubernetes, ctx.image_repository)
    if expectation is None:
        return None
    repository = table.repository(use.upstream.name)
    own = (
        repository is not None
        and not is_docker_hub_short_name(use, table)
        and repository.arch is None
        and arch_of_repository(use.upstream.name) is None
        and expectation.pause in (repository.tags or ())
    )
    if own:
        return f"{written_name(use.ref)}:{expectation.pause}"
    return expectation.image
