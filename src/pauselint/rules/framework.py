"""What every rule sees: the resolved context, a way to build located findings, and the
questions about versions and kubelet flags that several rules ask of the context.

A rule is a module with ``ID``, ``NAME``, ``SEVERITY``, ``DEFAULT_ENABLED``, a module
docstring that is its documentation, and ``check(ctx) -> Iterable[Finding | Skip]``.
Rules see facts (settings already read, images already parsed and mapped through the
table's mirrors), never raw text, so one rule serves files, node roots and clusters.
"""


from collections.abc import Mapping
from types import ModuleType
from typing import Any

from packaging.version import Version

from pauselint.compat import CompatTable, Expectation, Mirror
from pauselint.imageref import ImageRef
from pauselint.model import (
    ClusterFacts,
    Component,
    Finding,
    LiveRuntime,
    Location,
    NodeFacts,
    Platform,
    Role,
    Setting,
    Severity,
    Skip,
)
from pauselint.records import NamedTuple

# Every rule that needs the target Kubernetes version skips with the same reason (the
# engine appends why it could not be resolved to reasons that start with it).
KUBERNETES_UNKNOWN = "Kubernetes version unknown (use --kubernetes-version)"

# The rules that judge an image as an image (does it exist, for this platform, under
# this registry, at the version kubeadm expects). Their findings are moot on a value
# the runtime or kubelet never uses -- a flag that must go, a value another one
# shadows -- and a fix for a value must pass all of them (verdicts.compose).
IMAGE_VALUE_RULES = ("PL101", "PL102", "PL103", "PL104", "PL105", "PL106", "PL107", "PL108",
                     "PL109", "PL110", "PL111", "PL201", "PL202", "PL203")


class ImageUse(NamedTuple):
    """One pause image reference, parsed, wherever it was found.

    ``origin`` is ``"setting"`` for a value written in a file (``setting`` is set) or
    ``"default"`` for a runtime's built-in default that applies because nothing was
    set (``setting`` is None and ``location`` points at the runtime's config file).
    ``upstream`` is the reference mapped through a known mirror (or ``ref`` itself).
    """

    ref: ImageRef
    upstream: ImageRef
    mirror: Mirror | None
    location: Location
    component: Component | None
    role: Role
    origin: str
    setting: Setting | None = None
    node: NodeFacts | None = None
    node_name: str | None = None
    cluster: str | None = None
    effective: bool = True


class RuntimeInfo(NamedTuple):
    """A node's container runtime and its parsed version."""

    name: Component
    version: Version
    text: str


class Policy(NamedTuple):
    """User policy from flags and the config file."""

    allowed_registries: tuple[str, ...] = ()


class RuleContext(NamedTuple):
    """Everything a rule may use. Unknown context is None: rules skip, never guess."""

    table: CompatTable
    kubernetes: Version | None = None
    kubernetes_from: str | None = None
    platform: Platform | None = None
    runtimes: tuple[RuntimeInfo, ...] = ()
    nodes: tuple[NodeFacts, ...] = ()
    images: tuple[ImageUse, ...] = ()
    policy: Policy = Policy()
    # kubeadm imageRepository, from a ClusterConfiguration among the inputs or the
    # live cluster's kubeadm-config ConfigMap.
    image_repository: str | None = None
    image_repository_location: Location | None = None
    # Live clusters (pauselint cluster): the facts every cluster-wide rule reads.
    clusters: tuple[ClusterFacts, ...] = ()
    # A live node (pauselint node): its running runtime over CRI, or why it could not
    # be asked. Both None on every other path (files, clusters).
    live: LiveRuntime | None = None
    live_unread: str | None = None
    # --online: what the registries each node pulls from answered, per image use
    # (:func:`online_key`; values are ``pauselint.online.lookups.Lookup``). None offline.
    online: Mapping[tuple[object, ...], Any] | None = None

    def runtime_for(self, component: Component | None) -> RuntimeInfo | None:
        """The version given for this runtime (``--runtime-version containerd=1.7.20``)."""
        for info in self.runtimes:
            if info.name == component:
                return info
        return None


def finding(
    rule: ModuleType,
    message: str,
    *,
    use: ImageUse | None = None,
    location: Location | None = None,
    image: str | None = None,
    expected: str | None = None,
    fix: str | None = None,
    severity: Severity | None = None,
    node: str | None = None,
    supersedes: tuple[str, ...] | None = None,
) -> Finding:
    """Build a finding for ``rule`` at an image use or an explicit location.

    ``supersedes`` names the rules this finding makes moot on its value; by default
    the rule module's ``SUPERSEDES`` (none when it has none).
    """
    if location is None:
        location = use.location if use is not None else Location(None)
    if image is None and use is not None:
        image = use.ref.original
    return Finding(
        rule=rule.ID,
        name=rule.NAME,
        severity=severity if severity is not None else rule.SEVERITY,
        message=message,
        location=location,
        image=image,
        expected=expected,
        node=node if node is not None else (use.node_name if use else None),
        cluster=use.cluster if use else None,
        fixable=fix is not None and expected is not None,
        fix=fix,
        supersedes=supersedes if supersedes is not None else getattr(rule, "SUPERSEDES", ()),
    )


