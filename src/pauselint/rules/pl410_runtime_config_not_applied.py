"""PL410 runtime-config-not-applied: the running runtime uses another sandbox image.

What it finds
    On a live node (``pauselint node``), the container runtime answering on its CRI
    socket reports a sandbox image that differs from the one its configuration files
    on disk give it (set there, or the built-in default when nothing is set). containerd
    1.6 and 1.7 report the image in use in CRI ``Status`` (``config.sandboxImage``);
    containerd 2.x reports none there, so the image it pins (CRI ``ListImages``,
    ``pinned``) stands in for it, and where it pins none the rule says it cannot tell.

Why it breaks
    The runtime read its configuration when it started. A file edited since, by hand
    or by configuration management that did not restart the service, changes nothing
    until the next restart, which then swaps the pause image on a node nobody is
    watching -- or the drop-in was written where this runtime does not look, and never
    applies. Every check of the files says the node is fine while the node runs
    something else.

How to fix
    Restart containerd (``systemctl restart containerd``), or reload CRI-O
    (``systemctl reload crio``: it re-reads its pause image on SIGHUP), once the file is
    right, or move the setting where the runtime reads it (``pauselint show`` lists
    what was read and from where). Running pods keep their sandboxes across a restart.

Facts and sources
    containerd's CRI ``Status(verbose=True)`` puts its CRI config in ``info["config"]``,
    with ``sandboxImage`` in 1.x
    (https://github.com/containerd/containerd/blob/v1.7.24/pkg/cri/server/status.go);
    in 2.x that config is the runtime part only
    (https://github.com/containerd/containerd/blob/v2.1.9/internal/cri/server/status.go)
    and the images of ``pinned_images`` get the ``io.cri-containerd.pinned`` label
    (https://github.com/containerd/containerd/blob/v2.1.9/internal/cri/server/images/image_pull.go);
    both verified against Debian's containerd 1.6.20, 1.7.24 and 2.1.9 by
    tests/containerd_real.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Component, Finding, Severity, Skip
from pauselint.rules.framework import (
    ImageUse,
    RuleContext,
    finding,
    is_effective_sandbox,
    location_text,
    same_image,
    sandbox_unknown,
)

ID = "PL410"
NAME = "runtime-config-not-applied"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]

# CRI's RuntimeName as each runtime says it, to the component whose files describe it.
_COMPONENTS = {"containerd": Component.CONTAINERD, "cri-o": Component.CRIO}
# CRI-O re-reads pause_image on SIGHUP (cri-o server/server.go startReloadWatcher):
# a reload applies it; containerd reads its config only when it starts.
_APPLY = {Component.CONTAINERD: "restart containerd (systemctl restart containerd)",
          Component.CRIO: "reload CRI-O (systemctl reload crio)"}


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Compare the running runtime's sandbox image with what its files configure."""
    if ctx.live is None:
        if ctx.live_unread is not None:
            yield Skip(rule=ID, reason=f"the running runtime could not be asked: "
                                       f"{ctx.live_unread}")
        return  # not a live node: nothing to compare
    live = ctx.live
    component = _COMPONENTS.get(live.name)
    if component is None:
        yield Skip(rule=ID, reason=f"the runtime on {live.endpoint} is {live.name}, whose "
                                   f"configuration files pauselint does not read")
        return
    nodes = [node for node in ctx.nodes if node.runtime is component]
    if not nodes:
        yield Skip(rule=ID, reason=f"{live.name} runs on {live.endpoint}, but no "
                                   f"{component.value} configuration was found to compare")
        return
    for node in nodes:
        unknown = sandbox_unknown(node)
        if unknown is not None:
            yield Skip(rule=ID, reason=unknown)
            continue
        configured = next((u for u in ctx.images if u.node == node and is_effective_sandbox(u)),
                          None)
        if configured is None:
            yield Skip(rule=ID, reason=f"the sandbox image {live.name}'s files give is not "
                                       f"known (no value set, and no built-in default for "
                                       f"{live.name} {live.version} in the compat table)")
            continue
        yield from _compare(ctx, configured, component)


def _compare(ctx: RuleContext, configured: ImageUse,
             component: Component) -> Iterator[Finding | Skip]:
    live = ctx.live
    assert live is not None
    where = _where(configured)
    apply = _APPLY[component]
    if live.sandbox_image is not None:
        running = ctx.table.parse(live.sandbox_image)
        if running is not None and same_image(running, configured.ref):
            return
        yield finding(
            _RULE,
            f"the running {live.name} {live.version} uses sandbox image "
            f"{live.sandbox_image} ({live.sandbox_image_from or 'CRI'}), but its "
            f"configuration says {configured.ref.original} ({where}): the file changed after "
            f"{live.name} started, or it is not where {live.name} reads it; {apply} to "
            f"apply it",
            use=configured,
            fix=apply,
        )
        return
    pinned = [ref for ref in map(ctx.table.parse, live.pinned_images) if ref is not None]
    if not pinned:
        why = "; ".join(live.not_reported) or f"{live.name} reports no sandbox image over CRI"
        yield Skip(rule=ID, reason=f"{why}, and pins no image yet: the running sandbox image "
                                   f"cannot be compared with the files")
        return
    if any(same_image(ref, configured.ref) for ref in pinned):
        return
    shown = ", ".join(live.pinned_images)
    yield finding(
        _RULE,
        f"the running {live.name} {live.version} pins {shown} (CRI ListImages) but not "
        f"{configured.ref.original}, the sandbox image its configuration says ({where}): "
        f"{live.name} pins the sandbox image of the configuration it runs with, so the file "
        f"changed after it started, or it is not where {live.name} reads it; {apply} to "
        f"apply it",
        use=configured,
        fix=apply,
    )


def _where(use: ImageUse) -> str:
    if use.origin == "default":
        return f"nothing set in {location_text(use.location, 'its files')}: the built-in default"
    return f"set at {location_text(use.location)}"
