"""The hosts.toml header scanner finds where each part of a header's key starts.

``_part_starts`` matches its runs with regular expressions; the character loop it
replaced is kept here as the reference, and the two must agree on any text, not only
on headers tomllib accepts (a host's header location is what findings point at).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pauselint.sources.containerd_hosts import _part_starts, scan


def _reference_part_starts(text: str, index: int, count: int) -> list[int]:
    """The character-at-a-time loop, as it read headers before the regexes."""
    starts: list[int] = []
    while len(starts) < count:
        while index < len(text) and text[index] in " \t":
            index += 1
        if index >= len(text):
            break
        starts.append(index)
        quote = text[index]
        if quote in "\"'":
            index += 1
            while index < len(text) and text[index] != quote and text[index] != "\n":
                index += 2 if quote == '"' and text[index] == "\\" else 1
            index += 1
        else:
            while index < len(text) and (text[index].isalnum() or text[index] in "_-"):
                index += 1
        while index < len(text) and text[index] in " \t":
            index += 1
        if index >= len(text) or text[index] != ".":
            break
        index += 1
    return starts or [index]


_HEADER_ALPHABET = st.sampled_from([*"ab1_-é٣. \t\"'\\\n]=[x:/", '\\"', "\\\\"])


@settings(max_examples=3000, deadline=None)
@given(pieces=st.lists(_HEADER_ALPHABET, max_size=30), index=st.integers(0, 12),
       count=st.integers(1, 3))
def test_part_starts_agrees_with_the_character_loop(pieces: list[str], index: int,
                                                     count: int) -> None:
    text = "".join(pieces)
    assert _part_starts(text, index, count) == _reference_part_starts(text, index, count)


def test_a_hosts_header_points_at_the_host_part() -> None:
    text = ('server = "https://docker.io"\n\n'
            '[ host . "https://m.example/v2/a\\"b" . x ]\n  k = 1\n'
            "[host.'https://lit.example']\n"
            '[host."https://plain.example"]\n')
    _, headers = scan(text)
    assert [(h.path[:2], h.line, h.column) for h in headers] == [
        (("host", 'https://m.example/v2/a"b'), 3, 10),
        (("host", "https://lit.example"), 5, 7),
        (("host", "https://plain.example"), 6, 7),
    ]
