"""PL108 digest-mismatch: the pinned digest is not that tag's digest.

What it finds
    A pause image pinned with ``@sha256:...`` whose digest is not the manifest-list
    digest the table records for its tag, on a registry the table says serves the
    upstream digests (registry.k8s.io, k8s.gcr.io, ``docker.io/rancher/mirrored-pause``).
    Tags without a known digest, registries that re-push images (and so have digests of
    their own), per-arch images and digests without a tag are not judged.

Why it breaks
    The runtime pulls by digest and ignores the tag, so the node runs a different image
    than the tag says -- an old build, another tag, or a single-platform manifest that
    fails on other architectures -- or the pull fails when that digest is not in the
    repository. Either way the tag in the config is misleading.

How to fix
    Use the digest that belongs to the tag (the finding's ``expected``), or drop the
    digest and keep the tag. Re-resolve digests with ``crane digest`` or ``skopeo
    inspect`` instead of copying them from other configs.

Facts and sources
    ``pause_tags`` ``digest`` (manifest-list digests from the registry.k8s.io promoter
    manifest) and ``digests: upstream`` on ``repositories``/``mirrors`` in
    data/compat.yaml. Upstream: kubernetes/k8s.io
    registry.k8s.io/images/k8s-staging-kubernetes/images.yaml @005f14191335 (3.2-3.9)
    and @ecf019a88caa (3.10, 3.10.1); 3.10.2's digest is secondary (quoted by unrelated
    repositories, and equal to that of docker.io/rancher/mirrored-pause:3.10.2 in an
    RKE2 image list). Mirrors: each ``mirrors`` entry's ``source`` (e.g. rancher/rke2
    scripts/version.sh and pkg/images/images.go).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding
from pauselint.rules.images import checked_uses, known_digest, written_name

ID = "PL108"
NAME = "digest-mismatch"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Compare each pinned digest with the table's digest for the tag."""
    for use in checked_uses(ctx):
        digest = use.ref.digest
        known = known_digest(use, ctx.table)
        if digest is None or known is None or digest == known:
            continue
        expected = f"{written_name(use.ref)}:{use.ref.tag}@{known}"
        yield finding(
            _RULE,
            f"{use.ref.original} pins {digest}, which is not the manifest-list digest of "
            f"tag {use.ref.tag} ({known}); use {expected}",
            use=use,
            expected=expected,
            fix=f"use {expected}",
        )
