"""What the caller knows about each registry host: how to reach it and who to be.

The caller reads these from the node's files (containerd ``hosts.toml`` gives
``server = "http://..."``, ``ca`` and ``skip_verify``; ``~/.docker/config.json`` or
``$REGISTRY_AUTH_FILE`` give credentials) and hands them in; this package reads no
file of its own accord.

Secrets stay out of every text a user can see: :class:`Credentials` and
:class:`HostSettings` redact the password in ``repr`` and ``str``, and no failure
message is built from them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REDACTED = "<redacted>"
# Docker Hub's names: what an image reference says, what an auth file keys it by, and
# where its API answers (as containerd and the Docker client map them).
DOCKER_HUB = "docker.io"
DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
DOCKER_HUB_API = "registry-1.docker.io"


@dataclass(frozen=True, slots=True)
class Credentials:
    """A user name and password (or token) for one host; the password is never shown."""

    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password={REDACTED})"

    __str__ = __repr__

    def basic_header(self) -> str:
        """The ``Authorization`` value for HTTP Basic (RFC 7617)."""
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True, slots=True)
class HostSettings:
    """How to talk to one host: TLS verification is on unless ``skip_verify`` says not.

    ``plain_http`` only where the caller's configuration names the host ``http://``
    (hosts.toml ``server = "http://..."``); ``ca_file`` is trusted in addition to the
    system's roots, as containerd adds a ``ca`` to its pool. A challenge's answer
    (token, Basic) replaces an ``Authorization`` given in ``headers``.
    """

    plain_http: bool = False
    ca_file: Path | None = None
    skip_verify: bool = False
    credentials: Credentials | None = None
    # hosts.toml ``[host."...".header]``: sent with every request to the host. Values
    # may be secrets (an ``Authorization`` set there), so only names are ever shown.
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # Where the API lives on the host: ``/v2``, or the path a hosts.toml
    # ``override_path = true`` server names (a proxy cache under ``/v2/proxy``).
    api_root: str = "/v2"
    # The registry an image names, sent to a mirror as ``?ns=`` (containerd does).
    namespace: str | None = None

    def __repr__(self) -> str:
        names = [name for name, _ in self.headers]
        return (f"HostSettings(plain_http={self.plain_http}, ca_file={self.ca_file!r}, "
                f"skip_verify={self.skip_verify}, credentials={self.credentials!r}, "
                f"headers={names!r})")

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class AuthEntries:
    """The credentials an auth file gives per host, and what in it could not be read
    (each problem names the host key, never the value)."""

    credentials: Mapping[str, Credentials]
    problems: tuple[str, ...] = ()


def normalize_host(key: str) -> str:
    """An auth file key or reference host as one form: ``https://index.docker.io/v1/``
    and ``registry-1.docker.io`` are ``docker.io``; scheme and path dropped."""
    text = key.strip()
    netloc = urlsplit(text).netloc if "://" in text else text.split("/", 1)[0]
    netloc = netloc.lower()
    return DOCKER_HUB if netloc in DOCKER_HUB_ALIASES else netloc


def api_host(host: str) -> str:
    """Where a reference's registry answers the distribution API (``docker.io`` is
    served by ``registry-1.docker.io``)."""
    return DOCKER_HUB_API if normalize_host(host) == DOCKER_HUB else host


def credentials_from_auth_file(document: Mapping[str, object]) -> AuthEntries:
    """``auths.<host>.auth`` (base64 ``user:password``) of a parsed Docker
    ``config.json`` or containers ``auth.json``, keyed by :func:`normalize_host`.

    Entries without ``auth`` (a credential helper's) are not credentials here and are
    passed over silently; an ``auth`` that is not base64 ``user:password`` is a problem.
    """
    found: dict[str, Credentials] = {}
    problems: list[str] = []
    auths = document.get("auths")
    if auths is None:
        return AuthEntries({})
    if not isinstance(auths, Mapping):
        return AuthEntries({}, ("'auths' is not a mapping",))
    for key, entry in auths.items():
        if not isinstance(entry, Mapping) or "auth" not in entry:
            continue
        encoded = entry["auth"]
        try:
            if not isinstance(encoded, str):
                raise ValueError
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            problems.append(f"auths.{key}.auth is not base64 of user:password")
            continue
        username, colon, password = decoded.partition(":")
        if not colon or not username:
            problems.append(f"auths.{key}.auth is not base64 of user:password")
            continue
        found[normalize_host(str(key))] = Credentials(username, password)
    return AuthEntries(found, tuple(problems))
