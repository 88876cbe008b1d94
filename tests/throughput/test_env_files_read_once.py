"""An env file is parsed once a run, though it is read as an input of its own and
again by every systemd unit naming it (issue 16: a tenth of a pre-commit run's
reading went to parsing kubeadm-flags.env twice), and a text many nodes hold is parsed
twice in all, not once per node (source_text.RepeatsRemembered). What the run
reports is unchanged."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.sources import kubelet

DROPIN = """[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
"""


def _node(root: Path, tag: str) -> None:
    files = {
        "etc/systemd/system/kubelet.service.d/10-kubeadm.conf": DROPIN,
        "var/lib/kubelet/kubeadm-flags.env":
            f'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:{tag}"\n',
        "etc/default/kubelet": "KUBELET_EXTRA_ARGS=--v=2\n",
        "etc/containerd/config.toml":
            'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
            f'  sandbox_image = "registry.k8s.io/pause:{tag}"\n',
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _check(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[dict, Counter]:
    parsed: Counter = Counter()
    real = kubelet.read_kubelet_env

    def counting(path: str, text: str) -> kubelet.KubeletEnvFile:
        parsed[path] += 1
        return real(path, text)

    kubelet.read_kubelet_env_once.cache_clear()
    kubelet._ENV_READINGS.cache_clear()
    kubelet._SERVICES.cache_clear()
    kubelet._SERVICE_ASKS.clear()
    monkeypatch.setattr(kubelet, "read_kubelet_env", counting)
    result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json",
                                       "-k", "1.31", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output), parsed


def test_each_env_file_is_parsed_once_walked_or_named(tmp_path: Path, monkeypatch) -> None:
    for node in range(3):
        _node(tmp_path / "nodes" / f"n{node}", "3.9")
    monkeypatch.chdir(tmp_path)
    walked, parsed = _check(monkeypatch, "nodes")
    env_files = [f"nodes/n{n}/{name}" for n in range(3)
                 for name in ("var/lib/kubelet/kubeadm-flags.env", "etc/default/kubelet")]
    # No file is parsed twice; the two texts all nodes share, twice each: at first
    # sight, and when they come again and are kept.
    assert set(parsed) <= set(env_files) and set(parsed.values()) == {1}, parsed
    assert len(parsed) == 4, parsed
    # The unit still sees the file's flag: PL302 is reported where the env file says it.
    flagged = {f["path"] for f in walked["findings"] if f["rule"] == "PL302"}
    assert flagged == {f"nodes/n{n}/var/lib/kubelet/kubeadm-flags.env" for n in range(3)}

    named, parsed = _check(monkeypatch, *sorted(str(p.relative_to(tmp_path))
                                                for p in tmp_path.glob("nodes/**/*")
                                                if p.is_file()))
    assert set(parsed.values()) == {1} and len(parsed) == 4, parsed
    assert named["findings"] == walked["findings"]


def test_an_env_file_changed_between_runs_is_parsed_again(tmp_path: Path) -> None:
    """The memory is of (path, text), kept across runs in one process: a file edited
    since is never answered from it."""
    _node(tmp_path / "n", "3.9")
    flags = tmp_path / "n/var/lib/kubelet/kubeadm-flags.env"

    def pl302() -> list[str]:
        result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json",
                                           "-k", "1.31", str(tmp_path / "n")])
        return [f["path"] for f in json.loads(result.output)["findings"] if f["rule"] == "PL302"]

    assert pl302() == [str(flags)]
    flags.write_text('KUBELET_KUBEADM_ARGS="--v=2"\n')
    assert pl302() == []
