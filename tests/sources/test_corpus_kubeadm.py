"""The kubeadm reader on real files from public projects (see corpus SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.model import Component, Role
from pauselint.sources.kubeadm import read_kubeadm

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "kubeadm"

V = Role.KUBERNETES_VERSION
R = Role.IMAGE_REPOSITORY
P = Role.POD_INFRA_FLAG

# file -> every setting as (role, value, line, column), in file order.
KNOWN: dict[str, list[tuple[Role, str, int, int]]] = {
    "homelab-v1beta4-kubelet-v1-bogus-apiversion.yaml": [(V, "v1.30.3", 5, 20)],
    # Legacy v1alpha2: one document holds cluster values and the node's kubelet flag.
    "issue-k8s-66951-v1alpha2-masterconfiguration.yaml": [
        (V, "1.11.1", 5, 20),
        (R, "MyPrivateRegistry", 10, 18),
        (P, "MyPrivateRegistry/pause-amd64:3.1", 13, 32),
    ],
    # The InitConfiguration has no apiVersion: read, and reported (see ERRORS).
    "issue-k8s-97438-initconfig-missing-apiversion.yaml": [
        (P, "myowndomain.example.com/k8s/pause:3.2", 4, 32),
        (R, "myowndomain.example.com/k8s", 14, 18),
        (V, "v1.20.1", 15, 20),
    ],
    "kubespray-kubeadm-config.v1beta4.yaml.j2": [],
    "minikube-v1.20-containerd.yaml": [(V, "v1.20.0", 43, 20)],
    "minikube-v1.20-crio.yaml": [(V, "v1.20.0", 43, 20)],
    "minikube-v1.20-default.yaml": [(V, "v1.20.0", 43, 20)],
    "minikube-v1.20-image-repository.yaml": [(R, "test/repo", 22, 18), (V, "v1.20.0", 44, 20)],
    "minikube-v1.21-containerd.yaml": [(V, "v1.21.0", 43, 20)],
    "minikube-v1.21-crio.yaml": [(V, "v1.21.0", 43, 20)],
    "minikube-v1.21-default.yaml": [(V, "v1.21.0", 43, 20)],
    "minikube-v1.21-image-repository.yaml": [(R, "test/repo", 22, 18), (V, "v1.21.0", 44, 20)],
    "minikube-v1.22-containerd.yaml": [(V, "v1.22.0", 43, 20)],
    "minikube-v1.22-crio.yaml": [(V, "v1.22.0", 43, 20)],
    "minikube-v1.22-default.yaml": [(V, "v1.22.0", 43, 20)],
    "minikube-v1.22-image-repository.yaml": [(R, "test/repo", 22, 18), (V, "v1.22.0", 44, 20)],
    "minikube-v1.30-containerd.yaml": [(V, "v1.30.0", 41, 20)],
    "minikube-v1.30-crio.yaml": [(V, "v1.30.0", 41, 20)],
    "minikube-v1.30-image-repository.yaml": [(R, "test/repo", 22, 18), (V, "v1.30.0", 42, 20)],
    "minikube-v1.33-containerd.yaml": [(V, "v1.33.0", 44, 20)],
    "minikube-v1.33-crio.yaml": [(V, "v1.33.0", 44, 20)],
    "minikube-v1.33-image-repository.yaml": [(R, "test/repo", 23, 18), (V, "v1.33.0", 45, 20)],
    "minikube-v1.35-containerd.yaml": [(V, "v1.35.0", 44, 20)],
    "minikube-v1.35-crio.yaml": [(V, "v1.35.0", 44, 20)],
    "minikube-v1.35-image-repository.yaml": [(R, "test/repo", 23, 18), (V, "v1.35.0", 45, 20)],
    "minikube-v1beta1-image-repository.yaml": [(R, "test/repo", 22, 18), (V, "v1.16.0", 44, 20)],
    # envsubst placeholders are kept as written; resolving them is not a reader's job.
    "offline-pack-v1beta3-placeholders.yaml": [
        (V, "${K8S_VERSION}", 11, 20),
        (R, "${IMAGE_REPO}", 12, 18),
    ],
    "usernetes-v1beta4-envsubst.yaml": [],
}
# file -> (error line, start of the message) for files that are reported, not (only) read.
ERRORS = {
    "issue-k8s-97438-initconfig-missing-apiversion.yaml": (
        1,
        "this InitConfiguration has no apiVersion; kubeadm refuses",
    ),
    # The first Jinja statement ({% if kubeadm_token is defined %}) stops the parse.
    "kubespray-kubeadm-config.v1beta4.yaml.j2": (3, "invalid YAML: "),
}


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.is_file())


@pytest.fixture(autouse=True)
def _need_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not available: {CORPUS}")


def test_every_corpus_file_is_accounted_for() -> None:
    assert sorted(p.name for p in _corpus_files()) == sorted(KNOWN)


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_exact_settings_and_reasoned_errors(path: Path) -> None:
    result = read_kubeadm(str(path), path.read_text(encoding="utf-8"))

    assert result.component is Component.KUBEADM
    found = [(s.role, s.value, s.location.line, s.location.column) for s in result.settings]
    assert found == KNOWN[path.name]
    assert all(s.location.path == str(path) and s.effective for s in result.settings)
    if path.name in ERRORS:
        line, start = ERRORS[path.name]
        assert [(e.path, e.line) for e in result.errors] == [(str(path), line)]
        assert result.errors[0].message.startswith(start)
    else:
        assert result.errors == ()


def test_template_error_says_it_is_a_template() -> None:
    path = CORPUS / "kubespray-kubeadm-config.v1beta4.yaml.j2"

    (error,) = read_kubeadm(str(path), path.read_text(encoding="utf-8")).errors

    assert error.message.endswith("this looks like a template -- check the rendered file instead")
