"""Every input format pauselint reads, in detection order: the one list to extend.

An entry says what a format is called, how a file shows it is one (its path, a
regular expression over the head of its text), whether its program splits lines at
LF only, and where its code lives: the module and the names of its functions, loaded
on first use, so that a pre-commit run over containerd configs never imports the YAML
or systemd readers. Generic code (``reading.py``, ``nodes.py``) asks this module and
never names a format. How to add one: ``ARCHITECTURE.md``.

A format's module provides (names as given in its entry):

* ``read(source: SourceText) -> ConfigFile``: settings and errors, positions in the
  file the user owns (``SourceText.relocate`` maps an embedded text's);
* optionally ``read_together(items, context) -> (configs, errors)``, for a format whose
  files mean something only together (systemd merges a unit with its drop-ins);
* optionally ``layer(files, context) -> Layered``: how files of its kind (together
  with the other kinds naming the same ``layer``) make one effective configuration;
* optionally ``references(config, root, errors) -> paths`` it names (imports).
"""


import importlib
import itertools
import os
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pauselint.lazy_re import LazyPattern
from pauselint.model import Component, ConfigFile
from pauselint.records import NamedTuple
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import RepeatsRemembered

if TYPE_CHECKING:
    from pathlib import Path

    from pauselint.inputs import InputFile

# Enough to reach the first tables of a fully commented crio.conf (its [crio]
# header sits after ~15 comment lines, [crio.image] after ~300).
HEAD_CHARS = 64 * 1024

# Documentation quotes config snippets; it is never a config, whatever it quotes.
DOCUMENT_SUFFIXES = (".md", ".markdown", ".rst", ".adoc")
# A containerd registry ``hosts.toml`` lives under /etc/containerd too, but holds no
# runtime config: its content vetoes every name rule but the hosts.toml one (a hosts.toml
# holding only ``server`` has nothing a content rule could tell it by).
NOT_A_CONFIG = LazyPattern(r"^\[host\.|^server[ \t]*=", re.M)
HOSTS_FORMAT = "containerd-hosts"
PLUGIN_TABLE = LazyPattern(r"^[ \t]*\[\[?[ \t]*plugins\b", re.M)



class ReadContext(NamedTuple):
    """What a format reading several files together may need besides them.

    ``inputs`` are all the files of the node group (a referenced file among them is
    used as given); ``load`` reads a referenced file that is not; ``root`` is where
    absolute paths resolve.
    """

    root: "str | Path | None"
    inputs: Sequence["InputFile"]
    load: Callable[[str], "InputFile"]


NameRule = Callable[[str, list[str]], bool]  # (lower-case file name, parent folders)


class Format(NamedTuple):
    """One input format: how it is recognised and where its reader lives.

    ``name`` is unique; ``kind`` is the InputType its files are read as (a wrapper
    format such as the kubeadm ConfigMap yields the kind it wraps). ``content`` is
    tried on the head of the text in registry order, ``by_name`` only when no content
    rule matched. ``layer`` names the function that layers files of this kind; kinds
    naming the same one are layered together, in ``layer_rank`` order among layers.

    A NamedTuple, not a frozen dataclass: the class is made on every run, and the
    dataclass machinery cost ~0.8 ms of a pre-commit hook's start-up for these entries.
    """

    name: str
    kind: InputType
    module: str
    component: Component | None
    content: LazyPattern | None = None
    by_name: NameRule | None = None
    lf_only: bool = False
    read: str = "read_source"
    read_together: str | None = None
    layer: str | None = None
    layer_rank: int = 0
    references: str | None = None
    # The format's program decides what a UTF-8 BOM and CR-only line ends mean
    # (containerd 2.x refuses both, 1.x reads both): its reader gets the text with the
    # BOM decode() dropped and the CRs it made LF given back.
    sees_raw: bool = False
    # A wrapper of other formats (Cluster API objects): the function that returns the
    # files it embeds, each read by its own format at the path it is written to, and
    # the settings it holds itself (sources/capi.py ``Unwrapped``).
    unwrap: str | None = None
    # Literals of which every text ``content`` matches holds one: the regex is tried
    # only where one is there (an ``in`` costs a fraction of a failing search, and most
    # files are tried against every entry before theirs).
    hints: tuple[str, ...] = ()

    def matches(self, head: str) -> bool:
        """Whether the content rule matches the head of a text."""
        if self.content is None:
            return False
        if self.hints:
            for hint in self.hints:  # a loop, not any(): no generator for each format tried
                if hint in head:
                    break
            else:
                return False
        return self.content.search(head) is not None

    def function(self, name: str) -> Callable[..., Any]:
        """A function of this format's module, imported on first use."""
        module, _, function = name.rpartition(":")
        return _imported(module or self.module, function)

    def read_source(self, source: Any) -> ConfigFile:
        """Read one SourceText."""
        return self.function(self.read)(source)

    @property
    def cr_only_line_ends(self) -> str:
        """What this format's program does with CR-only line ends (for an lf_only format)."""
        return str(importlib.import_module(self.module).CR_ONLY_LINE_ENDS)


