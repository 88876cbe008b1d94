"""Registry challenges and the answers runtimes give them.

A registry that wants a client to prove something answers 401 with
``WWW-Authenticate``. containerd, CRI-O and the Docker client then do one of two
things, and so does pauselint:

* ``Bearer realm="...",service="...",scope="..."`` -- the token flow of the
  distribution spec: GET the realm with ``service`` and ``scope`` (anonymously, or
  with the host's credentials as HTTP Basic), take ``token`` (or ``access_token``)
  from the JSON answer, and ask again with ``Authorization: Bearer <token>``.
* ``Basic realm="..."`` -- ask again with the host's credentials, if it has any.

Tokens live only in the client's per-run cache, never in a result or a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PARAM = re.compile(r'\s*([A-Za-z][\w-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')
_SCHEME = re.compile(r"\s*([A-Za-z][\w-]*)(?:\s+|$)")


@dataclass(frozen=True, slots=True)
class Challenge:
    """One ``WWW-Authenticate`` challenge: its scheme (lower case) and parameters."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def realm(self) -> str | None:
        return self.params.get("realm")


def parse_challenges(values: list[str]) -> list[Challenge]:
    """Every challenge in the ``WWW-Authenticate`` values of one answer, in order.

    Registries send one challenge per header; a value holding two (``Basic
    realm="a", Bearer realm="b"``) is split where a new scheme starts.
    """
    found: list[Challenge] = []
    for value in values:
        text = value.strip()
        while text:
            scheme = _SCHEME.match(text)
            if scheme is None:
                break
            text = text[scheme.end():]
            params: dict[str, str] = {}
            while True:
                param = _PARAM.match(text)
                if param is None:
                    break
                raw = param.group(2)
                if raw.startswith('"'):
                    raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
                params[param.group(1).lower()] = raw
                text = text[param.end():]
            found.append(Challenge(scheme.group(1).lower(), params))
            text = text.lstrip(", ")
    return found


def pick(challenges: list[Challenge]) -> Challenge | None:
    """The challenge a runtime answers: Bearer before Basic; None if neither is there."""
    for scheme in ("bearer", "basic"):
        for challenge in challenges:
            if challenge.scheme == scheme:
                return challenge
    return None


def pull_scope(name: str) -> str:
    """The token scope for reading repository ``name``."""
    return f"repository:{name}:pull"
