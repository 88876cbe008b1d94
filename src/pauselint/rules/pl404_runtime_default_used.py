"""PL404 runtime-default-used: no sandbox image is set, the runtime's default applies.

What it finds
    A node whose container runtime configuration sets no sandbox (pause) image, so
    the runtime's built-in default for its version is used. The finding names the
    runtime, its version, the default image and where that default comes from. That
    image is then checked like any written one (PL101-PL111, PL201, PL202).

Why it breaks
    By itself it does not. But the default changes with every runtime upgrade
    (containerd 1.6: pause 3.6, 1.7: 3.8, 2.0/2.1: 3.10, 2.2: 3.10.1, 2.3: 3.10.2),
    usually lags what kubeadm expects, and is pulled from ``registry.k8s.io`` -- which
    an air-gapped node or one behind a private mirror cannot reach.

How to fix
    Set the sandbox image explicitly to the one kubeadm expects for your Kubernetes
    version (on your mirror, if you use one): ``pinned_images.sandbox`` (containerd
    config version 3+), ``sandbox_image`` under ``io.containerd.grpc.v1.cri``
    (version 2) or ``pause_image`` under ``[crio.image]``.

Facts and sources
    ``containerd.defaults`` and ``crio.defaults`` in data/compat.yaml: each release's
    code default, read at its tag (containerd 2.x ``DefaultSandboxImage`` in
    https://github.com/containerd/containerd/blob/v2.0.0/internal/cri/config/config.go,
    1.5-1.7 containerd/containerd pkg/cri/config/config_unix.go; CRI-O ``pauseImage`` or
    ``DefaultPauseImage`` in cri-o/cri-o pkg/config/config.go, changed last by
    https://github.com/cri-o/cri-o/commit/c7474a34a946fb3ec35b07af44eeb43448c043ce).
    Skipped when the runtime version is unknown (``--runtime-version``), and for a
    runtime config that could not be read (invalid TOML or YAML, a template): what it
    sets is unknown, so no default is assumed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.compat import RuntimeDefault
from pauselint.model import Component, Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, RuntimeInfo, finding, sandbox_unknown

ID = "PL404"
NAME = "runtime-default-used"
SEVERITY = Severity.INFO
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Name each runtime default in use; skip nodes whose default cannot be known."""
    for use in ctx.images:
        if use.origin != "default":
            continue
        runtime = ctx.runtime_for(use.component)
        if runtime is None:
            continue  # the engine builds defaults only for a known version
        default = _default(ctx, runtime)
        source = f" (source: {default.source})" if default is not None else ""
        yield finding(
            _RULE,
            f"no sandbox image is set, so the built-in default of {runtime.name.value} "
            f"{runtime.text} applies: {use.ref.original}{source}",
            use=use,
        )
    reasons: list[str] = []
    for node in ctx.nodes:
        unknown = sandbox_unknown(node)
        if node.runtime is None or (node.effective_sandbox is not None and unknown is None):
            continue
        reason = unknown or _skip_reason(ctx, node.runtime)
        if reason is not None and reason not in reasons:
            reasons.append(reason)
    for reason in reasons:
        yield Skip(rule=ID, reason=reason)


def _default(ctx: RuleContext, runtime: RuntimeInfo) -> RuntimeDefault | None:
    return ctx.table.runtime_default(runtime.name.value, runtime.version)


def _skip_reason(ctx: RuleContext, component: Component) -> str | None:
    """Why the default for this node's runtime cannot be named, or None when it can."""
    runtime = ctx.runtime_for(component)
    if runtime is None:
        return (
            "runtime version unknown: cannot tell which built-in default applies "
            f"(use --runtime-version {component.value}=X)"
        )
    if _default(ctx, runtime) is None:
        return (
            f"{component.value} {runtime.text} is not in the compat table "
            f"({ctx.table.date}): cannot tell which built-in default applies"
        )
    return None
