"""Input-type detection: names first, content overrides, None when unsure."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.sources.detect import InputType, detect_type

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CORPUS = SHARED / "corpus"

CRIO_TEXT = '[crio.image]\npause_image = "registry.k8s.io/pause:3.9"\n'
CONTAINERD_V2 = 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "x"\n'
SYSTEMD_DROPIN = (
    "[Service]\n"
    'Environment="KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
    "ExecStart=\n"
    "ExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n"
)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        # containerd: by folder name, or by content whatever the name.
        ("/etc/containerd/config.toml", "", InputType.CONTAINERD),
        ("/etc/containerd/conf.d/10-pause.toml", "", InputType.CONTAINERD),
        ("config.toml", "[plugins]\n  [plugins.cri]\n", InputType.CONTAINERD),
        ("config.toml", "version = 2\n[proxy_plugins]\n", InputType.CONTAINERD),
        ("config.toml", "version = 3 # containerd 2\n", InputType.CONTAINERD),
        ("x.toml", '[plugins."io.containerd.grpc.v1.cri"]\n', InputType.CONTAINERD),
        (
            "x.toml",
            "[[plugins.'io.containerd.cri.v1.images'.pinned_images]]\n",
            InputType.CONTAINERD,
        ),
        (
            "x.toml",
            'imports = ["/etc/containerd/conf.d/*.toml"]\n[plugins."io.containerd.x"]\n',
            InputType.CONTAINERD,
        ),
        # CRI-O: by name, by drop-in folder, or by a [crio...] table.
        ("/etc/crio/crio.conf", "", InputType.CRIO),
        ("crio.conf.default", "", InputType.CRIO),
        ("/etc/crio/crio.conf.d/10-custom.conf", "", InputType.CRIO),
        ("/etc/crio/crio.conf.d/01-pause", "", InputType.CRIO),
        ("anything.txt", "[crio]\nroot = '/x'\n", InputType.CRIO),
        ("config.toml", CRIO_TEXT, InputType.CRIO),
        ("/etc/containerd/config.toml", CRIO_TEXT, InputType.CRIO),
        ("a.conf", 'crio.image.pause_image = "x"\n', InputType.CRIO),
        ("a.conf", "# comment first\n\n[crio.runtime]\n", InputType.CRIO),
        # systemd: unit files, drop-in folders, or [Unit]/[Service] sections.
        ("/etc/systemd/system/kubelet.service", "", InputType.SYSTEMD),
        ("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "", InputType.SYSTEMD),
        ("10-kubeadm.conf", SYSTEMD_DROPIN, InputType.SYSTEMD),
        ("/etc/crio/crio.conf.d/10-oops.conf", SYSTEMD_DROPIN, InputType.SYSTEMD),
        ("kubelet.unit", "[Unit]\nDescription=kubelet\n", InputType.SYSTEMD),
        # kubelet environment files.
        ("/var/lib/kubelet/kubeadm-flags.env", "", InputType.KUBELET_ENV),
        ("/etc/default/kubelet", "", InputType.KUBELET_ENV),
        ("/etc/sysconfig/kubelet", "", InputType.KUBELET_ENV),
        ("flags", 'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=p"\n', InputType.KUBELET_ENV),
        ("flags", "KUBELET_EXTRA_ARGS=--node-ip=10.0.0.1\n", InputType.KUBELET_ENV),
        ("flags", "export KUBELET_EXTRA_ARGS=\n", InputType.KUBELET_ENV),
        # kubeadm, including a multi-document file that embeds a KubeletConfiguration.
        (
            "init.yaml",
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n",
            InputType.KUBEADM,
        ),
        (
            "kubeadm.yaml",
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n---\n"
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n",
            InputType.KUBEADM,
        ),
        # kubelet config, YAML or JSON.
        (
            "/var/lib/kubelet/config.yaml",
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
            InputType.KUBELET_CONFIG,
        ),
        (
            "kubelet.json",
            '{\n  "kind": "KubeletConfiguration",\n  "apiVersion": "x"\n}\n',
            InputType.KUBELET_CONFIG,
        ),
        # k3s / rke2.
        ("config.yaml", "pause-image: registry.k8s.io/pause:3.9\n", InputType.K3S),
        ("/etc/rancher/k3s/config.yaml", "write-kubeconfig-mode: '0644'\n", InputType.K3S),
        ("/etc/rancher/rke2/config.yaml.d/10-x.yaml", "", InputType.K3S),
    ],
)
def test_detection_table(path: str, text: str, expected: InputType) -> None:
    assert detect_type(path, text) is expected


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("config.toml", ""),  # a name alone that fits several tools
        ("notes.conf", "just = 'toml'\n"),
        ("config.yaml", "apiVersion: v1\nkind: ConfigMap\n"),
        ("/etc/kubernetes/kubelet.conf", "apiVersion: v1\nkind: Config\n"),  # a kubeconfig
        ("/etc/rancher/k3s/registries.toml", ""),  # not YAML
        # Registry host config lives under /etc/containerd but is not a runtime config:
        # `server =` outside certs.d/<host>/hosts.toml is read as nothing.
        ("/etc/containerd/conf.d/mirror.toml", 'server = "https://docker.io"\n'),
        # Commented-out markers say nothing.
        ("a.conf", "# [crio.image]\n# version = 2\n#[Service]\n"),
        # A YAML wrapper's indented TOML or units are not read as-is (the wrappers that
        # unwrap them are tested in test_wrappers.py); kOps tasks need `type: file`.
        ("kops.yaml", "contents: |\n  [Unit]\n  Description=x\n"),
        ("", ""),
    ],
)
def test_unsure_returns_none(path: str, text: str) -> None:
    assert detect_type(path, text) is None


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        # A hosts.toml holding only `server` has nothing a content rule can tell it by:
        # its place does, past the veto that keeps hosts.toml from containerd's reader.
        ("/etc/containerd/certs.d/docker.io/hosts.toml", 'server = "https://docker.io"\n',
         InputType.CONTAINERD_HOSTS),
        ("nodes/a/etc/docker/certs.d/r.io_5000_/hosts.toml", "", InputType.CONTAINERD_HOSTS),
        ("mirror.toml", '[host."https://m.local"]\n  capabilities = ["pull"]\n',
         InputType.CONTAINERD_HOSTS),
        # A `[host.` table pasted into containerd's own config does not make it a
        # hosts.toml: its plugin tables say what it is.
        ("config.toml", '[plugins."io.containerd.grpc.v1.cri"]\n  x = 1\n[host."https://m"]\n',
         InputType.CONTAINERD),
        # ... and containerd reads its config.toml as its config, whatever it holds.
        ("/etc/containerd/config.toml", '[host."https://m"]\n', InputType.CONTAINERD),
        ("/etc/containers/registries.conf", "", InputType.REGISTRIES_CONF),
        ("/etc/containers/registries.conf.d/10-mirror.conf", "# empty\n",
         InputType.REGISTRIES_CONF),
        ("any.conf", '[[registry]]\nlocation = "r.io"\n', InputType.REGISTRIES_CONF),
        ("any.conf", 'unqualified-search-registries = ["docker.io"]\n',
         InputType.REGISTRIES_CONF),
        ("any.conf", "[registries.search]\nregistries = ['docker.io']\n",
         InputType.REGISTRIES_CONF),
        # containers/image reads only *.conf drop-ins; CRI-O's own drop-ins stay CRI-O's.
        ("/etc/containers/registries.conf.d/10-mirror.conf.rpmsave", "", None),
        ("/etc/crio/crio.conf.d/10-x.conf", "", InputType.CRIO),
    ],
)
def test_registry_host_configuration(path: str, text: str, expected: InputType | None) -> None:
    assert detect_type(path, text) is expected


def test_only_the_head_of_a_big_file_is_sniffed() -> None:
    text = "# filler\n" * 20_000 + "[crio.image]\n"

    assert detect_type("big.conf", text) is None
    assert detect_type("/etc/crio/crio.conf", text) is InputType.CRIO


def test_never_raises_on_odd_input() -> None:
    assert detect_type("\x00weird\\path\\crio.conf", "\x00\ufeff[crio") is InputType.CRIO
    assert detect_type("bom.conf", "\ufeff[crio]\n") is InputType.CRIO
    assert detect_type("C:\\etc\\containerd\\config.toml", "") is InputType.CONTAINERD


def test_cli_choices_are_stable() -> None:
    assert [t.value for t in InputType] == [
        "containerd",
        "cri-o",
        "kubelet-env",
        "systemd",
        "kubeadm",
        "kubelet-config",
        "k3s",
        # Wrappers of node files (issue 14): new kinds appended, the old ones unchanged.
        "cluster-api",
        "cloud-init",
        "kops",
        "eks-nodeconfig",
        "ignition",
        "talos",
        # Registry host configuration (issue 15): appended, the old ones unchanged.
        "containerd-hosts",
        "registries-conf",
    ]


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("crio/minikube-iso-crio.conf", InputType.CRIO),
        ("crio/crio-v1.11-testdata-indented.toml", InputType.CRIO),
        ("crio/kubespray-crio.conf.j2", InputType.CRIO),
        ("crio/crio-test-50-runc.conf", InputType.CRIO),
        # The Machine Config Operator's file template: unwrapped since issue 14.
        ("crio/openshift-mco-crio.conf.d-00-default-embedded.yaml", InputType.IGNITION),
        ("containerd/v2-containerd-1.7-default-dump.toml", InputType.CONTAINERD),
        # containerd's hosts.toml docs example: read as one since issue 15.
        ("containerd/hosts-toml-mirror-namespaces-docs.toml", InputType.CONTAINERD_HOSTS),
        ("k3s/k3s-default-containerd-config.toml.tmpl", InputType.CONTAINERD),
        ("kubelet/k8s-release-10-kubeadm.conf", InputType.SYSTEMD),
        ("kubelet/disco-kubeadm-flags-env-containing-systemd-dropin.env", InputType.SYSTEMD),
        ("kubelet/issue-k8s-67390-kubeadm-flags-unquoted.env", InputType.KUBELET_ENV),
        ("kubelet/eks-al2-kubelet-config.json", InputType.KUBELET_CONFIG),
        ("kubeadm/minikube-v1.35-crio.yaml", InputType.KUBEADM),
        # A kOps nodeup task list: read by its wrapper since issue 14.
        ("other/kops-nodeup-containerd-tasks-v4.yaml", InputType.KOPS),
    ],
)
def test_real_files(relpath: str, expected: InputType | None) -> None:
    path = CORPUS / relpath
    if not path.is_file():
        pytest.skip(f"shared corpus not available: {path}")

    assert detect_type(str(path), path.read_text(encoding="utf-8")) is expected


def test_kubeadm_config_configmap_dump_is_kubeadm() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubeadm-config\ndata:\n"
            "  ClusterConfiguration: |\n    apiVersion: kubeadm.k8s.io/v1beta3\n")
    assert detect_type("cm.yaml", text) is InputType.KUBEADM
