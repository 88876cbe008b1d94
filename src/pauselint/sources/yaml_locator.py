"""YAML parsed into nodes that remember where they came from.

The kubeadm and k3s readers need every value's line and column, which
``yaml.safe_load`` throws away. Composing (parsing without constructing Python
objects) keeps a ``start_mark`` on every node, so this module composes and offers
the few lookups the readers need on the node tree. Nothing here knows kubeadm or
k3s, and nothing here raises on bad input: a parse failure comes back as a
:class:`YamlProblem`.

Positions are 1-based and count characters; lines break at LF, CR and CRLF (one
break), as editors count them, not also at U+0085/U+2028/U+2029 as YAML does; a
leading byte-order mark is not counted. A YAML document embedded in a string (the
``kubeadm-config`` ConfigMap) is composed on its own and mapped back into the outer
file through an :class:`Origin`.
"""


import bisect
import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pauselint.records import NamedTuple
from pauselint.sources.source_text import RepeatsRemembered

# libyaml is ~10x faster; the pure-Python loader gives the same marks.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULL_TAG = "tag:yaml.org,2002:null"
_BLOCK_HEADER = re.compile(r"[|>]([+-]?)([1-9]?)([+-]?)")
# YAML breaks that editors, the TOML and env readers and suppressions do not count.
_YAML_ONLY_BREAK = re.compile("[\x85\u2028\u2029]")
_EDITOR_BREAK = re.compile("\r\n|\r|\n")


class YamlProblem(NamedTuple):
    """Why a text is not YAML, and the 1-based line where the parser gave up."""

    line: int | None
    message: str


class Origin(NamedTuple):
    """Maps a node's mark to a 1-based (line, column) in the file the user gave.

    For the outer file both offsets are 0. For a document embedded in a literal
    block scalar, the embedded line N sits ``line_offset`` lines further down and
    ``column_offset`` columns further right. When no such mapping exists (a quoted
    or folded string), ``fixed`` is the position of the string itself and every
    embedded node is reported there.
    """

    line_offset: int = 0
    column_offset: int = 0
    fixed: tuple[int, int] | None = None

    def position(self, node: Node) -> tuple[int, int]:
        if self.fixed is not None:
            return self.fixed
        mark = node.start_mark
        return mark.line + self.line_offset + 1, mark.column + self.column_offset + 1


OUTER = Origin()


def compose_documents(text: str) -> tuple[list[Node], YamlProblem | None]:
    """Every document of ``text`` as a node tree (empty documents left out).

    On a parse error the documents are discarded, because the programs that read
    these files (kubeadm, k3s) refuse the whole file too.

    Remembered for a text that repeats, as TOML is (``source_text.RepeatsRemembered``):
    a fleet's kubeadm config is one text for many nodes. The trees are shared, only
    to be read; the list is the caller's own.
    """
    documents, problem = _composed(text)
    return list(documents), problem


def _compose(text: str) -> tuple[tuple[Node, ...], YamlProblem | None]:
    text = text.removeprefix("\ufeff")
    try:
        nodes = [
            node
            for node in yaml.compose_all(text, Loader=_Loader)
            if node is not None and kind_name(node) != "empty"
        ]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = _mark_position(text, mark) if mark is not None else None
        line = position[0] if position is not None else None
        return (), YamlProblem(line, _one_line(exc, position))
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        return (), YamlProblem(None, _one_line(exc))
    except RecursionError:  # the pure-Python composer recurses once per nested node
        return (), YamlProblem(None, "too deeply nested to read")
    if _YAML_ONLY_BREAK.search(text) or "&" in text or "!" in text:
        _recount_marks(nodes, text)
    return tuple(nodes), None


_composed = RepeatsRemembered(_compose)


