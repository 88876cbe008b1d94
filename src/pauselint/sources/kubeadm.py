"""Reader for kubeadm configuration files and the ``kubeadm-config`` ConfigMap.

kubeadm decides which pause image a cluster expects: ``<imageRepository>/pause:``
the PauseVersion of its ``kubernetesVersion`` (pause-facts.md §1). It can also pin
the kubelet's ``--pod-infra-container-image`` through
``nodeRegistration.kubeletExtraArgs``, a flag ``kubeadm upgrade`` never strips
(§2). This reader reports those three values, as written and where written; it
does not resolve labels such as ``stable-1.29`` or ``${K8S_VERSION}``.

What it reads:

* every YAML document whose ``apiVersion`` is in the ``kubeadm.k8s.io`` group, in
  any version (v1alpha2 to v1beta4 -- whether a kubeadm release still accepts a
  version is policy, not format), and whose ``kind`` is ClusterConfiguration,
  InitConfiguration, JoinConfiguration, or the pre-v1beta1 MasterConfiguration
  (cluster and init settings in one) and NodeConfiguration;
* a document with one of those kinds but no ``apiVersion``: read, and reported as
  an InputError too, because kubeadm refuses such a file;
* a ``kind: List`` of such documents.

The ``kubeadm-config`` ConfigMap, which holds a ClusterConfiguration as a string, is
a format of its own that unwraps the string and hands it here
(:mod:`pauselint.sources.kubeadm_configmap`).

Every other document (KubeletConfiguration, KubeProxyConfiguration, ...) is skipped
silently: it is someone else's format, not an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from yaml.nodes import Node

from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.sources.layering import LayerContext, Layered
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import (
    OUTER,
    Origin,
    compose_documents,
    elements,
    get,
    get_path,
    items,
    kind_name,
    scalar,
)

API_GROUP = "kubeadm.k8s.io/"
POD_INFRA_ARG = "pod-infra-container-image"
POD_INFRA_KEY = f"nodeRegistration.kubeletExtraArgs.{POD_INFRA_ARG}"

# Kinds that carry cluster-wide settings and kinds that carry a nodeRegistration.
CLUSTER_KINDS = frozenset({"ClusterConfiguration", "MasterConfiguration"})
NODE_KINDS = frozenset(
    {"InitConfiguration", "JoinConfiguration", "MasterConfiguration", "NodeConfiguration"}
)
# kubeletExtraArgs became a list of {name, value} in v1beta4; before, a string map.
LIST_ARGS_VERSIONS = frozenset({"v1beta4"})

_TEMPLATE_MARKERS = re.compile(r"\{\{|\{%")


def read_kubeadm(path: str, text: str) -> ConfigFile:
    """Return the kubernetesVersion, imageRepository and kubelet pause flag in one file.

    Never raises. Invalid YAML (a Jinja template included) gives no settings and
    one InputError with the line, because kubeadm would load nothing from it; an
    empty file gives neither settings nor errors.
    """
    documents, problem = compose_documents(text)
    if problem is not None:
        message = f"invalid YAML: {problem.message}"
        if _TEMPLATE_MARKERS.search(text):
            message += "; this looks like a template -- check the rendered file instead"
        return ConfigFile(
            path=path,
            component=Component.KUBEADM,
            errors=(InputError(path, problem.line, message),),
        )

    reader = _Reader(path, text)
    for document in documents:
        reader.document(document, OUTER)
    settings = sorted(reader.settings, key=lambda s: s.location.sort_key())
    return ConfigFile(
        path=path,
        component=Component.KUBEADM,
        settings=tuple(settings),
        errors=tuple(reader.errors),
    )


class _Reader:
    """Collects settings and errors across the documents of one file."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.settings: list[Setting] = []
        self.errors: list[InputError] = []

    def location(self, node: Node, origin: Origin) -> Location:
        line, column = origin.position(node)
        return Location(self.path, line, column)

    def error(self, node: Node, origin: Origin, message: str) -> None:
        self.errors.append(InputError(self.path, origin.position(node)[0], message))

    def document(self, node: Node, origin: Origin) -> None:
        kind = scalar(get(node, "kind"))
        api_version = scalar(get(node, "apiVersion"))
        if kind == "List":
            for item in elements(get(node, "items")):
                self.document(item, origin)
        elif api_version is not None and api_version.startswith(API_GROUP):
            self.kubeadm_document(node, origin, kind, api_version.removeprefix(API_GROUP))
        elif api_version is None and kind in CLUSTER_KINDS | NODE_KINDS:
            self.error(
                node,
                origin,
                f"this {kind} has no apiVersion; kubeadm refuses a file with such a document "
                "(kind and apiVersion are mandatory)",
            )
            self.kubeadm_document(node, origin, kind, None)

    def kubeadm_document(
        self, node: Node, origin: Origin, kind: str | None, version: str | None
    ) -> None:
        if kind in CLUSTER_KINDS:
            self.cluster_value(node, origin, kind, "kubernetesVersion", Role.KUBERNETES_VERSION)
            self.cluster_value(node, origin, kind, "imageRepository", Role.IMAGE_REPOSITORY)
        if kind in NODE_KINDS:
            self.kubelet_extra_args(node, origin, kind, version)

    def cluster_value(self, node: Node, origin: Origin, kind: str, key: str, role: Role) -> None:
        value_node = get(node, key)
        if value_node is None:
            return
        value = scalar(value_node)
        if value is None:
            if kind_name(value_node) != "empty":
                self.error(
                    value_node,
                    origin,
                    f"{kind}.{key} must be a string, not {kind_name(value_node)}",
                )
            return
        self.settings.append(
            Setting(
                component=Component.KUBEADM,
                role=role,
                key=f"{kind}.{key}",
                value=value,
                location=self.location(value_node, origin),
            )
        )

    def kubelet_extra_args(
        self, node: Node, origin: Origin, kind: str | None, version: str | None
    ) -> None:
        """Read ``pod-infra-container-image`` from either shape of kubeletExtraArgs.

        Both shapes are read whatever the version says, so the value is never lost;
        a shape the version cannot decode is also an InputError, since kubeadm
        then fails to load the file. A repeated flag: the last one wins, as the
        kubelet's own flag parsing does.
        """
        args = get_path(node, "nodeRegistration", "kubeletExtraArgs")
        if args is None or kind_name(args) == "empty":
            return
        wants_list = version in LIST_ARGS_VERSIONS
        if kind_name(args) not in ("a mapping", "a list"):
            self.error(args, origin, f"{kind}.nodeRegistration.kubeletExtraArgs is a scalar")
            return
        is_list = kind_name(args) == "a list"
        if version is not None and is_list != wants_list:
            expected = "a list of {name, value}" if wants_list else "a map of flag: value"
            self.error(
                args,
                origin,
                f"kubeadm.k8s.io/{version} expects kubeletExtraArgs as {expected}, "
                f"not {kind_name(args)}; kubeadm fails to decode this file",
            )
        found = list(_list_args(args) if is_list else _map_args(args))
        for index, value_node in enumerate(found):
            value = scalar(value_node)
            if value is None:
                continue
            self.settings.append(
                Setting(
                    component=Component.KUBEADM,
                    role=Role.POD_INFRA_FLAG,
                    key=POD_INFRA_KEY,
                    value=value,
                    location=self.location(value_node, origin),
                    effective=index == len(found) - 1,
                )
            )


# Wrappers that hold kubeadm's documents as YAML mappings (Cluster API's
# clusterConfiguration, initConfiguration, joinConfiguration) read them with this.
DocumentReader = _Reader


def _map_args(args: Node) -> Iterator[Node]:
    for key_node, value_node in items(args):
        if scalar(key_node) == POD_INFRA_ARG:
            yield value_node


def _list_args(args: Node) -> Iterator[Node]:
    for element in elements(args):
        if scalar(get(element, "name")) == POD_INFRA_ARG:
            value_node = get(element, "value")
            if value_node is not None:
                yield value_node


# --- the reader protocol (sources/registry.py) ------------------------------------


def read_source(source: SourceText) -> ConfigFile:
    """:func:`read_kubeadm` on a SourceText, positions in the file to report."""
    return source.relocate(read_kubeadm(source.path, source.text))


def layer(files: Sequence[tuple[ConfigFile, str]], context: LayerContext) -> Layered:
    """kubeadm configures no runtime: its kubelet flag joins the node's runtime."""
    configs = tuple(config for config, _ in files)
    flags = tuple(s for f in configs for s in f.settings if s.role is Role.POD_INFRA_FLAG)
    return Layered(attached=flags, carriers=configs)
