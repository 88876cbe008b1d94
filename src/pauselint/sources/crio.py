"""Read CRI-O's ``crio.conf`` and its ``crio.conf.d`` drop-ins.

CRI-O takes the pod sandbox image from exactly one key, ``pause_image`` in the
``[crio.image]`` table. CRI-O decodes its config into a struct, so the same key
anywhere else (or spelt another way) is silently dropped -- and the node keeps
running with the built-in default image. That silent drop is why this reader
reports such keys as ``ignored`` facts instead of leaving them out.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.sources.layering import (
    LayerContext,
    Layered,
    in_folder_named,
    placed,
    runtime_node,
)
from pauselint.sources.source_text import SourceText
from pauselint.sources.toml_locator import (
    check_toml_limits,
    decode_error_line,
    locate_values,
    parse_toml,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

SANDBOX_KEY: tuple[str, ...] = ("crio", "image", "pause_image")
DROPIN_DIR_NAME = "crio.conf.d"

# TOML 1.0 allows LF or CRLF only; CRI-O's parser (BurntSushi/toml) calls a bare CR
# a control character and refuses the file.
CR_ONLY_LINE_ENDS = (
    "lines end in CR alone (old Mac): TOML allows only LF or CRLF, and CRI-O's TOML parser "
    "refuses this file; settings are located as if the line ends were LF"
)

# Keys people write when they mean ``pause_image``, compared after dropping case,
# ``-`` and ``_``. ``pause_image_auth_file`` and ``pause_command`` are real keys
# and must not land here.
_MISSPELLINGS = frozenset({"pauseimage", "pauseimages", "sandboximage", "sandboximages"})

_TEMPLATE_MARKERS = re.compile(r"\{\{|\{%")
_YAML_WRAPPER = re.compile(r"^(contents|path|mode|apiVersion|kind)\s*:", re.MULTILINE)

_PLACEMENT_REASON = "CRI-O reads pause_image only under [crio.image]; here it is ignored"
_MISSPELLED_REASON = "misspelled: CRI-O reads `pause_image`"


def read_crio(path: str, text: str) -> ConfigFile:
    """Return every sandbox-image key in one CRI-O config file, with its position.

    A main ``crio.conf`` and a drop-in share one format, so both go through here;
    which one wins is decided later by :func:`crio_effective`. Never raises: a file
    that is not TOML (a Jinja or Go template, a YAML wrapper) comes back with no
    settings and an :class:`InputError` naming the line.
    """
    limit = check_toml_limits(text)
    if limit is not None:
        return ConfigFile(
            path=path,
            component=Component.CRIO,
            errors=(InputError(path, limit.line, f"not read: {limit.message}"),),
            parsed=False,
        )
    try:
        # CRI-O's TOML library skips a UTF-8 byte-order mark; tomllib would reject it.
        data = parse_toml(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        return ConfigFile(
            path=path,
            component=Component.CRIO,
            errors=(
                InputError(path, decode_error_line(str(exc), text), _decode_message(text, exc)),
            ),
            parsed=False,
        )
    except RecursionError:  # tomllib recurses once per nested `[` or `{`
        return ConfigFile(
            path=path,
            component=Component.CRIO,
            errors=(InputError(path, None, "too deeply nested to read"),),
            parsed=False,
        )

    positions = locate_values(text)
    settings: list[Setting] = []
    errors: list[InputError] = []
    for key_path, value in _walk(data, ()):
        reason = _ignored_reason(key_path)
        if key_path != SANDBOX_KEY and reason is None:
            continue
        line, column = positions.get(key_path, (None, None))
        dotted = ".".join(key_path)
        if not isinstance(value, str):
            errors.append(
                InputError(path, line, f"{dotted} must be a string, not {type(value).__name__}")
            )
            continue
        settings.append(
            Setting(
                component=Component.CRIO,
                role=Role.SANDBOX_IMAGE,
                key=dotted,
                value=value,
                location=Location(path, line, column),
                ignored=reason is not None,
                ignored_reason=reason,
            )
        )
    settings.sort(key=lambda s: s.location.sort_key())
    return ConfigFile(
        path=path,
        component=Component.CRIO,
        settings=tuple(settings),
        errors=tuple(errors),
    )


def crio_effective(main: ConfigFile | None, dropins: Sequence[ConfigFile]) -> tuple[Setting, ...]:
    """Return every sandbox setting of one node with ``effective`` set as CRI-O applies them.

    crio.conf.d(5): the main file is read first and has the lowest precedence; the
    drop-ins are applied sorted by file name in lexical order, and the file sorted
    last wins (``10-custom.conf`` beats ``00-default.conf``). Callers may pass the
    drop-ins in any order. The shadowed settings are kept (``effective=False``) so a
    rule can point at a value that looks set but is not used. Ignored keys are never
    effective. At most one setting is effective; none when the built-in default applies.
    """
    ordered: list[ConfigFile] = [main] if main is not None else []
    # Go sorts file names bytewise; for the ASCII names drop-ins use, that is str order.
    ordered += sorted(dropins, key=lambda f: (Path(placed(f)).name, placed(f)))
    chain = [s for f in ordered for s in f.settings if s.role is Role.SANDBOX_IMAGE]
    winner = next((i for i in reversed(range(len(chain))) if not chain[i].ignored), None)
    return tuple(s._replace(effective=(i == winner)) for i, s in enumerate(chain))


def dropin_dir_for(main_path: Path) -> Path:
    """Return the drop-in folder CRI-O reads next to ``main_path`` by default.

    CRI-O's defaults are ``/etc/crio/crio.conf`` and ``/etc/crio/crio.conf.d``; a
    ``--config-dir`` flag can move the folder, which a file on disk cannot tell us.
    """
    return main_path.parent / DROPIN_DIR_NAME


def _walk(
    table: Mapping[str, Any], prefix: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Yield (full key path, value) for every value that is not a table, descending into tables."""
    for key, value in table.items():
        key_path = (*prefix, key)
        if isinstance(value, dict):
            yield from _walk(value, key_path)
        else:
            yield key_path, value


