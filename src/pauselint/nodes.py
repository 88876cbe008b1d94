"""Group read config files into nodes, so layering is judged the way the runtime does.

A containerd main file and the files it imports are one configuration; a CRI-O
``crio.conf`` and the drop-ins of its sibling ``crio.conf.d/`` are one. Which value
wins is decided here (with the readers' layering functions), once, so that every
rule sees the same effective sandbox image.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from pauselint.model import Component, ConfigFile, InputError, NodeFacts, Role, Setting

CRIO_MAIN_NAME = "crio.conf"

# Reads a file found through `imports` that was not among the inputs.
ImportLoader = Callable[[Path], ConfigFile | None]


def same_path(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file as written (no symlinks resolved, like containerd)."""
    return _path_key(a) == _path_key(b)


def _path_key(path: str | Path) -> str:
    return os.path.normpath(os.path.abspath(path))


def _node(runtime: Component, files: Sequence[ConfigFile], sandbox: Sequence[Setting]) -> NodeFacts:
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


def containerd_nodes(
    files: Sequence[ConfigFile], load_import: ImportLoader, root: Path | None = None
) -> tuple[list[NodeFacts], list[InputError]]:
    """One node per containerd main file, with its imports layered in load order.

    A file in another input's import chain is not a main file of its own. Imports
    that are among the inputs are used as read; others are loaded from disk, once.
    """
    if not files:  # the containerd reader is not even imported
        return [], []
    from pauselint.sources.containerd import containerd_effective

    inputs = {_path_key(f.path): f for f in reversed(files)}  # the first of a repeat wins
    loaded: dict[str, ConfigFile | None] = {}
    errors: list[InputError] = []

    def config_at(target: Path) -> ConfigFile | None:
        key = _path_key(target)
        if key in inputs:
            return inputs[key]
        if key not in loaded:
            loaded[key] = load_import(target)
            errors.extend(loaded[key].errors if loaded[key] is not None else ())
        return loaded[key]

    chains = [_import_chain(config, config_at, root, errors) for config in files]
    imported = {_path_key(f.path) for chain in chains for f in chain[1:]}
    covered: set[str] = set()
    nodes: list[NodeFacts] = []
    # Mains first; then any input left over (files importing each other in a cycle),
    # so that no input goes unchecked.
    mains = [i for i, f in enumerate(files) if _path_key(f.path) not in imported]
    order = [*mains, *sorted(set(range(len(files))) - set(mains))]
    for index in order:
        if _path_key(files[index].path) in covered:
            continue
        chain = chains[index]
        covered.update(_path_key(f.path) for f in chain)
        nodes.append(_node(Component.CONTAINERD, chain, containerd_effective(chain)))
    return nodes, list(dict.fromkeys(errors))  # an import shared by two chains: once


def _import_chain(main: ConfigFile, config_at: Callable[[Path], ConfigFile | None],
                  root: Path | None, errors: list[InputError]) -> list[ConfigFile]:
    """``main`` and every file it imports, directly or not, in containerd's load order.

    containerd loads breadth-first: the main file, then its imports in order, then
    their imports, skipping a path already loaded (so a cycle ends). Each later file
    overrides the earlier ones.
    """
    from pauselint.sources.containerd import import_paths

    chain: list[ConfigFile] = []
    seen = {_path_key(main.path)}
    pending: deque[ConfigFile] = deque([main])
    while pending:
        config = pending.popleft()
        chain.append(config)
        for target in import_paths(config, Path(config.path), root, errors):
            key = _path_key(target)
            if key in seen:
                continue
            seen.add(key)
            found = config_at(target)
            if found is not None:
                pending.append(found)
    return chain


def _crio_group_key(path: str) -> str:
    """Files of one CRI-O configuration share the folder that holds crio.conf."""
    from pauselint.sources.crio import DROPIN_DIR_NAME

    parent = os.path.dirname(os.path.abspath(path))
    if os.path.basename(parent) == DROPIN_DIR_NAME:
        return os.path.dirname(parent)
    if os.path.basename(path) == CRIO_MAIN_NAME:
        return parent
    return os.path.abspath(path)  # a lone file named otherwise is its own configuration


def crio_nodes(files: Sequence[ConfigFile]) -> list[NodeFacts]:
    """One node per CRI-O configuration: a crio.conf plus its sibling drop-ins."""
    if not files:
        return []
    from pauselint.sources.crio import DROPIN_DIR_NAME, crio_effective

    groups: dict[str, list[ConfigFile]] = {}
    for config in files:
        groups.setdefault(_crio_group_key(config.path), []).append(config)
    nodes = []
    for members in groups.values():
        dropins = sorted(
            (f for f in members if os.path.basename(os.path.dirname(os.path.abspath(f.path)))
             == DROPIN_DIR_NAME),
            key=lambda f: os.path.basename(f.path),
        )
        mains = [f for f in members if f not in dropins]
        main = mains[0] if mains else None
        ordered = [*mains, *dropins]
        nodes.append(_node(Component.CRIO, ordered, crio_effective(main, dropins)))
    return nodes


