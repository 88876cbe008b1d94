"""kOps: the cluster spec's node settings, and the files nodeup writes.

* A ``Cluster`` or ``InstanceGroup`` (``kops.k8s.io``): ``spec.containerd.configOverride``
  replaces the whole ``/etc/containerd/config.toml`` nodeup would write, and is read
  as that file; ``spec.kubelet.podInfraContainerImage`` is the kubelet's
  ``--pod-infra-container-image``; a Cluster's ``spec.kubernetesVersion`` is the
  Kubernetes version. Shape: kubernetes/kops pkg/apis/kops/v1alpha2
  (``ContainerdConfig.ConfigOverride``, ``KubeletConfigSpec.PodInfraContainerImage``).
* nodeup tasks: each YAML document ``{contents, path, type: file}`` is a file nodeup
  writes at ``path`` (``/etc/containerd/config.toml``, ``/etc/sysconfig/kubelet``),
  read by its own format there. Shape: kops nodeup/pkg/model/tests/*/tasks.yaml
  (``nodetasks.File``: ``contents``, ``path``, ``type``).

Each is positioned in this file.
"""

from __future__ import annotations

from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.sources.embedded import Unwrapped, embedded_file, file_entry, invalid_yaml
from pauselint.sources.kinds import InputType
from pauselint.sources.kubelet import FLAG
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import OUTER, Node, compose_documents, get, get_path, scalar

API_GROUP = "kops.k8s.io/"
CONTAINERD_CONFIG = "/etc/containerd/config.toml"


def unwrap(source: SourceText) -> list[Unwrapped]:
    """Every file task of the document stream, as the file it writes."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, None, InputType.KOPS)
    errors: list[InputError] = []
    parts = [part for document in documents if scalar(get(document, "type")) == "file"
             if (part := file_entry(source, document, errors, content_key="contents"))
             is not None]
    for document in documents:
        if (scalar(get(document, "apiVersion")) or "").startswith(API_GROUP):
            parts.extend(_spec(source, document, errors))
    own = [Unwrapped(config=ConfigFile(source.path, None, errors=tuple(errors)),
                     kind=InputType.KOPS)] if errors else []
    return [*own, *parts]


def _spec(source: SourceText, document: Node, errors: list[InputError]) -> list[Unwrapped]:
    parts: list[Unwrapped] = []
    override = embedded_file(source, CONTAINERD_CONFIG,
                             get_path(document, "spec", "containerd", "configOverride"), "",
                             errors)
    if override is not None:
        parts.append(override)
    image = get_path(document, "spec", "kubelet", "podInfraContainerImage")
    if scalar(image):
        flag = Setting(Component.KUBELET, Role.POD_INFRA_FLAG,
                       FLAG, scalar(image) or "",
                       Location(source.path, *OUTER.position(image)))
        parts.append(Unwrapped(config=ConfigFile(source.path, Component.KUBELET,
                                                 settings=(flag,)),
                               kind=InputType.KUBELET_ENV))
    version = get_path(document, "spec", "kubernetesVersion")
    if scalar(version):
        setting = Setting(Component.KUBEADM, Role.KUBERNETES_VERSION, "spec.kubernetesVersion",
                          scalar(version) or "", Location(source.path, *OUTER.position(version)))
        parts.append(Unwrapped(config=ConfigFile(source.path, Component.KUBEADM,
                                                 settings=(setting,)),
                               kind=InputType.KUBEADM))
    return parts


def read_source(source: SourceText) -> ConfigFile:
    """For callers that read one file as one config: only the tasks' own errors."""
    parts = unwrap(source)
    own = next((p.config for p in parts if p.config is not None), None)
    return own or ConfigFile(source.path, None)
