"""The kubelet / cri-dockerd flag reader on real files from public projects (corpus SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.model import Component, ConfigFile, Role
from pauselint.sources.kubelet import (
    effective_flags,
    read_kubelet_config,
    read_kubelet_env,
    read_systemd_service,
    read_systemd_unit,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CORPUS = SHARED / "corpus" / "kubelet"
RKE2_UNIT = SHARED / "corpus" / "k3s" / "rke2-agent.service"

KUBELET = Component.KUBELET
CRI_DOCKERD = Component.CRI_DOCKERD
TEMPLATE = "this looks like a template: template-only lines were skipped -- check the rendered file"

# file -> (reader, component, [(value, line, column, component, effective)],
#          [(error line, message)], imports)
EXPECTED: dict[str, tuple[str, Component | None, list, list, tuple[str, ...]]] = {
    "aks-kubelet.service": ("unit", KUBELET, [], [], ("/etc/default/kubelet",)),
    # Handlebars drop-in after a TOML front matter; the space-separated flag is on
    # a continuation line, past {{#if}} lines that are skipped like comments.
    "bottlerocket-kubelet-exec-start-conf-1.24": (
        "unit",
        KUBELET,
        [("localhost/kubernetes/pause:0.1.0", 40, 33, KUBELET, True)],
        [
            (4, "not a Key=Value line, a [Section] or a comment: systemd ignores it"),
            (8, TEMPLATE),
        ],
        (),
    ),
    "cri-dockerd-cri-docker.service": ("unit", CRI_DOCKERD, [], [], ()),
    # Named like an env file, but a systemd drop-in (detect.py says so too).
    "disco-kubeadm-flags-env-containing-systemd-dropin.env": (
        "unit",
        KUBELET,
        [],
        [],
        ("/var/lib/kubelet/kubeadm-flags.env", "/etc/default/kubelet"),
    ),
    "disco-kubeadm-flags-no-trailing-newline.env": ("env", KUBELET, [], [], ()),
    "eks-al2-kubelet-config.json": ("config", KUBELET, [], [], ()),
    "eks-al2-kubelet-containerd.service": ("unit", KUBELET, [], [], ()),
    "image-builder-10-kubeadm.conf.j2": (
        "unit",
        KUBELET,
        [],
        [],
        ("/var/lib/kubelet/kubeadm-flags.env", "/etc/sysconfig/kubelet", "/etc/default/kubelet"),
    ),
    "image-builder-sysconfig-kubelet-2021.j2": ("env", KUBELET, [], [], ()),
    "issue-k8s-67390-kubeadm-flags-unquoted.env": ("env", KUBELET, [], [], ()),
    "k8s-release-10-kubeadm-pre-1.8-2017.conf": ("unit", KUBELET, [], [], ()),
    "k8s-release-10-kubeadm.conf": (
        "unit",
        KUBELET,
        [],
        [],
        ("/var/lib/kubelet/kubeadm-flags.env", "/etc/sysconfig/kubelet"),
    ),
    "k8s-release-sysconfig-kubelet-empty.env": ("env", KUBELET, [], [], ()),
    "kind-10-kubeadm.conf": (
        "unit",
        KUBELET,
        [],
        [],
        ("/var/lib/kubelet/kubeadm-flags.env", "/etc/default/kubelet"),
    ),
    "kind-11-kind.conf": ("unit", KUBELET, [], [], ()),
    "kind-etc-default-kubelet": ("env", KUBELET, [], [], ()),
    "kind-kubelet.service": ("unit", KUBELET, [], [], ()),
    # The image is a Jinja expression: kept as written, at its place; the engine lists
    # it as a template placeholder, not checked (test_ignition.py), never guessed at.
    "kubespray-cri-dockerd.service.j2": (
        "unit",
        CRI_DOCKERD,
        [("{{ pod_infra_image_repo }}:{{ pod_infra_version }}", 10, 224, CRI_DOCKERD, True)],
        [(39, TEMPLATE)],
        (),
    ),
    "kubespray-kubelet.env.j2": ("env", KUBELET, [], [(3, TEMPLATE)], ()),
    "microk8s-kubelet-args-one-flag-per-line": ("env", KUBELET, [], [], ()),
    "minikube-cri-docker.service": ("unit", CRI_DOCKERD, [], [], ()),
}
READERS = {"env": read_kubelet_env, "unit": read_systemd_unit, "config": read_kubelet_config}


@pytest.fixture(autouse=True)
def _need_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not available: {CORPUS}")


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_file()) if CORPUS.is_dir() else []


def _read(name: str) -> ConfigFile:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {path} is absent")
    return READERS[EXPECTED[name][0]](name, path.read_text(encoding="utf-8"))


def _flags(config: ConfigFile) -> list:
    return [
        (s.value, s.location.line, s.location.column, s.component, s.effective)
        for s in config.settings
    ]


def test_every_corpus_file_is_accounted_for() -> None:
    assert sorted(p.name for p in _corpus_files()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_is_read_or_reported_with_a_reason(name: str) -> None:
    _, component, flags, errors, imports = EXPECTED[name]
    result = _read(name)

    assert result.component is component
    assert _flags(result) == flags
    assert [(e.line, e.message) for e in result.errors] == errors
    assert all(e.path == name for e in result.errors)
    assert result.imports == imports
    assert all(s.location.path == name for s in result.settings)


def test_rke2_unit_runs_rke2_and_passes_no_pause_flag() -> None:
    if not RKE2_UNIT.is_file():
        pytest.skip(f"corpus file {RKE2_UNIT} is absent")
    result = read_systemd_unit("rke2-agent.service", RKE2_UNIT.read_text(encoding="utf-8"))
    assert result.component is Component.RKE2
    assert (result.settings, result.errors) == ((), ())
    assert result.imports == (
        "/etc/default/%N",
        "/etc/sysconfig/%N",
        "/usr/local/lib/systemd/system/%N.env",
    )


def test_kind_node_service_with_its_drop_ins_and_env_files() -> None:
    """kind's kubelet.service, 10-kubeadm.conf and 11-kind.conf as systemd merges them.

    The kubeadm-flags.env is the one an older kubeadm wrote on such a node
    (kubeadm issue #1927): the flag comes from there, through the drop-in.
    """
    parts = [
        (name, (CORPUS / name).read_text(encoding="utf-8"))
        for name in ("kind-kubelet.service", "kind-10-kubeadm.conf", "kind-11-kind.conf")
    ]
    flags_env = read_kubelet_env(
        "/var/lib/kubelet/kubeadm-flags.env",
        'KUBELET_KUBEADM_ARGS="--container-runtime=remote'
        ' --pod-infra-container-image=k8s.gcr.io/pause:3.4.1"\n',
    )
    default_env = read_kubelet_env(
        "kind-etc-default-kubelet",
        (CORPUS / "kind-etc-default-kubelet").read_text(encoding="utf-8"),
    )
    unit, kubeadm, kind = read_systemd_service(
        parts,
        environment_files={
            "/var/lib/kubelet/kubeadm-flags.env": flags_env,
            "/etc/default/kubelet": default_env,
        },
    )
    assert unit.settings == kind.settings == ()
    assert _flags(kubeadm) == [("k8s.gcr.io/pause:3.4.1", 1, 78, KUBELET, True)]
    assert kubeadm.settings[0].location.path == "/var/lib/kubelet/kubeadm-flags.env"
    assert kubeadm.settings[0].role is Role.POD_INFRA_FLAG


def test_eks_unit_with_the_drop_in_bootstrap_sh_writes() -> None:
    """EKS AL2: the unit expands $KUBELET_ARGS, which bootstrap.sh sets in a drop-in."""
    unit_text = (CORPUS / "eks-al2-kubelet-containerd.service").read_text(encoding="utf-8")
    dropin = (
        "[Service]\n"
        "Environment='KUBELET_ARGS=--node-ip=10.0.0.1"
        " --pod-infra-container-image=602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5"
        " --v=2'\n"
    )
    unit, args = read_systemd_service(
        [("kubelet.service", unit_text), ("10-kubelet-args.conf", dropin)]
    )
    assert args.settings == ()  # the flag belongs to the unit's ExecStart= ...
    assert _flags(unit) == [
        ("602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5", 2, 74, KUBELET, True)
    ]
    assert unit.settings[0].location.path == "10-kubelet-args.conf"  # ... written here
    assert [s.effective for s in effective_flags([unit, args])] == [True]
