"""The one function that sends a request to a registry: :func:`send`.

Read-only by construction: :func:`send` refuses any method but GET and HEAD, and
nothing else in pauselint opens a connection to a registry. Every blocking step
(connect, TLS handshake, sending, each read of the answer) is given what is left of
``min(timeout, deadline)``, so one request never outlives either. Network and TLS
errors come back as :class:`~pauselint.online.results.Failure` values naming the host.
"""

from __future__ import annotations

import errno
import http.client
import os
import socket
import ssl
import stat
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pauselint.online.deadline import Deadline
from pauselint.online.results import Failure, FailureKind

METHODS = frozenset({"GET", "HEAD"})
# Far above any manifest, index, config blob or tags page (distribution itself caps
# manifests at 4 MiB): a bigger answer is not one of those.
MAX_BODY = 4 * 1024 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class TLSOptions:
    """Verification on (system roots, plus ``ca_file``), or off for ``skip_verify``."""

    ca_file: Path | None = None
    skip_verify: bool = False


@dataclass(frozen=True, slots=True)
class Response:
    """A complete answer: status, headers (names lower-cased, repeats kept), body."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    def header_all(self, name: str) -> list[str]:
        """Every value of header ``name``, in order."""
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]


_contexts: dict[TLSOptions, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def _context(options: TLSOptions) -> ssl.SSLContext:
    """One SSL context per distinct option set (loading roots is not free)."""
    with _contexts_lock:
        context = _contexts.get(options)
        if context is None:
            context = ssl.create_default_context()
            if options.skip_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif options.ca_file is not None:
                context.load_verify_locations(cadata=_ca_text(options.ca_file))
            _contexts[options] = context
        return context


# A CA bundle is kilobytes; a file far larger, or one that is not a regular file (a
# FIFO, a device), is no CA and must not stall or flood the run.
MAX_CA_BYTES = 4 * 1024 * 1024


def _ca_text(path: Path) -> str:
    """The text of a CA file, read only if it is a regular file of sane size."""
    with open(path, "rb", buffering=0, opener=_nonblocking) as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        data = handle.read(MAX_CA_BYTES + 1)
    if len(data) > MAX_CA_BYTES:
        raise OSError(errno.EFBIG, f"larger than {MAX_CA_BYTES // (1024 * 1024)} MiB",
                      str(path))
    return data.decode("utf-8", errors="replace")


def _nonblocking(path: str, flags: int) -> int:
    """Open without blocking on a FIFO that has no writer (its open would never end)."""
    return os.open(path, flags | os.O_NONBLOCK)


def send(method: str, url: str, headers: Mapping[str, str], *, tls: TLSOptions,
         timeout: float, deadline: Deadline) -> Response | Failure:
    """``method`` (GET or HEAD) of ``url``; the answer, whatever its status, or a Failure.

    Raises ValueError for any other method: that is a fault in pauselint, not in the
    registry, and must never reach the network.
    """
    if method not in METHODS:
        raise ValueError(f"pauselint sends only GET and HEAD to registries, not {method!r}")
    parts = urlsplit(url)
    host = parts.netloc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Failure(FailureKind.PROTOCOL, host or url, f"{url!r} is not an http(s) URL")
    budget = min(timeout, deadline.remaining())
    if budget <= 0:
        return Failure(FailureKind.TIMEOUT, host,
                       f"{host}: not asked, the online deadline of {deadline.seconds:g} s "
                       "has passed")
    ends = time.monotonic() + budget
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # a port that is not a number
        return Failure(FailureKind.PROTOCOL, host, f"{host}: {exc}")
    context = None
    if parts.scheme == "https":
        try:
            context = _context(tls)
        except OSError as exc:
            return Failure(FailureKind.TLS, host,
                           f"{host}: cannot read the CA file {tls.ca_file}: "
                           f"{exc.strerror or exc}")
    connection = (http.client.HTTPSConnection(parts.hostname, port, timeout=budget,
                                              context=context)
                  if context else http.client.HTTPConnection(parts.hostname, port,
                                                             timeout=budget))
    try:
        try:
            connection.sock = _connect(parts.hostname, port, ends, context)
        except _Unresolved:
            return Failure(FailureKind.DNS, host,
                           f"{host}: the name did not resolve within {budget:.3g} s "
                           "(the resolver did not answer)")
        _bound(connection, ends)
        connection.request(method, target, headers=dict(headers))
        _bound(connection, ends)
        answer = connection.getresponse()
        body = b""
        if method == "GET":
            chunks: list[bytes] = []
            size = 0
            while True:
                _bound(connection, ends)
                chunk = answer.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY:
                    return Failure(FailureKind.PROTOCOL, host,
                                   f"{host}: answer to {method} {parts.path} is over "
                                   f"{MAX_BODY // (1024 * 1024)} MiB")
                chunks.append(chunk)
            body = b"".join(chunks)
        pairs = tuple((key.lower(), value) for key, value in answer.getheaders())
        return Response(url, answer.status, pairs, body)
    except ssl.SSLCertVerificationError as exc:
        return Failure(FailureKind.TLS, host, f"{host}: TLS certificate not trusted: "
                       f"{exc.verify_message or exc.reason}")
    except TimeoutError:
        return Failure(FailureKind.TIMEOUT, host, f"{host}: no answer within {budget:.3g} s")
    except ssl.SSLError as exc:
        return Failure(FailureKind.TLS, host, f"{host}: TLS failed: {exc.reason or exc}")
    except socket.gaierror as exc:
        return Failure(FailureKind.DNS, host,
                       f"{host}: the name does not resolve ({exc.strerror or exc})")
    except ConnectionRefusedError:
        return Failure(FailureKind.REFUSED, host, f"{host}: connection refused")
    except http.client.RemoteDisconnected:
        return Failure(FailureKind.CONNECTION, host,
                       f"{host}: closed the connection without answering")
    except (OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return Failure(FailureKind.CONNECTION, host, f"{host}: connection failed ({reason})")
    finally:
        connection.close()


class _Unresolved(Exception):
    """The resolver gave no answer in the time left."""


def _resolve(hostname: str, port: int, ends: float) -> list[tuple[object, ...]]:
    """getaddrinfo bounded by ``ends``: the C resolver has no timeout of pauselint's, so
    it runs on a daemon thread that a hung resolver may keep (it ends with the process)."""
    found: list[object] = []
    done = threading.Event()
    lookup = socket.getaddrinfo

    def run() -> None:
        try:
            found.append(lookup(hostname, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            found.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name=f"resolve {hostname}", daemon=True).start()
    if not done.wait(max(0.0, ends - time.monotonic())):
        raise _Unresolved
    if isinstance(found[0], OSError):
        raise found[0]
    return found[0]  # type: ignore[return-value]


def _connect(hostname: str, port: int, ends: float,
             context: ssl.SSLContext | None) -> socket.socket:
    """A connected socket (TLS-wrapped with ``context``), each address tried in turn as
    socket.create_connection does, within what is left of the request's time."""
    failed: OSError | None = None
    for family, kind, proto, _, address in _resolve(hostname, port, ends):
        left = ends - time.monotonic()
        if left <= 0:
            raise TimeoutError
        raw = socket.socket(family, kind, proto)  # type: ignore[arg-type]
        try:
            raw.settimeout(left)
            raw.connect(address)
        except OSError as exc:
            raw.close()
            failed = exc
            continue
        if context is None:
            return raw
        try:
            raw.settimeout(max(ends - time.monotonic(), 0.001))
            return context.wrap_socket(raw, server_hostname=hostname)
        except BaseException:
            raw.close()
            raise
    raise failed or OSError(f"no address for {hostname}")


def _bound(connection: http.client.HTTPConnection, ends: float) -> None:
    """Give the socket's next blocking step what is left of the request's time."""
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    if connection.sock is not None:
        connection.sock.settimeout(left)
