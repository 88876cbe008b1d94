"""PL409 sandbox-changes-with-runtime: another containerd line would use another image.

What it finds
    The containerd release is not known, and the containerd lines that start with
    these files (1.6, 1.7, 2.0, 2.2, 2.3 as the compat table knows them) would not all
    use the same sandbox image -- typically 1.x's replacing imports or relative globs
    against 2.x's merge, or a built-in default that changes with every line.

Why it breaks
    The pause image changes under the node at the next containerd upgrade: a mirror
    that carries only the old tag, an air-gapped node, a kubeadm warning that appears
    from one day to the next.

How to fix
    Set the sandbox image explicitly, in one file, in the key every line reads for
    the file's config version; give ``--runtime-version containerd=X`` to judge the
    node as its release reads it.

Facts and sources
    ``containerd.loading`` and ``containerd.defaults`` in data/compat.yaml, each line
    read at the newest behaviour the table knows in it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.display import cut
from pauselint.model import Component, Finding, Location, Severity, Skip
from pauselint.rules.framework import RuleContext, finding

ID = "PL409"
NAME = "sandbox-changes-with-runtime"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """One warning per node whose accepting containerd lines disagree."""
    for node in ctx.nodes:
        if node.runtime is not Component.CONTAINERD or not node.by_release:
            continue
        accepted = [(release, image) for release, ok, image in node.by_release if ok]
        if len({image for _, image in accepted}) < 2:
            continue
        said = "; ".join(f"{release}: {cut(image) if image else 'no sandbox image'}"
                         for release, image in accepted)
        where = (node.effective_sandbox.location if node.effective_sandbox is not None
                 else Location(node.runtime_config_path))
        yield finding(
            _RULE,
            "the containerd release is not known, and the lines that start with these "
            f"files use different sandbox images ({said}): an upgrade changes the pause "
            "image",
            location=where, node=node.name,
            fix="set the sandbox image explicitly; give --runtime-version containerd=X")
