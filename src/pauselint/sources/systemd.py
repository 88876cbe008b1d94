"""systemd units as a format: which unit files and drop-ins make one service, in what order.

The unit syntax and the kubelet command line are read by :mod:`pauselint.sources.kubelet`;
this module knows systemd's precedence (systemd.unit(5)): of several unit files of
one name only the one in the folder of highest precedence runs, drop-ins from every
folder apply sorted by name, a drop-in masks one of the same name in a folder of lower
precedence. Units are read a service at a time, with the env files their
``EnvironmentFile=`` lines name, because a flag's value may live there.
"""


import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pauselint.model import ConfigFile, InputError
from pauselint.records import NamedTuple
from pauselint.sources.kubelet import (
    CR_ONLY_LINE_ENDS,
    read_kubelet_env_once,
    read_systemd_service,
    read_systemd_unit,
)
from pauselint.sources.layering import path_key
from pauselint.sources.node_paths import resolve_written
from pauselint.sources.source_text import SourceText

if TYPE_CHECKING:
    from pauselint.inputs import InputFile
    from pauselint.sources.registry import ReadContext

# Where systemd looks for unit files, highest precedence first (systemd.unit(5)). Only
# the first unit file of a name is used; drop-ins from all of them apply.
UNIT_DIRS = (
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
)


def read_source(source: SourceText) -> ConfigFile:
    """One unit file or drop-in alone (see :func:`read_services` for a whole service)."""
    return source.relocate(read_systemd_unit(source.path, source.text))


class UnitPlace(NamedTuple):
    """Which service a unit file or drop-in configures, on which node, with what rank."""

    service: str  # ``kubelet.service`` for the unit and for its ``.service.d/*.conf``
    node: str  # the folder above the systemd folder: one node's filesystem root
    rank: int  # index in UNIT_DIRS; len(UNIT_DIRS) for a folder systemd never reads


def unit_place(path: str) -> UnitPlace:
    """Where ``path`` sits among systemd's unit folders."""
    folder = os.path.dirname(os.path.abspath(path))
    service = os.path.basename(path)
    if os.path.basename(folder).endswith(".d") and not path.endswith((".service", ".socket")):
        service = os.path.basename(folder)[:-2]
        folder = os.path.dirname(folder)
    posix = folder.replace(os.sep, "/")
    # The longest matching suffix: /usr/lib/systemd/system also ends in /lib/systemd/system.
    known = [d for d in UNIT_DIRS if posix.endswith(d)]
    if not known:
        return UnitPlace(service, folder, len(UNIT_DIRS))
    suffix = max(known, key=len)
    return UnitPlace(service, posix[: -len(suffix)], UNIT_DIRS.index(suffix))


def service_parts(members: "Sequence[InputFile]") -> "list[InputFile]":
    """The files systemd merges into one service, in its order.

    Of several unit files with the service's name, only the one in the folder of
    highest precedence is read: the others are overridden whole, so their flags
    never run. Drop-ins from every folder apply, sorted by file name, except that a
    drop-in is masked by one of the same name in a folder of higher precedence.
    """
    ranked = sorted(members, key=lambda f: (unit_place(f.path).rank, f.path))
    units = [f for f in ranked if f.path.endswith((".service", ".socket"))]
    dropins: dict[str, InputFile] = {}
    for item in ranked:
        if item not in units:
            dropins.setdefault(os.path.basename(item.path), item)
    return [*units[:1], *(dropins[name] for name in sorted(dropins))]


def read_services(units: "Sequence[InputFile]", context: "ReadContext",
                  ) -> tuple[list[ConfigFile], list[InputError]]:
    """Read systemd units a service at a time, with the env files they name."""
    services: dict[tuple[str, str], list[InputFile]] = {}
    for unit in units:
        place = unit_place(unit.path)
        services.setdefault((place.service, place.node), []).append(unit)
    configs: list[ConfigFile] = []
    errors: list[InputError] = []
    read: dict[str, InputFile] = {}  # the group's files by path_key, the first of each
    for item in context.inputs:
        if item.text is not None:
            read.setdefault(path_key(item.path), item)
    for members in services.values():
        parts = [(m.path, m.text or "") for m in service_parts(members)]
        load = _EnvironmentFiles(context, read)
        final = read_systemd_service(parts, load_environment=load)
        # Every file named is reported on, one a later `EnvironmentFile=` cleared too.
        for (unit_path, _), config in zip(parts, final, strict=True):
            for written in config.imports:
                errors.extend(load.errors(written, unit_path))
        configs.extend(final)
        for config in final:
            errors.extend(config.errors)
    return configs, errors


class _EnvironmentFiles:
    """A service's env files, each read once, on demand (read_systemd_service asks for
    those its command expands with), with what reading each found wrong."""

    def __init__(self, context: "ReadContext", read: "dict[str, InputFile]") -> None:
        self._context = context
        self._read = read
        self._found: dict[tuple[str, str], tuple[ConfigFile | None, list[InputError]]] = {}

    def __call__(self, written: str, unit_path: str) -> ConfigFile | None:
        key = (written, unit_path)
        if key not in self._found:
            problems: list[InputError] = []
            config = _environment_file(written, unit_path, self._context, self._read, problems)
            self._found[key] = (config, problems)
        return self._found[key][0]

    def errors(self, written: str, unit_path: str) -> list[InputError]:
        """What reading the file ``unit_path`` names as ``written`` found wrong."""
        self(written, unit_path)
        return self._found[(written, unit_path)][1]


def _environment_file(written: str, unit_path: str, context: "ReadContext",
                      read: "dict[str, InputFile]",
                      errors: list[InputError]) -> ConfigFile | None:
    """The env file an ``EnvironmentFile=`` names, read; None when it is not there.

    One the group already read (``read``, by path_key) is used as read, not loaded.
    """
    resolved = resolve_written(written, unit_path, context.root)
    if resolved.problem is not None:
        errors.append(InputError(unit_path, None, f"EnvironmentFile={written}: {resolved.problem}"))
        return None
    target = resolved.paths[0]
    known = read.get(path_key(target))
    item = known or context.load(str(target))
    if known is None and item.cr_line_ends:
        errors.append(InputError(item.path, 1, CR_ONLY_LINE_ENDS))
    if item.text is not None:
        return read_kubelet_env_once(item.path, item.text)
    if item.error is not None and os.path.lexists(target):
        # A missing file may be an optional one (`-` prefix); one that is there but
        # unreadable hides the flags it holds: never "unset".
        errors.append(InputError(unit_path, None, f"EnvironmentFile={written}: "
                                 f"{item.error.message}"))
    return None


def references(config: ConfigFile, root: str | Path | None, errors: list[InputError]) -> list[Path]:
    """The env files a unit's ``EnvironmentFile=`` lines name that exist, in order."""
    found: list[Path] = []
    for written in config.imports:
        resolved = resolve_written(written, config.path, root)
        if resolved.problem is not None:
            errors.append(InputError(config.path, None,
                                     f"EnvironmentFile={written}: {resolved.problem}"))
        found.extend(p for p in resolved.paths if p.is_file())
    return found