def _systemd_name(name: str, parents: list[str]) -> bool:
    parent = parents[-1] if parents else ""
    return name.endswith(".service") or (name.endswith(".conf") and parent.endswith(".service.d"))


def _crio_name(name: str, parents: list[str]) -> bool:
    parent = parents[-1] if parents else ""
    return name in ("crio.conf", "crio.conf.default") or (
        parent == "crio.conf.d" and not name.endswith((".yaml", ".yml")))


def _hosts_toml_name(name: str, parents: list[str]) -> bool:
    """``<config_path>/<host>/hosts.toml``: the folder containerd's docs name is
    ``certs.d`` (/etc/containerd/certs.d, /etc/docker/certs.d)."""
    return name == "hosts.toml" and len(parents) >= 2 and parents[-2] == "certs.d"


def _registries_conf_name(name: str, parents: list[str]) -> bool:
    """``registries.conf``, and a drop-in in ``registries.conf.d`` (containers/image
    reads only ``*.conf`` there)."""
    parent = parents[-1] if parents else ""
    return name == "registries.conf" or (parent == "registries.conf.d" and name.endswith(".conf"))


def _containerd_name(name: str, parents: list[str]) -> bool:
    return name.endswith(".toml") and any("containerd" in part for part in parents)


def _kubelet_env_name(name: str, parents: list[str]) -> bool:
    parent = parents[-1] if parents else ""
    return name == "kubeadm-flags.env" or (name == "kubelet" and parent in ("default", "sysconfig"))


def _k3s_name(name: str, parents: list[str]) -> bool:
    """YAML under ``rancher/k3s`` or ``rancher/rke2`` (their config folders)."""
    return name.endswith((".yaml", ".yml")) and any(
        first == "rancher" and second in ("k3s", "rke2")
        for first, second in itertools.pairwise(parents))


def _proc_cmdline_name(name: str, parents: list[str]) -> bool:
    """``proc/<pid>/cmdline`` under any root: a process's argv (``pauselint node``)."""
    return name == "cmdline" and len(parents) >= 2 and parents[-2] == "proc" and (
        parents[-1].isascii() and parents[-1].isdigit())


_KUBELET = "pauselint.sources.kubelet"
_FLAGS_LAYER = "pauselint.sources.kubelet:layer_flags"

