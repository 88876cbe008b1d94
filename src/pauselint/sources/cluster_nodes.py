"""A Node object's JSON turned into the few facts the rules need, or the reason it cannot be.

The API server is trusted for TLS, not for shapes: a proxy, an aggregated API, a
buggy mutating webhook or a hostile endpoint can hand back labels that are a
list, a ``gitVersion`` that is a number, a node without ``nodeInfo``. Every field
is checked for its type here, and a node that breaks one becomes a
:class:`NodeProblem` naming the field, so that one bad node costs that node only:
the rest of the list is still read and judged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pauselint.model import ClusterNode
from pauselint.records import NamedTuple

# --- the limits of one context's read (``sources/cluster.py`` applies them); here
# because this module is cheap to import, and the CLI needs them for its defaults
# and help at every start.

# A whole context: a 5,000-node cluster (the largest Kubernetes supports) is 10
# pages and 3 GETs; a healthy API server answers each in well under a second, so
# two minutes is ample for a slow link, and a context taking longer is reported
# as stuck rather than holding up a CronJob or a CI run.
CONTEXT_TIMEOUT = 120.0
# One answer: the kubelet reports at most 50 images a node (nodeStatusMaxImages),
# which with labels and conditions stays under 64 KiB; 500 such nodes a page is
# 32 MiB. Parsing that takes about 6x in memory, so this also caps the peak.
MAX_RESPONSE_BYTES = 32 << 20
# Nodes one context may list: five times the 5,000 Kubernetes supports. Past it the
# nodes read so far are judged and the context gets an error saying the rest was not.
MAX_NODES = 25_000
# A continue token: the API server's are a few hundred bytes (a resource version and
# a key, base64). Each is sent back in the next URL, so a longer one ends the list.
MAX_CONTINUE_BYTES = 8 << 10


WINDOWS_BUILD_LABEL = "node.kubernetes.io/windows-build"
# nodeInfo fields a node must carry as strings: the rules judge every one.
_NODE_INFO = (
    ("kubelet_version", "kubeletVersion"),
    ("container_runtime", "containerRuntimeVersion"),
    ("architecture", "architecture"),
    ("operating_system", "operatingSystem"),
)
_SHOWN = 60  # characters of a bad name shown in a reason


class NodeProblem(NamedTuple):
    """A node (or a list item) that could not be read, and why in words."""

    node: str  # its metadata.name, or "item N" when it has none
    reason: str


class _Bad(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def node_from_json(item: Any, index: int,
                   is_pause: Callable[[str], bool]) -> ClusterNode | NodeProblem:
    """The node's facts, or a :class:`NodeProblem`; never raises for any JSON value.

    ``index`` is the item's position in the whole list, to name a node that has
    no usable name.
    """
    label = f"item {index}"
    if not isinstance(item, dict):
        return NodeProblem(label, f"list item is {_kind(item)}, not a Node object")
    try:
        metadata = _mapping(item, "metadata", "")
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            raise _Bad(f"metadata.name is {_kind(name)}, not a name")
        label = name[:_SHOWN]
        status = _mapping(item, "status", "")
        info = status.get("nodeInfo")
        if not isinstance(info, dict):
            raise _Bad(f"status.nodeInfo is {_kind(info)}, not an object")
        facts = {field: _text(info, key, "status.nodeInfo.") for field, key in _NODE_INFO}
        os_image = info.get("osImage", "")
        if not isinstance(os_image, str):
            raise _Bad(f"status.nodeInfo.osImage is {_kind(os_image)}, not a string")
        labels = _mapping(metadata, "labels", "metadata.")
        build = labels.get(WINDOWS_BUILD_LABEL)
        if build is not None and not isinstance(build, str):
            raise _Bad(f"label {WINDOWS_BUILD_LABEL} is {_kind(build)}, not a string")
        pause = _pause_images(status, is_pause)
    except _Bad as bad:
        return NodeProblem(label, bad.reason)
    return ClusterNode(name=name, os_image=os_image, windows_build=build,
                       pause_images=pause, **facts)


def _pause_images(status: dict, is_pause: Callable[[str], bool]) -> tuple[str, ...]:
    if "images" not in status:
        return ()  # the kubelet omits an empty list
    images = status["images"]
    if not isinstance(images, list):
        # null too: "no images" and "unknown images" must not read the same.
        raise _Bad(f"status.images is {_kind(images)}, not a list")
    checked: list[list[str]] = []
    for position, image in enumerate(images):
        if not isinstance(image, dict):
            raise _Bad(f"status.images[{position}] is {_kind(image)}, not an object")
        names = image.get("names", [])
        if names is None:
            continue
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _Bad(f"status.images[{position}].names is not a list of strings")
        checked.append(names)
    return pause_names(checked, is_pause)


def pause_names(images: Iterable[Sequence[str]],
                is_pause: Callable[[str], bool]) -> tuple[str, ...]:
    """The pause names among each image's ``names`` (both node readers use this).

    One image entry lists its digest name and its tag names; the tag names say which
    pause it is, the digest name alone would read as "no tag".
    """
    pause: list[str] = []
    for names in images:
        kept = [n for n in names if is_pause(n)]
        tagged = [n for n in kept if "@" not in n]
        pause.extend(tagged or kept)
    return tuple(pause)


def _mapping(parent: dict, key: str, prefix: str) -> dict:
    """``parent[key]`` as a mapping: absent or null is empty, anything else is bad."""
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Bad(f"{prefix}{key} is {_kind(value)}, not an object")
    return value


def _text(parent: dict, key: str, prefix: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str):
        raise _Bad(f"{prefix}{key} is {_kind(value)}, not a string")
    return value


def _kind(value: Any) -> str:
    """A JSON value's type in words, never its content (it could be huge, or a secret)."""
    if value is None:
        return "missing or null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
