"""Group read config files into nodes, so layering is judged the way the runtime does.

A containerd main file and the files it imports are one configuration; a CRI-O
``crio.conf`` and the drop-ins of its sibling ``crio.conf.d/`` are one. Which value
wins is decided here (with the readers' layering functions), once, so that every
rule sees the same effective sandbox image.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from pauselint.model import Component, ConfigFile, InputError, NodeFacts, Role, Setting
from pauselint.sources.containerd import containerd_effective, import_paths
from pauselint.sources.crio import crio_effective

CRIO_DROPIN_DIR = "crio.conf.d"
CRIO_MAIN_NAME = "crio.conf"

# Reads a file found through `imports` that was not among the inputs.
ImportLoader = Callable[[Path], ConfigFile | None]


def _same(a: str, b: str | Path) -> bool:
    return os.path.normpath(os.path.abspath(a)) == os.path.normpath(os.path.abspath(str(b)))


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

    A file that another input imports is not a main file of its own. Imports that
    are among the inputs are used as read; others are loaded from disk.
    """
    errors: list[InputError] = []
    imported_by: dict[int, list[Path]] = {}
    for index, config in enumerate(files):
        imported_by[index] = import_paths(config, Path(config.path), root)
    imported_paths = [p for paths in imported_by.values() for p in paths]
    nodes: list[NodeFacts] = []
    for index, config in enumerate(files):
        if any(_same(config.path, p) for p in imported_paths):
            continue
        chain = [config]
        for target in imported_by[index]:
            known = next((f for f in files if _same(f.path, target)), None)
            loaded = known if known is not None else load_import(target)
            if loaded is not None:
                chain.append(loaded)
                errors.extend(loaded.errors if known is None else ())
        nodes.append(_node(Component.CONTAINERD, chain, containerd_effective(chain)))
    return nodes, errors


def _crio_group_key(path: str) -> str:
    """Files of one CRI-O configuration share the folder that holds crio.conf."""
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.basename(parent) == CRIO_DROPIN_DIR:
        return os.path.dirname(parent)
    if os.path.basename(path) == CRIO_MAIN_NAME:
        return parent
    return os.path.abspath(path)  # a lone file named otherwise is its own configuration


def crio_nodes(files: Sequence[ConfigFile]) -> list[NodeFacts]:
    """One node per CRI-O configuration: a crio.conf plus its sibling drop-ins."""
    groups: dict[str, list[ConfigFile]] = {}
    for config in files:
        groups.setdefault(_crio_group_key(config.path), []).append(config)
    nodes = []
    for members in groups.values():
        dropins = sorted(
            (f for f in members if os.path.basename(os.path.dirname(os.path.abspath(f.path)))
             == CRIO_DROPIN_DIR),
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
