from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pauselint.sources.toml_locator import (
    MAX_DOTTED_PARTS,
    TomlLimit,
    check_toml_limits,
    decode_error_line,
    locate_values,
)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CRI = "io.containerd.grpc.v1.cri"


@pytest.mark.parametrize(
    ("text", "path", "position"),
    [
        # plain key under a header with a quoted part
        (
            '[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "x"\n',
            ("plugins", CRI, "sandbox_image"),
            (2, 19),
        ),
        # literal-quoted header part, spaces around the dots
        (
            "[ plugins . 'io.containerd.grpc.v1.cri' ]\nsandbox_image='x'\n",
            ("plugins", CRI, "sandbox_image"),
            (2, 15),
        ),
        # quoted part containing dots in the middle of a header
        ('[a."b.c".d]\nk = 1\n', ("a", "b.c", "d", "k"), (2, 5)),
        # dotted key at top level
        (
            'plugins."io.containerd.grpc.v1.cri".sandbox_image = "x"\n',
            ("plugins", CRI, "sandbox_image"),
            (1, 53),
        ),
        # dotted key inside a table, with spaces around the dot
        ("[plugins]\ncri . sandbox_image = 'y'\n", ("plugins", "cri", "sandbox_image"), (2, 23)),
        # quoted keys, both styles
        ('"sandbox image" = "x"\n', ("sandbox image",), (1, 19)),
        ("'sandbox.image' = \"x\"\n", ("sandbox.image",), (1, 19)),
        # escape in a quoted key
        ('"a\\u0062c" = 1\n', ("abc",), (1, 14)),
        # inline table: the table and its nested key
        (
            "[p]\npinned_images = { sandbox = \"x\", other = 'y' }\n",
            ("p", "pinned_images", "sandbox"),
            (2, 29),
        ),
        (
            "[p]\npinned_images = { sandbox = \"x\", other = 'y' }\n",
            ("p", "pinned_images"),
            (2, 17),
        ),
        (
            "[p]\npinned_images = { sandbox = \"x\", other = 'y' }\n",
            ("p", "pinned_images", "other"),
            (2, 42),
        ),
        # tabs count as one column
        ("[t]\n\tkey\t=\t'v'\n", ("t", "key"), (2, 8)),
        # CRLF line endings
        ('version = 2\r\n[a]\r\n  b = "c"\r\n', ("a", "b"), (3, 7)),
        ('version = 2\r\n[a]\r\n  b = "c"\r\n', ("version",), (1, 11)),
        # a BOM is not a column
        ("\ufeffversion = 3\n", ("version",), (1, 11)),
        # comment after a value, and a '#' inside a string
        ('a = "x # not a comment" # comment\nb = 2\n', ("b",), (2, 5)),
        # arrays: the array and each element
        ('imports = ["/a/*.toml", "b.toml"]\n', ("imports",), (1, 11)),
        ('imports = ["/a/*.toml", "b.toml"]\n', ("imports", 1), (1, 25)),
        # array of tables: indexed
        ("[[x]]\nk = 1\n[[x]]\nk = 2\n", ("x", 1, "k"), (4, 5)),
        ("[[x]]\n[x.sub]\nk = 1\n[[x]]\n[x.sub]\nk = 2\n", ("x", 1, "sub", "k"), (6, 5)),
        ("[[a]]\n[[a.b]]\nk = 1\n[[a]]\n[[a.b]]\nk = 2\n", ("a", 1, "b", 0, "k"), (6, 5)),
        # values after a header declared after its sub-tables
        (
            '[p."c".containerd]\nx = 1\n[p."c"]\n  sandbox_image = "s"\n',
            ("p", "c", "sandbox_image"),
            (4, 19),
        ),
        # dates with a space are one scalar
        ("d = 1979-05-27 07:32:00Z\ne = 1\n", ("e",), (2, 5)),
    ],
)
def test_locates_value(text: str, path: tuple, position: tuple[int, int]) -> None:
    tomllib.loads(text.removeprefix("\ufeff"))  # every case is valid TOML
    assert locate_values(text)[path] == position


def test_multiline_strings_are_not_scanned_as_keys() -> None:
    text = (
        'a = """\n'
        'fake = "not a key"\n'
        "[not.a.table]\n"
        'ends with quotes""""\n'
        "b = '''\n"
        "fake2 = 1\n"
        "'''\n"
        'c = """one \\""" line"""\n'
        "d = 4\n"
    )
    assert tomllib.loads(text)["a"].endswith('quotes"')
    assert locate_values(text) == {
        ("a",): (1, 5),
        ("b",): (5, 5),
        ("c",): (8, 5),
        ("d",): (9, 5),
    }


def test_multiline_array_with_comments_is_not_scanned_as_keys() -> None:
    text = (
        "imports = [\n"
        '  "/etc/containerd/conf.d/*.toml", # drop-ins\n'
        "  # fake = 1\n"
        "  'rel.toml',\n"
        "]\n"
        "after = true\n"
    )
    assert locate_values(text) == {
        ("imports",): (1, 11),
        ("imports", 0): (2, 3),
        ("imports", 1): (4, 3),
        ("after",): (6, 9),
    }


