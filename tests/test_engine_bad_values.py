"""Bad values read from files are located input errors, never crashes (issue 8 items 9, 13).

Every path by which a value from a file reaches the image parser goes through the
real engine here: a written sandbox image, a runtime default rebuilt from RKE2's
system-default-registry, and a name that a known mirror cannot map.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.compat import load_table
from pauselint.engine import Options, check_files
from pauselint.inputs import read_path
from pauselint.model import Component, InputError

RKE2 = ((Component.RKE2, "1.33.13+rke2r2"),)


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def check(*paths: str, **options):
    files = [read_path(p, explicit=True) for p in paths]
    return check_files(files, Options(**options), load_table())


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("https://registry.example.com:5000",
         "image reference 'https://registry.example.com:5000/rancher/mirrored-pause:3.10.2' "
         "starts with the URL scheme 'https://': an image name starts with the registry host, "
         "e.g. registry.example.com:5000/pause:3.10"),
        ("<BASTION_IP>:5000",
         "invalid registry host '<BASTION_IP>:5000' in "
         "'<BASTION_IP>:5000/rancher/mirrored-pause:3.10.2'"),
    ],
)
def test_rke2_system_default_registry_that_is_no_registry(tmp_path: Path, value: str,
                                                          why: str) -> None:
    rke2 = write(tmp_path, "a/etc/rancher/rke2/config.yaml",
                 f"write-kubeconfig-mode: '0644'\nsystem-default-registry: {value}\n")
    other = write(tmp_path, "b/etc/containerd/config.toml",
                  'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                  '  sandbox_image = "registry.k8s.io/pause:3.6"\n')
    report = check(rke2, other, kubernetes="1.30", runtimes=RKE2)
    assert report.errors == [InputError(
        rke2, 2, "system-default-registry makes the built-in sandbox image of rke2 "
        f"1.33.13+rke2r2 invalid: {why}", 26)]
    # The rest is still checked.
    assert ("PL201", other, 3) in [(f.rule, f.location.path, f.location.line)
                                   for f in report.findings]


def test_a_name_a_mirror_cannot_map_is_judged_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, "etc/containerd/config.toml",
                 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                 '  sandbox_image = "registry.aliyuncs.com/google_containers:3.9"\n')
    report = check(path, kubernetes="1.30")
    assert report.errors == []
    # Judged by its role (issue 11): kubeadm's preflight compares the string, and this
    # one (the mirror's repository without /pause) differs.
    assert [(f.rule, f.location.line) for f in report.findings] == [("PL202", 3)]


def test_a_4mb_value_is_quoted_once_and_cut(tmp_path: Path) -> None:
    value = "A" * 4_000_000 + " x"  # under the 4 MiB file cap
    path = write(tmp_path, "etc/containerd/config.toml",
                 f'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                 f'  sandbox_image = "{value}"\n')
    report = check(path)
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.path, error.line, error.column) == (path, 3, 19)
    assert error.message == (
        'plugins."io.containerd.grpc.v1.cri".sandbox_image is not an image reference: '
        f"image reference '{'A' * 200}…' (4000002 characters) contains whitespace")


def test_a_long_ignored_value_is_cut_in_its_finding(tmp_path: Path) -> None:
    value = "registry.k8s.io/pause:" + "9" * 5000
    path = write(tmp_path, "etc/containerd/config.toml",
                 f'version = 3\n[plugins."io.containerd.grpc.v1.cri"]\n'
                 f'  sandbox_image = "{value}"\n')
    report = check(path)
    [pl401] = [f for f in report.findings if f.rule == "PL401"]
    assert pl401.message.startswith(
        f'`plugins."io.containerd.grpc.v1.cri".sandbox_image` = "{value[:200]}… '
        '(5022 characters)" is ignored: ')
    assert value not in pl401.message


def test_a_long_kubelet_flag_value_is_cut_in_its_finding(tmp_path: Path) -> None:
    value = "registry.k8s.io/pause:" + "9" * 5000
    path = write(tmp_path, "var/lib/kubelet/kubeadm-flags.env",
                 f'KUBELET_KUBEADM_ARGS="--pod-infra-container-image={value}"\n')
    report = check(path, kubernetes="1.30")
    [pl302] = [f for f in report.findings if f.rule == "PL302"]
    assert pl302.message.startswith(
        f"--pod-infra-container-image={value[:200]}… (5022 characters) has no effect")
    assert value not in pl302.message