# Detection order: the first content rule that matches decides. Order matters: a
# kubeadm file embeds a KubeletConfiguration, and a systemd unit mentions
# KUBELET_EXTRA_ARGS, so the more specific kind is tried first. Markers are anchored
# at column 0 on purpose: YAML wrappers (MachineConfig templates, kops tasks, EKS
# NodeConfig) embed indented units and TOML that no reader here can read directly,
# and "cannot tell" serves the user better than the wrong reader -- until a wrapper
# format that unwraps them is listed here, as the kubeadm ConfigMap is.
FORMATS: tuple[Format, ...] = (
    # A running kubelet's argv, NUL-separated (/proc/PID/cmdline): first, since only a
    # command line starts with a program name followed by a NUL. Its flags are the
    # kubelet's command line, so it is read and layered as the kubelet-env kind.
    Format("kubelet-cmdline", InputType.KUBELET_ENV, "pauselint.sources.kubelet_cmdline",
           Component.KUBELET,
           LazyPattern(r"\A(?:[^\x00\n]*/)?(?:kubelet|hyperkube\x00kubelet|cri-dockerd)\x00"),
           _proc_cmdline_name, layer=_FLAGS_LAYER, layer_rank=40,
           hints=("\x00",)),  # so the pattern is never compiled for a text file
    Format("systemd", InputType.SYSTEMD, "pauselint.sources.systemd", Component.KUBELET,
           LazyPattern(r"^\[(?:Unit|Service|Install)\][ \t]*$", re.M), _systemd_name,
           lf_only=True, read_together="read_services", layer=_FLAGS_LAYER, layer_rank=40,
           references="references",
           hints=("[Unit]", "[Service]", "[Install]")),
    # Cluster API kubeadm bootstrap and control plane objects: they embed node files
    # and kubeadm's settings, so they come before the plain kubeadm format.
    Format("cluster-api", InputType.CLUSTER_API, "pauselint.sources.capi", Component.KUBEADM,
           LazyPattern(r"^[\"']?apiVersion[\"']?[ \t]*:[ \t]*[\"']?"
                      r"(?:bootstrap|controlplane)\.cluster\.x-k8s\.io/", re.M),
           unwrap="unwrap",
           hints=("cluster.x-k8s.io",)),
    # EKS nodeadm's NodeConfig: containerd TOML and kubelet flags as YAML strings.
    Format("eks-nodeconfig", InputType.EKS, "pauselint.sources.eks", Component.KUBELET,
           LazyPattern(r"^[\"']?apiVersion[\"']?[ \t]*:[ \t]*[\"']?node\.eks\.aws/", re.M),
           unwrap="unwrap",
           hints=("node.eks.aws",)),
    # Talos machine configs: the v1alpha1 document says `version: v1alpha1` at column 0
    # (a patch, holding only `machine:` keys, is no whole config: --type talos reads one).
    Format("talos", InputType.TALOS, "pauselint.sources.talos", Component.KUBELET,
           LazyPattern(r"^version[ \t]*:[ \t]*[\"']?v1alpha1[\"']?[ \t]*(?:#.*)?\r?$", re.M),
           unwrap="unwrap",
           hints=("v1alpha1",)),
    # cloud-init user-data: its first line says so.
    Format("cloud-init", InputType.CLOUD_INIT, "pauselint.sources.cloudinit", None,
           LazyPattern(r"\A#cloud-config[ \t]*\r?$", re.M), unwrap="unwrap",
           hints=("#cloud-config",)),
    # ... and user-data carried as a YAML string (a Cluster API bootstrap Secret, a
    # KubeVirt VM): a block scalar's `#cloud-config` line, a quoted one, or base64 of it.
    Format("cloud-init-carried", InputType.CLOUD_INIT, "pauselint.sources.cloudinit", None,
           LazyPattern(r"^[ \t]+#cloud-config[ \t]*\r?$|[\"']#cloud-config\\n"
                      r"|[ \t]I2Nsb3VkLWNvbmZpZw", re.M), unwrap="unwrap_carried",
           hints=("#cloud-config", "I2Nsb3VkLWNvbmZpZw")),
    # Ignition JSON, Butane YAML, OpenShift MachineConfigs and the MCO's file templates.
    Format("ignition", InputType.IGNITION, "pauselint.sources.ignition", None,
           LazyPattern(r"\"ignition\"[ \t]*:[ \t]*\{"
                      r"|^variant[ \t]*:[ \t]*[\"']?(?:fcos|flatcar|openshift|r4e|fiot)\b"
                      r"|^[\"']?apiVersion[\"']?[ \t]*:[ \t]*[\"']?"
                      r"machineconfiguration\.openshift\.io/"
                      r"|^contents[ \t]*:[ \t]*\r?\n[ \t]+inline[ \t]*:", re.M),
           unwrap="unwrap",
           hints=('"ignition"', "variant", "machineconfiguration.openshift.io", "contents")),
    # kOps nodeup tasks: YAML documents that are files nodeup writes.
    Format("kops", InputType.KOPS, "pauselint.sources.kops", None,
           LazyPattern(r"^type:[ \t]*file[ \t]*\r?$"
                      r"|^[\"']?apiVersion[\"']?[ \t]*:[ \t]*[\"']?kops\.k8s\.io/", re.M),
           unwrap="unwrap",
           hints=("file", "kops.k8s.io")),
    # the kubeadm-config ConfigMap as `kubectl get cm -o yaml` prints it
    Format("kubeadm-configmap", InputType.KUBEADM, "pauselint.sources.kubeadm_configmap",
           Component.KUBEADM, LazyPattern(r"^[ \t]+ClusterConfiguration[ \t]*:[ \t]*[|>]", re.M),
           layer="pauselint.sources.kubeadm:layer", layer_rank=50,
           hints=("ClusterConfiguration",)),
    Format("kubeadm", InputType.KUBEADM, "pauselint.sources.kubeadm", Component.KUBEADM,
           # (a kubeadm kind with no apiVersion too: the reader says kubeadm refuses it)
           LazyPattern(r"^\"?apiVersion\"?[ \t]*:[ \t]*[\"']?kubeadm\.k8s\.io/"
                      r"|^[\"']?kind[\"']?[ \t]*:[ \t]*[\"']?"
                      r"(?:Cluster|Init|Join)Configuration\b", re.M),
           layer="layer", layer_rank=50,
           hints=("kubeadm.k8s.io", "Configuration")),
    Format("kubelet-config", InputType.KUBELET_CONFIG, _KUBELET, Component.KUBELET,
           LazyPattern(r"^kind[ \t]*:[ \t]*[\"']?KubeletConfiguration\b"
                      r"|\"kind\"[ \t]*:[ \t]*\"KubeletConfiguration\"", re.M),
           read="read_kubelet_config_source", hints=("KubeletConfiguration",)),
    # Registry host configuration (issue 15): where pulls go. They set no sandbox image
    # and configure no runtime: no ``layer``, so they are read (their errors reported),
    # listed with the node's files, and never make a node or change one's image; the
    # pull path (``node_pulls``) reads them from the node's files. Before containerd's
    # entry, whose ``io.containerd.`` marker a hosts.toml URL could hold; a file that
    # has containerd's own ``[plugins`` tables is containerd's config (``detect``).
    Format(HOSTS_FORMAT, InputType.CONTAINERD_HOSTS, "pauselint.sources.containerd_hosts",
           Component.CONTAINERD,
           LazyPattern(r"^[ \t]*\[[ \t]*host[ \t]*\.", re.M), _hosts_toml_name, sees_raw=True,
           hints=("host",)),
    Format("registries-conf", InputType.REGISTRIES_CONF, "pauselint.sources.registries_conf",
           Component.CRIO,
           LazyPattern(r"^[ \t]*\[\[[ \t]*registry[ \t]*\]\]"
                      r"|^unqualified-search-registries[ \t]*="
                      r"|^[ \t]*\[[ \t]*registries\.(?:search|insecure|block)[ \t]*\]", re.M),
           _registries_conf_name, lf_only=True,
           # Not "registry": containerd's own config has `.registry]` tables.
           hints=("[[", "registries")),
    Format("cri-o", InputType.CRIO, "pauselint.sources.crio", Component.CRIO,
           LazyPattern(r"^\[\[?[ \t]*\"?crio[\].\"]|^crio\.[\w.\"-]+[ \t]*=", re.M), _crio_name,
           lf_only=True, layer="layer", layer_rank=20,
           hints=("crio",)),
    Format("containerd", InputType.CONTAINERD, "pauselint.sources.containerd",
           Component.CONTAINERD,
           # `[plugins]` alone is not enough: INI-style files (a Python package's
           # requires.txt) have that section too. containerd's name a plugin, at once or
           # in an indented table within the next lines (bounded: linear on any head).
           LazyPattern(r"^\[\[?[ \t]*plugins[.\"]"
                      r"|^\[[ \t]*plugins[ \t]*\][^\n]*\n"
                      r"(?=(?:[^\n]*\n){0,8}?[ \t]*\[\[?[ \t]*plugins[.\"'])"
                      r"|^version[ \t]*=[ \t]*[23][ \t]*(?:#.*)?\r?$"
                      r"|^[^#\s].*io\.containerd\.", re.M), _containerd_name,
           layer="layer", layer_rank=10, references="references", sees_raw=True,
           hints=("plugins", "version", "io.containerd.")),
    Format("k3s", InputType.K3S, "pauselint.sources.k3s", Component.K3S,
           LazyPattern(r"^[\"']?pause-image[\"']?[ \t]*:", re.M), _k3s_name,
           layer="layer", layer_rank=30,
           hints=("pause-image",)),
    Format("kubelet-env", InputType.KUBELET_ENV, _KUBELET, Component.KUBELET,
           LazyPattern(r"^(?:export[ \t]+)?KUBELET_(?:KUBEADM_|EXTRA_)?ARGS[ \t]*=", re.M),
           _kubelet_env_name, lf_only=True, read="read_kubelet_env_source",
           layer=_FLAGS_LAYER, layer_rank=40,
           hints=("KUBELET_",)),
)