def _ignored_reason(key_path: tuple[str, ...]) -> str | None:
    """Why CRI-O would not read this key as its pause image, or None when it is not one."""
    name = key_path[-1]
    folded = name.lower().replace("-", "").replace("_", "")
    if name != "pause_image" and folded in _MISSPELLINGS:
        if key_path[:-1] == SANDBOX_KEY[:-1]:
            return _MISSPELLED_REASON
        return f"{_MISSPELLED_REASON}, and only under [crio.image]"
    if name == "pause_image" and key_path != SANDBOX_KEY:
        return _PLACEMENT_REASON
    return None


def _decode_message(text: str, exc: Exception) -> str:
    """Say why the file is not TOML, naming the usual culprits so the fix is obvious."""
    message = f"not valid TOML: {exc}"
    # The wrapper first: a MachineConfig-style YAML file often embeds a template too,
    # but the wrapper is what stops the parse at line 1.
    if _YAML_WRAPPER.search(text):
        return f"{message}; this looks like YAML wrapping a CRI-O config -- check the embedded file"
    if _TEMPLATE_MARKERS.search(text):
        return f"{message}; this looks like a template -- check the rendered file instead"
    return message


# --- the reader protocol (sources/registry.py) ------------------------------------

MAIN_NAME = "crio.conf"


def read_source(source: SourceText) -> ConfigFile:
    """:func:`read_crio` on a SourceText, positions in the file to report."""
    return source.relocate(read_crio(source.path, source.text))


def _configuration_key(path: str) -> str:
    """Files of one CRI-O configuration share the folder that holds crio.conf."""
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.basename(parent) == DROPIN_DIR_NAME:
        return os.path.dirname(parent)
    if os.path.basename(path) == MAIN_NAME:
        return parent
    return os.path.abspath(path)  # a lone file named otherwise is its own configuration


def layer(files: Sequence[tuple[ConfigFile, str]], context: LayerContext) -> Layered:
    """One node per CRI-O configuration: a crio.conf plus its sibling drop-ins."""
    groups: dict[str, list[ConfigFile]] = {}
    for config, _ in files:
        groups.setdefault(_configuration_key(placed(config)), []).append(config)
    nodes = []
    for members in groups.values():
        dropins = sorted((f for f in members if in_folder_named(placed(f), DROPIN_DIR_NAME)),
                         key=lambda f: os.path.basename(placed(f)))
        dropin_ids = {id(f) for f in dropins}  # by identity: `in` a list compares tuples
        mains = [f for f in members if id(f) not in dropin_ids]
        main = mains[0] if mains else None
        nodes.append(runtime_node(Component.CRIO, [*mains, *dropins],
                                  crio_effective(main, dropins)))
    return Layered(nodes=tuple(nodes))
