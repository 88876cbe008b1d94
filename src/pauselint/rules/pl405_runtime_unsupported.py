"""PL405 runtime-unsupported: the container runtime does not support the target Kubernetes.

What it finds
    * containerd 1.x with Kubernetes 1.36 or later (error): Kubernetes 1.35 is the
      last release that supports containerd 1.x.
    * containerd below the CRI v1 floor of its line (1.6.15 / 1.7.0; any older line)
      with Kubernetes 1.26 or later (error): those releases lack the CRI v1 API.
    * containerd below the minimum patch release that containerd's RELEASES.md lists
      for the target Kubernetes minor, or on a line it does not list for that minor
      (warning). A line newer than every listed one is fine.
    * CRI-O whose minor differs from the Kubernetes minor (warning): CRI-O follows
      the Kubernetes release cycle, ``release-1.x`` pairs with Kubernetes 1.x.

Why it breaks
    With no CRI v1 (or no containerd 1.x support) the kubelet cannot talk to the
    runtime: the node never becomes Ready, or stops being Ready after an upgrade.
    Below the listed minimums the pair is untested and misses fixes the kubelet
    relies on, such as pinning the sandbox image against garbage collection.

How to fix
    Upgrade the runtime to at least the release the finding names (for
    Kubernetes 1.36+, containerd 2.x), or run CRI-O of the same minor as Kubernetes.

Facts and sources
    ``containerd.v1_unsupported_from``, ``containerd.cri_v1_required_from``,
    ``containerd.cri_v1_floor``, ``containerd.kubernetes_support`` and
    ``crio.minor_follows_kubernetes`` in data/compat.yaml: the support matrix in
    containerd/containerd RELEASES.md @91be73ba6233 (earlier revisions for 1.24-1.31;
    its deprecated table: CRI v1 from Kubernetes 1.26); the Kubernetes v1.34 release
    blog on kubernetes.io, "Containerd 1.X support ends in v1.36" (KEP-4033); the
    "Compatibility matrix" of cri-o/cri-o README.md. Skipped when the Kubernetes version
    or the runtime version is unknown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence

from packaging.version import Version

from pauselint.compat import minor_of
from pauselint.model import Component, Finding, Location, Severity, Skip
from pauselint.rules.framework import KUBERNETES_UNKNOWN, RuleContext, RuntimeInfo, finding

ID = "PL405"
NAME = "runtime-unsupported"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]

_CHECKED = (Component.CONTAINERD, Component.CRIO)


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Judge each runtime (given versions and nodes' runtimes) against the target."""
    components = [r.name for r in ctx.runtimes if r.name in _CHECKED]
    components += [n.runtime for n in ctx.nodes if n.runtime in _CHECKED]
    components = list(dict.fromkeys(components))
    if not components:
        return
    if ctx.kubernetes is None:
        yield Skip(rule=ID, reason=KUBERNETES_UNKNOWN)
        return
    for component in components:
        runtime = ctx.runtime_for(component)
        if runtime is None:
            yield Skip(
                rule=ID,
                reason=f"{component.value} version unknown (use --runtime-version "
                f"{component.value}=X)",
            )
            continue
        if component is Component.CONTAINERD:
            verdict = _containerd(ctx, ctx.kubernetes, runtime)
        else:
            verdict = _crio(ctx, ctx.kubernetes, runtime)
        if isinstance(verdict, Skip):
            yield verdict
            continue
        if verdict is None:
            continue
        severity, message = verdict
        for location, node in _locations(ctx, component):
            yield finding(_RULE, message, location=location, severity=severity, node=node)


def _containerd(
    ctx: RuleContext, kubernetes: Version, runtime: RuntimeInfo
) -> tuple[Severity, str] | Skip | None:
    table = ctx.table
    v, k = runtime.version, kubernetes
    name = f"containerd {runtime.text}"
    support = table.containerd_support(k)
    if table.containerd_is_v1(v) and minor_of(k) >= minor_of(table.containerd_v1_unsupported_from):
        oldest = min(support.minimums, key=Version) if support else None
        upgrade = f"containerd {oldest} or later" if oldest else "a newer containerd major release"
        return Severity.ERROR, (
            f"{name} is a {v.major}.x release, which Kubernetes "
            f"{table.containerd_v1_unsupported_from} and later do not support (target {k}): "
            f"upgrade to {upgrade}"
        )
    if minor_of(k) >= minor_of(table.cri_v1_required_from):
        floor = _line_floor(v, table.cri_v1_floor)
        if floor is not None and v < floor:
            return Severity.ERROR, (
                f"{name} lacks the CRI v1 API that Kubernetes {table.cri_v1_required_from} "
                f"and later require (target {k}): upgrade to containerd {floor} or later"
            )
    if support is None:
        return Skip(
            rule=ID,
            reason=f"Kubernetes {k} is not in the compat table's containerd support "
            f"matrix ({table.date})",
        )
    minimums = tuple(Version(m) for m in support.minimums)
    floor = _line_floor(v, minimums)
    if floor is None or v >= floor:
        return None
    if minor_of(floor) == minor_of(v):
        why = (f"below {floor}, the oldest {floor.major}.{floor.minor} release supported "
               f"with Kubernetes {support.kubernetes}")
    else:
        why = (f"on the {v.major}.{v.minor} line, which containerd does not support with "
               f"Kubernetes {support.kubernetes}")
    return Severity.WARNING, f"{name} is {why}: upgrade to containerd {floor} or later"


def _line_floor(version: Version, floors: Sequence[Version]) -> Version | None:
    """The floor for this version's line; for an unlisted line not newer than every
    listed one, a version above it (so the caller's ``<`` fires); None when newer.
    """
    line = minor_of(version)
    for floor in floors:
        if minor_of(floor) == line:
            return floor
    newest = max(floors, key=minor_of, default=None)
    if newest is None or line > minor_of(newest):
        return None
    # An unlisted line older than the newest listed one: the next listed line's floor.
    return min((f for f in floors if minor_of(f) > line), key=minor_of)


def _crio(
    ctx: RuleContext, kubernetes: Version, runtime: RuntimeInfo
) -> tuple[Severity, str] | None:
    table = ctx.table
    if not table.crio_minor_follows_kubernetes or minor_of(runtime.version) == minor_of(kubernetes):
        return None
    k_minor = ".".join(str(p) for p in minor_of(kubernetes))
    return Severity.WARNING, (
        f"{runtime.name.value} {runtime.text} does not match Kubernetes {kubernetes}: "
        f"CRI-O minors follow Kubernetes minors, use CRI-O {k_minor}.x"
    )


def _locations(ctx: RuleContext, component: Component) -> list[tuple[Location, str | None]]:
    """Each node file configuring this runtime, or one unlocated place when none does."""
    found = [
        (Location(n.runtime_config_path), n.name)
        for n in ctx.nodes
        if n.runtime is component and n.runtime_config_path
    ]
    return list(dict.fromkeys(found)) or [(Location(None), None)]
