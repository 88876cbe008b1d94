"""cloud-init ``#cloud-config`` user-data: the node files its ``write_files`` write.

Machines that are not made by kubeadm's own bootstrap (Terraform-rendered user-data,
hand-written cloud-config) get their containerd config and kubelet flags this way.
Each ``write_files`` entry (``content`` plain, or ``b64``/``base64``/``gzip+base64``
and their spellings) is read by its own format at ``path``, positioned in this file.
The entries' ``owner``, ``permissions`` and ``append`` do not change what is read.
Shape: cloud-init's cc_write_files module (cloudinit/config/cc_write_files.py).

User-data is often carried inside other YAML rather than committed alone: a Cluster
API bootstrap Secret (``value``, plain in ``stringData`` or base64 in ``data``), a
KubeVirt VM's ``cloudInitNoCloud.userData``, a Terraform- or Helm-rendered manifest.
:func:`unwrap_carried` finds every string in such a file that is itself a
``#cloud-config`` (plain, or base64 of one) and reads it as above, positioned in the
carrying file.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from pauselint.model import ConfigFile, InputError
from pauselint.sources.embedded import Unwrapped, embedded_file, file_entry, invalid_yaml
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import Node, compose_documents, elements, get

MARKER = "#cloud-config"
# A string that is base64 of user-data starts with base64 of the marker line.
_BASE64_MARKER = base64.b64encode(MARKER.encode()).decode()[:16]
_BASE64_TEXT = re.compile(r"\A[A-Za-z0-9+/=\s]+\Z")


def unwrap(source: SourceText) -> list[Unwrapped]:
    """Every ``write_files`` entry of the user-data, as the file it writes."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, None, InputType.CLOUD_INIT)
    errors: list[InputError] = []
    parts = [part for document in documents for entry in elements(get(document, "write_files"))
             if (part := file_entry(source, entry, errors)) is not None]
    own = [Unwrapped(config=ConfigFile(source.path, None, errors=tuple(errors)),
                     kind=InputType.CLOUD_INIT)] if errors else []
    return [*own, *parts]


def unwrap_carried(source: SourceText) -> list[Unwrapped]:
    """Every ``#cloud-config`` held as a string in the YAML ``source``, unwrapped."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, None, InputType.CLOUD_INIT)
    errors: list[InputError] = []
    parts: list[Unwrapped] = []
    for node in (n for document in documents for n in _strings(document)):
        value = node.value
        encoding = ""
        if not value.startswith(MARKER):
            if not (value.startswith(_BASE64_MARKER) and _BASE64_TEXT.match(value)):
                continue
            try:
                if not base64.b64decode(value).startswith(MARKER.encode()):
                    continue
            except (binascii.Error, ValueError):
                continue
            encoding = "base64"
        carried = embedded_file(source, "user-data", node, encoding, errors)
        if carried is None or carried.source is None:
            continue
        inner = carried.source
        _, inner_problem = compose_documents(inner.text)
        if inner_problem is not None:
            line, column = inner.position(inner_problem.line or 1)
            errors.append(InputError(source.path, line, "user-data is not valid YAML: "
                                     f"{inner_problem.message}", column if column else None))
            continue
        parts.extend(unwrap(inner))
    own = [Unwrapped(config=ConfigFile(source.path, None, errors=tuple(errors)),
                     kind=InputType.CLOUD_INIT)] if errors else []
    return [*own, *parts]


def _strings(node: Node | None) -> Iterator[ScalarNode]:
    """Every string scalar under ``node``, in document order (a map's values only)."""
    if isinstance(node, ScalarNode):
        if node.tag == "tag:yaml.org,2002:str":
            yield node
    elif isinstance(node, MappingNode):
        for _, value in node.value:
            yield from _strings(value)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _strings(item)


def read_source(source: SourceText) -> ConfigFile:
    """For callers that read one file as one config: only the user-data's own errors."""
    parts = unwrap(source)
    own = next((p.config for p in parts if p.config is not None), None)
    return own or ConfigFile(source.path, None)
