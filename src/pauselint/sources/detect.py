"""Tell what kind of node config a file is, so the CLI can pick a reader.

Names come first because they are what users and tools agree on
(``/etc/crio/crio.conf``, ``/etc/containerd/config.toml``), but names lie: a
``config.toml`` can be CRI-O's, a ``.conf`` can be a systemd drop-in. So a few
unmistakable lines of content override the name, and the name only decides when
the content says nothing. Only the head of the file is looked at, with
regular expressions, so detection stays cheap on big files and cannot raise.
"""

from __future__ import annotations

import enum
import itertools
import re
from pathlib import PurePath

# Enough to reach the first tables of a fully commented crio.conf (its [crio]
# header sits after ~15 comment lines, [crio.image] after ~300).
_HEAD_CHARS = 64 * 1024


class InputType(str, enum.Enum):
    """The kinds of input the CLI accepts; values are the ``--type`` choices."""

    CONTAINERD = "containerd"
    CRIO = "cri-o"
    KUBELET_ENV = "kubelet-env"
    SYSTEMD = "systemd"
    KUBEADM = "kubeadm"
    KUBELET_CONFIG = "kubelet-config"
    K3S = "k3s"


# Content markers, tried in this order; the first match decides. Order matters:
# a kubeadm file embeds a KubeletConfiguration, and a systemd unit mentions
# KUBELET_EXTRA_ARGS, so the more specific kind is tried first. Markers are
# anchored at column 0 on purpose: YAML wrappers (MachineConfig templates, kops
# tasks, EKS NodeConfig) embed indented units and TOML that no reader here can
# read directly, and "cannot tell" serves the user better than the wrong reader.
_CONTENT_RULES: tuple[tuple[InputType, re.Pattern[str]], ...] = (
    (InputType.SYSTEMD, re.compile(r"^\[(?:Unit|Service|Install)\][ \t]*$", re.M)),
    (
        InputType.KUBEADM,
        re.compile(
            r"^\"?apiVersion\"?[ \t]*:[ \t]*[\"']?kubeadm\.k8s\.io/"
            # the kubeadm-config ConfigMap as `kubectl get cm -o yaml` prints it
            r"|^[ \t]+ClusterConfiguration[ \t]*:[ \t]*[|>]",
            re.M,
        ),
    ),
    (
        InputType.KUBELET_CONFIG,
        re.compile(
            r"^kind[ \t]*:[ \t]*[\"']?KubeletConfiguration\b"
            r"|\"kind\"[ \t]*:[ \t]*\"KubeletConfiguration\"",
            re.M,
        ),
    ),
    (InputType.CRIO, re.compile(r"^\[\[?[ \t]*\"?crio[\].\"]|^crio\.[\w.\"-]+[ \t]*=", re.M)),
    (
        InputType.CONTAINERD,
        re.compile(
            r"^\[\[?[ \t]*plugins[\].\"]"
            r"|^version[ \t]*=[ \t]*[23][ \t]*(?:#.*)?$"
            r"|^[^#\s].*io\.containerd\.",
            re.M,
        ),
    ),
    (InputType.K3S, re.compile(r"^[\"']?pause-image[\"']?[ \t]*:", re.M)),
    (
        InputType.KUBELET_ENV,
        re.compile(r"^(?:export[ \t]+)?KUBELET_(?:KUBEADM_|EXTRA_)?ARGS[ \t]*=", re.M),
    ),
)


# A containerd registry ``hosts.toml`` lives under /etc/containerd too, but holds
# no runtime config: its folder must not make it look like one.
_REGISTRY_HOSTS = re.compile(r"^\[host\.|^server[ \t]*=", re.M)


def detect_type(path: str, text: str) -> InputType | None:
    """Guess the input type of ``path`` from its content, then its name; None when unsure.

    None is an answer, not a failure: the CLI then asks for ``--type`` rather
    than run the wrong reader and report nonsense.
    """
    try:
        head = text[:_HEAD_CHARS].removeprefix("\ufeff")
        found = _by_content(head)
        if found is None and not _REGISTRY_HOSTS.search(head):
            found = _by_name(path)
        return found
    except Exception:  # detection is a guess; a guess must never crash a run
        return None


def _by_content(head: str) -> InputType | None:
    for input_type, pattern in _CONTENT_RULES:
        if pattern.search(head):
            return input_type
    return None


def _by_name(path: str) -> InputType | None:
    p = PurePath(path.replace("\\", "/"))
    name = p.name.lower()
    parents = [part.lower() for part in p.parent.parts]
    parent = parents[-1] if parents else ""

    if name.endswith(".service") or (name.endswith(".conf") and parent.endswith(".service.d")):
        return InputType.SYSTEMD
    if name in ("crio.conf", "crio.conf.default") or (
        parent == "crio.conf.d" and not name.endswith((".yaml", ".yml"))
    ):
        return InputType.CRIO
    if name.endswith(".toml") and any("containerd" in part for part in parents):
        return InputType.CONTAINERD
    if name == "kubeadm-flags.env" or (name == "kubelet" and parent in ("default", "sysconfig")):
        return InputType.KUBELET_ENV
    if name.endswith((".yaml", ".yml")) and _under_rancher_distro(parents):
        return InputType.K3S
    return None


def _under_rancher_distro(parents: list[str]) -> bool:
    """True for files under ``rancher/k3s`` or ``rancher/rke2`` (their config folders)."""
    return any(
        first == "rancher" and second in ("k3s", "rke2")
        for first, second in itertools.pairwise(parents)
    )
