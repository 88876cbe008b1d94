"""PL502 kubelet-version-skew: a kubelet outside the supported skew with its API server.

What it finds
    In each live cluster, nodes whose kubelet (``nodeInfo.kubeletVersion``) is
    * newer, by minor, than the API server (``v1.30.1`` against ``v1.29.3``): a
      kubelet may never be newer than the API server it talks to; or
    * older than the version skew policy allows: 3 minors older from Kubernetes
      1.28 on (a ``v1.26`` kubelet with a ``v1.29`` API server is the oldest
      allowed), 2 minors before 1.28.
    The message names both versions and the supported kubelet range.

Why it breaks
    Outside the skew the kubelet and the API server are untested together: fields
    the kubelet relies on may be gone or not yet served, node status updates can
    fail, and the next control-plane upgrade takes the node out of support entirely.
    It is also what blocks ``kubeadm upgrade``: the control plane cannot move on
    while such nodes remain, and the pause image those kubelets expect lags behind.

How to fix
    Upgrade (or drain and replace) the nodes named, one minor at a time, before the
    next control-plane upgrade; a kubelet newer than the API server means the
    control plane must be upgraded first, or the node rolled back.

Facts and sources
    ``kubelet.skew`` in data/compat.yaml (the Kubernetes version skew policy,
    https://kubernetes.io/releases/version-skew-policy/, kubernetes/website
    content/en/releases/version-skew-policy.md; KEP-3935 widened it to 3 older minors
    from 1.28). Skipped when the API server version is unknown or older than the table's
    first skew entry; a node whose kubelet version cannot be read is skipped with its
    name.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from packaging.version import Version

from pauselint.compat import leading_release
from pauselint.display import shown
from pauselint.model import ClusterFacts, Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding

ID = "PL502"
NAME = "kubelet-version-skew"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def _minor(text: str) -> tuple[int, int] | None:
    """Kubernetes reports versions as git tags, with vendor suffixes PEP 440 refuses
    (EKS ``v1.29.0-eks-5e0fdde``, GKE ``v1.29.6-gke.1326000``, k3s ``v1.31.4+k3s1``);
    only the minor matters here, so only it is read."""
    release = leading_release(text)
    return (release.major, release.minor) if release is not None else None


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """Compare each node's kubelet minor with its cluster's API server minor."""
    for cluster in ctx.clusters:
        yield from _check_cluster(ctx, cluster)


def _check_cluster(ctx: RuleContext, cluster: ClusterFacts) -> Iterator[Finding | Skip]:
    if not cluster.nodes:
        return
    if cluster.server_version is None:
        yield Skip(rule=ID, reason=f"API server version of cluster {cluster.name} unknown")
        return
    server = _minor(cluster.server_version)
    if server is None:
        yield Skip(
            rule=ID,
            reason=f"API server version {shown(cluster.server_version)} of cluster "
            f"{cluster.name} is not a version",
        )
        return
    server_major, server_minor = server
    older = ctx.table.skew_older_minors(Version(f"{server_major}.{server_minor}"))
    if older is None:
        yield Skip(
            rule=ID,
            reason=f"no version skew policy in the table for API server {cluster.server_version}",
        )
        return
    oldest = (server_major, max(server_minor - older, 0))
    supported = (
        f"kubelets must be {oldest[0]}.{oldest[1]} to {server_major}.{server_minor} "
        f"(at most {older} minors older than the API server, never newer)"
    )
    # Judged once per distinct kubelet version (a fleet runs a handful), then said
    # of each node running it: parsing every node's was most of this rule's time.
    problems: dict[str, str] = {}  # version -> what is wrong with it; absent: within
    unreadable: set[str] = set()
    for text in {node.kubelet_version for node in cluster.nodes}:
        kubelet = _minor(text)
        if kubelet is None:
            unreadable.add(text)
        elif kubelet > server:
            problems[text] = "is newer than"
        elif kubelet < oldest:
            problems[text] = f"is more than {older} minors older than"
    odd = [node for node in cluster.nodes
           if node.kubelet_version in unreadable or node.kubelet_version in problems]
    for node in sorted(odd, key=lambda n: n.name):
        if node.kubelet_version in unreadable:
            yield Skip(
                rule=ID,
                reason=f"kubelet version {shown(node.kubelet_version)} of node {node.name} "
                f"in cluster {cluster.name} is not a version",
            )
            continue
        yield finding(
            _RULE,
            f"kubelet {node.kubelet_version} {problems[node.kubelet_version]} the API server "
            f"{cluster.server_version}: {supported}",
            node=node.name,
        )._replace(cluster=cluster.name)
