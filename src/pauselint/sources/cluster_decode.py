"""A node list page decoded straight from its bytes into the few fields the rules need.

A Node object is mostly what pauselint never reads (conditions, addresses, capacity,
every image's size); ``json.loads`` builds all of it as dicts, and checking each
field's type afterwards walks it again. msgspec decodes into the schema below in C,
skipping unknown fields without building them, and checks every type on the way:
about 3x faster than ``json.loads`` alone on a 500-node page, and nothing kept that
is not a fact (issue 16).

The schema is the happy path only, strict on purpose: a page with anything it does
not expect -- a label that is no string, a null where a list belongs, an empty
name, a body that is not UTF-8 -- is not decoded here at all (``page`` returns
None), and the caller reads that page as before (``json.loads`` and
``cluster_nodes.node_from_json``), which names each bad node in its own words. So a
well-formed page gives the same facts either way, and a malformed one the same
errors as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import msgspec

from pauselint.model import ClusterNode
from pauselint.sources.cluster_nodes import WINDOWS_BUILD_LABEL, pause_names

_Name = Annotated[str, msgspec.Meta(min_length=1)]


class _Image(msgspec.Struct, gc=False):
    # A tuple, so a node's image names can key NodeReader's cache as decoded.
    names: tuple[str, ...] | None = ()


class _NodeInfo(msgspec.Struct, rename="camel", gc=False):
    kubelet_version: str
    container_runtime_version: str
    architecture: str
    operating_system: str
    os_image: str = ""


class _Status(msgspec.Struct, rename="camel", gc=False):
    node_info: _NodeInfo
    images: list[_Image] = []


class _Metadata(msgspec.Struct, gc=False):
    name: _Name
    labels: dict[str, str] | None = None


class Node(msgspec.Struct, gc=False):
    """One list item as decoded: only what :func:`node_from_struct` reads."""

    metadata: _Metadata
    status: _Status


class _ListMetadata(msgspec.Struct, gc=False):
    continue_: str | None = msgspec.field(default=None, name="continue")


class _Page(msgspec.Struct, gc=False):
    items: list[Node] | None = None
    metadata: _ListMetadata | None = None


_DECODER = msgspec.json.Decoder(_Page)


def page(data: bytes) -> tuple[list[Node], str | None] | None:
    """The page's nodes and its ``continue`` token (None on the last page), or None
    when the page is not the well-formed kind this schema reads."""
    try:
        decoded = _DECODER.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    token = decoded.metadata.continue_ if decoded.metadata is not None else None
    return decoded.items or [], token or None


def node_from_struct(node: Node, index: int,
                     is_pause: Callable[[str], bool]) -> ClusterNode:
    """The facts of one decoded node: what ``node_from_json`` gives for the same object
    (``index`` is unused: a decoded node always has its name). A list is read with one
    :class:`NodeReader`, which remembers what its nodes share."""
    return NodeReader(is_pause)(node, index, is_pause)


# Distinct image lists one NodeReader remembers: a fleet has a handful (one per
# node image and version); a cluster where every node differs gets no help from a
# cache, so past this many the rest are decided afresh, and memory stays bounded.
MAX_REMEMBERED_IMAGE_LISTS = 1024


class NodeReader:
    """:func:`node_from_struct` for one list, deciding each distinct image list once.

    Picking the pause names out of a node's images (about 9 images, 18 names) was
    most of the time spent per node (issue 16); nodes of one pool report the same
    images, so the answer for a node's image names, as a tuple, is looked up
    instead. ``is_pause`` is fixed per reader: the same name, the same verdict.
    """

    def __init__(self, is_pause: Callable[[str], bool]) -> None:
        self._is_pause = is_pause
        self._pause: dict[tuple[tuple[str, ...], ...], tuple[str, ...]] = {}
        self._texts: dict[str, str] = {}

    def _shared(self, text: str) -> str:
        """One string object per distinct value of a repeated field (versions, OS
        image, architecture): every node kept its own copy of each, and those are
        most of a node's facts by size. Bounded like the image lists."""
        kept = self._texts.get(text)
        if kept is not None:
            return kept
        if len(self._texts) < MAX_REMEMBERED_IMAGE_LISTS:
            self._texts[text] = text
        return text

    def __call__(self, node: Node, index: int, is_pause: Callable[[str], bool]) -> ClusterNode:
        """The facts of ``node`` (``index`` and ``is_pause`` as in :func:`node_from_struct`;
        the reader's own ``is_pause`` decides)."""
        info = node.status.node_info
        labels = node.metadata.labels
        images = tuple(image.names for image in node.status.images if image.names is not None)
        pause = self._pause.get(images)
        if pause is None:
            pause = pause_names(images, self._is_pause)
            if len(self._pause) < MAX_REMEMBERED_IMAGE_LISTS:
                self._pause[images] = pause
        shared = self._shared
        build = labels.get(WINDOWS_BUILD_LABEL) if labels else None
        return ClusterNode(
            name=node.metadata.name,
            kubelet_version=shared(info.kubelet_version),
            container_runtime=shared(info.container_runtime_version),
            architecture=shared(info.architecture),
            operating_system=shared(info.operating_system),
            os_image=shared(info.os_image),
            windows_build=shared(build) if build is not None else None,
            pause_images=pause,
        )