class _EditorLines:
    """Character index -> 0-based (line, column), lines counted as editors count them."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in _EDITOR_BREAK.finditer(text))]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index) - 1
        return line, index - self.starts[line]


# A node's anchor and tag (`&name`, `!!str`), and the space after them.
# Anchor names are letters, digits, '-' and '_' (libyaml's rule); a tag runs to a space.
_PROPERTIES = re.compile(r"(?:&[0-9A-Za-z_-]+[ \t\r\n]*|![^ \t\r\n]*[ \t\r\n]+)+")


def _recount_marks(nodes: list[Node], text: str) -> None:
    """Give every node marks whose lines break only at CR/LF, scalars at their value.

    YAML also breaks lines at U+0085, U+2028 and U+2029, so the parser's marks put a
    value one line lower per such character above it than an editor, ``grep -n`` and
    the inline suppressions do. And a scalar's mark is where its anchor or tag starts
    (``&pause registry.k8s.io/pause:3.9``): findings point at the value itself.
    Parsing stays YAML's; only positions are recounted.
    """
    lines = _EditorLines(text)
    seen: set[int] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias shares its anchor's node
            continue
        seen.add(id(node))
        for attribute in ("start_mark", "end_mark"):
            mark = getattr(node, attribute)
            index = mark.index
            if attribute == "start_mark" and isinstance(node, ScalarNode):
                properties = _PROPERTIES.match(text, index)
                if properties and not text.startswith("#", properties.end()):
                    index = properties.end()
            line, column = lines.position(index)
            setattr(node, attribute, yaml.Mark(mark.name, index, line, column, None, None))
        if isinstance(node, MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def get(node: Node | None, key: str) -> Node | None:
    """The value node of ``key`` in a mapping node; None if absent or not a mapping.

    A repeated key gives its last value, as Go's YAML-to-JSON decoding does.
    """
    if not isinstance(node, MappingNode):
        return None
    found = None
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            found = value_node
    return found


def get_path(node: Node | None, *keys: str) -> Node | None:
    """Follow ``keys`` down nested mappings."""
    for key in keys:
        node = get(node, key)
    return node


def items(node: Node | None) -> list[tuple[Node, Node]]:
    """The (key, value) node pairs of a mapping node; empty for anything else."""
    return list(node.value) if isinstance(node, MappingNode) else []


def elements(node: Node | None) -> list[Node]:
    """The element nodes of a sequence node; empty for anything else."""
    return list(node.value) if isinstance(node, SequenceNode) else []


def scalar(node: Node | None) -> str | None:
    """A scalar's text as written (``1.30`` stays ``"1.30"``); None for null or non-scalars."""
    if not isinstance(node, ScalarNode) or node.tag == _NULL_TAG:
        return None
    return str(node.value)


def kind_name(node: Node | None) -> str:
    """What a node is, in words, for error messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node is None or node.tag == _NULL_TAG:
        return "empty"
    return "a scalar"


def embedded_origin(text: str, node: ScalarNode, outer: Origin) -> Origin:
    """Where a document held in the string ``node`` sits in the outer ``text``.

    Only a literal block scalar (``|``, as ``kubectl get -o yaml`` writes
    multi-line strings) keeps the embedded lines verbatim, each indented by the
    block's indentation; its content starts on the line after the ``|`` header.
    Anything else (quoted, folded, plain) is reported at the string's own start.
    """
    start = outer.position(node)
    if node.style != "|" or outer.fixed is not None:
        return Origin(fixed=start)
    lines = _EDITOR_BREAK.split(text.removeprefix("\ufeff"))
    header_line = node.start_mark.line
    header = _BLOCK_HEADER.match(lines[header_line], node.start_mark.column)
    explicit = int(header.group(2)) if header and header.group(2) else None
    if explicit is not None:
        # The indentation indicator counts from the parent node's indentation,
        # which for `key: |2` is the key's column.
        parent_indent = len(lines[header_line]) - len(lines[header_line].lstrip(" "))
        indent = parent_indent + explicit
    else:
        content = [ln for ln in lines[header_line + 1 :] if ln.strip()]
        indent = len(content[0]) - len(content[0].lstrip(" ")) if content else 0
    return Origin(
        line_offset=header_line + 1 + outer.line_offset,
        column_offset=indent + outer.column_offset,
    )


def _mark_position(text: str, mark: yaml.Mark) -> tuple[int, int]:
    """A parser mark as a 1-based (line, column) inside ``text``.

    At the end of a text without a final line break, libyaml puts its mark on a line
    after the last one; the end of the text is where the user must look.
    """
    line, column = _EditorLines(text).position(min(mark.index, len(text)))
    return line + 1, column + 1


def _one_line(exc: Exception, position: tuple[int, int] | None = None) -> str:
    """A parser message on one line: PyYAML's span several, with a source excerpt."""
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [exc.context, exc.problem]
        text = "; ".join(p for p in parts if p)
        if position is not None:
            text += f" (line {position[0]}, column {position[1]})"
        return text
    return " ".join(str(exc).split())
