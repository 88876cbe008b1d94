"""A systemd service and its env files are read once per text, not once per node
(kubelet._remembered_service): what a node's kubelet flag is, and where it is written,
must not depend on which nodes came before it.

A fleet of node folders shares one kubeadm drop-in, byte for byte, while their env
files differ the ways real fleets' do: the same file, another tag, none at all, the
same assignment on another line, an override in /etc/default/kubelet, another drop-in.
Nodes of every kind follow each other, so each meets a reading remembered from a node
unlike it. Every node's `show` and `check` must say, in that fleet's run, exactly
what they say when the node is the only input of a fresh process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
DROP_IN = (CHECKOUT / "examples/kubeadm-mirror-node/etc/systemd/system/kubelet.service.d/"
           "10-kubeadm.conf").read_text()
FLAGS = (CHECKOUT / "examples/kubeadm-mirror-node/var/lib/kubelet/kubeadm-flags.env").read_text()
DROP_IN_PATH = "etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
FLAGS_PATH = "var/lib/kubelet/kubeadm-flags.env"
DEFAULTS_PATH = "etc/default/kubelet"

# What each kind of node holds besides the drop-in, by path below its root.
KINDS: dict[str, dict[str, str]] = {
    "same": {FLAGS_PATH: FLAGS},
    "other-tag": {FLAGS_PATH: FLAGS.replace("pause:3.9", "pause:3.10")},
    "no-env-file": {},
    "moved-down": {FLAGS_PATH: "# written by kubeadm\n\n" + FLAGS},
    "overridden": {FLAGS_PATH: FLAGS,
                   DEFAULTS_PATH: "KUBELET_EXTRA_ARGS=--pod-infra-container-image="
                                  "registry.k8s.io/pause:3.8\n"},
    "other-drop-in": {FLAGS_PATH: FLAGS,
                      DROP_IN_PATH: DROP_IN.replace("$KUBELET_KUBEADM_ARGS ", "")},
}
ROUNDS = 3  # every kind three times over, so each reading is remembered and reused


def node_names() -> list[tuple[str, str]]:
    return [(f"nodes/n{round_}{index}-{kind}", kind)
            for round_ in range(ROUNDS) for index, kind in enumerate(KINDS)]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fleet")
    for name, kind in node_names():
        files = {DROP_IN_PATH: DROP_IN, **KINDS[kind]}
        for below, text in files.items():
            path = root / name / below
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return root


def pauselint(cwd: Path, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "pauselint", *args, "--format", "json", "--no-config",
         "--kubernetes-version", "1.31"],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def by_node(doc: dict) -> dict[str, dict]:
    return {node["name"]: node for node in doc["nodes"]}


def findings_of(doc: dict, name: str) -> list[dict]:
    return sorted((f for f in doc["findings"] if f["path"].startswith(name + "/")),
                  key=json.dumps)


def test_every_node_reads_as_it_does_alone(fleet: Path) -> None:
    names = [name for name, _ in node_names()]
    shown = by_node(pauselint(fleet, "show", "nodes"))
    checked = pauselint(fleet, "check", "nodes")
    assert sorted(shown) == sorted(names)
    for name in names:
        alone = pauselint(fleet, "show", name)
        assert shown[name] == by_node(alone)[name], name
        assert findings_of(checked, name) == findings_of(pauselint(fleet, "check", name), name)
    # The kinds really differ where it matters: the flag's value and its place.
    values = {shown[name]["kubelet"] and shown[name]["kubelet"].get("pod_infra_container_image")
              for name in names}
    assert {None, "registry.k8s.io/pause:3.8",
            "registry.cn-hangzhou.aliyuncs.com/google_containers/pause:3.9",
            "registry.cn-hangzhou.aliyuncs.com/google_containers/pause:3.10"} <= values
