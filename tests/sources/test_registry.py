"""The format registry: detection answers as before it existed, one entry per format.

``detection_before_registry.json`` holds what ``detect_type`` answered, by content and
by name alone, for every file of examples/, tests/fixtures and the shared corpus just
before detection moved into ``sources/registry.py`` (computed with that commit's
``detect.py``). The registry must give the same kind for each, except documentation
files, which are now never a config.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pauselint.sources import registry
from pauselint.sources.detect import InputType, detect_type

REPO = Path(__file__).resolve().parents[2]
BEFORE = json.loads((Path(__file__).parent / "detection_before_registry.json").read_text())
ROOTS = {
    "examples": REPO / "examples",
    "tests/fixtures": REPO / "tests" / "fixtures",
    "corpus": REPO / ".." / "shared" / "corpus",
}
# Files whose content-based answer changed on purpose since the recording: YAML that
# wraps node files, read by its wrapper format since issue 14 (it was "cannot tell").
WRAPPED = {
    ("corpus", "other/eks-nodeadm-nodeconfig-embedded-containerd-v3.yaml"): "eks-nodeconfig",
    ("corpus", "other/kops-nodeup-containerd-tasks-v3-hosts.yaml"): "kops",
    ("corpus", "other/kops-nodeup-containerd-tasks-v4.yaml"): "kops",
    ("corpus", "other/kops-nodeup-kubelet-tasks-daemon-args-2022.yaml"): "kops",
    ("corpus", "crio/openshift-mco-crio.conf.d-00-default-embedded.yaml"): "ignition",
    # containerd's hosts.toml docs example, read by its own format since issue 15.
    ("corpus", "containerd/hosts-toml-mirror-namespaces-docs.toml"): "containerd-hosts",
}
CASES = [(label, rel, WRAPPED.get((label, rel), answers[0]), *answers[1:])
         for label, table in sorted(BEFORE.items()) for rel, answers in sorted(table.items())]


def _kind(value: str | None) -> InputType | None:
    return InputType(value) if value is not None else None


@pytest.mark.parametrize(("label", "rel", "by_content", "by_name"), CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_registry_detects_every_known_file_as_before(label: str, rel: str, by_content: str | None,
                                                     by_name: str | None) -> None:
    path = ROOTS[label] / rel
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    text = path.read_bytes().decode("utf-8", "replace")
    documentation = registry.is_documentation(rel)

    assert detect_type(str(path), text) == (None if documentation else _kind(by_content))
    assert detect_type(str(path), "") == (None if documentation else _kind(by_name))


def test_the_recorded_answers_cover_every_kind() -> None:
    seen = {answer for table in BEFORE.values() for answers in table.values()
            for answer in answers}
    # k3s appears in no example or corpus file under its own kind; test_detect covers it.
    # The wrapper kinds came after the recording (tests/sources/test_wrappers.py), and
    # the registry host kinds too (test_detect.py::test_registry_host_configuration).
    assert {k.value for k in InputType} - seen <= {"k3s", "cluster-api", "cloud-init", "kops",
                                                  "eks-nodeconfig", "ignition", "talos",
                                                  "containerd-hosts", "registries-conf"}


def test_a_markdown_file_in_the_corpus_was_misread_as_containerd_before() -> None:
    # The reason documentation is never a config: SOURCES.md quotes TOML lines.
    assert BEFORE["corpus"]["SOURCES.md"][0] == "containerd"


@pytest.mark.parametrize("name", ["README.md", "notes.markdown", "guide.rst", "howto.adoc",
                                  "/etc/containerd/README.MD"])
def test_documentation_quoting_a_config_is_not_a_config(name: str) -> None:
    snippet = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "x"\n'

    assert detect_type(name, snippet) is None
    assert detect_type(name, "") is None


def test_type_still_forces_a_reader_on_a_markdown_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pauselint.cli import main

    doc = tmp_path / "README.md"
    doc.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                   '  sandbox_image = "k8s.gcr.io/pause:3.2"\n')
    result = CliRunner().invoke(main, ["check", "--type", "containerd", "--format", "json",
                                       str(doc)])

    findings = json.loads(result.output)["findings"]
    assert ("PL103", 3, 19) in {(f["rule"], f["line"], f["column"]) for f in findings}


@pytest.mark.parametrize(
    ("name", "path", "text"),
    [
        ("systemd", "/etc/systemd/system/kubelet.service", "[Service]\n"),
        ("kubeadm-configmap", "cm.yaml",
         "data:\n  ClusterConfiguration: |\n    kind: ClusterConfiguration\n"),
        ("kubeadm", "k.yaml", "apiVersion: kubeadm.k8s.io/v1beta3\n"),
        ("kubelet-config", "k.yaml", "kind: KubeletConfiguration\n"),
        ("cri-o", "x.conf", "[crio.image]\n"),
        ("containerd", "x.toml", "version = 2\n"),
        ("k3s", "c.yaml", "pause-image: x\n"),
        ("kubelet-env", "x", "KUBELET_EXTRA_ARGS=\n"),
    ],
)
def test_every_entry_recognises_its_content(name: str, path: str, text: str) -> None:
    found = registry.detect(path, text)

    assert found is not None and found.name == name
    assert registry.format_for(found.kind, text) is found


def test_entries_are_unique_and_each_kind_has_an_entry_named_after_it() -> None:
    names = [entry.name for entry in registry.FORMATS]

    assert len(names) == len(set(names))
    assert {k.value for k in InputType} <= set(names)


def test_forcing_kubeadm_picks_the_configmap_wrapper_only_for_a_configmap() -> None:
    configmap = "data:\n  ClusterConfiguration: |\n    kind: ClusterConfiguration\n"

    assert registry.format_for(InputType.KUBEADM, configmap).name == "kubeadm-configmap"
    assert registry.format_for(InputType.KUBEADM, "kind: InitConfiguration\n").name == "kubeadm"


# A Python package's requires.txt (Debian ships hundreds under /usr/lib/python3): an
# INI `[plugins]` section made `pauselint check /usr` read it as containerd.
REQUIRES_TXT = '\n[plugins]\n\n[plugins:python_version < "3.8"]\nimportlib-metadata\n'


def test_an_ini_plugins_section_is_not_containerd() -> None:
    assert detect_type("/usr/lib/python3/dist-packages/x.egg-info/requires.txt",
                       REQUIRES_TXT) is None


@pytest.mark.parametrize("text", [
    '[plugins]\n  [plugins.cri]\n    sandbox_image = "registry.k8s.io/pause:3.9"\n',
    "[plugins]\n\n  # the CRI plugin\n  [plugins.'io.containerd.cri.v1.images']\n",
])
def test_a_plugins_table_with_an_indented_plugin_table_is_containerd(text: str) -> None:
    assert detect_type("config", text) is InputType.CONTAINERD


def test_many_plugins_sections_are_detected_in_linear_time() -> None:
    # 6,500 bare sections: an unbounded look-ahead took 2 s; bounded, a few ms.
    assert detect_type("x", "[plugins]\n" * 6500) is None


def test_a_format_s_hints_hold_in_every_text_its_content_rule_matches() -> None:
    """``Format.hints`` lets detection skip a regex that cannot match; that is only
    sound if every text the regex matches holds a hint (a hint missing from one would
    turn a detected file into "no known kind"). Checked on every file of the test tree
    (fixtures, examples of each wrapper and encoding) and of the shared corpus."""
    from pathlib import Path

    from pauselint.sources.registry import FORMATS, HEAD_CHARS

    roots = [Path(__file__).resolve().parents[1], Path(__file__).resolve().parents[3]
             / "shared" / "corpus"]
    texts = [p.read_text(errors="replace")[:HEAD_CHARS] for root in roots if root.is_dir()
             for p in root.rglob("*") if p.is_file() and p.stat().st_size < 1_000_000
             and p.suffix not in (".pyc", ".gz")]
    assert len(texts) > 200
    hinted = [entry for entry in FORMATS if entry.hints and entry.content is not None]
    assert len(hinted) >= 15
    for entry in hinted:
        for text in texts:
            if entry.content.search(text):
                assert any(hint in text for hint in entry.hints), (entry.name, text[:200])


def test_format_for_sees_a_format_put_in_front_and_forgets_it_after(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """format_for keeps the formats of each kind; a FORMATS replaced (as a test or a
    new wrapper puts one in front) is taken afresh, before and after."""
    text = "#%front\nversion = 2\n"
    plain = registry.format_for(InputType.CONTAINERD, text)  # the kind's list is kept now
    front = registry.Format("front-containerd", InputType.CONTAINERD, plain.module, None,
                            re.compile(r"\A#%front$", re.M))
    with monkeypatch.context() as patched:
        patched.setattr(registry, "FORMATS", (front, *registry.FORMATS))
        assert registry.format_for(InputType.CONTAINERD, text) is front
        assert registry.format_for(InputType.CONTAINERD, "version = 2\n") is plain
    assert registry.format_for(InputType.CONTAINERD, text) is plain


_PART = st.sampled_from(["", ".", "..", "a", "Kubelet", "config.toml", "etc", " x", "é"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PART, max_size=6), st.sampled_from(["", "/", "//", "///", "\\", "\\\\"]),
       st.sampled_from(["/", "\\", "//"]), st.sampled_from(["", "/", "\\"]))
def test_name_parts_split_as_pure_posix_path_splits(parts: list[str], lead: str, sep: str,
                                                    tail: str) -> None:
    """_name_parts splits paths itself (pathlib costs start-up); it must agree with
    PurePosixPath on the name and the parent's parts, roots and odd separators too."""
    from pathlib import PurePosixPath

    path = lead + sep.join(parts) + tail
    pure = PurePosixPath(path.replace("\\", "/"))
    expected = (pure.name.lower(), [part.lower() for part in pure.parent.parts])
    assert registry._name_parts(path) == expected, path
