"""What pauselint read and derived for one node, as the JSON-ready entry `show` prints.

Kept apart from the engine (which judges) and the reporters (which format): this is
the one place that turns node facts into words a user can check against their node,
so `pauselint show`, `check --format json`'s ``nodes`` and any later source (a live
host, a cluster) describe a node the same way. The shape is a contract
(tests/schemas/show.schema.json): keys are added, never renamed.
"""


import functools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pauselint.model import (
    Component,
    ConfigFile,
    InputError,
    Location,
    NodeFacts,
    NodeView,
    Platform,
    Role,
    Setting,
)
from pauselint.records import NamedTuple
from pauselint.sources.layering import placed

if TYPE_CHECKING:
    from pathlib import Path

    from pauselint.pullpath import PullPath

# The kind a file reached through a runtime's layering has, when it was not an input.
_RUNTIME_KIND = {
    Component.CONTAINERD: "containerd", Component.CRIO: "cri-o", Component.K3S: "k3s",
    Component.RKE2: "k3s", Component.CRI_DOCKERD: "systemd",
}
# How a runtime calls the files after its main one.
_LATER_FILE_ROLE = {Component.CONTAINERD: "import", Component.CRIO: "drop-in",
                    Component.K3S: "drop-in", Component.RKE2: "drop-in"}
_KIND_ROLE = {"kubelet-env": "env-file", "kubeadm": "kubeadm", "kubelet-config": "kubelet-config",
              "containerd-hosts": "registry-hosts"}
# The runtimes whose pull path is modelled (``node_pulls``): for the others, the image's
# own registry is what is known.
_PULL_PATH_RUNTIMES = (Component.CONTAINERD, Component.CRIO)
_REGISTRY_KINDS = ("containerd-hosts", "registries-conf")


class RuntimeVersion(NamedTuple):
    """A runtime version the run was given, and where from ("flag" or "config")."""

    text: str
    origin: str


class SandboxDefault(NamedTuple):
    """The runtime's built-in sandbox image where nothing is set (None: not known),
    and why it is not known."""

    image: str | None
    why: str | None = None