def test_nested_inline_tables_and_arrays() -> None:
    text = 'x = { a = [1, { b = "c" }], d.e = 2 }\n'
    located = locate_values(text)
    assert located[("x", "a", 1, "b")] == (1, 21)
    assert located[("x", "d", "e")] == (1, 35)
    assert located[("x", "a", 0)] == (1, 12)


def test_empty_and_comment_only_documents() -> None:
    assert locate_values("") == {}
    assert locate_values("# only a comment\n\n") == {}
    assert locate_values("\ufeff") == {}


@pytest.mark.parametrize(
    "text",
    [
        "[",
        "[[",
        "[a",
        '"',
        "'",
        'a = "',
        "a = '''",
        'a = """x',
        "a = [",
        "a = {",
        "= 1",
        "a.",
        "a..b = 1",
        "[a.]",
        "{{ template }}",
        "a = [1, {b = }",
        "\\",
        '"\\u12',
        "x = ]",
        "[a]]\nb = 1",
        "a = { = }",
        "\r",
        "\ufeff[",
    ],
)
def test_never_raises_on_broken_text(text: str) -> None:
    assert isinstance(locate_values(text), dict)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab =.[]{}\"'#,\n\r\t\\u1", '"""', "'''"])).map("".join))
def test_never_raises_on_any_text(text: str) -> None:
    assert isinstance(locate_values(text), dict)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a = 1\nb = = 2\n", 2),
        ("a = 1\n[b\n", 2),
        ('a = "unterminated', 1),
    ],
)
def test_decode_error_line(text: str, line: int) -> None:
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(text)
    assert decode_error_line(str(caught.value), text) == line


def test_decode_error_line_end_of_document_and_unknown() -> None:
    assert decode_error_line("Expected ']' (at end of document)", "a = 1\n[b") == 2
    assert decode_error_line("Expected ']' (at end of document)", "a = 1\n[b\n") == 2
    assert decode_error_line("no position here", "x") is None


# -- the guard before tomllib ---------------------------------------------------------

_DOTS = "a" + ".a" * MAX_DOTTED_PARTS  # one part too many


def _dotted(line: int, key: str) -> TomlLimit:
    return TomlLimit(line, f"a dotted key of more than {MAX_DOTTED_PARTS} parts "
                           f"({len(key):,} characters): refused before parsing")


@pytest.mark.parametrize(("text", "limit"), [
    (f"{_DOTS} = 1\n", _dotted(1, _DOTS)),
    ("x = 1\n[" + _DOTS.replace(".", " . ") + "]\n", _dotted(2, _DOTS.replace(".", " . "))),
    ('"q"' + '.\'p\'' * MAX_DOTTED_PARTS + " = 1\n", _dotted(1, '"q"' + ".'p'" * MAX_DOTTED_PARTS)),
    ("a" + ".a" * (MAX_DOTTED_PARTS - 1) + " = 1\n", None),  # exactly the limit
    # Dots in comments, strings and values are no key's.
    (f"# {_DOTS}\nx = 1\n", None),
    (f'x = "{_DOTS}"\ny = \'{_DOTS}\'\n', None),
    (f'x = """\n{_DOTS}\n"""\ny = \'\'\'{_DOTS}\'\'\'\n', None),
    ("x = [" + ", ".join(["1.5"] * 70) + "]\n", None),
    ("a..b = 1\n" * 70, None),
    # An unterminated string ends at its line end; what follows is read again.
    (f'x = "open\n{_DOTS} = 1\n', _dotted(2, _DOTS)),
    ('x = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\n', None),
    ("x = " + "[" * 33 + "\n", TomlLimit(1, "nested more than 32 levels deep (`[`/`{`): "
                                            "refused before parsing")),
])
def test_the_guard_counts_keys_and_nesting_outside_strings(text: str,
                                                            limit: TomlLimit | None) -> None:
    assert check_toml_limits(text) == limit


_HOSTILE = {  # 1 MB each, all with more than 64 dots and 32 brackets to look at
    "one long word": "." * 65 + "[" * 20 + "a" * 1_000_000,
    "escaped quotes": "." * 65 + "[" * 20 + '\\"' * 500_000,
    "escaped triple quotes": "." * 65 + '"""\\"""\\"' * 100_000,
    "unclosed quotes": "." * 65 + '"' + "a " * 500_000,
    "quotes": "." * 65 + '"' * 1_000_000 + "'" * 1_000_000,
    "words": "." * 65 + "a " * 500_000,
    "dots": "a." * 500_000,
    "brackets": "[]" * 500_000,
}


def test_the_guard_is_linear_on_hostile_text() -> None:
    probe = (
        "import sys, time\n"
        "from pauselint.sources.toml_locator import check_toml_limits\n"
        "from tests.sources.test_toml_locator import _HOSTILE\n"
        "for name, text in _HOSTILE.items():\n"
        "    started = time.monotonic()\n"
        "    check_toml_limits(text)\n"
        "    print(name, time.monotonic() - started)\n"
    )
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True, cwd=Path(__file__).parents[2])
    assert time.monotonic() - started < 10, proc.stdout
    assert len(proc.stdout.splitlines()) == len(_HOSTILE)