def _k3s_nodes(files: Sequence[ConfigFile]) -> list[NodeFacts]:
    """One node per k3s/RKE2 configuration: config.yaml plus its config.yaml.d drop-ins."""
    from pauselint.sources.k3s import DROPIN_DIR_NAME, k3s_effective

    groups: dict[str, list[ConfigFile]] = {}
    for config in files:
        parent = os.path.dirname(os.path.abspath(config.path))
        key = os.path.dirname(parent) if os.path.basename(parent) == DROPIN_DIR_NAME else parent
        groups.setdefault(key, []).append(config)
    nodes = []
    for members in groups.values():
        dropins = [f for f in members
                   if os.path.basename(os.path.dirname(os.path.abspath(f.path))) == DROPIN_DIR_NAME]
        mains = [f for f in members if f not in dropins]
        settings = k3s_effective(mains[0] if mains else None, dropins)
        runtime = next((f.component for f in members if f.component), Component.K3S)
        sandbox = [s for s in settings if s.role is Role.SANDBOX_IMAGE]
        node = _node(runtime, [*mains, *dropins], sandbox)
        others = tuple(s for s in settings if s.role is not Role.SANDBOX_IMAGE)
        nodes.append(node._replace(other_settings=others))
    return nodes


def _cri_dockerd_nodes(units: Sequence[ConfigFile], flags: Sequence[Setting]) -> list[NodeFacts]:
    """cri-dockerd's --pod-infra-container-image is its sandbox image (a node of its own)."""
    sandbox = [s for s in flags if s.component is Component.CRI_DOCKERD]
    files = [u for u in units if u.component is Component.CRI_DOCKERD]
    if not sandbox and not files:
        return []
    paths = {s.location.path for s in sandbox}
    files = files or [u for u in units if u.path in paths]
    return [_node(Component.CRI_DOCKERD, files, sandbox)]


def assemble_group(configs: Sequence[tuple[ConfigFile, str]], load_import: ImportLoader,
                   root: Path | None) -> tuple[list[NodeFacts], list[InputError]]:
    """All inputs of one node group, as nodes: the runtime configurations, and the
    kubelet's flags attached to the runtime they should agree with.

    ``configs`` pairs each read file with its kind (an InputType value). When the
    group has exactly one runtime configuration, the kubelet flags join that node;
    otherwise they sit on a node of their own with no runtime, and rules that
    compare the two say they cannot.
    """
    by_kind: dict[str, list[ConfigFile]] = {}
    for config, kind in configs:
        by_kind.setdefault(kind, []).append(config)
    nodes, errors = containerd_nodes(by_kind.get("containerd", []), load_import, root)
    nodes.extend(crio_nodes(by_kind.get("cri-o", [])))
    if "k3s" in by_kind:  # readers of kinds not present are not even imported
        nodes.extend(_k3s_nodes(by_kind["k3s"]))

    # kubeadm-flags.env before /etc/default/kubelet: the kubelet's command line
    # expands $KUBELET_KUBEADM_ARGS before $KUBELET_EXTRA_ARGS.
    env_files = sorted(by_kind.get("kubelet-env", []),
                       key=lambda f: not os.path.basename(f.path).startswith("kubeadm-flags"))
    units = by_kind.get("systemd", [])
    flags: tuple[Setting, ...] = ()
    if env_files or units:
        from pauselint.sources.kubelet import effective_flags

        flags = effective_flags([*env_files, *units])
    nodes.extend(_cri_dockerd_nodes(units, flags))
    kubelet = [s for s in flags if s.component is Component.KUBELET]
    kubeadm = [s for f in by_kind.get("kubeadm", []) for s in f.settings
               if s.role is Role.POD_INFRA_FLAG]
    others = tuple([*kubelet, *kubeadm])
    if others:
        runtimes = [n for n in nodes if n.runtime is not None]
        if len(runtimes) == 1:
            index = nodes.index(runtimes[0])
            node = nodes[index]
            nodes[index] = node._replace(other_settings=(*node.other_settings, *others))
        else:
            files = tuple([*env_files, *units, *by_kind.get("kubeadm", [])])
            nodes.append(NodeFacts(name=None, runtime=None, files=files, other_settings=others))
    return nodes, errors
