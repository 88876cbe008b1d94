"""``cluster --online`` (issue 15): the pause images live nodes hold, asked of their
registries. The real ``kubernetes`` client reads Nodes from the stand-in HTTPS API
server; the registry is Debian's docker-registry of tests/realparts/registry.py,
whose ``pause:3.9`` is linux/amd64 only. An arm64 node holding it gets PL113, an amd64
node holding the same image does not; the API server sees only GETs, the registry
only GET and HEAD."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cluster.apiserver import KubeAPI
from cluster.nodes import make_node
from pauselint.cli import main
from realparts.registry import Registries


def test_an_arm64_node_holding_an_amd64_only_copy_is_pl113(
        registries: Registries, kube_api: KubeAPI, tmp_path: Path) -> None:
    image = f"{registries.mirror.host}/pause:3.9"
    kube_api.set_nodes([make_node("arm-1", arch="arm64", pause_images=(image,)),
                        make_node("amd-1", arch="amd64", pause_images=(image,))])
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    mark = registries.mirror.log_mark()
    result = CliRunner().invoke(main, ["cluster", "--kubeconfig", str(config), "--no-config",
                                       "--format", "json", "--online",
                                       "--registry-timeout", "3"])
    doc = json.loads(result.output)
    online = {(f["rule"], f["node"]) for f in doc["findings"]
              if f["rule"] in ("PL112", "PL113", "PL114")}
    assert online == {("PL113", "arm-1")}, result.output
    assert doc["errors"] == []
    assert {r.method for r in kube_api.requests} == {"GET"}
    sent = registries.mirror.requests(mark, "pauselint/")
    assert sent and {r.method for r in sent} <= {"GET", "HEAD"}
