"""PL406 runtime-refuses-config: the runtime does not start with this configuration.

What it finds
    A containerd main config and its imports that containerd itself refuses to load,
    at the given release -- or, the release not known, at every containerd line the
    compat table knows: an import that does not exist or is a folder, a version 1
    plugin key (``[plugins.cri]``) in a version 2 config (1.x), a disabled plugin that
    is no plugin URI, a UTF-8 BOM or a line ended by CR alone (2.x). The message says
    why in containerd's terms. The release not known, a refusal by some lines only is
    a warning (the first refusing line says why, the lines that start are named),
    except a config version only some lines load: that picks the line, PL402's.

Why it breaks
    containerd exits at start: the node has no container runtime, the kubelet reports
    it NotReady, and no pod starts on it -- a failure far worse than a wrong pause image.

How to fix
    What the message names: create or fix the import (or drop it from ``imports``),
    write the table under the plugin's URI (``[plugins."io.containerd.grpc.v1.cri"]``),
    save the file without a BOM and with LF line ends.

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
    """One error per refused containerd configuration, where containerd says; a warning
    where the release is not known and only some lines refuse it."""
    unknown = ctx.runtime_for(Component.CONTAINERD) is None
    for node in ctx.nodes:
        refusal = node.refusal
        if node.runtime is not Component.CONTAINERD:
            continue
        if refusal is None:
            yield from _some_lines_refuse(node)
            continue
        if _elsewhere(node, refusal, node.refusal_kind):
            continue
        lines = [release for release, accepted, _ in node.by_release if not accepted]
        every = (f" (so does every containerd line pauselint knows: {', '.join(lines)})"
                 if unknown and node.by_release and len(lines) == len(node.by_release)
                 else "")
        yield finding(_RULE, refusal.message + every,
                      location=Location(refusal.path, refusal.line, refusal.column),
                      node=node.name)


def _elsewhere(node, refusal, kind: str | None) -> bool:
    """Whether another report says it: an input error, or PL402 at the main file's
    `version` line."""
    return kind == "unparsed" or (kind == "version" and refusal.path == node.runtime_config_path)


def _some_lines_refuse(node) -> Iterator[Finding]:
    """The release not known, and some containerd lines refuse the files that others
    start with (a BOM, a bare CR, `[plugins.cri]` in a version 2 file): a warning, since
    which line the node runs decides whether it starts."""
    if node.line_refusal is None:
        return
    refusal, kind = node.line_refusal
    if kind in ("unparsed", "version"):
        # A config version picks its line (version 3 is 2.x's): PL402 says, or skips.
        return
    starting = [release for release, accepted, _ in node.by_release if accepted]
    yield finding(_RULE, f"{refusal.message} (the containerd release is not known; "
                  f"{', '.join(starting)} start with these files)",
                  location=Location(refusal.path, refusal.line, refusal.column),
                  severity=Severity.WARNING, node=node.name,
                  fix="make the files load in every line; give --runtime-version containerd=X "
                      "to judge the node as its release reads it")
