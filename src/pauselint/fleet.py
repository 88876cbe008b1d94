"""Live clusters through the same rules: each node is a small context of its own.

A live node tells its kubelet version, runtime and version, platform, and the
pause images it holds, but not its config files. So the rules that need files
(PL401-PL404, the kubelet-flag rules) do not apply; the ones that judge images,
versions and platforms run once per node with that node's own context, and the
cluster-wide rules (drift, skew) once per cluster. Findings carry the cluster and
node, and no path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from packaging.version import Version

from pauselint.compat import CompatTable, leading_release
from pauselint.imageref import ImageRefError, parse_image
from pauselint.model import (
    ClusterError,
    ClusterFacts,
    ClusterNode,
    Component,
    Finding,
    InputError,
    Location,
    NodeFacts,
    Platform,
    Report,
    Role,
    Skip,
)
from pauselint.platforms import node_platform
from pauselint.rules.framework import ImageUse, RuleContext, RuntimeInfo
from pauselint.verdicts import FixTrials, compose

# Rules that judge one node from live facts, and rules that judge a whole cluster.
# Every image rule judges the pause images a node holds, as it judges a configured one.
IMAGE_RULES = ("PL101", "PL102", "PL103", "PL104", "PL105", "PL106", "PL107", "PL108",
               "PL109", "PL110", "PL111")
NODE_RULES = (*IMAGE_RULES, "PL201", "PL202", "PL203", "PL304", "PL405")
# With --online, the images nodes hold are also asked of their registries.
ONLINE_RULES = ("PL112", "PL113", "PL114")
CLUSTER_RULES = ("PL001", "PL501", "PL502")

_RUNTIMES = {"containerd": Component.CONTAINERD, "cri-o": Component.CRIO}


def runtime_of(node: ClusterNode) -> RuntimeInfo | None:
    """``containerd://1.7.20`` -> containerd 1.7.20; docker or unparsable -> None."""
    scheme, sep, version = node.container_runtime.partition("://")
    component = _RUNTIMES.get(scheme.lower()) if sep else None
    if component is None:
        return None
    # Vendor builds append their own suffix (1.6.20~ds1, 1.7.20-1, 2.0.1-k3s1):
    # the upstream release is the leading dotted number.
    release = leading_release(version)
    if release is None:
        return None
    return RuntimeInfo(component, release, version.strip())


def platform_of(node: ClusterNode, table: CompatTable) -> Platform:
    os_version = None
    if node.operating_system == "windows" and node.windows_build:
        os_version = table.windows_version_for_build(node.windows_build)
    # Nodes report uname-style names too (x86_64, aarch64): read them as the flag is.
    return node_platform(node.operating_system, node.architecture, os_version)


def cluster_version(facts: ClusterFacts, override: Version | None) -> Version | None:
    """The target version: the flag when given, else the API server's own version."""
    if override is not None:
        return override
    for text in (facts.server_version, facts.kubeadm_version):
        release = leading_release(text) if text else None
        if release is not None:
            return release
    return None


def _node_context(table: CompatTable, facts: ClusterFacts, node: ClusterNode,
                  kubernetes: Version | None, kubernetes_from: str | None,
                  bad_images: list[str]) -> RuleContext:
    """The node's rule context; an image name that is not a reference lands in ``bad_images``.

    (The CLI's filter keeps only names the table parses, but a caller's own
    ``is_pause`` may keep any name.)
    """
    runtime = runtime_of(node)
    node_facts = NodeFacts(name=node.name, runtime=runtime.name if runtime else None)
    uses = []
    for name in node.pause_images:
        try:
            ref = parse_image(name)
        except ImageRefError as exc:
            bad_images.append(f"pause image not checked: {exc}")
            continue
        upstream, mirror = table.resolve(ref)
        uses.append(ImageUse(ref, upstream, mirror, Location(None), node_facts.runtime,
                             Role.SANDBOX_IMAGE, "node-image", None, node_facts, node.name,
                             facts.name))
    return RuleContext(
        table=table,
        kubernetes=kubernetes,
        kubernetes_from=kubernetes_from,
        platform=platform_of(node, table),
        runtimes=(runtime,) if runtime else (),
        nodes=(node_facts,),
        images=tuple(uses),
        image_repository=facts.image_repository,
    )


def _look_up_held_images(results: Sequence[ClusterFacts | ClusterError], table: CompatTable,
                         kubernetes: Version | None, online: Any,
                         ) -> tuple[dict[tuple[object, ...], Any], list[InputError]]:
    """Every distinct node shape's pause images, asked of their own registries."""
    from pauselint.online.lookups import Job, ask, default_targets
    from pauselint.rules.framework import is_effective_sandbox, online_key

    jobs = []
    for facts in results:
        if isinstance(facts, ClusterError):
            continue
        target = cluster_version(facts, kubernetes)
        for shape in {node._replace(name="") for node in facts.nodes}:
            ctx = _node_context(table, facts, shape, target, None, [])
            jobs.extend(Job(online_key(use, ctx.platform), use.ref, default_targets(use.ref),
                            ctx.platform, use.location)
                        for use in ctx.images if is_effective_sandbox(use))
    return ask(jobs, online)


