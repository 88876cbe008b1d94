"""The ``kubeadm-config`` ConfigMap: a kubeadm ClusterConfiguration held as a string.

``kubectl get cm kubeadm-config -n kube-system -o yaml`` prints a ConfigMap whose
``data.ClusterConfiguration`` is the cluster's kubeadm configuration, a YAML document
inside a YAML string. This format only unwraps: it finds that string (in a ConfigMap
alone, or in a ``kind: List`` of them), builds an embedded :class:`SourceText` that
maps the string's lines and columns to the outer file's, and hands it to the kubeadm
reader, so every setting and error points at the line the user sees.

What is mapped, and what is not:

* a literal block scalar (``|``, ``|-``, ``|+``, ``|2``: what kubectl writes for a
  multi-line string) keeps its lines verbatim, each indented by the block's
  indentation: every position maps to its own line and column;
* anything else (a folded ``>`` block, whose lines are joined; a quoted string, whose
  escapes and line folding shift columns; a plain scalar) has no faithful mapping:
  everything inside is reported at the string's own start.

Other documents of the file are read by the kubeadm reader as they are, so a file
holding both a ConfigMap and a kubeadm document loses neither.
"""

from __future__ import annotations

import re

from yaml.nodes import Node, ScalarNode

from pauselint.model import ConfigFile, InputError
from pauselint.sources import kubeadm
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import (
    OUTER,
    compose_documents,
    elements,
    embedded_origin,
    get,
    get_path,
    scalar,
)

KEY = "ClusterConfiguration"
_PARSER_POSITION = re.compile(r"\(line (\d+), column (\d+)\)")


def read_kubeadm_configmap(path: str, text: str) -> ConfigFile:
    """:func:`read_source` for callers holding a path and a text."""
    return read_source(SourceText(text, path))


def read_source(source: SourceText) -> ConfigFile:
    """Every kubeadm setting of the file: its own documents', and the embedded ones'."""
    outer = kubeadm.read_source(source)
    documents, problem = compose_documents(source.text)
    if problem is not None:  # the kubeadm reader has said why
        return outer
    settings = list(outer.settings)
    errors = list(outer.errors)
    for embedded in _embedded_texts(source, documents):
        inner = _read_embedded(embedded)
        settings.extend(inner.settings)
        errors.extend(inner.errors)
    return outer._replace(settings=tuple(sorted(settings, key=lambda s: s.location.sort_key())),
                          errors=tuple(errors))


def _config_maps(node: Node) -> list[Node]:
    kind = scalar(get(node, "kind"))
    if kind == "List":
        return [m for item in elements(get(node, "items")) for m in _config_maps(item)]
    return [node] if kind == "ConfigMap" else []


def _embedded_texts(source: SourceText, documents: list[Node]) -> list[SourceText]:
    """The ClusterConfiguration strings of the ConfigMaps among ``documents``."""
    found = []
    for document in documents:
        for config_map in _config_maps(document):
            string = get_path(config_map, "data", KEY)
            if not isinstance(string, ScalarNode) or scalar(string) is None:
                continue
            origin = embedded_origin(source.text, string, OUTER)
            found.append(source.embedded(string.value, line_offset=origin.line_offset,
                                         column_offset=origin.column_offset, fixed=origin.fixed))
    return found


def _read_embedded(embedded: SourceText) -> ConfigFile:
    """The kubeadm reader on one embedded string; invalid YAML named as the ConfigMap's key."""
    _, problem = compose_documents(embedded.text)
    if problem is not None:
        line = embedded.position(problem.line or 1)[0]
        # The parser names its position in the string; the user needs the file's.
        message = _PARSER_POSITION.sub(
            lambda m: "(line {}, column {})".format(*embedded.position(int(m[1]), int(m[2]))),
            problem.message)
        error = InputError(embedded.path, line, f"data.{KEY} is not valid YAML: {message}")
        return ConfigFile(embedded.path, None, errors=(error,))
    return kubeadm.read_source(embedded)
