"""How a user's value is quoted in a message: once, and cut when it is long.

A config value can be anything a user (or a broken generator) wrote, megabytes
included. Quoting it whole makes one error line unreadable, and quoting it again in
every layer that wraps the message multiplies it. Every message that quotes a value
goes through :func:`shown`, so a long value appears as its start and its length.
"""

from __future__ import annotations

# Long enough for any real image reference (a 255-character name, a 128-character
# tag and a sha512 digest fit), short enough to keep an error on a screen.
LIMIT = 200


def shown(value: str, limit: int = LIMIT) -> str:
    """``value`` quoted as Python's ``repr`` does, cut after ``limit`` characters.

    ``shown("pause:3.9")`` -> ``'pause:3.9'``; a 4 MB value -> ``'AAAA…' (4194304
    characters)``. ``repr`` keeps control characters visible as escapes.
    """
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit] + '…'!r} ({len(value)} characters)"


def cut(value: str, limit: int = LIMIT) -> str:
    """``value`` as written (for messages that show it unquoted, e.g. ``flag=value``),
    cut after ``limit`` characters: ``AAAA… (4194304 characters)``."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value)} characters)"
