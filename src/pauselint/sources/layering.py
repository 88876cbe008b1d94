"""What a format's ``layer`` function gets and gives: the shared vocabulary of layering.

Each format knows how files of its kind make one effective configuration (containerd
imports, CRI-O drop-ins, systemd precedence, k3s ``config.yaml.d``); the generic code
in ``nodes.py`` only collects what the formats return and attaches settings that
configure no runtime of their own (kubelet flags, kubeadm's) to the node's runtime.
"""


import os
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

from packaging.version import Version

from pauselint.compat import CompatTable
from pauselint.model import Component, ConfigFile, InputError, NodeFacts, Role, Setting
from pauselint.records import NamedTuple
from pauselint.sources.kinds import InputType

if TYPE_CHECKING:
    from pathlib import Path

# Reads a file found through a reference (an import) that was not among the inputs.
ImportLoader = Callable[["Path"], ConfigFile | None]
# The same, told which kind to read the file as (the referencing format knows).
ReferenceLoader = Callable[["Path", InputType], ConfigFile | None]


class LayerContext(NamedTuple):
    """What layering may need beyond the files: how to load a referenced file, the root,
    and, for formats whose reading depends on the runtime's release (containerd), the
    releases given (``--runtime-version``) and the compat table that says how each reads.

    ``present`` is set when the node's files are all held in one wrapper (a cloud-init
    user-data, a Cluster API template): then those paths are the only files the node
    is known to have, references resolve among them, and nothing is read from disk.
    """

    load: ReferenceLoader
    root: "str | Path | None"
    versions: Mapping[Component, Version] = MappingProxyType({})
    table: CompatTable | None = None
    present: frozenset[str] | None = None


class Layered(NamedTuple):
    """What one format's files layer into.

    ``nodes`` are runtime configurations (one NodeFacts each). ``attached`` are
    settings that belong to whichever runtime the node has (the kubelet's flags,
    kubeadm's): they join the node's single runtime, or sit with ``carriers`` (the
    files that hold them) on a node of their own when there is not exactly one.
    """

    nodes: tuple[NodeFacts, ...] = ()
    attached: tuple[Setting, ...] = ()
    carriers: tuple[ConfigFile, ...] = ()
    errors: tuple[InputError, ...] = ()


def path_key(path: "str | Path") -> str:
    """One spelling per file as written (no symlinks resolved, like containerd);
    abspath() normalises too."""
    return os.path.abspath(path)


def placed(config: ConfigFile) -> str:
    """Where ``config`` sits on its node: the path it is written to when it is held in
    another file, else its own path. Layering orders and resolves by this."""
    return config.node_path or config.path


def in_folder_named(path: str, name: str) -> bool:
    """Whether ``path``'s parent folder is called ``name`` (a drop-in folder)."""
    return os.path.basename(os.path.dirname(os.path.abspath(path))) == name


def runtime_node(runtime: Component, files: Sequence[ConfigFile],
                 sandbox: Sequence[Setting]) -> NodeFacts:
    """A node whose runtime reads ``files`` (main first) and sets ``sandbox``."""
    main = files[0]
    effective = next((s for s in sandbox if s.effective), None)
    version_setting = next((s for s in main.settings if s.role is Role.CONFIG_VERSION), None)
    return NodeFacts(
        name=None,
        runtime=runtime,
        files=tuple(files),
        sandbox_settings=tuple(sandbox),
        effective_sandbox=effective,
        config_version=main.config_version,
        config_version_location=version_setting.location if version_setting else None,
        runtime_config_path=main.path,
    )
