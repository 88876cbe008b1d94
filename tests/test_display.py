"""display: a user's value shown in a message, once and cut (issue 8 item 13)."""

from __future__ import annotations

from pauselint.display import LIMIT, cut, shown


def test_short_values_are_shown_whole() -> None:
    assert shown("registry.k8s.io/pause:3.10") == "'registry.k8s.io/pause:3.10'"
    assert cut("registry.k8s.io/pause:3.10") == "registry.k8s.io/pause:3.10"
    assert shown("x" * LIMIT) == repr("x" * LIMIT)


def test_long_values_are_cut_with_their_length() -> None:
    value = "A" * 4_194_304
    assert shown(value) == f"'{'A' * 200}…' (4194304 characters)"
    assert cut(value) == f"{'A' * 200}… (4194304 characters)"


def test_control_characters_stay_visible_as_escapes() -> None:
    assert shown("pause\x1b[2J:3.9") == "'pause\\x1b[2J:3.9'"
