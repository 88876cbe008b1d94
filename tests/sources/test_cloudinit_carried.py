"""cloud-init user-data carried as a string in other YAML (issue 14): a Cluster API
bootstrap Secret, a KubeVirt VM's ``cloudInitNoCloud.userData``. What the user-data
writes is read as if the user-data were its own file, with every position in the
carrying file (a base64 value: at the value's start)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner

from pauselint.cli import main

CONTAINERD = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              'sandbox_image = "registry.k8s.io/pause:3.6"\n')


def check(path: Path) -> dict:
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", "-k", "1.31",
                                       str(path)])
    assert result.exit_code in (0, 1, 2), result.output
    return json.loads(result.output)


def user_data(indent: int) -> str:
    pad = " " * indent
    lines = ["#cloud-config", "write_files:", "  - path: /etc/containerd/config.toml",
             "    content: |", *("      " + line for line in CONTAINERD.splitlines())]
    return "\n".join(pad + line for line in lines) + "\n"


def where(text: str, needle: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def test_a_bootstrap_secret_s_plain_user_data_is_read_in_place(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: md-0-bootstrap\n"
            "type: cluster.x-k8s.io/secret\nstringData:\n  format: cloud-config\n"
            "  value: |\n" + user_data(4))
    path = tmp_path / "bootstrap-secret.yaml"
    path.write_text(text)
    doc = check(path)
    [finding] = [f for f in doc["findings"] if f["rule"] == "PL201"]
    assert (finding["line"], finding["column"]) == where(text, '"registry.k8s.io/pause:3.6"')
    assert doc["summary"]["inputs"] == 1


def test_a_base64_user_data_value_is_read_at_the_value(tmp_path: Path) -> None:
    encoded = base64.b64encode(user_data(0).encode()).decode()
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: md-0-bootstrap\n"
            f"data:\n  format: Y2xvdWQtY29uZmln\n  value: {encoded}\n")
    path = tmp_path / "bootstrap-secret.yaml"
    path.write_text(text)
    [finding] = [f for f in check(path)["findings"] if f["rule"] == "PL201"]
    assert (finding["line"], finding["column"]) == where(text, encoded)


def test_a_kubevirt_vm_user_data_gives_the_node_its_runtime_and_flag(tmp_path: Path) -> None:
    pad = " " * 14
    text = ("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: worker-0\n"
            "spec:\n  template:\n    spec:\n      volumes:\n        - name: cloudinit\n"
            "          cloudInitNoCloud:\n            userData: |\n" + user_data(14)
            + pad + "  - path: /etc/default/kubelet\n" + pad + "    content: |\n" + pad
            + "      KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.9\n")
    path = tmp_path / "vm.yaml"
    path.write_text(text)
    doc = check(path)
    places = {(f["rule"], f["line"], f["column"]) for f in doc["findings"]}
    assert ("PL303", *where(text, "registry.k8s.io/pause:3.9")) in places
    [node] = doc["nodes"]
    [runtime] = node["runtimes"]
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.6"


def test_user_data_that_is_not_yaml_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  value: |\n"
            "    #cloud-config\n    write_files:\n      - path: [unclosed\n")
    path = tmp_path / "bootstrap-secret.yaml"
    path.write_text(text)
    doc = check(path)
    [error] = doc["errors"]
    assert error["line"] in (9, 10)
    assert "user-data is not valid YAML" in error["message"]


def test_an_indented_comment_that_looks_like_user_data_reads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("nodes:\n  #cloud-config\n  count: 3\n")
    result = CliRunner().invoke(main, ["check", "--no-config", "-k", "1.31", str(path)])
    assert result.exit_code == 0, result.output
