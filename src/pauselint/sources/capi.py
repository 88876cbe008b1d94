"""Cluster API bootstrap objects: the node configs a KubeadmConfig(Template) or
KubeadmControlPlane(Template) carries, read as the files they become on the node.

A config repository rarely holds bare ``/etc`` files for Cluster API clusters: the
containerd config is a ``files[]`` entry written at boot, the kubelet flag is
``kubeletExtraArgs``, the Kubernetes version is the control plane's ``spec.version``.
This wrapper unwraps them (:func:`unwrap`), so each embedded file is read by its own
format's reader at the path it will be written to, with every position mapped into
the object's file, and the whole object is one node: its containerd config and its
kubelet flag are compared as on the machine it makes.

What is read, per ``kubeadmConfigSpec`` (Cluster API v1beta1 and v1beta2):
``files[]`` (``content`` plain, ``base64`` or ``gzip+base64``; ``contentFrom`` names a
Secret, which is not read), ``clusterConfiguration`` (its ``imageRepository``),
``initConfiguration``/``joinConfiguration`` ``nodeRegistration.kubeletExtraArgs`` (a
map in v1beta1, a list of ``{name, value}`` in v1beta2), and a control plane's
``spec.version``. Shapes from cluster-api ``api/bootstrap/kubeadm/v1beta2`` and
``bootstrap/kubeadm/api/v1beta1`` (kubeadmconfig_types.go).
"""

from __future__ import annotations

import re

from pauselint.model import Component, ConfigFile, Role, Setting
from pauselint.sources.embedded import Unwrapped, file_entry, invalid_yaml
from pauselint.sources.kinds import InputType
from pauselint.sources.kubeadm import DocumentReader
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import (
    OUTER,
    compose_documents,
    elements,
    get,
    get_path,
    scalar,
)

GROUPS = ("bootstrap.cluster.x-k8s.io/", "controlplane.cluster.x-k8s.io/")
# Where each kind keeps its KubeadmConfigSpec.
SPEC_PATHS = {
    "KubeadmConfig": ("spec",),
    "KubeadmConfigTemplate": ("spec", "template", "spec"),
    "KubeadmControlPlane": ("spec", "kubeadmConfigSpec"),
    "KubeadmControlPlaneTemplate": ("spec", "template", "spec", "kubeadmConfigSpec"),
}
# A boot command that edits the sandbox image (sed/echo/tee into a runtime config):
# what it writes is not known before it runs, so it is named, not guessed.
_SETS_SANDBOX = re.compile(r"(?:sandbox_image|pause_image|pinned_images|pause-image"
                           r"|pod-infra-container-image|/pause:)", re.I)
# The control plane kinds whose spec.version is the cluster's Kubernetes version.
VERSIONED = {"KubeadmControlPlane": ("spec", "version")}


def unwrap(source: SourceText) -> list[Unwrapped]:
    """The files and settings every Cluster API kubeadm object in ``source`` holds."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, Component.KUBEADM, InputType.KUBEADM)
    reader = DocumentReader(source.path, source.text)
    parts: list[Unwrapped] = []
    for document in documents:
        api_version = scalar(get(document, "apiVersion")) or ""
        kind = scalar(get(document, "kind")) or ""
        if not api_version.startswith(GROUPS) or kind not in SPEC_PATHS:
            continue
        spec = get_path(document, *SPEC_PATHS[kind])
        # v1beta2 took kubeadm v1beta4's list of {name, value} for kubeletExtraArgs.
        kubeadm_version = "v1beta4" if api_version.endswith("/v1beta2") else "v1beta3"
        for key, kubeadm_kind in (("clusterConfiguration", "ClusterConfiguration"),
                                  ("initConfiguration", "InitConfiguration"),
                                  ("joinConfiguration", "JoinConfiguration")):
            block = get(spec, key)
            if block is not None:
                reader.kubeadm_document(block, OUTER, kubeadm_kind, kubeadm_version)
        if kind in VERSIONED:
            version = get_path(document, *VERSIONED[kind])
            if scalar(version):
                reader.settings.append(Setting(
                    Component.KUBEADM, Role.KUBERNETES_VERSION, f"{kind}.spec.version",
                    scalar(version) or "", reader.location(version, OUTER)))
        for entry in elements(get(spec, "files")):
            part = file_entry(source, entry, reader.errors)
            if part is not None:
                parts.append(part)
        for key in ("preKubeadmCommands", "postKubeadmCommands"):
            for command in elements(get(spec, key)):
                if _SETS_SANDBOX.search(scalar(command) or ""):
                    line, _column = OUTER.position(command)
                    parts.append(Unwrapped(note=(
                        f"{source.path}:{line}",
                        f"{key} sets a pause image with a command: not checked (what it "
                        f"writes is known only when it runs)")))
    settings = tuple(sorted(reader.settings, key=lambda s: s.location.sort_key()))
    own = ConfigFile(source.path, Component.KUBEADM, settings=settings,
                     errors=tuple(reader.errors))
    return [Unwrapped(config=own, kind=InputType.KUBEADM), *parts]


def read_source(source: SourceText) -> ConfigFile:
    """The object's own settings (kubeadm's), for callers that read one file as one
    config; reading.read_inputs unwraps it whole."""
    parts = unwrap(source)
    return next(p.config for p in parts if p.config is not None)
