"""Cluster API objects: the node files and kubeadm settings they carry, read where
the object's file has them (issue 14)."""

from __future__ import annotations

import base64
import gzip
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "capi"
CONTAINERD = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "registry.k8s.io/pause:3.10"\n')


def check(path: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", *args, str(path)])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def at(doc: dict) -> dict[str, tuple[int, int]]:
    return {f["rule"]: (f["line"], f["column"]) for f in doc["findings"]}


def test_a_template_whose_containerd_and_kubelet_flag_disagree_gives_pl303_at_the_flag(
        ) -> None:
    doc = check(FIXTURES / "kubeadmconfigtemplate-v1beta1.yaml", "-k", "1.31")
    # The flag's value in kubeletExtraArgs (line 19), compared with the sandbox image
    # of the containerd config written by files[] (line 15 of the object's file).
    assert at(doc) == {"PL302": (19, 40), "PL303": (19, 40)}
    [pl303] = [f for f in doc["findings"] if f["rule"] == "PL303"]
    assert "differs from registry.k8s.io/pause:3.10 that containerd uses" in pl303["message"]
    [node] = doc["nodes"]
    assert node["name"].endswith("kubeadmconfigtemplate-v1beta1.yaml")
    [runtime] = node["runtimes"]
    assert runtime["sandbox_image"]["line"] == 15 and runtime["sandbox_image"]["column"] == 31


def _control_plane(tmp_path: Path, content: str, encoding: str | None) -> Path:
    encoding_line = f"        encoding: {encoding}\n" if encoding else ""
    text = textwrap.dedent("""\
        apiVersion: controlplane.cluster.x-k8s.io/v1beta2
        kind: KubeadmControlPlane
        metadata:
          name: cp
        spec:
          version: v1.35.1
          kubeadmConfigSpec:
            files:
              - path: /etc/containerd/config.toml
        """) + encoding_line + content + (
        "    initConfiguration:\n"
        "      nodeRegistration:\n"
        "        kubeletExtraArgs:\n"
        "          - name: pod-infra-container-image\n"
        "            value: registry.k8s.io/pause:3.9\n")
    path = tmp_path / "kcp.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _plain(config: str) -> str:
    return "        content: |\n" + "".join(f"          {line}\n" for line in config.splitlines())


@pytest.mark.parametrize("encoding", ["base64", "gzip+base64"])
def test_encoded_content_is_read_and_reported_at_the_content(tmp_path: Path,
                                                             encoding: str) -> None:
    data = CONTAINERD.replace("version = 2", "version = 3").encode()
    if encoding == "gzip+base64":
        data = gzip.compress(data)
    path = _control_plane(tmp_path, f"        content: {base64.b64encode(data).decode()}\n",
                          encoding)
    doc = check(path)
    # spec.version is the Kubernetes version: the kubelet flag is refused at 1.35.
    assert doc["nodes"][0]["kubernetes_version"] == "1.35.1"
    found = at(doc)
    assert found["PL401"] == (11, 18)  # the encoded content's own start
    assert found["PL301"] == (16, 20)  # v1beta2: the {name, value} entry's value


def test_plain_content_positions_are_the_lines_of_the_object(tmp_path: Path) -> None:
    path = _control_plane(tmp_path, _plain(CONTAINERD.replace("version = 2", "version = 3")),
                          None)
    lines = path.read_text().splitlines()
    found = at(check(path))
    line, column = found["PL401"]
    assert lines[line - 1][column - 1:].startswith('"registry.k8s.io/pause:3.10"')


def test_content_that_does_not_decode_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = _control_plane(tmp_path, "        content: '%%% not base64'\n", "gzip+base64")
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", str(path)])
    assert result.exit_code == 2
    [error] = json.loads(result.output)["errors"]
    assert error["line"] == 11 and "gzip+base64 content does not decode" in error["message"]


def test_embedding_never_changes_the_findings_but_their_places(tmp_path: Path) -> None:
    """The same containerd config and kubelet flag, as bare node files and inside a
    KubeadmConfigTemplate (plain and gzip+base64): the same rules, messages aside
    from where they point."""
    node = tmp_path / "bare"
    (node / "etc" / "containerd").mkdir(parents=True)
    (node / "etc" / "containerd" / "config.toml").write_text(CONTAINERD)
    (node / "etc" / "kubernetes").mkdir(parents=True)
    (node / "etc" / "kubernetes" / "kubeadm.yaml").write_text(textwrap.dedent("""\
        apiVersion: kubeadm.k8s.io/v1beta3
        kind: JoinConfiguration
        nodeRegistration:
          kubeletExtraArgs:
            pod-infra-container-image: registry.k8s.io/pause:3.9
        """))
    bare = check(node, "-k", "1.31")
    for encoding in (None, "gzip+base64"):
        content = (_plain(CONTAINERD) if encoding is None else
                   f"        content: {base64.b64encode(gzip.compress(CONTAINERD.encode())).decode()}\n")
        wrapped = tmp_path / f"wrapped-{encoding or 'plain'}.yaml"
        wrapped.write_text(
            "apiVersion: bootstrap.cluster.x-k8s.io/v1beta1\nkind: KubeadmConfigTemplate\n"
            "spec:\n  template:\n    spec:\n      files:\n"
            "        - path: /etc/containerd/config.toml\n"
            + (f"          encoding: {encoding}\n" if encoding else "")
            + content.replace("        content", "          content").replace(
                "\n          ", "\n            ")
            + "      joinConfiguration:\n        nodeRegistration:\n          kubeletExtraArgs:\n"
            "            pod-infra-container-image: registry.k8s.io/pause:3.9\n")
        doc = check(wrapped, "-k", "1.31")
        assert sorted((f["rule"], f["severity"]) for f in doc["findings"]) == sorted(
            (f["rule"], f["severity"]) for f in bare["findings"]), encoding


def test_a_boot_command_that_sets_the_sandbox_image_is_named_not_guessed(
        tmp_path: Path) -> None:
    path = tmp_path / "kct.yaml"
    path.write_text(
        "apiVersion: bootstrap.cluster.x-k8s.io/v1beta1\nkind: KubeadmConfigTemplate\n"
        "spec:\n  template:\n    spec:\n      preKubeadmCommands:\n"
        "        - systemctl enable containerd\n"
        "        - sed -i 's|sandbox_image = .*|sandbox_image = \"registry.k8s.io/pause:3.9\"|'"
        " /etc/containerd/config.toml\n")
    doc = check(path)
    assert doc["not_read"] == [{
        "path": f"{path}:8",
        "reason": "preKubeadmCommands sets a pause image with a command: not checked (what "
                  "it writes is known only when it runs)"}]
