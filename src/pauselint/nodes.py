"""Group read config files into nodes, so layering is judged the way the runtime does.

Each format layers the files of its kind (``layer`` in its registry entry: containerd
imports, CRI-O and k3s drop-ins, the kubelet's command line from units and env files);
this module only asks the registry which layers the group needs, runs them in order
and attaches the settings that configure no runtime of their own (kubelet flags,
kubeadm's) to the node's runtime. Which value wins is decided there, once, so that
every rule sees the same effective sandbox image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pauselint.model import Component, ConfigFile, InputError, NodeFacts, Role, Setting
from pauselint.sources import registry
from pauselint.sources.kinds import InputType
from pauselint.sources.layering import (
    ImportLoader,
    LayerContext,
    Layered,
    ReferenceLoader,
    path_key,
)

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.version import Version

    from pauselint.compat import CompatTable

__all__ = ["ImportLoader", "assemble_group", "same_path"]


def _reference_loader(load_import: ImportLoader | None) -> ReferenceLoader:
    if load_import is None:
        from pauselint.reading import load_referenced

        return load_referenced
    return lambda path, _kind: load_import(path)


def _command_line_wins(nodes: list[NodeFacts], runtime: Component, flags: Sequence[Setting],
                       carriers: Sequence[ConfigFile]) -> list[NodeFacts]:
    """``runtime``'s node with the sandbox image its command line sets in effect: the
    flag's last value wins over its files' values, which stay listed as shadowed. A
    flag with no configuration of that runtime among the inputs is a node of its own."""
    effective = next((s for s in reversed(flags) if s.effective), None)
    for index, node in enumerate(nodes):
        if node.runtime is not runtime:
            continue
        shadowed = tuple(s._replace(effective=False) if effective is not None else s
                         for s in node.sandbox_settings)
        nodes[index] = node._replace(sandbox_settings=(*shadowed, *flags),
                                     effective_sandbox=effective or node.effective_sandbox)
        return nodes
    from pauselint.sources.layering import runtime_node

    units = [c for c in carriers if any(s in flags for s in c.settings)] or list(carriers)
    return [*nodes, runtime_node(runtime, units, list(flags))]


def _nothing_else(_path: Path, _kind: InputType) -> None:
    """A wrapper's node has no files but the wrapper's: a reference to any other is
    not read (it may be on the machine's image; nothing here can say)."""
    return None


def same_path(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file as written (no symlinks resolved, like containerd)."""
    return path_key(a) == path_key(b)


def assemble_group(configs: Sequence[tuple[ConfigFile, str]],
                   load_import: ImportLoader | None = None, root: str | Path | None = None,
                   versions: Mapping[Component, Version] | None = None,
                   table: CompatTable | None = None,
                   present: frozenset[str] | None = None,
                   ) -> tuple[list[NodeFacts], list[InputError]]:
    """All inputs of one node group, as nodes: the runtime configurations, and the
    settings that join the runtime they should agree with (kubelet flags, kubeadm's).

    ``configs`` pairs each read file with its kind (an InputType value). When the
    group has exactly one runtime configuration, those settings join that node;
    otherwise they sit on a node of their own with no runtime, and rules that
    compare the two say they cannot.

    Files that configs reference but that were not among the inputs are read with
    :func:`pauselint.reading.load_referenced`, as the kind the referencing format
    says; ``load_import`` (a containerd-only loader, the former interface) overrides.

    ``present`` makes the group one wrapper's files (their node paths): references
    resolve among them only and nothing else is read, from disk or anywhere.
    """
    loader = _reference_loader(load_import) if present is None else _nothing_else
    context = LayerContext(loader, root, versions or {}, table, present)
    nodes: list[NodeFacts] = []
    errors: list[InputError] = []
    attached: list[Setting] = []
    carriers: list[ConfigFile] = []
    # Only the layers of kinds present run: other readers are not even imported.
    for target, kinds in registry.layers({kind for _, kind in configs}):
        # A kind is an InputType value: as a str Enum, the member hashes and compares
        # as its value does, so the value is looked up as it is.
        files = [(config, kind) for config, kind in configs if kind in kinds]
        layered: Layered = registry.layer_function(target)(files, context)
        nodes.extend(layered.nodes)
        errors.extend(layered.errors)
        attached.extend(layered.attached)
        carriers.extend(layered.carriers)
    # A sandbox image a runtime's command line sets (CRI-O's --pause-image) wins over
    # every file of that runtime: a flag layer attaches it, its runtime's node takes it.
    overrides = [s for s in attached if s.role is Role.SANDBOX_IMAGE]
    if overrides:
        attached = [s for s in attached if s.role is not Role.SANDBOX_IMAGE]
        for runtime in dict.fromkeys(s.component for s in overrides):
            nodes = _command_line_wins(nodes, runtime,
                                       [s for s in overrides if s.component is runtime],
                                       carriers)
    if attached:
        runtimes = [n for n in nodes if n.runtime is not None]
        if len(runtimes) == 1:
            index = nodes.index(runtimes[0])
            node = nodes[index]
            nodes[index] = node._replace(other_settings=(*node.other_settings, *attached))
        else:
            nodes.append(NodeFacts(name=None, runtime=None, files=tuple(carriers),
                                   other_settings=tuple(attached)))
    return nodes, errors
