"""What a registry answered, as values: the caller never has to catch anything.

A :class:`Failure` carries a :class:`FailureKind` and one line naming the host; the
line never holds a credential or a token (they are not in scope where it is made)
and never a traceback.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class FailureKind(enum.Enum):
    """Why a question got no usable answer; ``NOT_FOUND`` is an answer (PL112)."""

    NOT_FOUND = "not-found"        # 404: the tag, digest or repository is not there
    UNAUTHORIZED = "unauthorized"  # 401/403, including a token server's refusal
    TLS = "tls"                    # certificate or handshake failure
    DNS = "dns"                    # the host name does not resolve
    REFUSED = "connection-refused"  # nothing listens on the port
    CONNECTION = "connection"      # reset, unreachable, closed without an answer
    TIMEOUT = "timeout"            # no answer within the request timeout or the deadline
    STATUS = "unexpected-status"   # any other HTTP status
    PROTOCOL = "protocol"          # an answer that is not what the API promises


@dataclass(frozen=True, slots=True)
class Failure:
    """No answer to the question, or a 404: ``reason`` is one line naming ``host``."""

    kind: FailureKind
    host: str
    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True, slots=True)
class RemotePlatform:
    """One platform as an index lists it, or as an image's config blob states it."""

    os: str
    architecture: str
    variant: str | None = None
    os_version: str | None = None

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        if self.variant:
            text += f"/{self.variant}"
        return f"{text}:{self.os_version}" if self.os_version else text


@dataclass(frozen=True, slots=True)
class Manifest:
    """A tag or digest that exists: what it is, its digest and the platforms it serves.

    ``platforms`` comes from the index (or manifest list) entries, or for a
    single-platform manifest from its config blob; it is empty for an artifact whose
    manifest names no platform.
    """

    host: str
    name: str
    ref: str
    media_type: str
    digest: str
    platforms: tuple[RemotePlatform, ...]
    is_index: bool


@dataclass(frozen=True, slots=True)
class Tags:
    """Every tag of a repository, in the order the registry listed them (all pages)."""

    host: str
    name: str
    tags: tuple[str, ...]
    pages: int


ManifestResult = Manifest | Failure
TagsResult = Tags | Failure