# The kinds --type accepts, in the order the CLI lists them.
READABLE: tuple[InputType, ...] = tuple(InputType)


def _head(text: str) -> str:
    return text[:HEAD_CHARS].removeprefix("\ufeff")


def is_documentation(path: str) -> bool:
    """Whether ``path`` names prose (Markdown, reST, AsciiDoc) rather than a config."""
    return path.lower().endswith(DOCUMENT_SUFFIXES)


def _name_parts(path: str) -> tuple[str, list[str]]:
    """A path's lower-case file name and parent folders, as name rules take them.

    They are ``PurePath``'s ``name`` and ``parent.parts``, split here as pathlib
    splits a POSIX path (the root first, ``//`` kept as POSIX allows, empty and ``.``
    parts dropped): a run that tells files by name would otherwise import pathlib
    for this alone, ~16 M instructions of start-up. tests/sources/test_registry.py
    checks it against PurePosixPath.
    """
    text = path.replace("\\", "/")
    if os.name != "posix":  # a drive or a share is pathlib's to split
        from pathlib import PurePath

        pure = PurePath(text)
        return pure.name.lower(), [part.lower() for part in pure.parent.parts]
    root = ""
    if text.startswith("/"):
        root = "//" if text.startswith("//") and not text.startswith("///") else "/"
    parts = [part for part in text.split("/") if part and part != "."]
    folders = ([root] if root else []) + parts[:-1]
    return (parts[-1].lower() if parts else ""), [part.lower() for part in folders]


