"""PL407 import-replaces-section: an import's table replaces the main file's whole table.

What it finds
    A containerd 1.x import that has a ``[plugins."io.containerd.grpc.v1.cri"...]``
    table (any key under it: ``SystemdCgroup``, a registry mirror) where an earlier
    file has one too. containerd 1.x does not merge the two: the import's table
    replaces the earlier one whole, so everything the earlier file set there is gone.
    An error where that drops the sandbox image (the node then uses the release's
    built-in default), a warning otherwise.

Why it breaks
    The common ``conf.d/99-systemd.toml`` that only sets ``SystemdCgroup = true``
    silently drops the main file's ``sandbox_image``: containerd 1.6/1.7 pull their
    default pause image (3.6 / 3.8) from registry.k8s.io, which a node behind a mirror
    cannot reach. containerd 2.x merges key by key and keeps it, so the same files
    give another pause image before and after the upgrade (PL409).

How to fix
    Put every key of the plugin into one file -- or repeat ``sandbox_image`` in the
    import that holds the plugin's table.

Facts and sources
    ``containerd.loading.import_merge`` in data/compat.yaml (containerd/containerd
    services/server/config/config.go mergeConfig @v1.6.20/@v1.7.24; 2.x's deep merge,
    cmd/containerd/server/config/config.go mergeConfig @v2.1.9), checked against
    Debian's containerd 1.6.20, 1.7.24 and 2.1.9.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.display import cut
from pauselint.model import Component, Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding

ID = "PL407"
NAME = "import-replaces-section"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """One finding per replaced CRI table, at the table that is dropped."""
    for node in ctx.nodes:
        if node.runtime is not Component.CONTAINERD or node.refusal is not None:
            continue
        release = node.read_as or "1.x"
        now = node.effective_sandbox
        uses = (f"it uses {cut(now.value)} set at {now.location.path}"
                if now is not None else "it uses its built-in default")
        for where, by, dropped_sandbox in node.replaced:
            if dropped_sandbox:
                yield finding(
                    _RULE,
                    f"containerd {release} drops this whole CRI plugin table, sandbox_image "
                    f"included: {by} has a table of the same plugin, which replaces this one "
                    f"(1.x does not merge them); {uses}",
                    location=where, severity=Severity.ERROR, node=node.name,
                    fix=f"repeat sandbox_image in {by}, or keep the plugin's keys in one file")
            else:
                yield finding(
                    _RULE,
                    f"containerd {release} drops this whole CRI plugin table: {by} has a "
                    "table of the same plugin, which replaces this one (1.x does not merge "
                    "them), so every setting here is lost",
                    location=where, node=node.name)
