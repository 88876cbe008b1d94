"""Read each input with the reader for its kind, importing readers only when needed.

A pre-commit run over containerd configs should not pay for the YAML and systemd
readers, so readers are imported on first use. systemd units are read per
service (a unit with its drop-ins, as systemd merges them), with the env files
their ``EnvironmentFile=`` lines name, because a flag's value may live there.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from pauselint.inputs import InputFile, read_path
from pauselint.model import ConfigFile, InputError
from pauselint.sources.detect import InputType

# InputType -> (module, function) of its reader; systemd units are read per service.
_READERS: dict[InputType, tuple[str, str]] = {
    InputType.CONTAINERD: ("pauselint.sources.containerd", "read_containerd"),
    InputType.CRIO: ("pauselint.sources.crio", "read_crio"),
    InputType.KUBELET_ENV: ("pauselint.sources.kubelet", "read_kubelet_env"),
    InputType.KUBELET_CONFIG: ("pauselint.sources.kubelet", "read_kubelet_config"),
    InputType.KUBEADM: ("pauselint.sources.kubeadm", "read_kubeadm"),
    InputType.K3S: ("pauselint.sources.k3s", "read_k3s"),
    InputType.SYSTEMD: ("pauselint.sources.kubelet", "read_systemd_unit"),
}
READABLE = tuple(_READERS)


def reader_for(kind: InputType) -> Callable[[str, str], ConfigFile]:
    module, function = _READERS[kind]
    return getattr(importlib.import_module(module), function)


class ReadConfig(NamedTuple):
    """A read file, its kind, and the node group it belongs to."""

    config: ConfigFile
    kind: InputType
    group: str


class ReadResult(NamedTuple):
    configs: list[ReadConfig]
    errors: list[InputError]
    checked: int


def group_root(group: str, root: Path | None) -> Path | None:
    """Where absolute paths inside a group's configs resolve: --root, else the folder
    the group was found in (a folder laid out like a node's filesystem)."""
    if root is not None:
        return root
    return Path(group) if group else None


def resolve_written(written: str, importer: str, root: Path | None) -> Path:
    """A path written inside a config, as the node would see it."""
    if written.startswith("/"):
        return root / written.lstrip("/") if root is not None else Path(written)
    return Path(importer).parent / written


def _same(a: str | Path, b: str | Path) -> bool:
    return os.path.normpath(os.path.abspath(a)) == os.path.normpath(os.path.abspath(b))


def _service_of(path: str) -> str:
    """``kubelet.service`` for the unit and for ``kubelet.service.d/10-kubeadm.conf``."""
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if parent.endswith(".d") and not path.endswith((".service", ".socket")):
        return parent[:-2]
    return os.path.basename(path)


def _read_services(units: Sequence[InputFile], others: Sequence[InputFile], root: Path | None,
                   ) -> tuple[list[ConfigFile], list[InputError]]:
    """Read systemd units a service at a time, with the env files they name."""
    from pauselint.sources.kubelet import read_kubelet_env, read_systemd_service

    services: dict[str, list[InputFile]] = {}
    for unit in units:
        services.setdefault(_service_of(unit.path), []).append(unit)
    configs: list[ConfigFile] = []
    errors: list[InputError] = []
    for members in services.values():
        members.sort(key=lambda f: (not f.path.endswith(".service"), os.path.basename(f.path)))
        parts = [(m.path, m.text or "") for m in members]
        first = read_systemd_service(parts)
        environment: dict[str, ConfigFile] = {}
        for part, config in zip(parts, first, strict=True):
            for written in config.imports:
                target = resolve_written(written, part[0], root)
                known = next((o for o in others if o.text is not None and _same(o.path, target)),
                             None)
                item = known or read_path(str(target), explicit=False)
                if item.text is not None:
                    environment[written] = read_kubelet_env(item.path, item.text)
        final = read_systemd_service(parts, environment_files=environment) if environment else first
        configs.extend(final)
        for config in final:
            errors.extend(config.errors)
    return configs, errors


def read_inputs(files: Iterable[InputFile], forced: InputType | None,
                root: Path | None) -> ReadResult:
    """Read every input; unrecognised files named explicitly are errors, others skipped."""
    configs: list[ReadConfig] = []
    errors: list[InputError] = []
    checked = 0
    units: dict[str, list[InputFile]] = {}
    texts: dict[str, list[InputFile]] = {}
    for item in files:
        texts.setdefault(item.group, []).append(item)
        if item.error is not None:
            errors.append(item.error)
            checked += 1
            continue
        kind = forced or detect(item)
        if kind is None or kind not in _READERS:
            if item.explicit:
                errors.append(InputError(item.path, None, "cannot tell what kind of file this is; "
                                         f"use --type ({', '.join(t.value for t in READABLE)})"))
                checked += 1
            continue
        checked += 1
        if kind is InputType.SYSTEMD:
            units.setdefault(item.group, []).append(item)
            continue
        config = reader_for(kind)(item.path, item.text or "")
        configs.append(ReadConfig(config, kind, item.group))
        errors.extend(config.errors)
    for group, members in units.items():
        unit_configs, unit_errors = _read_services(members, texts.get(group, []),
                                                   group_root(group, root))
        configs.extend(ReadConfig(c, InputType.SYSTEMD, group) for c in unit_configs)
        errors.extend(unit_errors)
    return ReadResult(configs, _unique(errors), checked)


def detect(item: InputFile) -> InputType | None:
    from pauselint.sources.detect import detect_type

    return detect_type(item.path, item.text or "")


def _unique(errors: list[InputError]) -> list[InputError]:
    """An env file read alone and through its unit reports a problem once."""
    return list(dict.fromkeys(errors))
