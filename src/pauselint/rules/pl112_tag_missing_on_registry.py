"""PL112 tag-missing-on-registry: no registry the node pulls from has the image.

What it finds
    With ``--online``: every endpoint of the node's pull path (the mirrors its
    ``hosts.toml`` or ``registries.conf`` sends the pull to, in the runtime's order, and
    the image's own registry unless the configuration leaves it out) says 404 for the
    sandbox image's tag or digest. An endpoint that cannot be asked at all (DNS, TLS,
    401/403, timeout) is an error of the run, not this finding -- and while one could
    not be asked, nothing is said about the others' 404: it may serve the node.

Why it breaks
    The runtime cannot pull the sandbox image: every pod on the node fails with
    ``failed to get sandbox image ...: not found``. A private registry or mirror that
    was never given the tag (a cluster upgraded to a pause version nobody mirrored)
    is the usual cause.

How to fix
    Copy the tag to the registry (``crane copy registry.k8s.io/pause:3.10
    mirror.example.com/pause:3.10``, or your mirroring job), or point the node at a
    tag the registry has (``pauselint registry REPOSITORY`` lists them).

Facts and sources
    The OCI distribution spec: a manifest that is not there is 404
    (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md);
    containerd tries each host in order and fails when none has it
    (containerd remotes/docker/resolver.go ``Resolve``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding
from pauselint.rules.online import endpoints, looked_up

ID = "PL112"
NAME = "tag-missing-on-registry"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
# Runs only with --online: offline it is not counted among the rules that ran.
ONLINE = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """An error for each looked-up sandbox image that no endpoint serves."""
    for use, lookup in looked_up(ctx):
        # Only when every endpoint answered 404: one that could not be asked from here
        # may well serve the node (it is the run's error, not this finding).
        if lookup.served is not None or not lookup.missing or lookup.failures:
            continue
        what = f"digest {use.ref.digest}" if use.ref.digest else f"tag {use.ref.tag or 'latest'}"
        message = (f"{use.ref.original}: {endpoints(lookup.missing)} "
                   f"{'answers' if len(lookup.missing) == 1 else 'answer'} 404 for {what}")
        message += ("; the node cannot pull its sandbox image: copy it to the registry or "
                    "use a tag the registry has (pauselint registry lists them)")
        yield finding(_RULE, message, use=use)
