"""Node and ConfigMap objects shaped like the ones real clusters return.

The cluster tests must exercise the same JSON a kubelet publishes, not a trimmed
sketch of it: the reader is supposed to skip what it does not need page by page,
and that only shows when pages carry labels, conditions and image lists of real
size (about 4 KB a node). The shapes follow the Node objects kept in
`../shared/corpus/cluster` (sonobuoy's kind dump, troubleshoot's DOKS NodeList,
k9s' minikube nodes), and `corpus_nodes()` serves those very objects when the
corpus is present.

Everything is deterministic (UIDs, digests, timestamps derive from the node name)
so tests can assert exact values.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

# Manifest-list digests of the upstream pause tags (shared/reference/pause-facts.md 3.1);
# other tags get a stable made-up digest.
PAUSE_DIGESTS = {
    "3.2": "sha256:927d98197ec1141a368550822d18fa1c60bdae27b78b0c004f705f548c07814f",
    "3.3": "sha256:a319ac2280eb7e3a59e252e54b76327cb4a33cf8389053b0d78277f22bbca2fa",
    "3.5": "sha256:1ff6c18fbef2045af6b9c16bf034cc421a29027b800e4f9b68ae9b1cb3e9ae07",
    "3.6": "sha256:3d380ca8864549e74af4b29c10f9cb0956236dfb01c40ca076fb6c37253234db",
    "3.7": "sha256:bb6ed397957e9ca7c65ada0db5c5d1c707c9c8afc80a94acbe69f3ae76988f0c",
    "3.8": "sha256:9001185023633d17a2f98ff69b6ff2615b8ea02a825adffa40422f51dfdcde9d",
    "3.9": "sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097",
    "3.10": "sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a",
    "3.10.1": "sha256:278fb9dbcca9518083ad1e11276933a2e96f23de604a3a08cc3c80002767d24c",
}

LTSC2022_BUILD = "10.0.20348"

# What a worker typically holds besides the pause image, biggest first as the
# kubelet sorts them. (name, tag, size in bytes)
_WORKLOAD_IMAGES = (
    ("registry.k8s.io/kube-proxy", "v1.31.4", 30_230_147),
    ("docker.io/calico/node", "v3.28.2", 141_734_118),
    ("docker.io/calico/cni", "v3.28.2", 94_535_610),
    ("registry.k8s.io/ingress-nginx/controller", "v1.11.3", 105_336_422),
    ("quay.io/prometheus/node-exporter", "v1.8.2", 12_232_931),
    ("registry.k8s.io/coredns/coredns", "v1.11.3", 18_562_039),
    ("docker.io/library/nginx", "1.27.3", 72_950_530),
    ("registry.k8s.io/metrics-server/metrics-server", "v0.7.2", 19_494_617),
    ("docker.io/grafana/promtail", "3.2.1", 81_062_342),
    ("registry.k8s.io/sig-storage/csi-node-driver-registrar", "v2.12.0", 10_985_341),
    ("docker.io/library/redis", "7.4.1", 45_993_214),
    ("quay.io/jetstack/cert-manager-controller", "v1.16.2", 21_874_906),
)

_WINDOWS_WORKLOAD_IMAGES = (
    ("mcr.microsoft.com/windows/servercore", "ltsc2022", 2_113_458_941),
    ("mcr.microsoft.com/windows/nanoserver", "ltsc2022", 121_387_712),
    ("sigwindowstools/kube-proxy", "v1.31.4-calico-hostprocess", 24_215_432),
    ("docker.io/calico/node-windows", "v3.28.2", 255_101_220),
)

_CRI_SOCKETS = {
    "containerd": "unix:///run/containerd/containerd.sock",
    "cri-o": "unix:///var/run/crio/crio.sock",
}


@functools.lru_cache(maxsize=256)  # a fleet repeats a few dozen images on every node
def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _uid(name: str, kind: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{kind}.{name}.pauselint.test"))


def _image(ref: str, size: int) -> dict[str, Any]:
    """One `status.images` entry: digest name first, then the tag, as kubelets report."""
    repo, _, tag = ref.rpartition(":")
    if "/" in tag or not repo:  # no tag at all (a bare digest or a registry port)
        return {"names": [ref], "sizeBytes": size}
    digest = PAUSE_DIGESTS.get(tag) if repo.endswith("/pause") else None
    return {"names": [f"{repo}@{digest or _digest(ref)}", ref], "sizeBytes": size}


def _os_image(os: str, runtime: str, arch: str) -> tuple[str, str]:
    """(osImage, kernelVersion) typical for this runtime and OS."""
    if os == "windows":
        return "Windows Server 2022 Datacenter", "10.0.20348.2849"
    if runtime.startswith("cri-o://"):
        return (
            "Red Hat Enterprise Linux CoreOS 417.94.202410211619-0",
            "5.14.0-427.40.1.el9_4.x86_64" if arch == "amd64" else "5.14.0-427.40.1.el9_4.aarch64",
        )
    if runtime.startswith("containerd://2."):
        return "Ubuntu 24.04.1 LTS", "6.8.0-49-generic"
    return "Ubuntu 22.04.5 LTS", "5.15.0-126-generic"


def make_node(
    name: str,
    *,
    arch: str = "amd64",
    os: str = "linux",
    kubelet: str = "v1.31.4",
    runtime: str = "containerd://1.7.20",
    windows_build: str | None = None,
    pause_images: tuple[str, ...] | list[str] = ("registry.k8s.io/pause:3.10",),
    extra_images: int = 8,
) -> dict[str, Any]:
    """A Node object as `GET /api/v1/nodes/{name}` returns it (about 4 KB).

    Windows nodes carry the `node.kubernetes.io/windows-build` label the kubelet
    sets; `windows_build=None` on a Windows node means ltsc2022 (10.0.20348), and
    `windows_build=""` leaves the label out to model a node that lacks it.
    `extra_images` non-pause images (at most 12 Linux / 4 Windows) come before the
    pause images, which are listed last as the smallest.
    """
    windows = os == "windows"
    if windows and windows_build is None:
        windows_build = LTSC2022_BUILD
    runtime_name = runtime.split("://", 1)[0]
    os_image, kernel = _os_image(os, runtime, arch)
    seed = hashlib.sha256(name.encode()).hexdigest()
    # Stable small numbers per node, so addresses and times differ but never change.
    n = int(seed[:6], 16)
    created = (
        f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{(n >> 6) % 60:02d}Z"
    )
    heartbeat = "2025-01-15T10:42:17Z"

    labels = {
        "beta.kubernetes.io/arch": arch,
        "beta.kubernetes.io/instance-type": "m6i.xlarge" if arch == "amd64" else "m7g.xlarge",
        "beta.kubernetes.io/os": os,
        "kubernetes.io/arch": arch,
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": os,
        "node.kubernetes.io/instance-type": "m6i.xlarge" if arch == "amd64" else "m7g.xlarge",
        "topology.kubernetes.io/region": "eu-west-1",
        "topology.kubernetes.io/zone": f"eu-west-1{'abc'[n % 3]}",
    }
    if windows_build:
        labels["node.kubernetes.io/windows-build"] = windows_build
    annotations = {
        "kubeadm.alpha.kubernetes.io/cri-socket": (
            "npipe:////./pipe/containerd-containerd"
            if windows
            else _CRI_SOCKETS.get(runtime_name, "unix:///run/containerd/containerd.sock")
        ),
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    ip = f"10.{n % 200}.{(n >> 8) % 250}.{1 + (n >> 16) % 250}"
    pod_cidr = f"10.244.{n % 250}.0/24"

    workload = _WINDOWS_WORKLOAD_IMAGES if windows else _WORKLOAD_IMAGES
    images = [_image(f"{repo}:{tag}", size) for repo, tag, size in workload[:extra_images]]
    images.sort(key=lambda image: -image["sizeBytes"])
    pause_size = 320_368 if not windows else 129_384_721
    images += [_image(ref, pause_size) for ref in pause_images]

    resources = {
        "cpu": "4",
        "ephemeral-storage": "83873772Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": "16214040Ki",
        "pods": "110",
    }
    allocatable = dict(
        resources, cpu="3920m", memory="15194136Ki", **{"ephemeral-storage": "76224326324"}
    )
    if windows:
        for key in ("hugepages-1Gi", "hugepages-2Mi"):
            del resources[key], allocatable[key]

    def condition(kind: str, status: str, reason: str, message: str) -> dict[str, str]:
        return {
            "lastHeartbeatTime": heartbeat,
            "lastTransitionTime": created,
            "message": message,
            "reason": reason,
            "status": status,
            "type": kind,
        }

    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "uid": _uid(name, "node"),
            "resourceVersion": str(1000 + n % 90000),
            "creationTimestamp": created,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": {
            "podCIDR": pod_cidr,
            "podCIDRs": [pod_cidr],
            "providerID": f"aws:///eu-west-1{'abc'[n % 3]}/i-0{seed[6:22]}",
        },
        "status": {
            "capacity": resources,
            "allocatable": allocatable,
            "conditions": [
                condition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                condition(
                    "DiskPressure",
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                ),
                condition(
                    "PIDPressure",
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                ),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": seed[:32],
                "systemUUID": _uid(name, "system").upper() if windows else _uid(name, "system"),
                "bootID": _uid(name, "boot"),
                "kernelVersion": kernel,
                "osImage": os_image,
                "containerRuntimeVersion": runtime,
                "kubeletVersion": kubelet,
                "kubeProxyVersion": kubelet,
                "operatingSystem": os,
                "architecture": arch,
            },
            "images": images,
        },
    }


# The repeating pattern of `fleet()`: (arch, os, runtime). All run kubelet v1.31.4
# and hold registry.k8s.io/pause:3.10, which every one of these runtimes and the
# Windows ltsc2022 build can use: a healthy mixed fleet tests can add drift to.
FLEET_PATTERN: tuple[tuple[str, str, str], ...] = (
    ("amd64", "linux", "containerd://1.7.20"),
    ("arm64", "linux", "containerd://1.7.20"),
    ("amd64", "linux", "containerd://2.0.0"),
    ("amd64", "linux", "cri-o://1.31.2"),
    ("amd64", "windows", "containerd://1.7.20"),
)


def fleet(count: int) -> list[dict[str, Any]]:
    """`count` nodes named node-0000, node-0001, ... cycling through FLEET_PATTERN.

    Node i is FLEET_PATTERN[i % 5]; Windows nodes are ltsc2022 (10.0.20348). The
    names sort in index order, which is also the order the server pages them in.
    """
    return list(iter_fleet(count))


def iter_fleet(count: int) -> Iterator[dict[str, Any]]:
    """`fleet(count)` one node at a time, for a benchmark's 100,000 nodes: node i is
    the same whatever `count` is, so a smaller fleet is a prefix of a larger one."""
    for index in range(count):
        arch, os, runtime = FLEET_PATTERN[index % len(FLEET_PATTERN)]
        yield make_node(f"node-{index:04d}", arch=arch, os=os, runtime=runtime)


def kubeadm_config_map(
    kubernetes_version: str = "v1.31.4", image_repository: str = "registry.k8s.io"
) -> dict[str, Any]:
    """The `kube-system/kubeadm-config` ConfigMap kubeadm writes at `init`."""
    cluster_configuration = {
        "apiServer": {},
        "apiVersion": "kubeadm.k8s.io/v1beta4",
        "caCertificateValidityPeriod": "87600h0m0s",
        "certificateValidityPeriod": "8760h0m0s",
        "certificatesDir": "/etc/kubernetes/pki",
        "clusterName": "kubernetes",
        "controllerManager": {},
        "dns": {},
        "encryptionAlgorithm": "RSA-2048",
        "etcd": {"local": {"dataDir": "/var/lib/etcd"}},
        "imageRepository": image_repository,
        "kind": "ClusterConfiguration",
        "kubernetesVersion": kubernetes_version,
        "networking": {
            "dnsDomain": "cluster.local",
            "podSubnet": "10.244.0.0/16",
            "serviceSubnet": "10.96.0.0/12",
        },
        "proxy": {},
        "scheduler": {},
    }
    return _config_map(
        "kubeadm-config", {"ClusterConfiguration": yaml.safe_dump(cluster_configuration)}
    )


def kubelet_config_map(**overrides: Any) -> dict[str, Any]:
    """The `kube-system/kubelet-config` ConfigMap kubeadm writes (key `kubelet`).

    `overrides` are merged into the KubeletConfiguration's top level.
    """
    kubelet_configuration = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"cacheTTL": "0s", "enabled": True},
            "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"},
        },
        "authorization": {"mode": "Webhook"},
        "cgroupDriver": "systemd",
        "clusterDNS": ["10.96.0.10"],
        "clusterDomain": "cluster.local",
        "containerRuntimeEndpoint": "",
        "kind": "KubeletConfiguration",
        "logging": {"format": "text"},
        "rotateCertificates": True,
        "staticPodPath": "/etc/kubernetes/manifests",
        **overrides,
    }
    return _config_map("kubelet-config", {"kubelet": yaml.safe_dump(kubelet_configuration)})


def _config_map(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": "kube-system",
            "uid": _uid(name, "configmap"),
            "resourceVersion": "231",
            "creationTimestamp": "2024-03-04T09:12:44Z",
        },
        "data": data,
    }


def corpus_dir() -> Path:
    """`<repo>/../shared/corpus/cluster`, which may be absent."""
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "cluster"


# The files in the corpus that hold Node objects, in a fixed order.
CORPUS_NODE_FILES = (
    "sonobuoy-core_v1_nodes.json",
    "troubleshoot-nodelist-doks.json",
    "k9s-node-docker-1.15.json",
    "k9s-node-docker-1.17.json",
    "popeye-node-list.yaml",
)


def corpus_nodes() -> list[dict[str, Any]]:
    """The real Node objects of the corpus, in CORPUS_NODE_FILES order (17 nodes).

    Both k9s files describe a node called "minikube"; an API server cannot hold
    two nodes of one name, so later duplicates get "-2", "-3" appended. Popeye's
    n3-n5 have no `nodeInfo` at all, as in the original file. None when
    `corpus_dir()` does not exist: callers skip.
    """
    nodes: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    if not corpus_dir().is_dir():  # a user's clone: no ../shared
        return nodes
    for file_name in CORPUS_NODE_FILES:
        text = (corpus_dir() / file_name).read_text()
        document = yaml.safe_load(text) if file_name.endswith(".yaml") else json.loads(text)
        for node in document.get("items", [document]):
            name = node["metadata"]["name"]
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                node["metadata"]["name"] = f"{name}-{seen[name]}"
            nodes.append(node)
    return nodes
