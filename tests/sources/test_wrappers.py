"""cloud-init, EKS NodeConfig and kOps nodeup tasks: node files inside YAML, read where
they are (issue 14). Each fixture writes a containerd config and a kubelet flag that
disagree, so the wrapper must be one node and the flag's finding must point into the
wrapper's own lines."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wrappers"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "other"


def check(path: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", "-k", "1.31",
                                       *args, str(path)])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def places(doc: dict) -> set[tuple[str, int, int]]:
    return {(f["rule"], f["line"], f["column"]) for f in doc["findings"]}


@pytest.mark.parametrize(("name", "flag_at"), [
    ("user-data.yaml", (12, 55)),      # write_files /etc/default/kubelet
    ("nodeconfig.yaml", (15, 38)),     # spec.kubelet.flags, a quoted scalar
    ("nodeup-tasks.yaml", (9, 44)),    # /etc/sysconfig/kubelet's DAEMON_ARGS
])
def test_the_embedded_flag_is_compared_with_the_embedded_runtime(name: str,
                                                                 flag_at: tuple) -> None:
    path = FIXTURES / name
    doc = check(path)
    assert ("PL303", *flag_at) in places(doc)
    lines = path.read_text().splitlines()
    line, column = flag_at
    assert lines[line - 1][column - 1:].startswith("registry.k8s.io/pause:3.9")
    [node] = doc["nodes"]
    [runtime] = node["runtimes"]
    sandbox = runtime["sandbox_image"]
    assert sandbox["value"] == "registry.k8s.io/pause:3.10"
    assert lines[sandbox["line"] - 1][sandbox["column"] - 1:].startswith(
        '"registry.k8s.io/pause:3.10"')


def test_cloud_init_gzip_b64_content_is_read_at_its_start(tmp_path: Path) -> None:
    config = ('version = 3\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "registry.k8s.io/pause:3.10"\n')
    data = base64.b64encode(gzip.compress(config.encode())).decode()
    path = tmp_path / "user-data"
    path.write_text("#cloud-config\nwrite_files:\n  - path: /etc/containerd/config.toml\n"
                    f"    encoding: gz+b64\n    content: {data}\n")
    assert ("PL401", 5, 14) in places(check(path))


def test_yaml_that_is_none_of_them_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("replicaCount: 1\nimage:\n  tag: latest\n")
    result = CliRunner().invoke(main, ["check", "--no-config", "--ignore-unknown", str(path)])
    assert result.exit_code == 0 and "no problems found" in result.output


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here (a user's clone)")
@pytest.mark.parametrize(("name", "value"), [
    ("eks-nodeadm-nodeconfig-embedded-containerd-v3.yaml", "registry.k8s.io/pause:3.10"),
    ("kops-nodeup-containerd-tasks-v3-hosts.yaml", "registry.k8s.io/pause:3.10.1"),
    ("kops-nodeup-containerd-tasks-v4.yaml", "registry.k8s.io/pause:3.10.1"),
])
def test_the_corpus_wrappers_are_read(name: str, value: str) -> None:
    """Public configs nobody here wrote: each now gives its node's sandbox image."""
    result = CliRunner().invoke(main, ["show", "--no-config", "-o", "json",
                                       "--runtime-version", "containerd=2.3.1",
                                       str(CORPUS / name)])
    assert result.exit_code == 0, result.output
    [node] = json.loads(result.output)["nodes"]
    [runtime] = node["runtimes"]
    assert runtime["sandbox_image"]["value"] == value


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here (a user's clone)")
def test_the_corpus_kops_kubelet_flag_is_read() -> None:
    doc = check(CORPUS / "kops-nodeup-kubelet-tasks-daemon-args-2022.yaml")
    [flag] = [f for f in doc["findings"] if f["rule"] == "PL302"]
    assert (flag["line"], flag["image"]) == (6, "registry.k8s.io/pause:3.6")


def test_a_kops_cluster_spec_override_and_kubelet_image() -> None:
    """spec.containerd.configOverride is the node's config.toml, podInfraContainerImage
    the kubelet's flag, kubernetesVersion the version: 1.35 refuses the flag (PL301)."""
    path = FIXTURES / "kops-cluster.yaml"
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", str(path)])
    doc = json.loads(result.output)
    assert result.exit_code == 1
    [refused] = [f for f in doc["findings"] if f["rule"] == "PL301"]
    assert (refused["line"], refused["column"]) == (13, 29)
    [node] = doc["nodes"]
    assert node["kubernetes_version"] == "1.35.2"
    assert node["runtimes"][0]["sandbox_image"]["value"] == "registry.k8s.io/pause:3.10.1"


@pytest.mark.parametrize(("text", "what"), [
    ("#cloud-config\nwrite_files:\n  - path: /etc/containerd/config.toml\n"
     "    content: [1, 2]\n", "a list"),
    ("#cloud-config\nwrite_files:\n  - path: /etc/default/kubelet\n    content: true\n",
     "the bool 'true'"),
    ("apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  containerd:\n"
     "    config: 5\n", "the int '5'"),
])
def test_content_that_is_no_text_is_an_error_at_it(tmp_path: Path, text: str,
                                                   what: str) -> None:
    """A file's content must be text: a number or a list is said to be one, at its
    place, not read as TOML that then 'is invalid' (found by review)."""
    path = tmp_path / "wrapper.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", "-k", "1.31",
                                       str(path)])
    assert result.exit_code == 2, result.output
    [error] = json.loads(result.output)["errors"]
    line = len(text.splitlines())
    assert (error["line"], f"its content is {what}, not text" in error["message"]) == (
        line, True), error
