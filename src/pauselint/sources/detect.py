"""Tell what kind of node config a file is, so the CLI can pick a reader.

Names come first because they are what users and tools agree on
(``/etc/crio/crio.conf``, ``/etc/containerd/config.toml``), but names lie: a
``config.toml`` can be CRI-O's, a ``.conf`` can be a systemd drop-in. So a few
unmistakable lines of content override the name, and the name only decides when
the content says nothing. Only the head of the file is looked at, with regular
expressions, so detection stays cheap on big files and cannot raise. Documentation
(``.md``, ``.rst``, ``.adoc``) is never a config, whatever snippet it quotes.

The rules themselves are the formats' own, listed in ``sources/registry.py``.
"""

from __future__ import annotations

from pauselint.sources import registry
from pauselint.sources.kinds import InputType

__all__ = ["InputType", "detect_type"]


def detect_type(path: str, text: str) -> InputType | None:
    """Guess the input type of ``path`` from its content, then its name; None when unsure.

    None is an answer, not a failure: the CLI then asks for ``--type`` rather
    than run the wrong reader and report nonsense.
    """
    found = registry.detect(path, text)
    return found.kind if found is not None else None
