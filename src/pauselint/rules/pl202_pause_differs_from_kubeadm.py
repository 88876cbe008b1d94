"""PL202 pause-differs-from-kubeadm: the runtime's sandbox image is not kubeadm's.

What it finds
    The sandbox image the runtime really uses (the effective setting, or its built-in
    default) differs from ``<imageRepository>/pause:<version>`` that kubeadm expects
    for the target Kubernetes minor -- a newer tag, another registry or mirror, or a
    digest without a tag -- in a way PL201 (older version) does not already report.
    Only for Kubernetes 1.27 and later, the kubeadm releases that check it; for older
    targets the rule is silent.

    Names are compared normalized (``pause:3.9`` is ``docker.io/library/pause:3.9``).
    A digest after the expected name and tag (``registry.k8s.io/pause:3.10@sha256:...``)
    is not reported, because it is the same image. Note that kubeadm itself compares
    the exact strings and still warns in that case.

Why it breaks
    It does not break pods. But kubeadm 1.27 and later print their "detected that the
    sandbox image ... of the container runtime is inconsistent with that used by
    kubeadm" preflight warning on every ``init``, ``join`` and ``upgrade``, and the
    image kubeadm pre-pulls (and air-gapped image lists made from ``kubeadm config
    images list``) is not the one the runtime uses.

How to fix
    Set the runtime's sandbox image to the expected image, or, when you use a mirror
    or private registry on purpose, set kubeadm's ``imageRepository`` to it so both
    agree. Disable this rule if the difference is deliberate.

Facts and sources
    ``kubeadm.pause_versions``, ``kubeadm.default_image_repository`` and
    ``kubeadm.sandbox_warning_from`` in data/compat.yaml: kubeadm's ``PauseVersion`` per
    minor (kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go) and its
    preflight warning, added by https://github.com/kubernetes/kubernetes/pull/115610
    (first in v1.27.0; kubernetes/kubernetes cmd/kubeadm/app/preflight/checks.go
    ``ImagePullCheck``: exact string inequality, a warning only). Skipped for a node
    whose runtime config (or a file it imports) could not be read: its sandbox image is
    unknown, not unset.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import (
    RuleContext,
    expectation_or_skip,
    finding,
    is_effective_sandbox,
    same_image,
    unknown_sandbox_skips,
)
from pauselint.rules.images import older_than_expected

ID = "PL202"
NAME = "pause-differs-from-kubeadm"
SEVERITY = Severity.INFO
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Compare each runtime's effective sandbox image with kubeadm's, normalized."""
    yield from unknown_sandbox_skips(ctx, ID)
    # By role: kubeadm compares whatever string the runtime's sandbox image is.
    uses = [u for u in ctx.images if is_effective_sandbox(u)]
    if not uses:
        return
    if ctx.kubernetes is not None and not ctx.table.kubeadm_warns_on_mismatch(ctx.kubernetes):
        return  # kubeadm before the preflight check: nothing warns, nothing to report
    expectation = expectation_or_skip(ctx, ID)
    if isinstance(expectation, Skip):
        yield expectation
        return
    expected_ref = ctx.table.parse(expectation.image)
    if expected_ref is None:
        return
    for use in uses:
        if older_than_expected(use, expectation) is not None:
            continue  # PL201 reports it, with its fix
        if same_image(use.ref, expected_ref):
            continue
        same_name = use.ref.name == expected_ref.name
        what = "built-in default sandbox image" if use.origin == "default" else "sandbox image"
        yield finding(
            _RULE,
            f"the runtime's {what} {use.ref.original} differs from {expectation.image} "
            f"that kubeadm {expectation.kubernetes} expects: kubeadm "
            f"{ctx.table.kubeadm_warning_from} and later warn that the sandbox image is "
            f"inconsistent; use {expectation.image}"
            + ("" if same_name else " or set kubeadm imageRepository to match"),
            use=use,
            expected=expectation.image,
            # Only a tag change is a safe automatic fix: moving to another registry
            # can break a node that can only reach its mirror.
            fix=f"use {expectation.image}" if same_name else None,
        )

