"""What wrappers share: an embedded file's text and where it sits in the wrapper.

Cluster API ``files[]``, cloud-init ``write_files``, kOps nodeup tasks and EKS's
NodeConfig all hold node files as YAML strings, some of them encoded. Each becomes a
:class:`SourceText` at the path it is written to on the node, with its positions in
the wrapper's file (a decoded text has none of its own: it is reported at the
string's start), so the file's own reader reads it as if it were on disk.
"""

from __future__ import annotations

import base64
import gzip
import zlib

from yaml.nodes import ScalarNode

from pauselint.model import Component, ConfigFile, InputError
from pauselint.records import NamedTuple
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import (
    OUTER,
    Node,
    YamlProblem,
    embedded_origin,
    get,
    kind_name,
    scalar,
)

# Encodings as the wrappers name them (cloud-init accepts all of these spellings).
GZIP_BASE64 = frozenset({"gzip+base64", "gz+base64", "gzip+b64", "gz+b64"})
BASE64 = frozenset({"base64", "b64"})
_STRING = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"


class Unwrapped(NamedTuple):
    """One part of a wrapper: a file to read at ``node_path`` (``source``), or settings
    the wrapper itself holds, already read (``config`` of ``kind``)."""

    node_path: str | None = None
    source: SourceText | None = None
    config: ConfigFile | None = None
    kind: InputType | None = None
    # (place, why): something the wrapper holds that is not checked (a command).
    note: tuple[str, str] | None = None


def invalid_yaml(source: SourceText, problem: YamlProblem, component: Component,
                 kind: InputType) -> list[Unwrapped]:
    """A wrapper that is not YAML: one error at the parser's line, nothing read."""
    error = InputError(source.path, problem.line, f"invalid YAML: {problem.message}")
    return [Unwrapped(config=ConfigFile(source.path, component, errors=(error,), parsed=False),
                      kind=kind)]


def file_entry(source: SourceText, entry: Node, errors: list[InputError], *,
               content_key: str = "content") -> Unwrapped | None:
    """One ``{path, content, encoding}`` entry as the text it writes at its path, or
    None (no path, or content held elsewhere: a Secret, a URL)."""
    return embedded_file(source, scalar(get(entry, "path")), get(entry, content_key),
                         (scalar(get(entry, "encoding")) or "").lower(), errors)


def embedded_file(source: SourceText, path: str | None, content: Node | None, encoding: str,
                  errors: list[InputError]) -> Unwrapped | None:
    """The file ``content`` writes at ``path``, positioned in ``source``; content that
    is no text (a number, a list, a mapping) is an error at it, not a file."""
    if not path or content is None or content.tag == _NULL:
        return None
    if not isinstance(content, ScalarNode) or content.tag != _STRING:
        what = kind_name(content) if not isinstance(content, ScalarNode) else (
            f"the {content.tag.rsplit(':', 1)[-1]} {content.value!r}")
        line, column = OUTER.position(content)
        errors.append(InputError(source.path, line, f"{path}: its content is {what}, not "
                                 "text: the file is not read", column))
        return None
    text = scalar(content) or ""
    where = OUTER.position(content)
    if encoding in BASE64 | GZIP_BASE64:
        try:
            data = base64.b64decode(text, validate=False)
            if encoding in GZIP_BASE64:
                data = gzip.decompress(data)
            text = data.decode("utf-8")
        # ValueError: not base64 (binascii.Error), a character base64 never has
        # (b64decode refuses non-ASCII text), or not UTF-8 (UnicodeDecodeError).
        except (ValueError, OSError, EOFError, zlib.error) as exc:
            errors.append(InputError(source.path, where[0],
                                     f"{path}: its {encoding} content does not decode: {exc}",
                                     where[1]))
            return None
        # Decoded bytes have no place in this file: everything in them is reported
        # at the content's own start.
        return Unwrapped(path, SourceText(text, source.path, path, source, fixed=where))
    origin = embedded_origin(source.text, content, OUTER)  # type: ignore[arg-type]
    if origin.fixed is not None:
        return Unwrapped(path, SourceText(text, source.path, path, source, fixed=origin.fixed))
    return Unwrapped(path, SourceText(text, source.path, path, source,
                                      line_offset=origin.line_offset,
                                      column_offset=origin.column_offset))
