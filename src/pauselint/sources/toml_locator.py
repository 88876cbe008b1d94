"""Where each value sits in a TOML document.

``tomllib`` parses values but forgets positions, and a linter that cannot say
"line 61, column 21" is not worth running. This module is a small, forgiving
scanner that walks the same text and records the 1-based (line, column) of the
first character of every value (for a string: its opening quote), keyed by the
value's full path -- table header parts plus dotted-key parts, unquoted, exactly as
``tomllib`` would nest them.

It is only ever asked about text ``tomllib`` accepted, so it does not validate;
but it must never raise, so every step is bounds-checked and a line it cannot
make sense of is skipped rather than trusted.

Conventions:

* Array tables (``[[a.b]]``) and array elements appear in paths as their
  0-based ``int`` index: the second ``[[a.b]]`` table's ``k`` is ``("a", "b", 1, "k")``,
  ``x = ["p", {q = 1}]`` gives ``("x", 0)`` and ``("x", 1, "q")``.
* Columns count characters (a tab is one column); a leading BOM is not counted;
  ``\\r\\n`` line endings are handled like ``\\n``.
* Table headers themselves get no entry; inline tables and arrays do (at the
  ``{`` or ``[``), and so does every key inside them.
"""


import bisect
import re
import sys
from collections.abc import Callable
from typing import Any

from pauselint.lazy_re import LazyPattern
from pauselint.model import Location
from pauselint.records import NamedTuple
from pauselint.sources.source_text import RepeatsRemembered

TomlPath = tuple[str | int, ...]

_SIMPLE_ESCAPES = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    '"': '"',
    "\\": "\\",
}
# Compiled on first use, like _LITERAL_CONTENT_RUN and _GUARD_TOKENS below: most runs
# meet no decode error, no literal string and no text past the guard's counts, and the
# three cost ~3.4 M instructions (~1 ms) of every start-up compiled at import.
_DECODE_ERROR_AT = LazyPattern(r"\(at line (\d+), column (\d+)\)")
# The scanner's runs, matched at a position in C rather than walked a character at a
# time in Python (each stops exactly where the loop it stands for stopped).
_INLINE_WS_RUN = re.compile(r"[ \t]*")
_BLANK_RUN = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
_BARE_KEY_RUN = re.compile(r"[A-Za-z0-9_-]*")
_SCALAR_RUN = re.compile(r"[^,\]}#\r\n]*")
_PLAIN_BASIC_STRING = re.compile(r'"([^"\\\n]*)"')
_NEWLINE = re.compile(r"\n")
_LITERAL_CONTENT_RUN = LazyPattern(r"[^'\n]*")


# A CR that ends no CRLF. TOML 1.0 allows LF or CRLF only; go-toml v1 (containerd
# 1.x) takes a bare CR for a line end, go-toml v2 (2.x) stops there ("toml: expected
# newline but got U+000D"). Verified against Debian's 1.6.20, 1.7.24 and 2.1.9 with
# config.toml and hosts.toml, of CR-only line ends and with one stray CR in LF lines.
_BARE_CR = LazyPattern(r"\r(?!\n)")


class BareCRs(NamedTuple):
    """A text's bare CRs, read as go-toml v1 reads them: each a line end."""

    text: str  # the bare CRs made LF: one character for one, offsets unchanged
    row: int  # the first bare CR, as go-toml v2 counts it: rows by LF, 1-based
    column: int
    # Where a place in ``text`` is in the file as an editor shows it. None for CR-only
    # line ends (decode() made those LF for every other reader too: the lines stand);
    # a stray CR in LF lines is no line end to an editor (``^M``).
    move: Callable[[Location], Location] | None


def bare_crs(text: str) -> BareCRs | None:
    """``text``'s bare CRs (None: it has none)."""
    if "\r" not in text:
        return None
    first = _BARE_CR.search(text)
    if first is None:
        return None
    at = first.start()
    split = _BARE_CR.sub("\n", text)
    column = at - text.rfind("\n", 0, at)
    move = _mover(_line_starts(split), _line_starts(text)) if "\n" in text else None
    return BareCRs(split, text.count("\n", 0, at) + 1, column, move)


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in _NEWLINE.finditer(text))]