def _is_containerd_main(name: str, parents: list[str]) -> bool:
    return (name, parents[-1:]) == ("config.toml", ["containerd"])


def detect(path: str, text: str) -> Format | None:
    """The format of ``path`` by content, then by name; None when unsure (never raises)."""
    try:
        if is_documentation(path):
            return None
        head = _head(text)
        for entry in _content_matches(head):
            # containerd reads its config.toml whatever it holds, [host] tables too,
            # and a file with containerd's own plugin tables is its config.
            if entry.name == HOSTS_FORMAT and (
                    PLUGIN_TABLE.search(head) or _is_containerd_main(*_name_parts(path))):
                continue
            return entry
        name, parents = _name_parts(path)
        vetoed = bool(NOT_A_CONFIG.search(head)) and not _is_containerd_main(name, parents)
        for entry in FORMATS:
            if vetoed and entry.name != HOSTS_FORMAT:
                continue
            if entry.by_name is not None and entry.by_name(name, parents):
                return entry
        return None
    except Exception:  # detection is a guess; a guess must never crash a run
        return None


def _content_matches(head: str) -> "tuple[Format, ...]":
    """The entries whose content rule matches ``head``, in FORMATS' order, up to the
    first that is not containerd's hosts.toml (the one detect() may pass over for
    the path): asked of every file read, and a fleet's files repeat
    (source_text.RepeatsRemembered), so a head's answer is kept once it comes again --
    with the FORMATS it was found in, so a test that puts a format in front gets its
    own."""
    found, formats = _MATCHING(head)
    if formats is not FORMATS:
        _MATCHING.cache_clear()
        found, formats = _MATCHING(head)
    return found


