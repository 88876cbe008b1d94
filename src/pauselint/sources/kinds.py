"""The kinds of input pauselint reads: the ``--type`` values, shared by detection and reading."""

from __future__ import annotations

import enum


class InputType(str, enum.Enum):
    """The kinds of input the CLI accepts; values are the ``--type`` choices."""

    CONTAINERD = "containerd"
    CRIO = "cri-o"
    KUBELET_ENV = "kubelet-env"
    SYSTEMD = "systemd"
    KUBEADM = "kubeadm"
    KUBELET_CONFIG = "kubelet-config"
    K3S = "k3s"
    CLUSTER_API = "cluster-api"
    CLOUD_INIT = "cloud-init"
    KOPS = "kops"
    EKS = "eks-nodeconfig"
    IGNITION = "ignition"
    TALOS = "talos"
    # Where pulls go (issue 15): node files that configure no runtime of their own.
    CONTAINERD_HOSTS = "containerd-hosts"
    REGISTRIES_CONF = "registries-conf"
