"""PL201 pause-older-than-expected: the pause image is older than kubeadm expects.

What it finds
    Any pause image -- a runtime's sandbox image (set, or its built-in default) or a
    kubelet ``--pod-infra-container-image`` value -- whose tag is an older pause
    version than the one kubeadm uses for the target Kubernetes minor (for example
    ``registry.k8s.io/pause:3.6`` on Kubernetes 1.29, where kubeadm expects 3.9).
    Per-arch mirror tags are compared by their version (``3.8-linuxarm64`` is 3.8).

Why it breaks
    Pods still start, but the node runs a sandbox image the Kubernetes release was
    not tested with, ``kubeadm init``/``upgrade`` preflight warns about it, and
    air-gapped image lists built from ``kubeadm config images list`` do not contain
    it, so the node pulls (or fails to pull) a second pause image. Old pause images
    also miss platform fixes (Windows hosts, new architectures).

How to fix
    Use the expected tag on the same registry and repository you already use: the
    finding's ``expected`` keeps your registry (``registry.example/pause:3.9`` on
    Kubernetes 1.31 becomes ``registry.example/pause:3.10``). Make sure your mirror
    carries that tag. Where the same name cannot work -- a frozen registry
    (``k8s.gcr.io``, ``gcr.io/google_containers``), a per-arch repository
    (``pause-amd64``) or a repository the table knows lacks the tag -- and for a
    runtime's built-in default (whose registry you did not choose), ``expected`` is
    kubeadm's own image (``<imageRepository>/pause:<version>``), the same image PL202
    and PL203 name.

Facts and sources
    ``kubeadm.pause_versions`` in data/compat.yaml: kubeadm's ``constants.PauseVersion``
    per minor, e.g. 3.9 for 1.26-1.30, 3.10 for 1.31-1.33, 3.10.1 for 1.34-1.35, 3.10.2
    for 1.36 (kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go; every
    release in kubernetes/minikube pkg/minikube/constants/constants_kubeadm_images.go
    @383c3aa4af9c; the bumps https://github.com/kubernetes/kubernetes/pull/125112 to
    3.10 and https://github.com/kubernetes/kubernetes/pull/130713 to 3.10.1). Skipped
    when the Kubernetes version is unknown or not in the table (see PL001).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.compat import CompatTable
from pauselint.model import Finding, Role, Severity, Skip
from pauselint.rules.framework import ImageUse, RuleContext, expectation_or_skip, finding
from pauselint.rules.images import older_than_expected, pause_version, written_name

ID = "PL201"
NAME = "pause-older-than-expected"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]

_ROLES = (Role.SANDBOX_IMAGE, Role.POD_INFRA_FLAG)


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Compare every pause image's version with kubeadm's expectation for the target."""
    uses = [u for u in ctx.images if u.role in _ROLES and ctx.table.is_pause_image(u.ref)]
    if not uses:
        return
    expectation = expectation_or_skip(ctx, ID)
    if isinstance(expectation, Skip):
        yield expectation
        return
    for use in uses:
        version = older_than_expected(use, expectation)
        if version is None:
            continue
        expected = expected_reference(use, expectation.pause, ctx.table,
                                      expectation.image)
        what = "the runtime's built-in default " if use.origin == "default" else ""
        yield finding(
            _RULE,
            f"{what}{use.ref.original} is pause {version}, older than pause "
            f"{expectation.pause} that kubeadm {expectation.kubernetes} expects; "
            f"use {expected}",
            use=use,
            expected=expected,
            fix=f"use {expected}",
        )


def expected_reference(use: ImageUse, pause: str, table: CompatTable | None = None,
                       fallback: str | None = None) -> str:
    """The same image as written (registry, repository) with the expected tag.

    A digest is dropped (it pins the old tag). A per-arch suffix is kept only where
    the mirror's own tag scheme has it; elsewhere it names no published tag. The fix
    names ``fallback`` (kubeadm's own image) instead when the same name would be a
    pull failure -- a frozen or per-arch repository (whether or not its tag list is
    known), or a known repository without the expected tag -- and for a runtime's
    built-in default, whose registry is not the user's choice (PL203 points at
    kubeadm's imageRepository there; the two must not contradict).
    """
    ref = use.ref
    if fallback is not None:
        if use.origin == "default":
            return fallback
        repository = table.repository(use.upstream.name) if table is not None else None
        if repository is not None and (
            repository.frozen is not None
            or repository.arch is not None
            or (repository.tags is not None and pause not in repository.tags)
        ):
            return fallback
    written = written_name(ref)
    parsed = pause_version(use)
    suffix = parsed[1] if parsed is not None else ""
    if not (suffix and use.mirror is not None and suffix in use.mirror.tag_suffixes):
        suffix = ""
    return f"{written}:{pause}{suffix}"