def _matching(head: str) -> "tuple[tuple[Format, ...], tuple[Format, ...]]":
    found = []
    for entry in FORMATS:
        if entry.matches(head):
            found.append(entry)
            if entry.name != HOSTS_FORMAT:
                break
    return tuple(found), FORMATS


_MATCHING = RepeatsRemembered(_matching)


def _of_formats(key: Hashable, work_out: Callable[..., Any], *args: Any) -> Any:
    """``work_out(*args)`` as of the current FORMATS, worked out once per key (asked for
    every input read, or every node group): kept with the FORMATS it was worked out
    from, so a test that puts a format in front gets its own."""
    kept = _WORKED_OUT.get(key)
    if kept is None or kept[0] is not FORMATS:
        kept = _WORKED_OUT[key] = (FORMATS, work_out(*args))
    return kept[1]


_WORKED_OUT: dict[Hashable, tuple[tuple[Format, ...], Any]] = {}


def _of_kind(kind: InputType) -> list[Format]:
    """format_for's candidates for ``kind``, as FORMATS lists them."""
    return _of_formats(kind, _entries_of_kind, kind)


def _entries_of_kind(kind: InputType) -> list[Format]:
    return [entry for entry in FORMATS if entry.kind is kind]


def format_for(kind: InputType | str, text: str = "") -> Format:
    """The entry that reads ``text`` as ``kind`` (forced by --type, or detected).

    Of several entries of one kind (a wrapper and the format it wraps), the first whose
    content rule matches ``text``; otherwise the one named after the kind.
    """
    kind = InputType(kind)
    candidates = _of_kind(kind)
    if len(candidates) > 1:
        head = _head(text)
        for entry in candidates:
            if entry.matches(head):
                return entry
    return next((e for e in candidates if e.name == kind.value), candidates[0])


def _layer_target(entry: Format) -> str | None:
    if entry.layer is None:
        return None
    return entry.layer if ":" in entry.layer else f"{entry.module}:{entry.layer}"


def layers(kinds: Iterable[InputType | str]) -> list[tuple[str, frozenset[InputType]]]:
    """The layer functions for files of ``kinds``, once each, in layering order, with
    every kind each one layers (systemd units and env files make one command line)."""
    wanted = {InputType(k) for k in kinds}
    return [(target, members) for target, members in _layer_order() if members & wanted]


def _layer_order() -> list[tuple[str, frozenset[InputType]]]:
    """Every layer function in layering order, with the kinds it layers."""
    return _of_formats("layer order", _work_out_layer_order)


def _work_out_layer_order() -> list[tuple[str, frozenset[InputType]]]:
    found: dict[str, set[InputType]] = {}
    for entry in sorted(FORMATS, key=lambda e: e.layer_rank):
        target = _layer_target(entry)
        if target is not None:
            found.setdefault(target, set()).add(entry.kind)
    return [(target, frozenset(kinds)) for target, kinds in found.items()]


def layer_function(target: str) -> Callable[..., Any]:
    """The function a layer target ("module:function") names, imported on first use."""
    module, _, function = target.rpartition(":")
    return _imported(module, function)


def _imported(module: str, function: str) -> Callable[..., Any]:
    """``module.function``, imported on first use and kept: every file read asks for its
    reader, and ``import_module`` of a loaded module still costs ~5 us (10,000 times in
    a check of 10,000 files)."""
    found = _IMPORTED.get((module, function))
    if found is None:
        found = _IMPORTED[(module, function)] = getattr(importlib.import_module(module),
                                                        function)
    return found


_IMPORTED: dict[tuple[str, str], Callable[..., Any]] = {}


def references_of(config: ConfigFile, kind: InputType | str, root: "str | Path | None",
                  errors: list[Any]) -> "Sequence[Path]":
    """The files ``config`` (read as ``kind``) names, resolved; () for a kind naming none."""
    entry = format_for(kind)
    if entry.references is None:
        return ()
    return entry.function(entry.references)(config, root, errors)
