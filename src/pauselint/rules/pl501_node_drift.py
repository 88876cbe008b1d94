"""PL501 node-drift: nodes of one cluster hold different pause images.

What it finds
    In each live cluster, nodes whose pause images differ from those most nodes
    hold. Nodes are grouped by the pause images in their image cache
    (``status.images``), compared by meaning (``pause:3.9`` is
    ``docker.io/library/pause:3.9``) and without digests, because the same image is
    listed once by tag and once by digest. Only the newest tag of each repository a
    node holds counts: after an upgrade a node keeps the old pause image in its cache
    until garbage collection removes it, and that says nothing about the image its
    runtime is configured with. The largest group is the reference; when
    two groups are equally large, the one holding the newest pause tag is. One
    finding per node outside it, e.g. ``holds registry.k8s.io/pause:3.8; most nodes
    (37 of 40) hold registry.k8s.io/pause:3.10``. The counts are of nodes holding a
    pause image at all: nodes holding none (just joined, or their images were
    garbage-collected) say nothing about their configuration and are left out.

Why it breaks
    A node whose runtime was configured by hand, by an older image of the node
    template or by a provisioning step that did not run keeps its own sandbox image.
    It works until it does not: the next upgrade or a registry change breaks only
    those nodes, pods land there and fail to start while the rest of the cluster
    looks healthy, and air-gapped mirrors must carry every variant.

How to fix
    Roll the odd nodes to the configuration the rest of the fleet uses (set the
    runtime's sandbox image -- containerd ``sandbox_image`` / ``sandbox``, CRI-O
    ``pause_image`` -- the same way everywhere, or re-provision the nodes from the
    current template).

Facts and sources
    Which images are pause images comes from ``repositories`` and ``mirrors`` in
    data/compat.yaml (``is_pause_image``); tags are ordered as pause versions (the tags
    of the registry.k8s.io promoter manifest, kubernetes/k8s.io
    registry.k8s.io/images/k8s-staging-kubernetes/images.yaml). Images come from the
    nodes' ``status.images``, read by ``pauselint cluster``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from packaging.version import InvalidVersion, Version

from pauselint.compat import CompatTable
from pauselint.imageref import ImageRefError, parse_image, tag_suffix
from pauselint.model import ClusterFacts, ClusterNode, Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding

ID = "PL501"
NAME = "node-drift"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]

_Held = frozenset[str]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """One finding per node whose pause images differ from the cluster's majority."""
    for cluster in ctx.clusters:
        yield from _check_cluster(ctx.table, cluster)


def _check_cluster(table: CompatTable, cluster: ClusterFacts) -> Iterator[Finding]:
    groups: dict[_Held, list[ClusterNode]] = {}
    # Judged once per distinct image list: the nodes of a pool list the same images,
    # and parsing every node's was most of this rule's time (issue 16: 69 ms at 5,000).
    held_by_list: dict[tuple[str, ...], _Held] = {}
    for node in cluster.nodes:
        held = held_by_list.get(node.pause_images)
        if held is None:
            held = held_by_list[node.pause_images] = held_pause_images(table, node.pause_images)
        if held:
            groups.setdefault(held, []).append(node)
    if len(groups) < 2:
        return
    reference = max(groups, key=lambda held: (len(groups[held]), _newest(held), _text(held)))
    compared = sum(len(nodes) for nodes in groups.values())
    most = f"most nodes ({len(groups[reference])} of {compared}) hold {_text(reference)}"
    expected = next(iter(reference)) if len(reference) == 1 else None
    for held, nodes in sorted(groups.items(), key=lambda item: _text(item[0])):
        if held == reference:
            continue
        for node in sorted(nodes, key=lambda n: n.name):
            yield finding(
                _RULE,
                f"holds {_text(held)}; {most}",
                image=_text(held),
                expected=expected,
                node=node.name,
            )._replace(cluster=cluster.name)


def held_pause_images(table: CompatTable, names: tuple[str, ...]) -> _Held:
    """The newest pause image of each repository a node holds, normalized, no digests.

    A cache entry is listed both as ``repo:tag`` and ``repo@sha256:...``; the digest
    form adds nothing once a tag is known, so it is kept only for a repository the
    node holds by digest alone. Older tags of a repository the node also holds newer
    are left over from an upgrade (the cache keeps them until garbage collection) and
    are dropped. Unparsable names are not images and are ignored.
    """
    newest: dict[str, str] = {}
    by_digest: dict[str, str] = {}
    for text in names:
        try:
            ref = parse_image(text)
        except ImageRefError:
            continue
        if not table.is_pause_image(ref):
            continue
        if ref.tag is not None:
            image = ref._replace(digest=None).normalized()
            held = newest.get(ref.name)
            if held is None or (_tag_version(image), image) > (_tag_version(held), held):
                newest[ref.name] = image
        else:
            by_digest.setdefault(ref.name, ref.normalized())
    untagged = {text for repo, text in by_digest.items() if repo not in newest}
    return frozenset({*newest.values(), *untagged})


def _tag_version(image: str) -> Version:
    tag = parse_image(image).tag
    if tag is None:
        return Version("0")
    suffix = tag_suffix(tag)
    try:
        return Version(suffix.base if suffix else tag)
    except InvalidVersion:
        return Version("0")


def _newest(held: _Held) -> Version:
    return max(_tag_version(image) for image in held)


def _text(held: _Held) -> str:
    return ", ".join(sorted(held))
