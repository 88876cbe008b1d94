"""PL406 runtime-refuses-config: the runtime does not start with this configuration.

What it finds
    A containerd main config and its imports that containerd itself refuses to load,
    at the given release -- or, the release not known, at every containerd line the
    compat table knows: an import that does not exist or is a folder, a version 1
    plugin key (``[plugins.cri]``) in a version 2 config (1.x), a disabled plugin that
    is no plugin URI, a UTF-8 BOM (2.x). The message says why in containerd's terms.

Why it breaks
    containerd exits at start: the node has no container runtime, the kubelet reports
    it NotReady, and no pod starts on it -- a failure far worse than a wrong pause image.

How to fix
    What the message names: create or fix the import (or drop it from ``imports``),
    write the table under the plugin's URI (``[plugins."io.containerd.grpc.v1.cri"]``),
    save the file without a BOM.

Facts and sources
    ``containerd.loading`` in data/compat.yaml (each release's LoadConfig and
    ValidateV2/ValidateVersion, read at the release tags: containerd/containerd
    services/server/config/config.go @v1.6.20 and @v1.7.24,
    cmd/containerd/server/config/config.go @v2.1.9), checked against Debian's containerd
    1.6.20, 1.7.24 and 2.1.9 (tests/containerd_real). A config version the release does
    not load is PL402's when the main file sets it (an import's is here); a file that is
    no valid TOML is an input error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Component, Finding, Location, Severity, Skip
from pauselint.rules.framework import RuleContext, finding

ID = "PL406"
NAME = "runtime-refuses-config"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """One error per refused containerd configuration, where containerd says."""
    unknown = ctx.runtime_for(Component.CONTAINERD) is None
    for node in ctx.nodes:
        refusal = node.refusal
        if node.runtime is not Component.CONTAINERD or refusal is None:
            continue
        if node.refusal_kind == "unparsed" or (
                node.refusal_kind == "version" and refusal.path == node.runtime_config_path):
            continue  # an input error, or PL402 at the main file's `version` line
        lines = [release for release, accepted, _ in node.by_release if not accepted]
        every = (f" (so does every containerd line pauselint knows: {', '.join(lines)})"
                 if unknown and node.by_release and len(lines) == len(node.by_release)
                 else "")
        yield finding(_RULE, refusal.message + every,
                      location=Location(refusal.path, refusal.line, refusal.column),
                      node=node.name)
