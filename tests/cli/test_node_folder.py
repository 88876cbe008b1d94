"""A node's inputs checked together: kubelet flags against the runtime, kubeadm context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "kubeadm-mirror-node"

CONTAINERD = """version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
"""


def check(*args: str) -> dict:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    assert result.exit_code in (0, 1, 2), result.output
    return json.loads(result.output)


def where(doc: dict) -> set[tuple[str, str, int | None]]:
    return {(f["rule"], Path(f["path"]).name, f["line"]) for f in doc["findings"]}


def test_example_node_folder_finds_the_cross_file_problems() -> None:
    doc = check(str(EXAMPLE))
    # The version is the node's (from its kubeadm file); the top-level context holds
    # only what the command line and config file set.
    assert doc["context"]["kubernetes_version"] is None
    [node] = doc["nodes"]
    assert node["kubernetes_version"] == "1.35.2"
    assert node["kubernetes_version_from"] == (
        f"kubeadm:{EXAMPLE / 'etc/kubernetes/kubeadm-config.yaml'}")
    assert where(doc) == {
        ("PL201", "config.toml", 6),
        ("PL203", "config.toml", 6),
        ("PL301", "kubeadm-flags.env", 1),
    }
    pl301 = next(f for f in doc["findings"] if f["rule"] == "PL301")
    assert pl301["column"] == 119 and pl301["severity"] == "error"
    # A kubelet that refuses the flag makes "ignores the flag" (PL303) and the flag's
    # image age (PL201) moot: kept under PL301, not beside it.
    assert [r["rule"] for r in pl301["related"]] == ["PL201", "PL303"]


def test_flag_wins_over_kubeadm_version() -> None:
    doc = check("-k", "1.30", str(EXAMPLE))
    assert doc["context"]["kubernetes_version_from"] == "flag"
    rules = {f["rule"] for f in doc["findings"]}
    assert "PL302" in rules and "PL301" not in rules


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, newline="")
    return path


def test_unresolvable_kubeadm_label_is_said_not_guessed(tmp_path: Path) -> None:
    write(tmp_path, "kubeadm.yaml", "apiVersion: kubeadm.k8s.io/v1beta3\n"
          "kind: ClusterConfiguration\nkubernetesVersion: stable-1.29\n")
    write(tmp_path, "etc/containerd/config.toml", CONTAINERD)
    doc = check(str(tmp_path))
    assert doc["context"]["kubernetes_version"] is None
    reasons = [s["reason"] for s in doc["skipped"] if s["rule"] == "PL201"]
    assert reasons and "'stable-1.29'" in reasons[0] and "cannot be resolved offline" in reasons[0]


def test_repeated_flag_last_wins_and_crlf(tmp_path: Path) -> None:
    env = write(tmp_path, "var/lib/kubelet/kubeadm-flags.env",
                'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.6 '
                '--pod-infra-container-image=registry.k8s.io/pause:3.9"\r\n')
    write(tmp_path, "etc/containerd/config.toml", CONTAINERD.replace("\n", "\r\n"))
    doc = check("-k", "1.28", str(tmp_path))
    mismatch = [f for f in doc["findings"] if f["rule"] == "PL303"]
    assert mismatch == []  # the effective (last) flag equals containerd's image
    deprecated = sorted((f["line"], f["column"]) for f in doc["findings"] if f["rule"] == "PL302")
    assert deprecated == [(1, 51), (1, 105)]  # every occurrence, each at its value
    assert all(f["path"] == str(env) for f in doc["findings"] if f["rule"] == "PL302")


def test_cri_dockerd_flag_is_its_sandbox_image_not_a_kubelet_flag(tmp_path: Path) -> None:
    write(tmp_path, "etc/systemd/system/cri-docker.service",
          "[Service]\nExecStart=/usr/bin/cri-dockerd --container-runtime-endpoint fd:// "
          "--pod-infra-container-image=k8s.gcr.io/pause:3.10\n")
    doc = check("-k", "1.35", str(tmp_path))
    rules = {f["rule"] for f in doc["findings"]}
    assert "PL102" in rules  # checked as a sandbox image: 3.10 was never on k8s.gcr.io
    assert not rules & {"PL301", "PL302", "PL303"}


def test_flag_with_two_runtime_configs_cannot_be_compared(tmp_path: Path) -> None:
    write(tmp_path, "a/config.toml", CONTAINERD)
    write(tmp_path, "b/crio.conf", '[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n')
    write(tmp_path, "etc/default/kubelet",
          "KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.8\n")
    doc = check("-k", "1.28", str(tmp_path))
    assert not [f for f in doc["findings"] if f["rule"] == "PL303"]
    assert any(s["rule"] == "PL303" for s in doc["skipped"])


def test_kubeadm_configmap_dump_gives_context(tmp_path: Path) -> None:
    write(tmp_path, "kubeadm-config.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubeadm-config\n"
          "  namespace: kube-system\ndata:\n  ClusterConfiguration: |\n"
          "    apiVersion: kubeadm.k8s.io/v1beta3\n    kind: ClusterConfiguration\n"
          "    kubernetesVersion: v1.31.4\n    imageRepository: localhost:5000\n")
    write(tmp_path, "etc/containerd/config.toml", CONTAINERD)
    doc = check(str(tmp_path))
    [node] = doc["nodes"]  # the dump at the top and etc/containerd/ are one node
    assert node["kubernetes_version"] == "1.31.4"
    assert node["kubeadm"]["image_repository"] == "localhost:5000"
    pl203 = next(f for f in doc["findings"] if f["rule"] == "PL203")
    assert pl203["expected"] == "localhost:5000/pause:3.10"


def test_k3s_pause_image_is_the_sandbox(tmp_path: Path) -> None:
    write(tmp_path, "etc/rancher/k3s/config.yaml", "pause-image: docker.io/rancher/mirrored-pause:3.4\n")
    doc = check("-k", "1.31", str(tmp_path))
    assert ("PL101", "config.yaml", 1) in where(doc)


@pytest.mark.parametrize("empty", ["", "\n"])
def test_empty_kubelet_env_is_read_without_error(tmp_path: Path, empty: str) -> None:
    write(tmp_path, "var/lib/kubelet/kubeadm-flags.env", empty)
    result = CliRunner().invoke(main, ["check", "--type", "kubelet-env",
                                       str(tmp_path / "var/lib/kubelet/kubeadm-flags.env")])
    assert result.exit_code == 0, result.output


def test_rke2_default_uses_system_default_registry(tmp_path: Path) -> None:
    write(tmp_path, "etc/rancher/rke2/config.yaml", "system-default-registry: reg.lan:443\n")
    doc = check("-k", "1.35", "--runtime-version", "rke2=v1.35.7+rke2r1", str(tmp_path))
    default = next(f for f in doc["findings"] if f["rule"] == "PL404")
    assert default["image"] == "reg.lan:443/rancher/mirrored-pause:3.10.2"
    assert default["line"] is None


def test_k3s_default_is_not_guessed_where_no_release_is_named(tmp_path: Path) -> None:
    # When k3s moved from mirrored-pause 3.1 to 3.6 (1.23-1.26.1) was not found.
    write(tmp_path, "etc/rancher/k3s/config.yaml", "node-name: a\npause-image: ''\n")
    doc = check("-k", "1.24", "--runtime-version", "k3s=v1.24.1+k3s1", str(tmp_path))
    assert not [f for f in doc["findings"] if f["rule"] == "PL404"]
    assert any(s["rule"] == "PL404" for s in doc["skipped"])


def test_k3s_default_applies_where_a_release_is_named(tmp_path: Path) -> None:
    write(tmp_path, "etc/rancher/k3s/config.yaml", "node-name: a\npause-image: ''\n")
    doc = check("-k", "1.35", "--runtime-version", "k3s=v1.35.1+k3s1", str(tmp_path))
    [default] = [f for f in doc["findings"] if f["rule"] == "PL404"]
    assert default["image"] == "rancher/mirrored-pause:3.6"


def test_cri_dockerd_default_applies_without_the_flag(tmp_path: Path) -> None:
    write(tmp_path, "etc/systemd/system/cri-docker.service",
          "[Service]\nExecStart=/usr/bin/cri-dockerd --container-runtime-endpoint fd://\n")
    doc = check("-k", "1.31", "--runtime-version", "cri-dockerd=0.3.12", str(tmp_path))
    default = next(f for f in doc["findings"] if f["rule"] == "PL404")
    assert default["image"] == "registry.k8s.io/pause:3.9"


def test_unit_in_etc_overrides_the_packaged_unit_whole(tmp_path: Path) -> None:
    # systemd reads only /etc/systemd/system/kubelet.service; the flag in the packaged
    # unit never runs. Drop-ins from both folders apply, sorted by file name: the
    # packaged 20-pause.conf comes after /etc's 10-old.conf and wins.
    write(tmp_path, "lib/systemd/system/kubelet.service",
          "[Service]\nExecStart=/usr/bin/kubelet --pod-infra-container-image=registry.k8s.io/pause:3.6\n")
    write(tmp_path, "etc/systemd/system/kubelet.service",
          "[Service]\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n")
    write(tmp_path, "etc/systemd/system/kubelet.service.d/10-old.conf",
          "[Service]\nEnvironment=KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.8\n")
    write(tmp_path, "lib/systemd/system/kubelet.service.d/20-pause.conf",
          "[Service]\nEnvironment=KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9\n")
    write(tmp_path, "etc/containerd/config.toml", CONTAINERD)
    doc = check("-k", "1.28", str(tmp_path))
    deprecated = [(Path(f["path"]).relative_to(tmp_path).as_posix(), f["line"], f["column"])
                  for f in doc["findings"] if f["rule"] == "PL302"]
    assert deprecated == [("lib/systemd/system/kubelet.service.d/20-pause.conf", 2, 60)]
    # The effective flag (pause:3.9) equals containerd's image.
    assert not [f for f in doc["findings"] if f["rule"] == "PL303"]


def test_same_named_drop_in_in_etc_masks_the_packaged_one(tmp_path: Path) -> None:
    write(tmp_path, "usr/lib/systemd/system/kubelet.service",
          "[Service]\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n")
    write(tmp_path, "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
          "[Service]\nEnvironment=KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.6\n")
    write(tmp_path, "etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
          "[Service]\nEnvironment=KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9\n")
    write(tmp_path, "etc/containerd/config.toml", CONTAINERD)
    doc = check("-k", "1.28", str(tmp_path))
    deprecated = [(Path(f["path"]).relative_to(tmp_path).as_posix(), f["line"], f["column"])
                  for f in doc["findings"] if f["rule"] == "PL302"]
    assert deprecated == [("etc/systemd/system/kubelet.service.d/10-kubeadm.conf", 2, 60)]
    assert not [f for f in doc["findings"] if f["rule"] == "PL303"]


def test_a_folder_of_node_folders_is_one_node_each(tmp_path: Path) -> None:
    write(tmp_path, "nodes/a/etc/kubernetes/kubeadm.yaml",
          "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n"
          "kubernetesVersion: v1.28.4\nimageRepository: localhost:5000\n")
    write(tmp_path, "nodes/a/etc/containerd/config.toml",
          CONTAINERD.replace("registry.k8s.io/pause:3.9", "localhost:5000/pause:3.9"))
    write(tmp_path, "nodes/b/etc/containerd/config.toml", CONTAINERD)
    write(tmp_path, "nodes/b/var/lib/kubelet/kubeadm-flags.env",
          'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.9"\n')
    doc = check(str(tmp_path / "nodes"))
    # a's imageRepository is not b's: b's registry.k8s.io image draws no PL203,
    # and b's flag equals b's own runtime image (no PL303), whatever a holds.
    assert not [f for f in doc["findings"] if f["rule"] in ("PL203", "PL303")]
    # b has no kubeadm config of its own, so its version-dependent rules skip.
    versions = {n["name"]: n["kubernetes_version_from"] for n in doc["nodes"]}
    assert versions == {str(tmp_path / "nodes/a"): "kubeadm:" + str(
        tmp_path / "nodes/a/etc/kubernetes/kubeadm.yaml"), str(tmp_path / "nodes/b"): None}
