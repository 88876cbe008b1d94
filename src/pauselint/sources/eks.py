"""EKS nodeadm ``NodeConfig``: the containerd config and kubelet flags it gives a node.

``spec.containerd.config`` is TOML that nodeadm merges over its own base config and
writes to ``/etc/containerd/config.toml``; it is read as that file (what it sets is
judged; the base nodeadm adds is not known here, so a value it leaves to the base is
not seen). ``spec.kubelet.flags`` are the kubelet's command-line flags, each read
where it is written. Shape: awslabs/amazon-eks-ami nodeadm/api/v1alpha1
(nodeconfig_types.go: ``ContainerdOptions.Config``, ``KubeletOptions.Flags``).
"""

from __future__ import annotations

from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.sources.embedded import Unwrapped, embedded_file, invalid_yaml
from pauselint.sources.kinds import InputType
from pauselint.sources.kubelet import FLAG
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import OUTER, compose_documents, elements, get_path, scalar

API_GROUP = "node.eks.aws/"
CONTAINERD_CONFIG = "/etc/containerd/config.toml"


def unwrap(source: SourceText) -> list[Unwrapped]:
    """The containerd config and kubelet flags of every NodeConfig in ``source``."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, Component.KUBELET, InputType.EKS)
    errors: list[InputError] = []
    parts: list[Unwrapped] = []
    flags: list[Setting] = []
    for document in documents:
        if not (scalar(get_path(document, "apiVersion")) or "").startswith(API_GROUP):
            continue
        config = embedded_file(source, CONTAINERD_CONFIG,
                               get_path(document, "spec", "containerd", "config"), "", errors)
        if config is not None:
            parts.append(config)
        for node in elements(get_path(document, "spec", "kubelet", "flags")):
            text = scalar(node) or ""
            name, equals, value = text.partition("=")
            if name.strip() != FLAG or not equals:
                continue
            line, column = OUTER.position(node)
            # A plain scalar starts at its first character; quoted ones one later.
            start = column + (1 if node.style in ("'", '"') else 0) + len(name) + 1
            flags.append(Setting(Component.KUBELET, Role.POD_INFRA_FLAG, FLAG, value.strip(),
                                 Location(source.path, line, start)))
    # The last flag given wins, as on a command line.
    flags = [f._replace(effective=i == len(flags) - 1) for i, f in enumerate(flags)]
    own = ConfigFile(source.path, Component.KUBELET, settings=tuple(flags), errors=tuple(errors))
    return [Unwrapped(config=own, kind=InputType.KUBELET_ENV), *parts]


def read_source(source: SourceText) -> ConfigFile:
    """For callers that read one file as one config: the kubelet flags it sets."""
    parts = unwrap(source)
    return next(p.config for p in parts if p.config is not None)
