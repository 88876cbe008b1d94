"""Node files put inside each wrapper pauselint unwraps, as the wrapper's users write them.

Shared by the wrapper fuzz strategy (real node files wrapped, then mutated) and the
property test that embedding never changes findings but their places
(tests/sources/test_wrapper_property.py). Each :func:`embed` returns the wrapper's
text and, for every embedded file, where its text sits in the wrapper: the lines and
indentation of a plain (block scalar) copy, or the start of the string that holds an
encoded one, where everything in it is reported.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import NamedTuple
from urllib.parse import quote

CONTAINERD = "/etc/containerd/config.toml"
POD_INFRA = "--pod-infra-container-image="


class Place(NamedTuple):
    """Where an embedded file's text is in the wrapper (1-based).

    Plain: the file's line ``n`` is wrapper line ``first + n - 1``, shifted right by
    ``indent`` columns. Encoded (``indent`` None): every position is ``(first,
    column)``, the string's start.
    """

    first: int
    indent: int | None
    column: int = 1
    lines: int = 0

    def position(self, line: int, column: int | None) -> tuple[int, int | None]:
        """Where the file's own (line, column) is reported in the wrapper."""
        if self.indent is None:
            return self.first, self.column
        return self.first + line - 1, None if column is None else column + self.indent


class Wrapped(NamedTuple):
    name: str  # the wrapper's file name
    text: str
    places: dict[str, Place]  # node path (or "flag") -> where it is


# Every wrapper and the encodings its users write.
ENCODINGS: dict[str, tuple[str, ...]] = {
    "cluster-api": ("plain", "base64", "gzip+base64"),
    "cloud-init": ("plain", "b64", "gzip+b64"),
    "ignition": ("percent", "base64", "gzip"),
    "butane": ("inline",),
    "kops": ("plain",),
    "eks": ("plain",),
}


class _Writer:
    """Lines of a YAML wrapper, with the places of what is put in them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.places: dict[str, Place] = {}

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def content(self, key_indent: int, key: str, path: str, text: str, encoding: str) -> None:
        """``key: |`` and ``text`` under it, or ``key: <encoded>`` on one line."""
        pad = " " * key_indent
        if encoding in ("plain", "inline"):
            self.add(f"{pad}{key}: |")
            body = text.split("\n")
            if body[-1] == "":
                body.pop()
            self.places[path] = Place(len(self.lines) + 1, key_indent + 2, lines=len(body))
            self.add(*(f"{pad}  {line}" if line else "" for line in body))
            return
        data = text.encode()
        if encoding.startswith("gzip"):
            data = gzip.compress(data, mtime=0)
        encoded = base64.b64encode(data).decode()
        line = f"{pad}{key}: {encoded}"
        self.places[path] = Place(len(self.lines) + 1, None, len(pad) + len(key) + 3)
        self.add(line)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def embed(wrapper: str, encoding: str, files: dict[str, str], flag: str | None) -> Wrapped:
    """``files`` (node path -> text) and the kubelet's ``flag`` image inside ``wrapper``.

    ``flag`` is given apart because EKS holds it as a flag, not as an env file; the
    other wrappers get it in ``files`` already (an env file is a file to them).
    """
    if wrapper == "ignition":
        return _ignition(encoding, files)
    write = _Writer()
    if wrapper == "cluster-api":
        write.add("apiVersion: bootstrap.cluster.x-k8s.io/v1beta1", "kind: KubeadmConfigTemplate",
                  "metadata:", "  name: workers", "spec:", "  template:", "    spec:",
                  "      files:")
        for path, text in files.items():
            write.add(f"        - path: {path}")
            if encoding != "plain":
                write.add(f"          encoding: {encoding}")
            write.content(10, "content", path, text, encoding)
        return Wrapped("kubeadmconfigtemplate.yaml", write.text(), write.places)
    if wrapper == "cloud-init":
        write.add("#cloud-config", "write_files:")
        for path, text in files.items():
            write.add(f"  - path: {path}", "    owner: root:root")
            if encoding != "plain":
                write.add(f"    encoding: {encoding}")
            write.content(4, "content", path, text, encoding)
        return Wrapped("user-data", write.text(), write.places)
    if wrapper == "butane":
        write.add("variant: fcos", "version: 1.5.0", "storage:", "  files:")
        for path, text in files.items():
            write.add(f"    - path: {path}", "      mode: 0644", "      contents:")
            write.content(8, "inline", path, text, encoding)
        return Wrapped("node.bu", write.text(), write.places)
    if wrapper == "kops":
        for index, (path, text) in enumerate(files.items()):
            if index:
                write.add("---")
            write.content(0, "contents", path, text, encoding)
            write.add(f"path: {path}", "type: file")
        return Wrapped("tasks.yaml", write.text(), write.places)
    if wrapper == "eks":
        write.add("apiVersion: node.eks.aws/v1alpha1", "kind: NodeConfig", "spec:",
                  "  cluster:", "    name: my-cluster")
        if CONTAINERD in files:
            write.add("  containerd:")
            write.content(4, "config", CONTAINERD, files[CONTAINERD], encoding)
        if flag is not None:
            write.add("  kubelet:", "    flags:")
            # A flag's value is reported where it starts, after the `- ` and the name.
            write.places["flag"] = Place(len(write.lines) + 1, None, 9 + len(POD_INFRA))
            write.add(f"      - {POD_INFRA}{flag}")
        return Wrapped("nodeconfig.yaml", write.text(), write.places)
    raise ValueError(f"no wrapper {wrapper!r}")


def _ignition(encoding: str, files: dict[str, str]) -> Wrapped:
    """Ignition JSON: each file a ``data:`` URL, one per line, so its place is known."""
    entries = []
    for path, text in files.items():
        data = text.encode()
        contents: dict[str, str] = {}
        if encoding == "percent":
            contents["source"] = "data:," + quote(text, safe="")
        else:
            if encoding == "gzip":
                data = gzip.compress(data, mtime=0)
                contents["compression"] = "gzip"
            contents["source"] = "data:;base64," + base64.b64encode(data).decode()
        entries.append({"path": path, "mode": 420, "contents": contents})
    text = json.dumps({"ignition": {"version": "3.4.0"}, "storage": {"files": entries}},
                      indent=2) + "\n"
    places = {}
    lines = text.split("\n")
    number = -1
    for path, entry in zip(files, entries, strict=True):
        source = json.dumps(entry["contents"]["source"])
        # In file order: two files with one text are two lines.
        number = next(i for i in range(number + 1, len(lines)) if source in lines[i])
        places[path] = Place(number + 1, None, lines[number].index(source) + 1)
    return Wrapped("config.ign", text, places)
