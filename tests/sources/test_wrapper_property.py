"""Encoding and embedding a node's files never changes pauselint's findings on them,
except where they are (issue 14).

A node is drawn (a containerd config or a CRI-O drop-in with a sandbox image, maybe a
kubelet flag in an env file), checked as a node folder, then put inside a wrapper with
one of its encodings (Cluster API ``files[]``, cloud-init ``write_files``, Ignition
``data:`` URLs, Butane ``inline``, kOps nodeup tasks, EKS NodeConfig) and checked as
that one file, by the real engine both times. The findings must be the same (rule,
severity, message, image, fix), and each embedded one must sit where its value does in
the wrapper: at its own line and column shifted by the block's place for plain text,
at the string's start for encoded text.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pauselint.compat import load_table
from pauselint.engine import Options, check_files
from pauselint.inputs import collect
from pauselint.model import Component, Finding
from pauselint.sources.kinds import InputType

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # tests/fuzz is imported as `fuzz`, as pytest does
    sys.path.insert(0, str(TESTS))
from fuzz.wrapping import CONTAINERD, ENCODINGS, POD_INFRA, Wrapped, embed  # noqa: E402

IMAGES = ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.9", "k8s.gcr.io/pause:3.2",
          "registry.k8s.io/pause:latest", "docker.io/library/pause:3.9",
          "registry.aliyuncs.com/google_containers/pause:3.6", "registry.k8s.io/pause:3.10.1",
          "registry.k8s.io/pause", "pause:3.9")
# Where a containerd config may put its image: (version line, table, key).
CONTAINERD_KEYS = (
    (None, "plugins.cri", "sandbox_image"),
    ("version = 2", 'plugins."io.containerd.grpc.v1.cri"', "sandbox_image"),
    ("version = 2", "plugins.'io.containerd.grpc.v1.cri'", "sandbox_image"),
    ("version = 3", "plugins.'io.containerd.cri.v1.images'.pinned_images", "sandbox"),
    ("version = 3", 'plugins."io.containerd.grpc.v1.cri"', "sandbox_image"),  # ignored
    ("version = 2", "plugins.'io.containerd.cri.v1.images'.pinned_images", "sandbox"),
    ("version = 2", 'plugins."io.containerd.grpc.v1.cri"', "sandbox-image"),  # misspelled
)
# The ones nodeadm's merge leaves as written: an explicit version and the base's key.
EKS_KEYS = frozenset({CONTAINERD_KEYS[1], CONTAINERD_KEYS[2], CONTAINERD_KEYS[3]})
ENV_FILES = ("/etc/default/kubelet", "/etc/sysconfig/kubelet",
             "/var/lib/kubelet/kubeadm-flags.env",
             "/etc/systemd/system/kubelet.service.d/20-pause.conf")


class Node(NamedTuple):
    files: dict[str, str]
    flag: str | None
    eks_ok: bool  # what EKS holds (containerd, a flag) and nodeadm's merge keeps as is


# Comment lines a config may hold: prose, a suppression, characters some count twice.
COMMENTS = ("# containerd for the workers", "# pauselint: disable=PL201", "# é, ü and 😀",
            'root = "/var/lib/containerd"', "")


@st.composite
def containerd_configs(draw: st.DrawFn) -> tuple[dict[str, str], bool]:
    """A config.toml, maybe with a drop-in it imports that sets the image instead."""
    key = draw(st.sampled_from(CONTAINERD_KEYS))
    version, table, name = key
    image = draw(st.sampled_from(IMAGES))
    quote = draw(st.sampled_from(('"', "'")))
    indent = draw(st.sampled_from(("", "  ")))
    lines = draw(st.lists(st.sampled_from(COMMENTS), max_size=2))
    if version:
        lines.append(version)
    dropin = draw(st.booleans()) and version is not None
    if dropin:
        lines.append('imports = ["/etc/containerd/conf.d/*.toml"]')
    trailing = draw(st.sampled_from(("", "", "  # pauselint: disable=PL201 -- pinned")))
    lines += [f"[{table}]", f"{indent}{name} = {quote}{image}{quote}{trailing}"]
    if draw(st.booleans()) and "cri.v1.images" not in table:
        lines += ["", f'[{table}.cni]', f'{indent}bin_dir = "/opt/cni/bin"']
    files = {CONTAINERD: "\n".join(lines) + "\n"}
    if dropin:
        other = draw(st.sampled_from(IMAGES))
        files["/etc/containerd/conf.d/10-pause.toml"] = (
            f"{version}\n[{table}]\n{name} = {quote}{other}{quote}\n")
    return files, key in EKS_KEYS and not dropin


@st.composite
def nodes(draw: st.DrawFn) -> Node:
    files: dict[str, str] = {}
    if draw(st.booleans()):
        files, eks_ok = draw(containerd_configs())
    else:
        image = draw(st.sampled_from(IMAGES))
        comment = draw(st.lists(st.sampled_from(COMMENTS[:3]), max_size=1))
        if draw(st.booleans()):
            files["/etc/crio/crio.conf"] = "[crio.image]\npause_image = \"registry.k8s.io/pause:3.9\"\n"
        files["/etc/crio/crio.conf.d/10-pause.conf"] = "\n".join(
            [*comment, "[crio.image]", f'pause_image = "{image}"']) + "\n"
        eks_ok = False
    flag = draw(st.one_of(st.none(), st.sampled_from(IMAGES)))
    if flag is not None:
        where = draw(st.sampled_from(ENV_FILES))
        variable = "KUBELET_KUBEADM_ARGS" if where.endswith(".env") else "KUBELET_EXTRA_ARGS"
        line = f'{variable}="--node-labels=pool=a {POD_INFRA}{flag}"'
        files[where] = (f'[Service]\nEnvironment="{line.replace(chr(34), "")}"\n'
                        if where.endswith(".conf") else line + "\n")
    return Node(files, flag, eks_ok)


def _check(paths: list[str], kubernetes: str, runtime: bool,
           input_type: InputType | None = None) -> list[Finding]:
    table = load_table()
    runtimes = ((Component.CONTAINERD, "2.1.0"), (Component.CRIO, "1.31.0")) if runtime else ()
    options = Options(kubernetes=kubernetes, runtimes=runtimes, input_type=input_type)
    return check_files(collect(paths), options, table).findings


def _what(finding: Finding, *paths: str) -> tuple:
    """A finding without its place, nor the places its message names (another
    setting's: "set at FILE:LINE")."""
    message = finding.message
    for path in sorted(paths, key=len, reverse=True):
        message = re.sub(re.escape(path) + r"(?::\d+)*", "<place>", message)
    return (finding.rule, finding.severity, message, finding.image, finding.fix)


def _node_path(finding: Finding, root: Path) -> str | None:
    path = finding.location.path
    return "/" + str(Path(path).relative_to(root)) if path else None


def _compare(node: Node, wrapped: Wrapped, kubernetes: str, runtime: bool,
             input_type: InputType | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="pauselint-wrap-") as folder:
        root = Path(folder) / "node"
        for path, text in node.files.items():
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode())
        outer = Path(folder) / wrapped.name
        outer.write_bytes(wrapped.text.encode())
        bare = _check([str(root)], kubernetes, runtime)
        inside = _check([str(outer)], kubernetes, runtime, input_type)
        files = [str(root / p.lstrip("/")) for p in node.files]
        assert Counter(_what(f, *files) for f in bare) == Counter(
            _what(f, str(outer)) for f in inside), wrapped.text
        # Where: each finding on a file's line is at that place in the wrapper.
        expected = Counter()
        for finding in bare:
            loc = finding.location
            if loc.line is None:
                continue
            node_path = _node_path(finding, root)
            place = wrapped.places.get(node_path or "")
            if place is None and node.flag is not None and node_path in ENV_FILES:
                place = wrapped.places.get("flag")
            assert place is not None, (finding, wrapped.places)
            line, column = place.position(loc.line, loc.column)
            if loc.column is None:
                column = None  # a finding of a line (PL002 on a comment) has none anywhere
            if place.indent is not None:
                assert place.first <= line < place.first + place.lines, (finding, place)
            expected[(_what(finding, *files), str(outer), line, column)] += 1
        found = Counter((_what(f, str(outer)), f.location.path, f.location.line,
                         f.location.column) for f in inside if f.location.line is not None)
        assert found == expected, wrapped.text


