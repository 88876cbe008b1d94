"""Ignition, Butane and OpenShift MachineConfig: node files and units, read where they
are (issue 14); and a template placeholder is "not checked", never an error."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from urllib.parse import quote

from click.testing import CliRunner

from pauselint.cli import main

CONTAINERD = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "registry.k8s.io/pause:3.10"\n')
UNIT = ("[Service]\nExecStart=/usr/bin/kubelet "
        "--pod-infra-container-image=registry.k8s.io/pause:3.9\n")


def check(path: Path, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", "-k", "1.31",
                                       *args, str(path)])
    return result.exit_code, json.loads(result.output)


def indented(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def test_butane_inline_files_and_a_kubelet_unit_are_one_node(tmp_path: Path) -> None:
    path = tmp_path / "node.bu"
    path.write_text("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n"
                    "    - path: /etc/containerd/config.toml\n      contents:\n"
                    "        inline: |\n" + indented(CONTAINERD, 10)
                    + "systemd:\n  units:\n    - name: kubelet.service\n      contents: |\n"
                    + indented(UNIT, 8))
    code, doc = check(path)
    assert code == 0
    lines = path.read_text().splitlines()
    [mismatch] = [f for f in doc["findings"] if f["rule"] == "PL303"]
    assert lines[mismatch["line"] - 1][mismatch["column"] - 1:].startswith(
        "registry.k8s.io/pause:3.9")
    assert "differs from registry.k8s.io/pause:3.10 that containerd uses" in mismatch["message"]


def test_ignition_data_urls_are_read_and_reported_at_the_url(tmp_path: Path) -> None:
    percent = "data:," + quote(CONTAINERD.replace("version = 2", "version = 3"))
    config = {"ignition": {"version": "3.4.0"},
              "storage": {"files": [{"path": "/etc/containerd/config.toml",
                                     "contents": {"source": percent}}]}}
    path = tmp_path / "config.ign"
    path.write_text(json.dumps(config, indent=2))
    code, doc = check(path)
    [ignored] = [f for f in doc["findings"] if f["rule"] == "PL401"]
    lines = path.read_text().splitlines()
    # A decoded text has no place of its own: the finding is at the URL.
    assert '"data:,' in lines[ignored["line"] - 1]
    gzipped = "data:;base64," + base64.b64encode(gzip.compress(CONTAINERD.encode())).decode()
    config["storage"]["files"][0]["contents"] = {"source": gzipped, "compression": "gzip"}
    path.write_text(json.dumps(config, indent=2))
    code, doc = check(path)
    assert code == 0
    [node] = doc["nodes"]
    assert node["runtimes"][0]["sandbox_image"]["value"] == "registry.k8s.io/pause:3.10"


def test_a_machineconfig_kubelet_unit_through_kubenswrapper(tmp_path: Path) -> None:
    """OpenShift's kubelet runs as `kubenswrapper /usr/bin/kubelet FLAGS`: the flags
    are the kubelet's, and 1.35 refuses the pause flag (PL301)."""
    unit = UNIT.replace("ExecStart=/usr/bin/kubelet",
                        "ExecStart=/usr/local/bin/kubenswrapper /usr/bin/kubelet")
    path = tmp_path / "99-kubelet.yaml"
    path.write_text("apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\n"
                    "metadata:\n  name: 99-kubelet\nspec:\n  config:\n    ignition:\n"
                    "      version: 3.4.0\n    systemd:\n      units:\n"
                    "        - name: kubelet.service\n          contents: |\n"
                    + indented(unit, 12))
    code, doc = check(path, "-k", "1.35")
    assert code == 1
    [refused] = [f for f in doc["findings"] if f["rule"] == "PL301"]
    assert refused["line"] == 14 and refused["image"] == "registry.k8s.io/pause:3.9"


def test_a_template_placeholder_is_not_checked_and_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "crio" / "crio.conf"
    path.parent.mkdir(parents=True)
    path.write_text('[crio.image]\npause_image = "{{ .PauseImage }}"\n')
    code, doc = check(path)
    assert code == 0 and doc["errors"] == []
    [note] = doc["not_read"]
    assert note["path"] == f"{path}:2"
    assert "is a template placeholder: not checked" in note["reason"]
