"""`pauselint node` against a real running containerd (issue 13): what the daemon runs
with, compared with its files on disk.

Each Debian containerd the suite fetches runs on a config that sets a sandbox image;
`pauselint node --root FOLDER --runtime-endpoint unix://SOCK` must read the daemon's
own version over CRI (no --runtime-version) and find nothing wrong. The file is then
edited without a restart: containerd 1.x still reports the old image in CRI Status,
and PL410 must say so, naming both values; after a restart it must be gone. containerd
2.x reports no sandbox image over CRI (and pins none here: nothing can be pulled), so
PL410 must say it cannot tell rather than pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("cri_api", reason="container-runtime-interface-api (the node extra) "
                    "is not installed")

from pauselint.cli import main

from .daemon import running, why_not_here

OLD = "registry.k8s.io/pause:3.9"
NEW = "registry.k8s.io/pause:3.10"
CONFIG = {
    "1": f'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "{OLD}"\n',
    "2": f'version = 3\n[plugins."io.containerd.cri.v1.images".pinned_images]\n'
         f'  sandbox = "{OLD}"\n',
}


def node(root: Path, socket: Path) -> dict:
    result = CliRunner().invoke(main, [
        "node", "--root", str(root), "--runtime-endpoint", f"unix://{socket}",
        "--kubelet-pid", "none", "-k", "1.31", "-o", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def pl410(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["rule"] == "PL410"]


@pytest.fixture(params=["1.6.20", "1.7.24", "2.1.9"])
def version(request: pytest.FixtureRequest) -> str:
    reason = why_not_here()
    if reason:
        pytest.skip(reason)
    return request.param


def test_node_sees_an_edit_the_running_containerd_has_not_applied(
        version: str, containerd_binaries: dict[str, Path]) -> None:
    binary = containerd_binaries[version]
    config = CONFIG[version[0]]
    with running(binary, config) as daemon:
        root = daemon.config.parents[2]
        doc = node(root, daemon.socket)
        # The runtime's own answer gives the version: no --runtime-version was given.
        assert doc["context"]["live_runtime"].startswith(f"containerd {version}")
        [entry] = doc["nodes"]
        [runtime] = entry["runtimes"]
        assert runtime["version"] == version
        assert pl410(doc) == []
        daemon.config.write_text(daemon.config.read_text().replace(OLD, NEW))
        edited = node(root, daemon.socket)
    if version.startswith("1."):
        [finding] = pl410(edited)
        assert f"uses sandbox image {OLD}" in finding["message"]
        assert f"its configuration says {NEW}" in finding["message"]
        assert "restart containerd" in finding["message"]
        assert finding["node"] == edited["context"]["node"]
    else:
        assert pl410(edited) == []
        reasons = [s["reason"] for s in edited["skipped"] if s["rule"] == "PL410"]
        assert reasons and "cannot be compared" in reasons[0]
    # Restarted on the edited file: the running image and the file agree again.
    with running(binary, config.replace(OLD, NEW)) as restarted:
        again = node(restarted.config.parents[2], restarted.socket)
    assert pl410(again) == []


def test_node_openmetrics_carries_the_live_image_beside_the_configured(
        containerd_binaries: dict[str, Path]) -> None:
    """The Prometheus form of a live node: both series, matched on node and runtime."""
    reason = why_not_here()
    if reason:
        pytest.skip(reason)
    with running(containerd_binaries["1.7.24"], CONFIG["1"]) as daemon:
        daemon.config.write_text(daemon.config.read_text().replace(OLD, NEW))
        result = CliRunner().invoke(main, [
            "node", "--root", str(daemon.config.parents[2]), "--node-name", "n1",
            "--runtime-endpoint", f"unix://{daemon.socket}", "--kubelet-pid", "none",
            "-k", "1.31", "-o", "openmetrics"])
    lines = result.output.splitlines()
    assert ('pauselint_sandbox_image_info{node="n1",runtime="containerd",image="'
            f'{OLD}",origin="running",source="live"}} 1') in lines
    assert ('pauselint_sandbox_image_info{node="n1",runtime="containerd",image="'
            f'{NEW}",origin="set",source="configured"}} 1') in lines
    assert ('pauselint_findings{rule="PL410",severity="warning",node="n1",cluster=""} 1'
            in lines)
    # And Prometheus's own checker accepts it, live series included.
    from tests.realparts.debian import FetchError, fetch
    from tests.realparts.test_openmetrics_real import PROMTOOL, promtool_check

    try:
        promtool = fetch("promtool")["promtool"] / PROMTOOL
    except FetchError as exc:
        pytest.skip(f"Debian's promtool cannot be fetched: {exc}")
    checked = promtool_check(promtool, result.output)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")
