"""Seed inputs for the fuzz targets: real configs from the repository, sorted by reader.

Seeds come from ``tests/fixtures``, ``examples/`` and, when present, the shared corpus
of real-world files (``/work/shared/corpus``, or ``$PAUSELINT_CORPUS``). A file goes to
the target whose reader the CLI would pick for it (``detect_type``), plus every target
for a text format of its family, so mutations start from structure the reader knows.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_SHARED_CORPUS = Path(os.environ.get("PAUSELINT_CORPUS", REPO.parent / "shared" / "corpus"))
_MAX_SEED_BYTES = 256 * 1024

# Small inputs written out for formats the repository has no files of.
_INLINE: dict[str, tuple[bytes, ...]] = {
    "imageref": (
        b"registry.k8s.io/pause:3.10",
        b"k8s.gcr.io/pause-amd64:3.1",
        b"pause:3.9",
        b"docker.io/library/pause@sha256:" + b"a" * 64,
        b"registry.aliyuncs.com/google_containers/pause:3.9-linuxarm64",
        b"[::1]:5000/pause:3.10",
        b"mcr.microsoft.com/oss/kubernetes/pause:3.6-windows-ltsc2022-amd64",
        b"MyRegistry/pause:latest",
    ),
    "config": (
        b'kubernetes-version: "1.30"\narch: arm64\ndisable: [PL109]\n'
        b"severity: {PL202: warning}\nmirrors: {mirror.example.com: registry.k8s.io}\n"
        b"fail-on: warning\nexclude: ['vendor/**']\n",
        b'[tool.pauselint]\nkubernetes-version = "1.31"\nplatform = "windows/amd64:ltsc2022"\n'
        b'runtime-version = ["containerd=1.7.20"]\nallowed-registries = ["registry.k8s.io"]\n',
        b"runtime: containerd\nruntime-version: 1.7.20\nenable: PL109\n",
    ),
    "compat_overlay": (
        b"repositories:\n- name: registry.example.com/pause\n  tags: ['3.9']\n"
        b"  source: https://example.com\n",
        b"mirrors:\n- prefix: mirror.example.com/k8s\n  upstream: registry.k8s.io\n"
        b"  source: internal\n",
    ),
    "suppressions": (
        b'sandbox_image = "k8s.gcr.io/pause:3.2"  # pauselint: disable=PL103 -- frozen\n',
        b"# pauselint: disable=PL302,PL303\nKUBELET_ARGS=--pod-infra-container-image=x\n",
        b"a = '''\n# pauselint: disable=PL101\n'''\n# PAUSELINT: disabel=PL1\n",
    ),
    "kubelet_config": (
        b"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
        b"cgroupDriver: systemd\n",
        b'{"kind": "KubeletConfiguration", "apiVersion": "kubelet.config.k8s.io/v1beta1"}',
    ),
    "k3s": (
        b"pause-image: registry.k8s.io/pause:3.9\nsystem-default-registry: reg.example.com\n"
        b'kubelet-arg:\n- "pod-infra-container-image=registry.k8s.io/pause:3.6"\n',
        b"kubelet-arg+: [--pod-infra-container-image=x]\n",
    ),
}


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and p.stat().st_size <= _MAX_SEED_BYTES and ".git" not in p.parts)


def _kind_of(path: Path, data: bytes) -> str | None:
    """The target that reads this file, by detection first, then by the corpus folder."""
    from pauselint.sources.detect import InputType, detect_type

    detected = detect_type(str(path), data.decode("utf-8", "replace"))
    by_type = {
        InputType.CONTAINERD: "containerd", InputType.CRIO: "crio",
        InputType.KUBELET_ENV: "kubelet_env", InputType.SYSTEMD: "systemd",
        InputType.KUBEADM: "kubeadm", InputType.KUBELET_CONFIG: "kubelet_config",
        InputType.K3S: "k3s",
    }
    if detected is not None:
        # Wrappers (Cluster API, cloud-init, Ignition, kOps, EKS, Talos) have a target
        # of their own; what they embed is fuzzed through it and the readers' own.
        return by_type.get(detected, "wrappers" if detected in _wrapper_kinds() else None)
    folder = {"containerd": "containerd", "crio": "crio", "kubeadm": "kubeadm", "k3s": "k3s"}
    for part in path.parts:
        if part in folder:
            return folder[part]
    if path.suffix in (".env",) or "kubelet" in path.name:
        return "kubelet_env"
    return None


@functools.cache
def _wrapper_kinds() -> frozenset:
    from pauselint.sources import registry

    return frozenset(entry.kind for entry in registry.FORMATS if entry.unwrap is not None)


def _wrapped_seeds() -> list[bytes]:
    """Real node files put in every wrapper and encoding (tests/fuzz/wrapping.py)."""
    from .wrapping import ENCODINGS, embed

    config = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "registry.k8s.io/pause:3.9"  # pauselint: disable=PL201\n')
    files = {"/etc/containerd/config.toml": config,
             "/etc/default/kubelet": "KUBELET_EXTRA_ARGS=--pod-infra-container-image=x:1\n"}
    return [embed(wrapper, encoding, files, "registry.k8s.io/pause:3.9").text.encode()
            for wrapper, encodings in ENCODINGS.items() for encoding in encodings]


# Targets that read the same syntax: a seed of one is a good start for the others.
_FAMILIES = {
    "containerd": ("crio", "suppressions"),
    "crio": ("containerd",),
    "kubeadm": ("k3s", "kubelet_config", "config", "compat_overlay"),
    "k3s": ("kubeadm", "config"),
    "kubelet_env": ("systemd", "suppressions"),
    "systemd": ("kubelet_env",),
    "kubelet_config": ("kubeadm",),
    "wrappers": ("kubeadm",),
}


def _services(units: list[bytes], envs: list[bytes]) -> list[bytes]:
    """Whole services: a unit, a drop-in and an env file joined (see fuzz_systemd)."""
    from .targets import PART_SEPARATOR

    heads = [u for u in units if b"[Service]" in u and b"ExecStart" in u]
    return [PART_SEPARATOR.join((head, dropin, env))
            for head, dropin, env in zip(heads, reversed(heads), envs * 2, strict=False)]


def _nodes(folders: list[Path]) -> list[bytes]:
    """Whole node folders (examples/*), and corpus files one by one, for fuzz_check."""
    from .targets import PART_SEPARATOR

    out = []
    for folder in folders:
        for node in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else ():
            out.append(PART_SEPARATOR.join(
                str(p.relative_to(node)).encode() + b"\n" + p.read_bytes()
                for p in _files(node)))
    for path in _files(_SHARED_CORPUS):
        kind = _kind_of(path, path.read_bytes())
        place = _NODE_PLACES.get(kind or "")
        if place:
            out.append(place.encode() + b"\n" + path.read_bytes())
    return out


# Where a file of each kind lives on a node, for corpus files checked as nodes.
_NODE_PLACES = {
    "containerd": "etc/containerd/config.toml", "crio": "etc/crio/crio.conf",
    "kubelet_env": "var/lib/kubelet/kubeadm-flags.env",
    "systemd": "etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "kubeadm": "etc/kubernetes/kubeadm-config.yaml", "k3s": "etc/rancher/rke2/config.yaml",
    "wrappers": "bootstrap/user-data.yaml",
}


@functools.cache
def seeds() -> dict[str, tuple[bytes, ...]]:
    """Seed inputs per target name, deduplicated, in a stable order."""
    out: dict[str, list[bytes]] = {name: list(found) for name, found in _INLINE.items()}
    folders = [REPO / "tests" / "fixtures", REPO / "examples", _SHARED_CORPUS]
    for path in (p for folder in folders for p in _files(folder)):
        data = path.read_bytes()
        kind = _kind_of(path, data)
        if kind is None:
            continue
        for name in (kind, *_FAMILIES.get(kind, ())):
            out.setdefault(name, []).append(data)
        out.setdefault("detect", []).append(
            str(path.relative_to(path.parents[2])).encode() + b"\n" + data)
    out["check"] = _nodes(folders[1:])
    out.setdefault("wrappers", []).extend(_wrapped_seeds())
    out["systemd"] += _services(out.get("systemd", []), out.get("kubelet_env", []))
    return {name: tuple(dict.fromkeys(found)) for name, found in out.items()}
