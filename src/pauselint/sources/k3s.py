"""Reader for k3s and RKE2 ``config.yaml`` files and their ``config.yaml.d`` drop-ins.

Both distributions take their flags from a YAML map whose keys are the flag
names: ``pause-image`` sets the sandbox image they write into their embedded
containerd config (RKE2 reads its own ``pause-image`` and drops k3s's), RKE2's
``system-default-registry`` prefixes the registry of its default images, pause
included (pause-facts.md §7), and ``kubelet-arg`` passes raw kubelet flags, the
deprecated ``--pod-infra-container-image`` among them.

Only the first YAML document is read, as k3s's YAML-to-JSON decoding does. A
``registries.yaml`` (mirror and auth settings) is another format with no pause
setting: it is returned with no settings and no error.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Sequence
from pathlib import PurePath

from yaml.nodes import Node

from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.sources.layering import (
    LayerContext,
    Layered,
    in_folder_named,
    placed,
    runtime_node,
)
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import (
    compose_documents,
    elements,
    items,
    kind_name,
    scalar,
)

PAUSE_IMAGE_KEY = "pause-image"
DEFAULT_REGISTRY_KEY = "system-default-registry"
KUBELET_ARG_KEY = "kubelet-arg"
# k3s appends to a list set by an earlier file when the key ends with "+".
KUBELET_ARG_APPEND_KEY = "kubelet-arg+"
DROPIN_DIR_NAME = "config.yaml.d"

# Keys only RKE2 has, so a file holding one is RKE2's wherever it lives.
_RKE2_ONLY_KEYS = frozenset({DEFAULT_REGISTRY_KEY})
_REGISTRIES_KEYS = frozenset({"mirrors", "configs"})
_REGISTRIES_NAMES = frozenset({"registries.yaml", "registries.yml"})
# `pod-infra-container-image=IMAGE`, with or without the leading dashes k3s adds.
_POD_INFRA_ARG = re.compile(r"(?:--)?pod-infra-container-image=(.*)", re.S)


def read_k3s(path: str, text: str, *, distribution: Component | None = None) -> ConfigFile:
    """Return the pause-related keys of one k3s/RKE2 config file, with positions.

    ``distribution`` (K3S or RKE2) comes from the caller when known; otherwise the
    path decides (``/etc/rancher/rke2/`` or ``/etc/rancher/k3s/``), then keys only
    RKE2 has, then K3S. Never raises: invalid YAML gives no settings and one
    InputError with the line.
    """
    component = distribution or _distribution_from_path(path)
    if PurePath(path.replace("\\", "/")).name.lower() in _REGISTRIES_NAMES:
        return ConfigFile(path=path, component=component or Component.K3S)
    documents, problem = compose_documents(text)
    if problem is not None:
        error = InputError(path, problem.line, f"invalid YAML: {problem.message}")
        return ConfigFile(path=path, component=component or Component.K3S, errors=(error,),
                          parsed=False)
    root = documents[0] if documents else None
    pairs = [(scalar(k), v) for k, v in items(root)]
    keys = {k for k, _ in pairs if k is not None}
    if component is None:
        component = Component.RKE2 if keys & _RKE2_ONLY_KEYS else Component.K3S
    if keys and keys <= _REGISTRIES_KEYS:
        return ConfigFile(path=path, component=component)

    settings: list[Setting] = []
    errors: list[InputError] = []
    if root is not None and kind_name(root) != "a mapping":
        errors.append(
            InputError(
                path,
                root.start_mark.line + 1,
                f"a config file must be a mapping, not {kind_name(root)}",
            )
        )
    for key, value_node in pairs:
        if key == PAUSE_IMAGE_KEY:
            _scalar_setting(path, component, Role.SANDBOX_IMAGE, key, value_node, settings, errors)
        elif key == DEFAULT_REGISTRY_KEY:
            # k3s has no such flag and fails on an unknown key; reading it as RKE2's
            # keeps the fact, and the path or caller says which distribution it is.
            _scalar_setting(
                path, component, Role.DEFAULT_REGISTRY, key, value_node, settings, errors
            )
        elif key in (KUBELET_ARG_KEY, KUBELET_ARG_APPEND_KEY):
            settings.extend(_kubelet_args(path, key, value_node))
    settings.sort(key=lambda s: s.location.sort_key())
    # Within one file the same rules pick the winner as across files (a repeated
    # key, several pause flags); k3s_effective redoes this for the whole chain.
    single = ConfigFile(path=path, component=component, settings=tuple(settings))
    # A top level that is not a map is a file k3s cannot load: it sets nothing knowable.
    mapping = root is None or kind_name(root) == "a mapping"
    return single._replace(settings=k3s_effective(single, ()), errors=tuple(errors),
                           parsed=mapping)


def k3s_effective(main: ConfigFile | None, dropins: Sequence[ConfigFile]) -> tuple[Setting, ...]:
    """Every setting of one node's config files, with ``effective`` set as k3s applies them.

    The drop-ins are applied after the main file, sorted by file name (lexical
    order; callers may pass them in any order). For a scalar key the last file
    wins; an empty last value means the built-in default, so nothing is
    effective. ``kubelet-arg`` in a later file replaces the whole list, while
    ``kubelet-arg+`` appends to it; among the kubelet flags left, the last one wins.

    Limit: a later ``kubelet-arg`` list that holds no pause flag also clears an
    earlier one, but the ConfigFile does not record lists without a pause flag,
    so that earlier flag stays effective here.
    """
    ordered: list[ConfigFile] = [main] if main is not None else []
    ordered += sorted(dropins, key=lambda f: (PurePath(placed(f)).name, placed(f)))
    chain = [(n, s) for n, f in enumerate(ordered) for s in f.settings]

    winners: set[int] = set()
    for role in (Role.SANDBOX_IMAGE, Role.DEFAULT_REGISTRY):
        last = max((i for i, (_, s) in enumerate(chain) if s.role is role), default=None)
        if last is not None and chain[last][1].value:
            winners.add(last)

    kubelet_args: list[int] = []
    for file_index in range(len(ordered)):
        own = [
            i for i, (n, s) in enumerate(chain) if n == file_index and s.role is Role.POD_INFRA_FLAG
        ]
        if any(chain[i][1].key == KUBELET_ARG_KEY for i in own):
            kubelet_args = []  # a plain `kubelet-arg` replaces the list so far
        kubelet_args += own
    if kubelet_args:
        winners.add(kubelet_args[-1])

    return tuple(s._replace(effective=i in winners) for i, (_, s) in enumerate(chain))


def _distribution_from_path(path: str) -> Component | None:
    parts = [p.lower() for p in PurePath(path.replace("\\", "/")).parts]
    for first, second in itertools.pairwise(parts):
        if first == "rancher" and second == "rke2":
            return Component.RKE2
        if first == "rancher" and second == "k3s":
            return Component.K3S
    return None


def _scalar_setting(
    path: str,
    component: Component,
    role: Role,
    key: str,
    value_node: Node,
    settings: list[Setting],
    errors: list[InputError],
) -> None:
    value = scalar(value_node)
    line, column = value_node.start_mark.line + 1, value_node.start_mark.column + 1
    if value is None:
        if kind_name(value_node) != "empty":
            errors.append(
                InputError(path, line, f"{key} must be a string, not {kind_name(value_node)}")
            )
        return
    settings.append(
        Setting(
            component=component,
            role=role,
            key=key,
            value=value,
            location=Location(path, line, column),
        )
    )


def _kubelet_args(path: str, key: str, value_node: Node) -> list[Setting]:
    """The kubelet pause flags in ``kubelet-arg``: a list of ``flag=value``, or one string."""
    candidates = elements(value_node) if kind_name(value_node) == "a list" else [value_node]
    found: list[Setting] = []
    for node in candidates:
        text = scalar(node)
        match = _POD_INFRA_ARG.fullmatch(text.strip()) if text is not None else None
        if match is None:
            continue
        found.append(
            Setting(
                component=Component.KUBELET,
                role=Role.POD_INFRA_FLAG,
                key=key,
                value=match.group(1),
                location=Location(path, node.start_mark.line + 1, _value_column(node, match)),
            )
        )
    return found


def _value_column(node: Node, match: re.Match[str]) -> int:
    """The 1-based column of the image in ``pod-infra-container-image=IMAGE``.

    The text before the image (dashes, the flag name, ``=``) needs no escaping, so on
    a one-line plain or quoted scalar the image sits that many characters (plus the
    quote) after the scalar's start. A block or multi-line scalar keeps its start.
    """
    start = node.start_mark.column + 1
    text = scalar(node) or ""
    if node.start_mark.line != node.end_mark.line or node.style in ("|", ">"):
        return start
    quote = 1 if node.style in ("'", '"') else 0
    return start + quote + len(text) - len(text.lstrip()) + match.start(1)


# --- the reader protocol (sources/registry.py) ------------------------------------


def read_source(source: SourceText) -> ConfigFile:
    """:func:`read_k3s` on a SourceText, positions in the file to report."""
    return source.relocate(read_k3s(source.path, source.text))


def layer(files: Sequence[tuple[ConfigFile, str]], context: LayerContext) -> Layered:
    """One node per k3s/RKE2 configuration: config.yaml plus its config.yaml.d drop-ins."""
    groups: dict[str, list[ConfigFile]] = {}
    for config, _ in files:
        parent = os.path.dirname(os.path.abspath(placed(config)))
        key = os.path.dirname(parent) if os.path.basename(parent) == DROPIN_DIR_NAME else parent
        groups.setdefault(key, []).append(config)
    nodes = []
    for members in groups.values():
        dropins = [f for f in members if in_folder_named(placed(f), DROPIN_DIR_NAME)]
        mains = [f for f in members if f not in dropins]
        settings = k3s_effective(mains[0] if mains else None, dropins)
        runtime = next((f.component for f in members if f.component), Component.K3S)
        sandbox = [s for s in settings if s.role is Role.SANDBOX_IMAGE]
        node = runtime_node(runtime, [*mains, *dropins], sandbox)
        others = tuple(s for s in settings if s.role is not Role.SANDBOX_IMAGE)
        nodes.append(node._replace(other_settings=others))
    return Layered(nodes=tuple(nodes))
