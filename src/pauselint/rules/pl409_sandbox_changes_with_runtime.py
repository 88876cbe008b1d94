"""PL409 sandbox-changes-with-runtime: another containerd line would use another image.

What it finds
    The containerd release is not known, and the containerd lines that start with
    these files (1.6, 1.7, 2.0, 2.2, 2.3 as the compat table knows them) would not all
    use the same sandbox image -- typically 1.x's replacing imports or relative globs
    against 2.x's merge, or a built-in default that changes with every line. With a
    known 1.x release, an info where the first 2.x line that the Kubernetes minor
    dropping containerd 1.x requires (1.36: 2.2) would use another image.

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
    read at the newest behaviour the table knows in it (the release files each fact
    names, e.g. containerd/containerd cmd/containerd/server/config/config.go @v2.1.9,
    https://github.com/containerd/containerd/blob/v2.0.0/internal/cri/config/config.go).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from packaging.version import Version

from pauselint.display import cut
from pauselint.model import Component, Finding, Location, Severity, Skip
from pauselint.rules.framework import RuleContext, finding

ID = "PL409"
NAME = "sandbox-changes-with-runtime"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """A warning per node whose accepting containerd lines disagree (release unknown);
    an info where a known 1.x release's image is not the one of the first line the
    Kubernetes that drops 1.x supports."""
    runtime = ctx.runtime_for(Component.CONTAINERD)
    for node in ctx.nodes:
        if node.runtime is not Component.CONTAINERD or not node.by_release:
            continue
        if runtime is not None:
            yield from _next_line(ctx, node, runtime)
            continue
        accepted = [(release, image) for release, ok, image in node.by_release if ok]
        if len({image for _, image in accepted}) < 2:
            continue
        said = "; ".join(f"{release}: {_image_text(image)}" for release, image in accepted)
        where = (node.effective_sandbox.location if node.effective_sandbox is not None
                 else Location(node.runtime_config_path))
        yield finding(
            _RULE,
            "the containerd release is not known, and the lines that start with these "
            f"files use different sandbox images ({said}): an upgrade changes the pause "
            "image",
            location=where, node=node.name,
            fix="set the sandbox image explicitly; give --runtime-version containerd=X")


def _next_line(ctx: RuleContext, node, runtime) -> Iterator[Finding]:
    """Info: containerd 1.x in hand, and the first 2.x line that the Kubernetes minor
    dropping 1.x requires would use another image for the same files."""
    table = ctx.table
    if not table.containerd_is_v1(runtime.version) or node.refusal is not None:
        return
    support = table.containerd_support(table.containerd_v1_unsupported_from)
    floors = sorted(Version(v) for v in support.minimums) if support else []
    if not floors:
        return
    needed = floors[0]
    line = next(((release, ok, image) for release, ok, image in node.by_release
                 if Version(release) >= needed), None)
    if line is None:
        return
    _, ok, image = line
    if node.no_sandbox:
        current = None
    elif node.effective_sandbox is not None:
        current = node.effective_sandbox.value
    else:
        current = _default(ctx, runtime)
    if ok and image == current:
        return
    then = (f"which for these files uses {_image_text(image)}" if ok else
            "which refuses to start with these files")
    fix = ("set the sandbox image explicitly, in the key both lines read" if ok else
           f"--runtime-version containerd={needed} says why; make the files load in both lines")
    where = (node.effective_sandbox.location if node.effective_sandbox is not None
             else Location(node.runtime_config_path))
    yield finding(
        _RULE,
        f"containerd {runtime.text} uses {_image_text(current)}; "
        f"Kubernetes {table.containerd_v1_unsupported_from} requires containerd {needed}+, "
        f"{then}",
        location=where, severity=Severity.INFO, node=node.name, fix=fix)


def _default(ctx: RuleContext, runtime) -> str | None:
    default = ctx.table.containerd_default(runtime.version)
    return default.image if default else None


def _image_text(image: str | None) -> str:
    """An image as a line uses it: None is no sandbox image (CRI disabled), "" empty."""
    if image is None:
        return "no sandbox image"
    return cut(image) if image else '"" (empty: every sandbox fails)'