def sandbox_unknown(node: NodeFacts | None) -> str | None:
    """Why a node's effective sandbox image is unknown (a runtime config that could not
    be read), or None when it is known -- set, or unset so the default applies."""
    if node is None or node.unread_config is None:
        return None
    return f"sandbox image unknown: {node.unread_config} could not be read"


def unknown_sandbox_skips(ctx: RuleContext, rule_id: str) -> list[Skip]:
    """One Skip per unreadable runtime config, for a rule that needs the effective image."""
    reasons = dict.fromkeys(r for r in map(sandbox_unknown, ctx.nodes) if r is not None)
    return [Skip(rule=rule_id, reason=reason) for reason in reasons]


def online_key(use: ImageUse, platform: Platform | None) -> tuple[object, ...]:
    """Which online lookup answers for ``use`` on a node of ``platform``: one per place,
    image and platform (a per-platform tag found for arm64 is no answer for amd64)."""
    return (use.location, use.ref.original, use.origin, platform)


def is_effective_sandbox(use: ImageUse) -> bool:
    """The image the runtime really uses: its effective setting, the default that
    applies, or (live clusters) an image the node holds. Never a value on a node
    whose sandbox image is unknown (:func:`sandbox_unknown`)."""
    if sandbox_unknown(use.node) is not None:
        return False
    return _is_effective(use, Role.SANDBOX_IMAGE)


def is_effective_flag(use: ImageUse) -> bool:
    """The kubelet ``--pod-infra-container-image`` value that applies (the last one
    given, not one an ignored file sets)."""
    return _is_effective(use, Role.POD_INFRA_FLAG)


def _is_effective(use: ImageUse, role: Role) -> bool:
    if use.role is not role or not use.effective:
        return False
    if use.origin == "default":
        return True
    setting = use.setting
    return setting is None or (setting.effective and not setting.ignored)


def same_image(a: ImageRef, b: ImageRef) -> bool:
    """Whether two references name the same image, as a runtime resolves them.

    Names compare normalized (``pause:3.9`` is ``docker.io/library/pause:3.9``) and
    tags must be equal. A digest on one side only is not a difference: it pins the
    tag's image, it does not rename it (``pause:3.10@sha256:...`` is ``pause:3.10``).
    Two different digests are. Every rule that asks "same image?" uses this, so
    they never disagree.
    """
    if a.name != b.name or a.tag != b.tag:
        return False
    return a.digest is None or b.digest is None or a.digest == b.digest


def location_text(location: Location | None, unknown: str = "another input") -> str:
    """``path:line`` for a message, the path alone without a line, else ``unknown``."""
    if location is None or location.path is None:
        return unknown
    if location.line is None:
        return location.path
    return f"{location.path}:{location.line}"


def expectation_or_skip(ctx: RuleContext, rule_id: str) -> Expectation | Skip:
    """kubeadm's expectation for the target, or the Skip that says why there is none."""
    if ctx.kubernetes is None:
        return Skip(rule=rule_id, reason=KUBERNETES_UNKNOWN)
    expectation = ctx.table.kubeadm_expectation(ctx.kubernetes, ctx.image_repository)
    if expectation is not None:
        return expectation
    return Skip(rule=rule_id, reason=_no_expectation_reason(ctx.table, ctx.kubernetes))


def _no_expectation_reason(table: CompatTable, kubernetes: Version) -> str:
    if not table.known_kubernetes(kubernetes):
        return f"Kubernetes {kubernetes} is newer than the compat table ({table.date})"
    return (
        f"Kubernetes {kubernetes} is older than the oldest minor the compat table "
        f"describes ({table.oldest_kubernetes()})"
    )


def pod_infra_flags(nodes: tuple[NodeFacts, ...]) -> list[tuple[NodeFacts, Setting]]:
    """Every kubelet ``--pod-infra-container-image`` setting the kubelet reads, once each."""
    found: list[tuple[NodeFacts, Setting]] = []
    seen: set[tuple[object, ...]] = set()
    for node in nodes:
        for setting in node.other_settings:
            if setting.role is not Role.POD_INFRA_FLAG or setting.ignored:
                continue
            key = (node.name, setting.location, setting.value)
            if key in seen:
                continue
            seen.add(key)
            found.append((node, setting))
    return found


# What a rule must find in its context to have anything to say, for the rules whose
# check() returns at once without it: the engine neither imports nor runs such a rule
# for a context that lacks it (rules.Rule), so a one-file check pays for the rules
# that can speak, not for the cluster's, the live node's or the kubelet flag's. Each
# entry must be exactly what the rule itself tests first: tests/rules/test_silent_rules.py
# runs every one of them on every context the examples and fixtures make.
SILENT_WITHOUT: dict[str, Any] = {
    # Unused suppressions are the engine's to report, after every other rule has run.
    "PL002": lambda ctx: False,
    "PL110": lambda ctx: bool(ctx.policy.allowed_registries),
    "PL203": lambda ctx: ctx.image_repository is not None,
    "PL301": lambda ctx: bool(pod_infra_flags(ctx.nodes)),
    "PL302": lambda ctx: bool(pod_infra_flags(ctx.nodes)),
    "PL303": lambda ctx: any(is_effective_flag(use) for use in ctx.images),
    "PL410": lambda ctx: ctx.live is not None or ctx.live_unread is not None,
    "PL501": lambda ctx: bool(ctx.clusters),
    "PL502": lambda ctx: bool(ctx.clusters),
}
