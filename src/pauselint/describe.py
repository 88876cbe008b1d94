"""What pauselint read and derived for one node, as the JSON-ready entry `show` prints.

Kept apart from the engine (which judges) and the reporters (which format): this is
the one place that turns node facts into words a user can check against their node,
so `pauselint show`, `check --format json`'s ``nodes`` and any later source (a live
host, a cluster) describe a node the same way. The shape is a contract
(tests/schemas/show.schema.json): keys are added, never renamed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

from pauselint.model import (
    Component,
    ConfigFile,
    InputError,
    NodeFacts,
    Platform,
    Role,
    Setting,
)
from pauselint.sources.layering import placed

# The kind a file reached through a runtime's layering has, when it was not an input.
_RUNTIME_KIND = {
    Component.CONTAINERD: "containerd", Component.CRIO: "cri-o", Component.K3S: "k3s",
    Component.RKE2: "k3s", Component.CRI_DOCKERD: "systemd",
}
# How a runtime calls the files after its main one.
_LATER_FILE_ROLE = {Component.CONTAINERD: "import", Component.CRIO: "drop-in",
                    Component.K3S: "drop-in", Component.RKE2: "drop-in"}
_KIND_ROLE = {"kubelet-env": "env-file", "kubeadm": "kubeadm", "kubelet-config": "kubelet-config"}


class RuntimeVersion(NamedTuple):
    """A runtime version the run was given, and where from ("flag" or "config")."""

    text: str
    origin: str


class NodeView(NamedTuple):
    """One node as judged: its name, its facts, and the context it was judged in."""

    name: str
    facts: tuple[NodeFacts, ...]
    # The files read as inputs of this node, with their kind (InputType values).
    configs: tuple[tuple[ConfigFile, str], ...]
    kubernetes: str | None = None
    kubernetes_from: str | None = None
    kubeadm_version: Setting | None = None
    image_repository: Setting | None = None


class SandboxDefault(NamedTuple):
    """The runtime's built-in sandbox image where nothing is set (None: not known),
    and why it is not known."""

    image: str | None
    why: str | None = None


def describe_node(view: NodeView, errors: Sequence[InputError], platform: Platform | None,
                  versions: dict[Component, RuntimeVersion],
                  defaults: dict[int, SandboxDefault]) -> dict[str, Any]:
    """The entry for one node. ``errors`` are the run's reading and layering errors (a
    runtime that has one on its files would refuse its configuration); ``defaults`` maps
    ``id(facts)`` of each runtime without an effective value to its built-in image."""
    return {
        "name": view.name,
        "files": _files(view),
        "kubernetes_version": view.kubernetes,
        "kubernetes_version_from": view.kubernetes_from,
        "platform": str(platform) if platform else None,
        "runtimes": [_runtime(facts, errors, versions.get(facts.runtime),
                              defaults.get(id(facts)))
                     for facts in view.facts if facts.runtime is not None],
        "kubelet": _values(pod_infra_container_image=_pod_infra_flag(view)),
        "kubeadm": _values(image_repository=view.image_repository,
                           kubernetes_version=view.kubeadm_version),
    }


def _files(view: NodeView) -> list[dict[str, Any]]:
    """Every file of the node once, inputs first in read order, then files reached; a
    file held in a wrapper once per path it is written to (``written_to``)."""
    entries: dict[tuple[str, str | None], dict[str, Any]] = {}
    roles = _runtime_roles(view.facts)
    for config, kind in view.configs:
        key = (config.path, config.node_path)
        role = roles.get(key) or _KIND_ROLE.get(kind) or _systemd_role(placed(config), kind)
        if kind == "containerd" and key not in roles and any(
                f.runtime is Component.CONTAINERD for f in view.facts):
            role = "not-read"  # beside the node's config.toml, never imported by it
        entries.setdefault(key, _file_entry(config, kind, role))
    for facts in view.facts:
        for config in facts.files:
            key = (config.path, config.node_path)
            if key not in entries:
                kind = _RUNTIME_KIND.get(facts.runtime, "systemd") if facts.runtime else "systemd"
                role = roles.get(key) or _systemd_role(placed(config), kind)
                entries[key] = _file_entry(config, kind, role)
    return list(entries.values())


def _file_entry(config: ConfigFile, kind: str, role: str) -> dict[str, Any]:
    entry = {"path": config.path, "kind": kind, "role": role}
    if config.node_path:
        entry["written_to"] = config.node_path
    return entry


def _runtime_roles(facts: Sequence[NodeFacts]) -> dict[tuple[str, str | None], str]:
    roles: dict[tuple[str, str | None], str] = {}
    for node in facts:
        if node.runtime is None or node.runtime is Component.CRI_DOCKERD:
            continue
        for index, config in enumerate(node.files):
            later = _LATER_FILE_ROLE.get(node.runtime, "drop-in")
            roles.setdefault((config.path, config.node_path), "main" if index == 0 else later)
    return roles


def _systemd_role(path: str, kind: str) -> str:
    if kind != "systemd":
        return kind
    folder = os.path.basename(os.path.dirname(path))
    return "drop-in" if folder.endswith(".d") else "unit"


def _runtime(facts: NodeFacts, errors: Sequence[InputError], version: RuntimeVersion | None,
             default: SandboxDefault | None) -> dict[str, Any]:
    assert facts.runtime is not None
    refusal = _refusal(facts, errors)
    return {
        "name": facts.runtime.value,
        "version": version.text if version else None,
        "version_from": version.origin if version else None,
        "config_version": facts.config_version,
        "files": [config.path for config in facts.files],
        # Where each of ``files`` is written on the node, for files held in a wrapper.
        "written_to": [config.node_path for config in facts.files],
        "accepted": refusal is None,
        "refusal": refusal,
        "sandbox_image": _sandbox(facts, version, default),
        "overridden": _overridden(facts),
        # The release whose reading this is: the given one, or where the version is
        # not known, the newest line that starts with these files; and what every line
        # would do (they differ: an upgrade changes the pause image, PL409).
        "read_as": facts.read_as,
        "releases": [{"version": v, "accepted": ok, "sandbox_image": image}
                     for v, ok, image in facts.by_release],
    }


def _refusal(facts: NodeFacts, errors: Sequence[InputError]) -> str | None:
    """Why the runtime would not start with these files, in words, or None.

    An input error on one of its files (invalid TOML, a missing or invalid import, a
    file that cannot be read) is taken as a refusal, and so is what its reader found
    the runtime refuses although its files parse (``NodeFacts.refusal``: the release
    in ``NodeFacts.read_as`` refuses them).
    """
    paths = {config.path for config in facts.files}
    refused = [facts.refusal] if facts.refusal is not None else []
    for error in [*(e for e in errors if e.path in paths), *refused]:
        where = f"{error.path}:{error.line}" if error.line else error.path
        return f"{where}: {error.message}"
    unread = facts.unread_config
    return f"{unread}: could not be read" if unread else None


def _sandbox(facts: NodeFacts, version: RuntimeVersion | None,
             default: SandboxDefault | None) -> dict[str, Any] | None:
    if facts.no_sandbox:  # the CRI plugin is disabled: no pod sandbox is ever made
        return None
    if facts.refusal is not None:
        return {"value": None, "origin": "unknown", "path": facts.refusal.path,
                "line": facts.refusal.line, "column": None,
                "why": "the runtime refuses these files and does not start: no pod sandbox "
                       "is made at all"}
    if facts.unread_config is not None:
        return {"value": None, "origin": "unknown", "path": facts.unread_config, "line": None,
                "column": None, "why": f"{facts.unread_config} could not be read: it may set "
                "the image, so neither a written value nor the default is known"}
    setting = facts.effective_sandbox
    if setting is not None:
        loc = setting.location
        return {"value": setting.value, "origin": "set", "path": loc.path, "line": loc.line,
                "column": loc.column}
    entry: dict[str, Any] = {"value": None, "origin": "default",
                             "path": facts.runtime_config_path, "line": None, "column": None}
    if version is None:
        name = facts.runtime.value if facts.runtime else "the runtime"
        entry["why"] = (f"nothing is set, so {name}'s built-in default applies; which one "
                        f"depends on its version (give --runtime-version {name}=X.Y.Z)")
    elif default is not None and default.image is not None:
        entry["value"] = default.image
    else:
        entry["why"] = (default.why if default and default.why else
                        "the compat table has no built-in default for this version")
    return entry


def _overridden(facts: NodeFacts) -> list[dict[str, Any]]:
    effective = facts.effective_sandbox
    out = []
    for setting in facts.sandbox_settings:
        if setting is effective or (setting.effective and not setting.ignored):
            continue
        if setting.ignored:
            why = setting.ignored_reason or "not read by this configuration's format version"
        elif effective is not None:
            loc = effective.location
            why = f"overridden by {loc.path}" + (f":{loc.line}" if loc.line else "")
        else:
            why = "overridden by a later file"
        loc = setting.location
        out.append({"value": setting.value, "key": setting.key, "path": loc.path,
                    "line": loc.line, "why": why})
    return out


def _pod_infra_flag(view: NodeView) -> Setting | None:
    flags = [s for facts in view.facts for s in facts.other_settings
             if s.role is Role.POD_INFRA_FLAG and s.component is Component.KUBELET]
    return next((s for s in flags if s.effective), flags[-1] if flags else None)


def _values(**settings: Setting | None) -> dict[str, Any]:
    """Each setting's value (None when nothing set it) and, beside it as ``KEY_at``,
    where it was set: a string stays a string for readers of the contract's shape."""
    out: dict[str, Any] = {}
    for key, setting in settings.items():
        out[key] = setting.value if setting else None
        if setting is not None:
            loc = setting.location
            out[f"{key}_at"] = {"path": loc.path, "line": loc.line, "column": loc.column}
    return out