def cluster_error(error: ClusterError) -> InputError:
    """``cluster prod: node n1: ...``: the one error shape reports already render."""
    where = f"cluster {error.name}: node {error.node}" if error.node else f"cluster {error.name}"
    return InputError(None, None, f"{where}: {error.reason}")


def check_clusters(results: Sequence[ClusterFacts | ClusterError], table: CompatTable, *,
                   kubernetes: Version | None = None, enable: frozenset[str] = frozenset(),
                   disable: frozenset[str] = frozenset(), online: Any = None) -> Report:
    """Run the live-cluster rules over every cluster that could be read; with
    ``online`` (``OnlineSettings``), the images the nodes hold are also asked of their
    registries first (no node's registry configuration is known here: each image's
    own registry is asked)."""
    from pauselint.selection import enabled_rules

    wanted = {*NODE_RULES, *CLUSTER_RULES, *ONLINE_RULES}
    modules = {m.ID: m for m in enabled_rules(enable, disable, online=online is not None,
                                              only=wanted)}
    node_modules = [modules[r] for r in (*NODE_RULES, *ONLINE_RULES) if r in modules]
    cluster_modules = [modules[r] for r in CLUSTER_RULES if r in modules]
    findings: list[Finding] = []
    skipped: list[Skip] = []
    errors: list[InputError] = []
    counts: dict[str, int] = {}
    trials = FixTrials()
    context: dict[str, str | None] = {"kubernetes_version": None,
                                      "kubernetes_version_from": None, "mode": "cluster"}
    lookups = None
    if online is not None:
        lookups, online_errors = _look_up_held_images(results, table, kubernetes, online)
        errors.extend(online_errors)
    for facts in results:
        if isinstance(facts, ClusterError):
            errors.append(cluster_error(facts))
            continue
        # A bad node or field of a cluster that was read: reported like a cluster that
        # was not, naming the node, while every other node is still judged.
        errors.extend(cluster_error(error) for error in facts.errors)
        counts[facts.name] = len(facts.nodes)
        target = cluster_version(facts, kubernetes)
        origin = "flag" if kubernetes is not None else ("cluster" if target else None)
        context[f"cluster:{facts.name}"] = str(target) if target else None
        if context["kubernetes_version"] is None and target is not None:
            context["kubernetes_version"] = str(target)
            context["kubernetes_version_from"] = origin
        if "PL203" in modules:  # the kubeadm-config read feeds imageRepository
            skipped.extend(Skip("PL203", f"cluster {facts.name}: {reason}")
                           for reason in facts.skipped)
        # Fleets repeat a few node shapes thousands of times: judge each distinct
        # shape once (as a stand-in node), then name every node that has it.
        # A shape is the node's fields after its name, as a plain tuple: building a
        # nameless ClusterNode per node (``_replace``) cost more than the grouping.
        by_shape: dict[tuple, list[str]] = {}
        for node in facts.nodes:
            by_shape.setdefault(node[1:], []).append(node.name)
        for fields, names in by_shape.items():
            shape = ClusterNode("", *fields)
            bad_images: list[str] = []
            ctx = _node_context(table, facts, shape, target, origin, bad_images)
            ctx = ctx._replace(online=lookups)
            errors.extend(cluster_error(ClusterError(facts.name, problem, name))
                          for name in names for problem in bad_images)
            verdicts = [item for module in node_modules for item in module.check(ctx)]
            skipped.extend(item for item in verdicts if isinstance(item, Skip))
            shape_findings = [item._replace(location=Location(None)) for item in verdicts
                              if isinstance(item, Finding)]
            for item in compose(shape_findings, ctx, node_modules, trials):
                findings.extend(item._replace(node=name, cluster=facts.name) for name in names)
        ctx = RuleContext(table=table, kubernetes=target, kubernetes_from=origin,
                          clusters=(facts,))
        for module in cluster_modules:
            for item in module.check(ctx):
                if isinstance(item, Finding):
                    findings.append(item._replace(cluster=item.cluster or facts.name))
                else:
                    skipped.append(item)
    return Report(
        findings=sorted(set(findings), key=Finding.sort_key),
        skipped=list(dict.fromkeys(skipped)),
        errors=errors,
        inputs=sum(counts.values()),
        context=context,
        node_counts=counts,
    )