# A few seconds by default; longer by hand (PAUSELINT_PROPERTY_EXAMPLES=2000).
EXAMPLES = int(os.environ.get("PAUSELINT_PROPERTY_EXAMPLES", "150"))
PLAIN = ("plain", "inline")
# Wrappers whose content rules once missed CR LF line ends (fixed in registry.py).
CRLF_WRAPPERS = ("cloud-init", "kops")
SUPPRESSION = re.compile(r"[ \t]*# pauselint:[^\r\n]*")
WRAPPINGS = [(wrapper, encoding) for wrapper, encodings in ENCODINGS.items()
             for encoding in encodings]


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(nodes(), st.sampled_from(WRAPPINGS), st.sampled_from(("1.31", "1.35")), st.booleans(),
       st.booleans())
def test_embedding_changes_only_where_findings_are(node: Node, wrapping: tuple[str, str],
                                                   kubernetes: str, runtime: bool,
                                                   crlf: bool) -> None:
    wrapper, encoding = wrapping
    if crlf:  # Windows line ends, in the files and in the wrapper
        node = node._replace(files={p: t.replace("\n", "\r\n") for p, t in node.files.items()})
    if wrapper == "eks" and not node.eks_ok:
        # EKS holds only a containerd config and flags, and nodeadm's merge changes a
        # config without the base's version and key (test_eks.py): another wrapper.
        wrapper, encoding = "cloud-init", "plain"
    if encoding not in PLAIN:
        # An encoded text has one place in the wrapper (its start), so a comment in it
        # covers every finding of that text, not one line and the next as in the bare
        # file (test_a_suppression_in_encoded_content_is_seen holds that).
        node = node._replace(files={p: SUPPRESSION.sub("", t) for p, t in node.files.items()})
    flag = node.flag if wrapper == "eks" else None
    files = node.files if wrapper != "eks" else {CONTAINERD: node.files[CONTAINERD]}
    wrapped = embed(wrapper, encoding, files, flag)
    if crlf:
        wrapped = wrapped._replace(text=_crlf(wrapped.text))
    _compare(node, wrapped, kubernetes, runtime)


