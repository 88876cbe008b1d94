"""EKS nodeadm NodeConfig: ``spec.containerd.config`` read as the config.toml nodeadm
writes from it, merged over its own base (issue 14). Facts: awslabs/amazon-eks-ami
v20260724 ``nodeadm/internal/containerd/config.go`` (see sources/eks.py)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.sources.eks import BASE_SANDBOX_VALUE, base_version, unwrap
from pauselint.sources.source_text import SourceText

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "other"
HEAD = ("apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n"
        "  containerd:\n    config: |\n")
CONFIG_KEY = (5, 5)  # where nodeadm's base lines are reported: the `config` key


def nodeconfig(tmp_path: Path, toml: str, tail: str = "") -> Path:
    path = tmp_path / "nodeconfig.yaml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(toml), "      ") + tail)
    return path


def run(path: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", "-k", "1.31",
                                       *args, str(path)])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def runtime(doc: dict) -> dict:
    [node] = doc["nodes"]
    [found] = node["runtimes"]
    return found


def placed(doc: dict) -> set[tuple[str, int, int]]:
    return {(f["rule"], f["line"], f["column"]) for f in doc["findings"]}


def notes(doc: dict) -> list[str]:
    return [n["reason"] for n in doc.get("not_read", []) if "set by nodeadm at boot" in n["reason"]]


@pytest.mark.parametrize(("toml", "version", "image", "at"), [
    # No `version` line: the merged file has the base's, chosen by nodeadm's marker test.
    ("[plugins.'io.containerd.cri.v1.images'.pinned_images]\n"
     "sandbox = 'registry.k8s.io/pause:3.9'\n", 3, "registry.k8s.io/pause:3.9", (7, 17)),
    ('[plugins."io.containerd.grpc.v1.cri"]\n'
     'sandbox_image = "registry.k8s.io/pause:3.9"\n', 2, "registry.k8s.io/pause:3.9", (7, 23)),
    # The user's own `version` stays, and is where they wrote it.
    ("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
     "  sandbox_image = 'registry.k8s.io/pause:3.9'\n", 2, "registry.k8s.io/pause:3.9", (8, 25)),
])
def test_the_users_image_is_read_where_they_wrote_it(tmp_path: Path, toml: str, version: int,
                                                     image: str, at: tuple[int, int]) -> None:
    doc = run(nodeconfig(tmp_path, toml))
    found = runtime(doc)
    assert found["config_version"] == version
    sandbox = found["sandbox_image"]
    assert (sandbox["value"], sandbox["line"], sandbox["column"]) == (image, *at)
    assert notes(doc) == []


def test_pause_older_than_expected_points_into_a_versionless_v3_config(tmp_path: Path) -> None:
    """Read as version 1 (no version line), the pinned image would be 'ignored'; nodeadm's
    v3 base gives the file `version = 3`, so containerd reads it and PL201 judges it."""
    doc = run(nodeconfig(tmp_path, "[plugins.'io.containerd.cri.v1.images'.pinned_images]\n"
                                   "sandbox = 'registry.k8s.io/pause:3.9'\n"))
    assert placed(doc) == {("PL201", 7, 17)}


def test_no_image_of_the_users_is_nodeadms_not_containerds_default(tmp_path: Path) -> None:
    path = nodeconfig(tmp_path, '[plugins."io.containerd.grpc.v1.cri".registry.mirrors]\n'
                                '"docker.io" = ["https://mirror.example.com"]\n')
    doc = run(path, "--runtime-version", "containerd=2.1.0")
    assert not any(f["rule"] == "PL404" for f in doc["findings"])  # no built-in default
    sandbox = runtime(doc)["sandbox_image"]
    assert (sandbox["value"], sandbox["line"], sandbox["column"]) == (BASE_SANDBOX_VALUE,
                                                                      *CONFIG_KEY)
    [note] = notes(doc)
    assert 'version 2 base sets plugins."io.containerd.grpc.v1.cri".sandbox_image' in note
    assert "localhost/kubernetes/pause:latest" in note
    assert [n["path"] for n in doc["not_read"] if n["reason"] == note] == [f"{path}:5"]


def test_a_v2_key_beside_v3_tables_is_ignored_and_the_base_image_is_used(tmp_path: Path) -> None:
    """A v3 marker picks the version 3 base: the user's v2 sandbox_image is silently
    ignored, and the node runs nodeadm's pinned image."""
    doc = run(nodeconfig(tmp_path, """\
        [plugins."io.containerd.cri.v1.runtime".containerd]
          default_runtime_name = "runc"
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "registry.k8s.io/pause:3.10"
        """), "--runtime-version", "containerd=2.1.0")
    assert placed(doc) == {("PL401", 9, 25)}
    found = runtime(doc)
    assert (found["config_version"], found["sandbox_image"]["value"]) == (3, BASE_SANDBOX_VALUE)
    [note] = notes(doc)
    assert "pinned_images.sandbox" in note


def test_a_comment_naming_a_v3_plugin_picks_the_v3_base(tmp_path: Path) -> None:
    """nodeadm's test is a substring test over the whole text: a comment counts."""
    doc = run(nodeconfig(tmp_path, """\
        # moved to io.containerd.cri.v1.images in containerd 2
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "registry.k8s.io/pause:3.10"
        """))
    assert ("PL401", 8, 25) in placed(doc)
    assert runtime(doc)["config_version"] == 3