def _mover(read_starts: list[int], own_starts: list[int]) -> Callable[[Location], Location]:
    """Places read in a text whose lines start at ``read_starts``, moved to the same
    offsets in the text whose lines start at ``own_starts``."""

    def move(where: Location) -> Location:
        if where.line is None or not 0 < where.line <= len(read_starts):
            return where
        offset = read_starts[where.line - 1] + (where.column or 1) - 1
        line = bisect.bisect_right(own_starts, offset)
        column = offset - own_starts[line - 1] + 1 if where.column is not None else None
        return where._replace(line=line, column=column)

    return move


def _parse_toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised only on 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def _locate_values(text: str) -> dict[TomlPath, tuple[int, int]]:
    """Map every value's full key path to the 1-based (line, column) where it starts.

    The first occurrence wins when a path repeats (which valid TOML never does).
    """
    scanner = _Scanner(text)
    scanner.document()
    return scanner.found


# ``tomllib.loads`` and ``_locate_values`` of a text that repeats, remembered
# (source_text.RepeatsRemembered): the results are shared, only to be read. tomllib's
# errors are raised as it raises them, never remembered.
parse_toml = RepeatsRemembered(_parse_toml)
locate_values = RepeatsRemembered(_locate_values)


def value_at(data: object, key_path: tuple[str, ...]) -> object | None:
    """The value at ``key_path`` in parsed TOML (tables as dicts), or None where a part
    is missing or not a table: how readers look up a key the runtime would read."""
    node: object = data
    for part in key_path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def decode_error_line(message: str, text: str) -> int | None:
    """The line a ``tomllib.TOMLDecodeError`` message points at.

    ``tomllib`` says "... (at line 3, column 7)" or "... (at end of document)";
    the latter is the last line of ``text``. None when the message has neither.
    """
    match = _DECODE_ERROR_AT.search(message)
    if match:
        return int(match.group(1))
    if "(at end of document)" in message:
        return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    return None


# Limits no real runtime config comes near (the corpus's 43 TOML files reach 2 levels
# of `[`/`{` nesting and 7 parts in a dotted key), checked before parsing because the
# parser cannot be bounded: tomllib recurses once per nesting level (1,000 levels:
# RecursionError) and builds a prefix per dotted part (a 60 KB dotted key: gigabytes).
MAX_NESTING = 32
MAX_DOTTED_PARTS = 64

