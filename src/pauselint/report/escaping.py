"""How a string from the input is shown, so a hostile file name or value cannot
break the output: one escape for every reporter, applied to the whole report.

Two things can go wrong. A file name that is not UTF-8 (``b'caf\\xe9.toml'``)
reaches Python as a lone surrogate (``'caf\\udce9.toml'``, PEP 383), which cannot be
written as UTF-8: JSON and SARIF would be invalid or the run would stop. And a
control character in a name or value (ESC, CR, BEL, a bidi override) printed to a
terminal or a CI log can move the cursor, rewrite what was printed, or start a line
that the GitHub runner reads as an annotation.

One shown form everywhere: a byte that is not UTF-8 is ``\\xNN`` (the byte, as
``ls -b`` and Python show it); a control character below U+0080 is ``\\xNN`` too (it
is that byte); any other escaped code point is ``\\uXXXX``. So ``\\xNN`` always names
the byte NN of the original name (tab, newline and carriage return are ``\\t``,
``\\n`` and ``\\r``, as everyone reads them). Backslashes are left alone: Windows
paths in values stay readable, at the price that a name that really contains
``\\xe9`` looks the same as the byte.

``undecodable_escaped`` is for JSON and SARIF, which escape control characters in
their own syntax losslessly (``json_controls_escaped`` makes sure of it for the ones
json.dumps leaves raw; ``dump_json_chunks`` applies both to the encoded text);
``printable`` is for text output, which cannot, and
``printable_but_line_breaks`` for GitHub workflow commands, whose own escapes carry
CR and LF (and nothing else). ``escape_strings`` applies one of them to every string
inside a report, so a new field is covered without anyone remembering to escape it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pauselint.lazy_re import LazyPattern
from pauselint.model import Report

# Lone surrogates: what os.fsdecode makes of bytes that are not UTF-8 (U+DC80-U+DCFF),
# or what a JSON "\ud800" escape from an API server decodes to.
_SURROGATES = "\ud800-\udfff"
# C0 controls but CR and LF, DEL and C1 controls; the Arabic letter mark, LRM and
# RLM; the line and paragraph separators and the bidi embeddings and overrides
# (U+2028-U+202E); the bidi isolates (U+2066-U+2069): everything that moves the
# cursor, ends a line or reorders what is shown ("Trojan Source", CVE-2021-42574).
_CONTROLS = "\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
_LINE_BREAKS = "\n\r"
# Compiled on first need: an ASCII text (nearly every one) is answered by isascii()
# and isprintable() alone, which for ASCII mean exactly "no C0 control and no DEL".
_UNDECODABLE = LazyPattern(f"[{_SURROGATES}]")
_UNPRINTABLE = LazyPattern(f"[{_SURROGATES}{_CONTROLS}{_LINE_BREAKS}]")
# Workflow commands carry CR and LF in their own escapes (%0D, %0A), and an
# annotation shows them as line breaks.
_UNPRINTABLE_BUT_LINE_BREAKS = LazyPattern(f"[{_SURROGATES}{_CONTROLS}]")
# What json.dumps(ensure_ascii=False) writes raw: it escapes C0 itself.
_JSON_RAW_CONTROLS = LazyPattern("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
# The surrogates os.fsdecode makes stand for the bytes 0x80-0xFF.
_ESCAPED_BYTES = range(0xDC80, 0xDD00)

T = TypeVar("T")
# Values with no strings inside: returned as they are without a look.
_ATOMS = frozenset({int, float, bool, bytes})

# The three controls everyone reads in their short form.
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    if match.group() in _SHORT:
        return _SHORT[match.group()]
    code = ord(match.group())
    if code in _ESCAPED_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def undecodable_escaped(text: str) -> str:
    """``text`` with every lone surrogate shown escaped: always encodable as UTF-8."""
    if text.isascii() or not _UNDECODABLE.search(text):
        return text
    return _UNDECODABLE.sub(_shown, text)


def printable(text: str) -> str:
    """``text`` safe to print to a terminal or log: no undecodable byte, no control
    character, no bidi control (each shown escaped, as the module says)."""
    if (text.isascii() and text.isprintable()) or not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(_shown, text)


def printable_but_line_breaks(text: str) -> str:
    """``printable`` that keeps CR and LF, for a format that escapes them itself
    (GitHub workflow commands: ``%0D``, ``%0A``)."""
    if (text.isascii() and text.isprintable()) or not _UNPRINTABLE_BUT_LINE_BREAKS.search(
            text):
        return text
    return _UNPRINTABLE_BUT_LINE_BREAKS.sub(_shown, text)


def json_controls_escaped(document: str) -> str:
    """A JSON document with the controls json.dumps leaves raw (DEL, C1, bidi, line
    separators) written as ``\\uXXXX`` escapes: the same data to any parser, and
    harmless to ``cat report.json`` on a terminal. Such characters only occur inside
    JSON strings, so replacing them everywhere is exact."""
    if (document.isascii() and "\x7f" not in document) or not _JSON_RAW_CONTROLS.search(
            document):
        return document
    return _JSON_RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


def dump_json(document: Any) -> str:
    """``document`` as indented JSON (trailing newline) that is always valid UTF-8 and
    safe to ``cat``: undecodable bytes in the shown form, controls as JSON escapes."""
    return "".join(dump_json_chunks(document))


def dump_json_chunks(document: Any, levels: int = 2) -> Iterator[str]:
    """:func:`dump_json`'s text, a piece at a time (see :func:`indented_json_chunks`),
    so a report can be written while it is made rather than held whole.

    An ASCII piece with no DEL (nearly every one) is passed on without a scan. Lone
    surrogates and the controls json.dumps leaves raw occur only inside JSON strings,
    so each is replaced in the text where it stands: a surrogate by its shown form as
    JSON writes that form (backslash doubled), exactly what escaping every string
    before encoding it gave.
    """
    for chunk in indented_json_chunks(document, "\n", levels):
        if chunk.isascii() and "\x7f" not in chunk:
            yield chunk
            continue
        if _UNDECODABLE.search(chunk):
            chunk = _UNDECODABLE.sub(_shown_in_json, chunk)
        yield json_controls_escaped(chunk)


def _shown_in_json(match: re.Match[str]) -> str:
    return _shown(match).replace("\\", "\\\\")


# What json.dumps writes without looking inside: a container holding only these (or
# empty containers) is written whole by the C encoder.
_SCALARS = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = (dict, list, tuple)
_INDENT = "  "


def _unencodable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def indented_json(document: Any, end: str = "") -> str:
    """Exactly ``json.dumps(document, indent=2, ensure_ascii=False) + end``."""
    return "".join(indented_json_chunks(document, end))


def indented_json_chunks(document: Any, end: str = "", levels: int = 2) -> Iterator[str]:
    """:func:`indented_json`'s text in pieces: containers in the top ``levels`` a key
    or an item at a time, everything deeper whole. The default fits a report whose
    lists (findings, nodes) are right under its top: each piece is then one finding
    or one node, few enough that writing them one by one costs little.

    The text is written by the C encoder. Python's json drops to its pure-Python
    encoder whenever ``indent`` is given: a generator step per value, most of the JSON
    report's cost on a big run. Its C encoder ignores ``indent`` but takes any item
    separator, so a container with no non-empty container inside (a finding, a file
    entry, a location) is written in one C call whose separator carries the newline
    and the indentation of its level; only the few containers above those are walked
    here. Keys and scalars are written by the same C code either way, so the bytes
    are the same.
    """
    # json is imported here, by the formats that write it: the text report a hook
    # prints never needs it (~5 M instructions of start-up).
    import json
    from json.encoder import c_make_encoder, encode_basestring

    if c_make_encoder is None:  # an interpreter without the C accelerator
        yield json.dumps(document, indent=2, ensure_ascii=False) + end
        return
    encoders: dict[int, Callable[[Any, int], Any]] = {}

    def flat(value: Any, level: int) -> str:
        encoder = encoders.get(level)
        if encoder is None:
            encoder = encoders[level] = c_make_encoder(
                None, _unencodable, encode_basestring, None, ": ",
                ",\n" + _INDENT * (level + 1), False, False, True)
        return "".join(encoder(value, 0))

    def is_flat(value: Any) -> bool:
        """Whether the C encoder writes ``value`` whole: a scalar, an empty container,
        or one holding only those."""
        if not isinstance(value, _CONTAINERS) or not value:
            return True
        items = value.values() if isinstance(value, dict) else value
        return _SCALARS.issuperset(map(type, items)) or all(
            type(item) in _SCALARS or (isinstance(item, _CONTAINERS) and not item)
            for item in items)

    def write_flat(value: Any, level: int, end: str) -> str:
        text = flat(value, level)
        if not isinstance(value, _CONTAINERS) or not value:
            return text + end
        return (f"{text[0]}\n{_INDENT * (level + 1)}{text[1:-1]}\n{_INDENT * level}"
                f"{text[-1]}{end}")

    def key_text(key: Any) -> str:
        return encode_basestring(key if type(key) is str else _key(key))

    def write(value: Any, level: int, end: str = "") -> str:
        if is_flat(value):
            return write_flat(value, level, end)
        inner = "\n" + _INDENT * (level + 1)
        if isinstance(value, dict):
            # Strings, most of the scalars here, go straight to the C function.
            parts = [f"{key_text(key)}: "
                     f"{encode_basestring(item) if type(item) is str else write(item, level + 1)}"
                     for key, item in value.items()]
            opening, closing = "{", "}"
        else:
            parts = [encode_basestring(item) if type(item) is str else write(item, level + 1)
                     for item in value]
            opening, closing = "[", "]"
        # One join of every piece: the items joined first, then framed, held the whole
        # document three times over at the top level (its parts, their join, the frame).
        pieces = [opening, inner, parts[0]]
        separator = "," + inner
        for part in parts[1:]:
            pieces += (separator, part)
        pieces += ("\n", _INDENT * level, closing, end)
        return "".join(pieces)

    def stream(value: Any, level: int, end: str = "") -> Iterator[str]:
        if level >= levels or is_flat(value):
            yield write(value, level, end)
            return
        inner = "\n" + _INDENT * (level + 1)
        separator = "," + inner
        is_dict = isinstance(value, dict)
        yield ("{" if is_dict else "[") + inner
        items = value.items() if is_dict else enumerate(value)
        for index, (key, item) in enumerate(items):
            lead = separator if index else ""
            if is_dict:
                lead += f"{key_text(key)}: "
            if type(item) is str:
                yield lead + encode_basestring(item)
            else:
                yield lead
                yield from stream(item, level + 1)
        yield f"\n{_INDENT * level}{'}' if is_dict else ']'}{end}"

    yield from stream(document, 0, end)


def _key(key: Any) -> str:
    """A dict key as json.dumps turns it into a string (it accepts these five kinds)."""
    import json

    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return json.dumps(key)
    if key is True or key is False or key is None:
        return json.dumps(key)
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def escape_strings(value: T, escape: Callable[[str], str]) -> T:
    """A copy of ``value`` with ``escape`` applied to every string inside it.

    Walks what reports are made of: the Report (and any dataclass), named tuples (findings,
    locations, errors, skips), lists, tuples, sets and dicts (keys too). Enums are
    names pauselint chose, not input, and are kept as they are (some are ``str``).
    A record none of whose strings change is kept as it is, and each distinct string
    is escaped once: a 20,000-node cluster report repeats most of its strings.
    """
    cache: dict[str, str] = {}

    def walk(item: Any) -> Any:
        kind = type(item)
        if kind is str:
            shown = cache.get(item)
            if shown is None:
                shown = cache[item] = escape(item)
            return shown
        if item is None or kind in _ATOMS or isinstance(item, enum.Enum):
            return item
        if isinstance(item, tuple):
            # Findings are most of a big report: their fields are done inline.
            items = []
            changed = False
            for part in item:
                if type(part) is str:
                    new = cache.get(part)
                    if new is None:
                        new = cache[part] = escape(part)
                elif part is None or type(part) in _ATOMS:
                    new = part
                else:
                    new = walk(part)
                changed = changed or new is not part
                items.append(new)
            if not changed:
                return item
            return kind(*items) if hasattr(item, "_fields") else kind(items)
        if isinstance(item, list):
            return [walk(part) for part in item]
        if isinstance(item, (set, frozenset)):
            return kind(walk(part) for part in item)
        if isinstance(item, dict):
            return {walk(key): walk(part) for key, part in item.items()}
        if isinstance(item, Report):
            return item.replace(**{name: walk(value) for name, value in item.fields().items()})
        if hasattr(item, "__dataclass_fields__") and not isinstance(item, type):
            import dataclasses  # no report record is one now; kept for any that comes

            return dataclasses.replace(item, **{field.name: walk(getattr(item, field.name))
                                                for field in dataclasses.fields(item)})
        if isinstance(item, str):  # a str subclass that is not an enum
            return escape(item)
        return item

    return walk(value)


def escape_shown(report: Report, escape: Callable[[str], str]) -> Report:
    """``escape_strings`` of what a text or GitHub report can show of ``report``.

    Those two never print the files a run read (``sources``, kept for
    ``--output-file``'s check) nor the node descriptions (``nodes``, for ``show`` and
    JSON) beyond each node's name, and at a thousand files those are most of the
    report's strings: they are left out of the copy instead of escaped for nothing.
    Every other field, a new one included, is escaped as ``escape_strings`` does.
    """
    names = [{"name": entry["name"]} for entry in report.nodes
             if isinstance(entry, dict) and isinstance(entry.get("name"), str)]
    return escape_strings(report.replace(sources=[], nodes=names), escape)