def _crlf(text: str) -> str:
    return re.sub(r"(?<!\r)\n", "\r\n", text)


def test_every_wrapper_and_encoding_is_tried() -> None:
    """The property is not vacuous: one node with findings in both its files, in every
    wrapper and encoding, each finding found inside."""
    config = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "k8s.gcr.io/pause:3.2"\n')
    node = Node({CONTAINERD: config,
                 "/etc/default/kubelet": f"KUBELET_EXTRA_ARGS={POD_INFRA}registry.k8s.io/pause:3.9\n"},
                "registry.k8s.io/pause:3.9", True)
    for wrapper, encoding in WRAPPINGS:
        files = {CONTAINERD: config} if wrapper == "eks" else node.files
        wrapped = embed(wrapper, encoding, files, node.flag if wrapper == "eks" else None)
        with tempfile.TemporaryDirectory() as folder:
            outer = Path(folder) / wrapped.name
            outer.write_text(wrapped.text, encoding="utf-8")
            rules = {f.rule for f in _check([str(outer)], "1.31", False)}
        assert {"PL103", "PL302"} <= rules, (wrapper, encoding, rules)
        _compare(node, wrapped, "1.31", False)


# --- what the property found in the product, not fixed here (files others own) -------


@pytest.mark.parametrize("encoding", ["plain", "base64", "gzip+base64"])
def test_a_suppression_in_encoded_content_is_seen(encoding: str) -> None:
    config = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              'sandbox_image = "k8s.gcr.io/pause:3.2"  # pauselint: disable=PL103 -- frozen\n')
    wrapped = embed("cluster-api", encoding, {CONTAINERD: config}, None)
    with tempfile.TemporaryDirectory() as folder:
        outer = Path(folder) / wrapped.name
        outer.write_text(wrapped.text, encoding="utf-8")
        rules = {f.rule for f in _check([str(outer)], "1.31", False)}
    assert "PL103" not in rules and "PL002" not in rules


@pytest.mark.parametrize("wrapper", CRLF_WRAPPERS)
def test_crlf_user_data_and_nodeup_tasks_are_detected(wrapper: str) -> None:
    config = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              'sandbox_image = "k8s.gcr.io/pause:3.2"\n')
    wrapped = embed(wrapper, "plain", {CONTAINERD: config}, None)
    with tempfile.TemporaryDirectory() as folder:
        outer = Path(folder) / wrapped.name
        outer.write_text(_crlf(wrapped.text), encoding="utf-8", newline="")
        rules = {f.rule for f in _check([str(outer)], "1.31", False)}
    assert "PL103" in rules