def test_a_users_version_3_over_the_v2_base_drops_nodeadms_own_image(tmp_path: Path) -> None:
    """No v3 marker: the version 2 base, whose `sandbox_image` the user's `version = 3`
    makes containerd 2 ignore: its built-in default is what the node runs."""
    doc = run(nodeconfig(tmp_path, """\
        version = 3
        [plugins."io.containerd.grpc.v1.cri".registry]
          config_path = "/etc/containerd/certs.d"
        """), "--runtime-version", "containerd=2.1.0")
    assert {(f["rule"], f["line"], f["column"]) for f in doc["findings"]
            if f["line"] is not None} == {("PL401", *CONFIG_KEY)}
    [default] = [f for f in doc["findings"] if f["rule"] == "PL404"]
    assert "registry.k8s.io/pause:3.10" in default["message"]
    [note] = notes(doc)
    assert "`version = 3` replaces the base's `version = 2`" in note


def test_the_base_key_goes_under_the_users_own_header(tmp_path: Path) -> None:
    """The base's key is put in the user's `[plugins."io.containerd.grpc.v1.cri"]`;
    every line after it is still reported where the user wrote it."""
    doc = run(nodeconfig(tmp_path, """\
        [plugins."io.containerd.grpc.v1.cri"]
          enable_cdi = true
          sandbox-image = "registry.k8s.io/pause:3.10"
        """), "--runtime-version", "containerd=1.7.20")
    assert placed(doc) == {("PL401", 8, 25)}
    sandbox = runtime(doc)["sandbox_image"]
    assert (sandbox["line"], sandbox["column"]) == CONFIG_KEY


def test_a_config_in_a_quoted_string_is_merged_too(tmp_path: Path) -> None:
    path = tmp_path / "nodeconfig.yaml"
    path.write_text(HEAD.replace("config: |\n", "config: \"[plugins.'io.containerd.cri.v1."
                                 "images'.pinned_images]\\nsandbox = 'registry.k8s.io/"
                                 "pause:3.9'\\n\"\n"))
    doc = run(path)
    assert placed(doc) == {("PL201", 5, 13)}
    assert runtime(doc)["config_version"] == 3


def test_a_nodeconfig_without_a_containerd_config_says_nodeadm_writes_one(tmp_path: Path,
                                                                           ) -> None:
    path = tmp_path / "nodeconfig.yaml"
    path.write_text("apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n"
                    "  kubelet:\n    flags: [--node-labels=a=b]\n")
    doc = run(path)
    [note] = notes(doc)
    assert note.startswith("nodeadm writes its base config as /etc/containerd/config.toml")
    [node] = doc["nodes"]
    assert node["runtimes"] == []


def test_an_inline_table_leaves_no_place_for_the_base_key() -> None:
    """TOML cannot add a key to an inline table: the text is read as written, and the
    note still says the image is nodeadm's."""
    text = HEAD + '      plugins = { "io.containerd.grpc.v1.cri" = { enable_cdi = true } }\n'
    parts = unwrap(SourceText(text, "n.yaml"))
    [merged] = [p.source for p in parts if p.source is not None]
    assert BASE_SANDBOX_VALUE not in merged.text and merged.text.startswith("version = 2\n")
    assert [p.note[0] for p in parts if p.note is not None] == ["n.yaml:5"]


@pytest.mark.parametrize(("text", "version"), [
    ("", 2), ("version = 3\n", 2), ("[plugins.'io.containerd.cri.v1.runtime']\n", 3),
    ("# io.containerd.cri.v1.images\n", 3), ('[plugins."io.containerd.grpc.v1.cri"]\n', 2),
])
def test_base_version_is_nodeadms_marker_test(text: str, version: int) -> None:
    assert base_version(text) == version


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here (a user's clone)")
def test_the_corpus_nodeconfig_sets_its_own_v3_image() -> None:
    """nodeadm's own e2e input (containerdv2-config/configv3.yaml): the user's pinned
    image is the node's, at its line; nothing is left to nodeadm's base."""
    doc = run(CORPUS / "eks-nodeadm-nodeconfig-embedded-containerd-v3.yaml")
    found = runtime(doc)
    sandbox = found["sandbox_image"]
    assert (sandbox["value"], sandbox["line"], sandbox["column"]) == (
        "registry.k8s.io/pause:3.10", 18, 17)
    assert found["config_version"] == 3
    assert notes(doc) == []


def test_merged_text_has_every_method_of_a_source_text() -> None:
    """MergedText borrows SourceText's methods (a NamedTuple takes no subclass with
    fields): one SourceText gains is one it must borrow too."""
    from pauselint.sources.eks import MergedText
    from pauselint.sources.source_text import SourceText

    own = {name for name, value in vars(SourceText).items()
           if not name.startswith("__") and name not in SourceText._fields
           and (callable(value) or isinstance(value, property))
           and not hasattr(tuple, name)}
    assert own, "SourceText has methods to borrow"
    missing = sorted(name for name in own if name not in vars(MergedText))
    assert not missing, f"MergedText does not borrow {missing}"
    assert MergedText._fields[:len(SourceText._fields)] == SourceText._fields
