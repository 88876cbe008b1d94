"""Read each input with the reader for its kind, importing readers only when needed.

A pre-commit run over containerd configs should not pay for the YAML and systemd
readers, so readers are imported on first use. systemd units are read per
service (the unit systemd would load, with its drop-ins, as systemd merges them),
with the env files their ``EnvironmentFile=`` lines name, because a flag's value
may live there.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from pauselint.inputs import InputFile, read_path
from pauselint.model import ConfigFile, InputError
from pauselint.nodes import same_path
from pauselint.sources.detect import InputType
from pauselint.sources.node_paths import resolve_written

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
# Formats whose programs split lines at LF (or CRLF) only: a file with CR-only line
# ends is read (as LF, by inputs.decode) and its reader module's CR_ONLY_LINE_ENDS
# says what the runtime would do with it. YAML (kubeadm, k3s, KubeletConfiguration)
# counts a lone CR as a line break, so it is read as is.
_LF_ONLY = frozenset({InputType.CONTAINERD, InputType.CRIO, InputType.KUBELET_ENV,
                      InputType.SYSTEMD})


def reader_for(kind: InputType) -> Callable[[str, str], ConfigFile]:
    module, function = _READERS[kind]
    return getattr(importlib.import_module(module), function)


def line_end_error(item: InputFile, kind: InputType) -> InputError | None:
    """Why ``item``'s CR-only line ends matter to the program reading its kind, or None."""
    if not item.cr_line_ends or kind not in _LF_ONLY:
        return None
    message = importlib.import_module(_READERS[kind][0]).CR_ONLY_LINE_ENDS
    return InputError(item.path, 1, message)


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


# Where systemd looks for unit files, highest precedence first (systemd.unit(5)). Only
# the first unit file of a name is used; drop-ins from all of them apply.
_UNIT_DIRS = (
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
)


class _UnitPlace(NamedTuple):
    """Which service a unit file or drop-in configures, on which node, with what rank."""

    service: str  # ``kubelet.service`` for the unit and for its ``.service.d/*.conf``
    node: str  # the folder above the systemd folder: one node's filesystem root
    rank: int  # index in _UNIT_DIRS; len(_UNIT_DIRS) for a folder systemd never reads


def _unit_place(path: str) -> _UnitPlace:
    folder = os.path.dirname(os.path.abspath(path))
    service = os.path.basename(path)
    if os.path.basename(folder).endswith(".d") and not path.endswith((".service", ".socket")):
        service = os.path.basename(folder)[:-2]
        folder = os.path.dirname(folder)
    posix = folder.replace(os.sep, "/")
    # The longest matching suffix: /usr/lib/systemd/system also ends in /lib/systemd/system.
    known = [d for d in _UNIT_DIRS if posix.endswith(d)]
    if not known:
        return _UnitPlace(service, folder, len(_UNIT_DIRS))
    suffix = max(known, key=len)
    return _UnitPlace(service, posix[: -len(suffix)], _UNIT_DIRS.index(suffix))


def _service_parts(members: Sequence[InputFile]) -> list[InputFile]:
    """The files systemd merges into one service, in its order.

    Of several unit files with the service's name, only the one in the folder of
    highest precedence is read: the others are overridden whole, so their flags
    never run. Drop-ins from every folder apply, sorted by file name, except that a
    drop-in is masked by one of the same name in a folder of higher precedence.
    """
    ranked = sorted(members, key=lambda f: (_unit_place(f.path).rank, f.path))
    units = [f for f in ranked if f.path.endswith((".service", ".socket"))]
    dropins: dict[str, InputFile] = {}
    for item in ranked:
        if item not in units:
            dropins.setdefault(os.path.basename(item.path), item)
    return [*units[:1], *(dropins[name] for name in sorted(dropins))]


def _read_services(units: Sequence[InputFile], others: Sequence[InputFile], root: Path | None,
                   ) -> tuple[list[ConfigFile], list[InputError]]:
    """Read systemd units a service at a time, with the env files they name."""
    from pauselint.sources.kubelet import read_kubelet_env, read_systemd_service

    services: dict[tuple[str, str], list[InputFile]] = {}
    for unit in units:
        place = _unit_place(unit.path)
        services.setdefault((place.service, place.node), []).append(unit)
    configs: list[ConfigFile] = []
    errors: list[InputError] = []
    for members in services.values():
        parts = [(m.path, m.text or "") for m in _service_parts(members)]
        first = read_systemd_service(parts)
        environment: dict[str, ConfigFile] = {}
        for part, config in zip(parts, first, strict=True):
            for written in config.imports:
                resolved = resolve_written(written, part[0], root)
                if resolved.problem is not None:
                    errors.append(InputError(part[0], None, f"EnvironmentFile={written}: "
                                             f"{resolved.problem}"))
                    continue
                target = resolved.paths[0]
                known = next((o for o in others
                              if o.text is not None and same_path(o.path, target)), None)
                item = known or read_path(str(target), explicit=False)
                line_ends = None if known else line_end_error(item, InputType.KUBELET_ENV)
                if line_ends is not None:
                    errors.append(line_ends)
                if item.text is not None:
                    environment[written] = read_kubelet_env(item.path, item.text)
                elif item.error is not None and os.path.lexists(target):
                    # A missing file may be an optional one (`-` prefix); one that is
                    # there but unreadable hides the flags it holds: never "unset".
                    errors.append(InputError(part[0], None, f"EnvironmentFile={written}: "
                                             f"{item.error.message}"))
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
        line_ends = line_end_error(item, kind)
        if line_ends is not None:
            errors.append(line_ends)
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
