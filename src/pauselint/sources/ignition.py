"""Ignition, Butane and OpenShift MachineConfig: the node files and units they write.

Fedora CoreOS, Flatcar and OpenShift nodes get their containerd/CRI-O config and the
kubelet's unit this way, so a config repository holds them as:

* **Ignition** JSON: ``storage.files[]`` (``contents.source`` a ``data:`` URL,
  percent-encoded or ``;base64``, with ``contents.compression: gzip``) and
  ``systemd.units[]`` (``contents``, ``dropins[].contents``);
* **Butane** YAML (``variant: fcos|flatcar|openshift...``): the same, with
  ``contents.inline`` for plain text;
* an OpenShift **MachineConfig** (``machineconfiguration.openshift.io``), whose
  ``spec.config`` is Ignition, and the Machine Config Operator's own template files
  (``path`` and ``contents.inline`` at the top).

Each file is read by its own format at the path it is written to (a unit at
``/etc/systemd/system/NAME``, its drop-ins under ``NAME.d/``), positioned in this file;
a ``data:`` URL's text has no place of its own and is reported at the URL. Shapes:
coreos/ignition config/v3_4 types (``Storage.Files``, ``Resource.Source``,
``Compression``), coreos/butane base/v0_5 (``Resource.Inline``), openshift/api
machineconfiguration/v1 (``MachineConfigSpec.Config``).
"""

from __future__ import annotations

import base64
import gzip
import re
import zlib
from urllib.parse import unquote_to_bytes

from pauselint.model import ConfigFile, InputError
from pauselint.sources.embedded import Unwrapped, embedded_file, invalid_yaml
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import (
    OUTER,
    Node,
    compose_documents,
    elements,
    get,
    get_path,
    scalar,
)

UNIT_FOLDER = "/etc/systemd/system"
_DATA_URL = re.compile(r"\Adata:(?P<type>[^,]*?)(?P<b64>;base64)?,(?P<data>.*)\Z", re.S)


def unwrap(source: SourceText) -> list[Unwrapped]:
    """Every file and unit the documents of ``source`` write."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, None, InputType.IGNITION)
    errors: list[InputError] = []
    parts: list[Unwrapped] = []
    for document in documents:
        api_version = scalar(get(document, "apiVersion")) or ""
        config = get_path(document, "spec", "config") if api_version.startswith(
            "machineconfiguration.openshift.io/") else document
        if get(config, "path") is not None and get(config, "contents") is not None:
            entries = [config]  # an MCO template: one file entry at the top
        else:
            entries = elements(get_path(config, "storage", "files"))
        for entry in entries:
            part = _file(source, entry, errors)
            if part is not None:
                parts.append(part)
        for unit in elements(get_path(config, "systemd", "units")):
            parts.extend(_unit(source, unit, errors))
    own = [Unwrapped(config=ConfigFile(source.path, None, errors=tuple(errors)),
                     kind=InputType.IGNITION)] if errors else []
    return [*own, *parts]


def _file(source: SourceText, entry: Node, errors: list[InputError]) -> Unwrapped | None:
    path = scalar(get(entry, "path"))
    contents = get(entry, "contents")
    inline = get(contents, "inline")
    if inline is not None:  # Butane
        return embedded_file(source, path, inline, "", errors)
    url = get(contents, "source")
    if not path or url is None or scalar(url) is None:
        return None  # no contents, or a remote URL: not read
    text = _data_url(scalar(url) or "", scalar(get(contents, "compression")) or "")
    if isinstance(text, InputError):
        line, column = OUTER.position(url)
        errors.append(text._replace(path=source.path, line=line, column=column))
        return None
    if text is None:
        return None
    return Unwrapped(path, SourceText(text, source.path, path, source,
                                      fixed=OUTER.position(url)))


def _data_url(url: str, compression: str) -> str | InputError | None:
    """The text of a ``data:`` URL, None for another scheme (fetched at boot: unknown
    here), or why it does not decode."""
    found = _DATA_URL.match(url)
    if found is None:
        return None
    try:
        data = (base64.b64decode(found["data"]) if found["b64"]
                else unquote_to_bytes(found["data"]))
        if compression == "gzip":
            data = gzip.decompress(data)
        return data.decode("utf-8")
    # ValueError: not base64 (binascii.Error), a character base64 never has
    # (b64decode refuses non-ASCII text), or not UTF-8 (UnicodeDecodeError).
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        return InputError("", None, f"a data: URL that does not decode: {exc}")


def _unit(source: SourceText, unit: Node, errors: list[InputError]) -> list[Unwrapped]:
    name = scalar(get(unit, "name"))
    if not name:
        return []
    parts = []
    main = embedded_file(source, f"{UNIT_FOLDER}/{name}", get(unit, "contents"), "", errors)
    if main is not None:
        parts.append(main)
    for dropin in elements(get(unit, "dropins")):
        dropin_name = scalar(get(dropin, "name"))
        part = embedded_file(source, f"{UNIT_FOLDER}/{name}.d/{dropin_name}",
                             get(dropin, "contents"), "", errors) if dropin_name else None
        if part is not None:
            parts.append(part)
    return parts


def read_source(source: SourceText) -> ConfigFile:
    """For callers that read one file as one config: only its own errors."""
    parts = unwrap(source)
    own = next((p.config for p in parts if p.config is not None), None)
    return own or ConfigFile(source.path, None)