# The guard's tokens. Strings and comments are skipped whole, so a `[` or `.` inside
# them does not count. Every alternative, once its first character matches, matches
# at the point its greedy loop stops (a string runs to its closing quote, or to the
# end of its line or of the document when unterminated), so no match is ever retried
# from inside another and nothing backtracks: the scan is linear whatever the text.
_GUARD_TOKENS = LazyPattern(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:""""?"?|\\?\Z)'
    r"|'''(?:[^']|'(?!''))*(?:''''?'?|\Z)"
    r'|"(?:[^"\\\n]|\\[^\n])*(?:"|\\?(?=\n)|\\?\Z)'
    r"|'[^'\n]*(?:'|(?=\n)|\Z)"
    r"|#[^\n]*"
    r"|[A-Za-z0-9_-]+"
    r"|[ \t]+"
    r"|[.\[\]{}]"
    r"""|[^"'#A-Za-z0-9_\- \t.\[\]{}]+""",
    re.S,
)
# A key part: a bare key or a one-line string (a multi-line string is never a key).
_KEY_START = frozenset("\"'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class TomlLimit(NamedTuple):
    """Where a text goes past a limit, and which."""

    line: int
    message: str


def check_toml_limits(text: str) -> TomlLimit | None:
    """The first place ``text`` is nested or dotted beyond what a parser is trusted
    with, or None. One pass of _GUARD_TOKENS, so linear in the text; never raises.
    Both TOML readers call it before ``tomllib``, which cannot be bounded itself."""
    nesting = text.count("[") + text.count("{") > MAX_NESTING
    dotted = text.count(".") >= MAX_DOTTED_PARTS  # a key of MAX + 1 parts has MAX dots
    if not (nesting or dotted):
        return None
    depth = 0
    # The dotted key being read: where it starts, its parts so far, where its last part
    # ends, and whether a dot waits for the next part.
    key_start = -1
    parts = key_end = 0
    after_dot = False
    for token in _GUARD_TOKENS.finditer(text):
        start = token.start()
        char = text[start]
        if char in " \t":
            continue
        if char == "." and key_start >= 0 and not after_dot:
            after_dot = True
            continue
        if char in _KEY_START and not text.startswith(('"""', "'''"), start):
            if key_start >= 0 and after_dot:
                parts += 1
                key_end = token.end()
                after_dot = False
                continue
            if dotted and parts > MAX_DOTTED_PARTS:
                break
            key_start, parts, key_end = start, 1, token.end()
            continue
        if dotted and parts > MAX_DOTTED_PARTS:
            break
        key_start, parts, after_dot = -1, 0, False
        if nesting and char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return TomlLimit(_line_at(text, start), f"nested more than {MAX_NESTING} levels "
                                 "deep (`[`/`{`): refused before parsing")
        elif char in "]}":
            depth = max(0, depth - 1)
    if dotted and parts > MAX_DOTTED_PARTS:
        return TomlLimit(_line_at(text, key_start),
                         f"a dotted key of more than {MAX_DOTTED_PARTS} parts "
                         f"({key_end - key_start:,} characters): refused before parsing")
    return None


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


class _Scanner:
    """A cursor over the text; each method consumes one TOML construct."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 1 if text.startswith("\ufeff") else 0
        self.found: dict[TomlPath, tuple[int, int]] = {}
        self._line_starts = [self.pos]
        self._line_starts.extend(match.end() for match in _NEWLINE.finditer(text))
        # Current index of each array table, keyed by its resolved path.
        self._array_index: dict[TomlPath, int] = {}

    # -- low-level helpers -------------------------------------------------

    def _peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if 0 <= index < len(self.text) else ""

    def _startswith(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def _at_end(self) -> bool:
        return self.pos >= len(self.text)

    def _position(self, index: int) -> tuple[int, int]:
        line = max(0, bisect.bisect_right(self._line_starts, index) - 1)  # last start <= index
        return line + 1, index - self._line_starts[line] + 1

    def _skip_inline_ws(self) -> None:
        self.pos = _INLINE_WS_RUN.match(self.text, self.pos).end()

    def _skip_to_next_line(self) -> None:
        newline = self.text.find("\n", self.pos)
        self.pos = len(self.text) if newline < 0 else newline + 1

    def _skip_blank(self) -> None:
        """Skip whitespace, newlines and comments (between statements and array items)."""
        self.pos = _BLANK_RUN.match(self.text, self.pos).end()

    # -- document structure ------------------------------------------------

    def document(self) -> None:
        # The helpers (_peek, _skip_blank...) are inlined on the paths every line takes:
        # a method call per step was most of the scan (issue 16).
        text = self.text
        size = len(text)
        table: TomlPath = ()
        while True:
            self.pos = _BLANK_RUN.match(text, self.pos).end()
            if self.pos >= size:
                return
            start = self.pos
            if text[start] == "[":
                header = self._table_header()
                if header is not None:
                    table = header
            else:
                self._keyval(table)
            # Whatever follows on the line (a comment, or junk we cannot read) is skipped.
            self.pos = _INLINE_WS_RUN.match(text, self.pos).end()
            if self.pos < size and text[self.pos] not in "#\r\n":
                self._skip_to_next_line()
            if self.pos <= start:  # never loop without progress
                self._skip_to_next_line()

    def _table_header(self) -> TomlPath | None:
        is_array = self._startswith("[[")
        self.pos += 2 if is_array else 1
        self._skip_inline_ws()
        key = self._key()
        self._skip_inline_ws()
        closing = "]]" if is_array else "]"
        if key is None or not self._startswith(closing):
            self._skip_to_next_line()
            return None
        self.pos += len(closing)
        if not is_array:
            return self._resolve(key)
        parent = self._resolve(key[:-1])
        full = (*parent, key[-1])
        index = self._array_index.get(full, -1) + 1
        self._array_index[full] = index
        # A new element starts fresh nested array tables.
        stale = [p for p in self._array_index if len(p) > len(full) and p[: len(full)] == full]
        for nested in stale:
            del self._array_index[nested]
        return (*full, index)

    def _resolve(self, key: tuple[str, ...]) -> TomlPath:
        """Insert the current index after every part of ``key`` that names an array table."""
        resolved: TomlPath = ()
        for part in key:
            resolved = (*resolved, part)
            if resolved in self._array_index:
                resolved = (*resolved, self._array_index[resolved])
        return resolved

    def _keyval(self, prefix: TomlPath) -> None:
        key = self._key()  # the blanks after it skipped too
        text = self.text
        if key is None or self.pos >= len(text) or text[self.pos] != "=":
            self._skip_to_next_line()
            return
        self.pos = _INLINE_WS_RUN.match(text, self.pos + 1).end()
        self._value((*prefix, *key))

    def _key(self) -> tuple[str, ...] | None:
        """A dotted key's parts, the blanks around them skipped; None when there is none."""
        text = self.text
        size = len(text)
        parts: list[str] = []
        while True:
            self.pos = _INLINE_WS_RUN.match(text, self.pos).end()
            ch = text[self.pos] if self.pos < size else ""
            if ch == '"':
                part = self._basic_string_content()
            elif ch == "'":
                part = self._literal_string_content()
            else:
                start = self.pos
                self.pos = _BARE_KEY_RUN.match(text, start).end()
                part = text[start : self.pos] if self.pos > start else None
            if part is None:
                return None
            parts.append(part)
            self.pos = _INLINE_WS_RUN.match(text, self.pos).end()
            if self.pos >= size or text[self.pos] != ".":
                return tuple(parts)
            self.pos += 1

    # -- values ------------------------------------------------------------

    def _value(self, path: TomlPath) -> None:
        text, pos = self.text, self.pos
        if path and path not in self.found:
            self.found[path] = self._position(pos)
        ch = text[pos] if pos < len(text) else ""
        if ch == '"':
            if text.startswith('"""', pos):
                self._skip_multiline('"""', escapes=True)
            else:
                self._basic_string_content()
        elif ch == "'":
            if text.startswith("'''", pos):
                self._skip_multiline("'''", escapes=False)
            else:
                self._literal_string_content()
        elif ch == "[":
            self._array(path)
        elif ch == "{":
            self._inline_table(path)
        else:
            self.pos = _SCALAR_RUN.match(text, pos).end()

    def _skip_multiline(self, delimiter: str, *, escapes: bool) -> None:
        self.pos += 3
        while not self._at_end():
            if escapes and self._peek() == "\\":
                self.pos += 2
            elif self._startswith(delimiter):
                self.pos += 3
                # Up to two quotes right before the closing delimiter belong to the content.
                for _ in range(2):
                    if self._peek() == delimiter[0]:
                        self.pos += 1
                return
            else:
                self.pos += 1
        self.pos = min(self.pos, len(self.text))

    def _array(self, path: TomlPath) -> None:
        self.pos += 1
        index = 0
        while True:
            self._skip_blank()
            ch = self._peek()
            if ch == "" or ch == "]":
                self.pos += 1 if ch else 0
                return
            if ch == ",":
                self.pos += 1
                continue
            start = self.pos
            self._value((*path, index))
            index += 1
            if self.pos <= start:  # unreadable element: give up on this array
                self._skip_to_next_line()
                return

    def _inline_table(self, path: TomlPath) -> None:
        self.pos += 1
        while True:
            self._skip_blank()
            ch = self._peek()
            if ch == "" or ch == "}":
                self.pos += 1 if ch else 0
                return
            if ch == ",":
                self.pos += 1
                continue
            start = self.pos
            key = self._key()
            self._skip_inline_ws()
            if key is None or self._peek() != "=":
                self.pos = max(self.pos, start + 1)
                continue
            self.pos += 1
            self._skip_inline_ws()
            self._value((*path, *key))

    # -- strings (return their decoded content, for keys) -------------------

    def _basic_string_content(self) -> str | None:
        plain = _PLAIN_BASIC_STRING.match(self.text, self.pos)
        if plain is not None:  # no escape in it: the common case, in one step
            self.pos = plain.end()
            return plain.group(1)
        self.pos += 1
        out: list[str] = []
        while not self._at_end():
            ch = self._peek()
            if ch == '"':
                self.pos += 1
                return "".join(out)
            if ch == "\n":
                return None
            if ch == "\\":
                out.append(self._escape())
                continue
            out.append(ch)
            self.pos += 1
        return None

    def _escape(self) -> str:
        code = self._peek(1)
        if code in _SIMPLE_ESCAPES:
            self.pos += 2
            return _SIMPLE_ESCAPES[code]
        width = {"u": 4, "U": 8, "x": 2}.get(code)
        if width is not None:
            digits = self.text[self.pos + 2 : self.pos + 2 + width]
            self.pos += 2 + len(digits)
            try:
                return chr(int(digits, 16))
            except (ValueError, OverflowError):
                return ""
        self.pos += 2 if code else 1
        return code

    def _literal_string_content(self) -> str | None:
        self.pos += 1
        end = _LITERAL_CONTENT_RUN.match(self.text, self.pos).end()
        if end >= len(self.text) or self.text[end] != "'":
            self.pos = end
            return None
        content = self.text[self.pos : end]
        self.pos = end + 1
        return content