def describe_node(view: NodeView, errors: Sequence[InputError], platform: Platform | None,
                  versions: dict[Component, RuntimeVersion],
                  defaults: dict[int, SandboxDefault], *,
                  pull_paths: bool = True) -> dict[str, Any]:
    """The entry for one node. ``errors`` are the run's reading and layering errors (a
    runtime that has one on its files would refuse its configuration); ``defaults`` maps
    ``id(facts)`` of each runtime without an effective value to its built-in image.
    ``pull_paths=False`` leaves each runtime's ``pull_path`` null without working it out
    (``check`` offline: a pre-commit run never pays for the registry readers)."""
    # The node's registry host files, once: a folder of many configs is one view.
    registries = tuple(config for config, kind in view.configs if kind in _REGISTRY_KINDS) \
        if pull_paths else None
    return {
        "name": view.name,
        "files": _files(view),
        "kubernetes_version": view.kubernetes,
        "kubernetes_version_from": view.kubernetes_from,
        "platform": str(platform) if platform else None,
        "runtimes": [_runtime(facts, errors, versions.get(facts.runtime),
                              defaults.get(id(facts)), registries)
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
        role = roles.get(key) or _KIND_ROLE.get(kind) or _registries_role(placed(config), kind) \
            or _systemd_role(placed(config), kind)
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


def _registries_role(path: str, kind: str) -> str | None:
    """A registries.conf is the main file or a drop-in; containers/image reads only the
    drop-ins named ``*.conf``."""
    if kind != "registries-conf":
        return None
    from pauselint.sources.registries_conf import is_dropin

    if not is_dropin(path):
        return "registries"
    return "registries-drop-in" if path.endswith(".conf") else "not-read"


def _systemd_role(path: str, kind: str) -> str:
    if kind != "systemd":
        return kind
    folder = os.path.basename(os.path.dirname(path))
    return "drop-in" if folder.endswith(".d") else "unit"


def _runtime(facts: NodeFacts, errors: Sequence[InputError], version: RuntimeVersion | None,
             default: SandboxDefault | None,
             registries: Sequence[ConfigFile] | None) -> dict[str, Any]:
    assert facts.runtime is not None
    refusal = _refusal(facts, errors)
    sandbox = _sandbox(facts, version, default)
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
        "sandbox_image": sandbox,
        "overridden": _overridden(facts),
        # The release whose reading this is: the given one, or where the version is
        # not known, the newest line that starts with these files; and what every line
        # would do (they differ: an upgrade changes the pause image, PL409).
        "read_as": facts.read_as,
        "releases": [{"version": v, "accepted": ok, "sandbox_image": image}
                     for v, ok, image in facts.by_release],
        # Where the runtime pulls the sandbox image from: null where the image is not
        # known, the runtime refuses its files, or its pull path is not modelled.
        "pull_path": _pull_path(facts, registries, sandbox, version)
        if refusal is None and registries is not None else None,
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


def _pull_path(facts: NodeFacts, registries: Sequence[ConfigFile],
               sandbox: dict[str, Any] | None,
               version: RuntimeVersion | None) -> dict[str, Any] | None:
    """The sandbox image's pull path, as JSON, or None. ``registries`` are the node's
    hosts.toml and registries.conf files (the runtime's own are in ``facts``)."""
    value = sandbox.get("value") if sandbox else None
    if not value or facts.runtime not in _PULL_PATH_RUNTIMES:
        return None
    from pauselint.imageref import ImageRefError, parse_image
    from pauselint.node_pulls import pull_path_for

    try:
        image = parse_image(value)
    except ImageRefError:  # reported as the value's own error by check
        return None
    release = version.text if version is not None and facts.runtime is Component.CONTAINERD \
        else None
    path = pull_path_for(facts, image, registries, _node_root(facts), release=release)
    return _pull_path_entry(path) if path is not None else None


def _node_root(facts: NodeFacts) -> "Path | None":
    """The node root the runtime's main file sits under (None: loose files, or files
    held in a wrapper, whose node is only its own files)."""
    if not facts.files or facts.files[0].node_path:
        return None
    return _root_of_folder(os.path.dirname(facts.files[0].path))


@functools.lru_cache(maxsize=1024)
def _root_of_folder(folder: str) -> "Path | None":
    """The node root of a file in ``folder``, once per folder (a folder of many
    configs is one lookup, not one per file)."""
    from pathlib import Path

    from pauselint.node_layout import node_root_of

    root = node_root_of(os.path.join(folder, "-"))
    return Path(root) if root is not None else None


@functools.lru_cache(maxsize=256)
def _pull_path_entry(path: "PullPath") -> dict[str, Any]:
    """``path`` as JSON. Shared by every node with the same pull path (a folder of many
    unconfigured nodes has a handful): entries are never changed once made."""
    from urllib.parse import urlsplit

    from pauselint.pullpath import render

    def place(where: Location | None) -> dict[str, Any]:
        return {"file": where.path if where else None, "line": where.line if where else None}

    return {
        "image": path.image.original,
        "endpoints": [{
            "scheme": e.scheme, "host": e.host,
            "path": urlsplit(e.manifest_url).path, "namespace": e.namespace,
            "origin": e.origin, **place(e.location),
            "skip_verify": e.skip_verify, "http_fallback": e.http_fallback,
            "blocked": e.blocked} for e in path.endpoints],
        "passed_over": [{"what": p.what, **place(p.location), "why": p.why}
                        for p in path.passed_over],
        "notes": list(path.notes),
        "refusal": path.refusal,
        "refusal_at": place(path.refusal_location) if path.refusal_location else None,
        "text": render(path),
    }

