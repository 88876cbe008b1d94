"""One bounded GET to a Kubernetes API server: time, size and redirects all capped.

The client's own ``call_api`` cannot promise a bound: urllib3's timeouts are per
socket wait, so a body dripped one byte a second never times out, a 50 MB page is
read whole into memory, and a redirect is followed (or turned into an opaque
``MaxRetryError``). So the request is built by the client (its auth: tokens, exec
and OIDC plugins, client certificates) and sent on the client's own pool manager
(its TLS settings), but the answer is read here:

* every socket wait is at most ``min(request timeout, time left)``, and a watchdog
  shuts the client's connections down at the request's deadline, so the status
  line, the headers and the body, however slowly they arrive, end by then. A TLS
  handshake is the exception: the watchdog only sees a connection once the client
  has it, so a handshake dripped byte by byte is bounded per socket wait, not in
  total, and such a request can outlast its deadline (through a dripping relay,
  ``--request-timeout 2 --context-timeout 3`` ended after 3.5 s): the context's
  deadline still ends the context at its next request;
* the body is read in chunks and refused past ``max_bytes`` (``Content-Length`` is
  checked first, so an announced 50 MB page is never read at all);
* a redirect is never followed: it is reported with the location's
  scheme://host/path only, never its query string (which could carry a token).

This module imports ``kubernetes``/``urllib3`` only inside functions, so
``pauselint check`` never pays for them.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 1 << 16
# How long a pool's watcher thread waits for another request before it ends (the
# next request then starts one): a context's requests follow one another closely.
WATCHER_IDLE = 5.0
# The longest single wait of a watcher (it waits again after): `--context-timeout
# 1e20` must not make a Condition.wait() raise OverflowError and end the watcher.
_LONGEST_WAIT = 3600.0


class ReadFailed(Exception):
    """One GET failed; ``what`` names it in RBAC words ("list nodes")."""

    def __init__(self, what: str, cause: BaseException) -> None:
        super().__init__(what)
        self.what = what
        self.cause = cause


class HttpStatus(Exception):
    """The API server answered with a non-2xx status (and a ``Status`` body)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Refused(Exception):
    """The answer broke a bound pauselint sets; ``words`` say which, for the user."""

    def __init__(self, words: str) -> None:
        super().__init__(words)
        self.words = words


class DeadlineExceeded(Exception):
    """The request (or the whole context) ran out of time; ``seconds`` is the limit hit."""

    def __init__(self, seconds: float, whole_context: bool) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.whole_context = whole_context


class Budget:
    """The time one context may take, shared by its requests: an overall deadline."""

    def __init__(self, request_timeout: float, context_timeout: float) -> None:
        self.request_timeout = request_timeout
        self.context_timeout = context_timeout
        self.deadline = time.monotonic() + context_timeout

    def next_request(self) -> tuple[float, bool]:
        """(seconds this request may take, whether the context's deadline is the tighter)."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(self.context_timeout, True)
        if left < self.request_timeout:
            return left, True
        return self.request_timeout, False


def get_json(client: Any, path: str, query: Sequence[tuple[str, Any]], budget: Budget,
             what: str, max_bytes: int) -> Any:
    """GET ``path`` through the client's auth and TLS and parse the body as JSON.

    Raises :class:`ReadFailed` for every failure, its ``cause`` one of
    :class:`HttpStatus`, :class:`Refused`, :class:`DeadlineExceeded`,
    ``json.JSONDecodeError`` (not JSON), another ``ValueError`` (urllib3's
    ``LocationParseError``: an invalid server address) or the transport's own exception.
    """
    return parse_json(get_body(client, path, query, budget, what, max_bytes), what)


def parse_json(data: bytes, what: str) -> Any:
    """``data`` parsed as JSON; not JSON is :class:`ReadFailed` as :func:`get_json` says."""
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ReadFailed(what, exc) from None


def get_body(client: Any, path: str, query: Sequence[tuple[str, Any]], budget: Budget,
             what: str, max_bytes: int) -> bytes:
    """:func:`get_json` without the parse: the 2xx body's bytes, for a caller that
    decodes them itself (the node list: only the fields the rules need)."""
    try:
        seconds, context_bound = budget.next_request()
        limit = budget.context_timeout if context_bound else budget.request_timeout
        status, location, data = _send(client, path, query, seconds, limit, context_bound,
                                       max_bytes)
        if status in REDIRECT_STATUSES:
            raise Refused(f"the API server redirected to {_safe_location(location)}, "
                          "not followed")
        if not 200 <= status <= 299:
            raise HttpStatus(status)
        return data
    except (HttpStatus, Refused, DeadlineExceeded, ValueError, OSError) as exc:
        raise ReadFailed(what, exc) from None
    except Exception as exc:  # urllib3 and client errors; classified by the caller
        module = type(exc).__module__
        if module.startswith(("urllib3", "kubernetes", "http.client")):
            raise ReadFailed(what, exc) from None
        raise


def _send(client: Any, path: str, query: Sequence[tuple[str, Any]], seconds: float,
          limit: float, context_bound: bool, max_bytes: int) -> tuple[int, str, bytes]:
    """(status, Location header, body) of one GET that ends within ``seconds``."""
    import urllib3

    url, headers = _prepared(client, path, query)
    pool_manager = client.rest_client.pool_manager
    tracked = _tracked(pool_manager.connection_from_url(url))
    deadline = time.monotonic() + seconds
    watchdog = _Watchdog(tracked, seconds)
    try:
        response = pool_manager.request(
            "GET", url, headers=headers, preload_content=False, redirect=False, retries=False,
            timeout=urllib3.Timeout(connect=seconds, read=seconds),
        )
    except Exception:
        watchdog.stop()
        if time.monotonic() >= deadline:  # waiting for the headers used up the time
            raise DeadlineExceeded(limit, context_bound) from None
        raise
    complete = False
    try:
        announced = response.headers.get("Content-Length")
        if announced is not None and announced.strip().isdigit() and int(announced) > max_bytes:
            raise Refused(_too_large(max_bytes))
        if (response.headers.get("Content-Encoding") or "").strip().lower() in ("", "identity"):
            # Not encoded (pauselint asks for no encoding): each read hands over the
            # socket's bytes as they are. Decoding, urllib3 passes every chunk through
            # its decoded-content buffer, which copies each TLS record's bytes into a
            # BytesIO to answer read1(amt): a page's whole body once more. An encoded
            # body (a proxy's unasked gzip) is still decoded, bounded per read.
            response.decode_content = False
        data = _read_body(response, deadline, limit, context_bound, max_bytes)
        complete = True
        return response.status, response.headers.get("Location") or "", data
    except (OSError, ValueError) as exc:
        if time.monotonic() >= deadline:
            raise DeadlineExceeded(limit, context_bound) from None
        raise exc
    except Exception:
        if time.monotonic() >= deadline:  # the watchdog cut the connection
            raise DeadlineExceeded(limit, context_bound) from None
        raise
    finally:
        fired = watchdog.stop()
        if complete and not fired:
            response.release_conn()  # keep-alive: the next page reuses the connection
        else:
            response.close()  # never hand a half-read connection back to the pool


def _read_body(response: Any, deadline: float, limit: float, context_bound: bool,
               max_bytes: int) -> bytes:
    read = getattr(response, "read1", None) or response.read  # read1: one socket read
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = read(_CHUNK)
        if time.monotonic() >= deadline:
            raise DeadlineExceeded(limit, context_bound)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise Refused(_too_large(max_bytes))
        chunks.append(chunk)


class _Tracked:
    """The connections one pool opened, the lock that guards them and their cutting,
    and the request being timed: a context's requests run one at a time on its own
    client, so a pool times one request at a time, with one watcher thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connections: weakref.WeakSet = weakref.WeakSet()
        self.wake = threading.Condition(self.lock)
        self.timed: _Watchdog | None = None
        self.watcher: threading.Thread | None = None

    def cut_if_due(self, now: float) -> None:
        """With the lock held: at the timed request's deadline, cut the connections."""
        timed = self.timed
        if timed is not None and now >= timed.deadline:
            timed.fired = True
            self.timed = None
            _cut(list(self.connections))


def _watch(tracked: _Tracked) -> None:
    """A pool's watcher thread: asleep until the timed request's deadline, when
    :meth:`_Tracked.cut_if_due` cuts. A request that ends first does not wake it
    (that would cost every GET a wake-up): it finds nothing due at that deadline,
    and ends after :data:`WATCHER_IDLE` more seconds with nothing to time."""
    with tracked.lock:
        try:
            while True:
                timed = tracked.timed
                if timed is None:
                    if not tracked.wake.wait(WATCHER_IDLE) and tracked.timed is None:
                        return
                    continue
                left = timed.deadline - time.monotonic()
                if left > 0:
                    # Bounded: a wait longer than the platform's timeout is an error.
                    tracked.wake.wait(min(left, _LONGEST_WAIT))
                else:
                    tracked.cut_if_due(time.monotonic())
        finally:
            # However it ends (an error in a cut too), the next request starts another:
            # a dead watcher kept here would leave every later request untimed.
            tracked.watcher = None


class _Watchdog:
    """Cuts the pool's connections at one request's deadline, unless stopped first.

    The pool's watcher thread cuts under the pool's lock and only while this is the
    request it times; ``stop()`` takes it off under the same lock. So once ``stop()``
    returns, no cut of this request can reach a later request's connection, even
    when the deadline came just as the request ended, and the set of connections
    never changes while it is walked. One thread a pool, not one a request: a
    thread's start was ~0.25 ms of every GET (13 of them for 5,000 nodes).
    """

    def __init__(self, tracked: _Tracked, seconds: float) -> None:
        self._tracked = tracked
        self.deadline = time.monotonic() + seconds
        self.fired = False
        with tracked.lock:
            if tracked.watcher is None:
                watcher = threading.Thread(target=_watch, args=(tracked,),
                                           name="pauselint-watchdog", daemon=True)
                watcher.start()  # it waits for the lock, so it sees what is timed
                tracked.watcher = watcher
            else:
                tracked.wake.notify()
            tracked.timed = self

    def stop(self) -> bool:
        """End the watch; True if the deadline's cut happened (the connection is spent)."""
        with self._tracked.lock:
            if self._tracked.timed is self:
                self._tracked.timed = None
            return self.fired


def _tracked(pool: Any) -> _Tracked:
    """The connections ``pool`` opens, so a watchdog can cut them at a deadline.

    urllib3 keeps no handle on a connection while a request uses it, so the pool's
    ``ConnectionCls`` (its documented hook for the connection class) becomes a
    subclass that only records itself; connecting, TLS and verification are the
    base class's, untouched. A context's requests run one at a time on its own
    client, so every connection of its pool belongs to the request being timed.
    """
    tracked = getattr(pool, "_pauselint_connections", None)
    if tracked is None:
        tracked = _Tracked()
        base = pool.ConnectionCls

        class TrackedConnection(base):  # type: ignore[misc, valid-type]
            def connect(self) -> None:
                with tracked.lock:
                    tracked.connections.add(self)
                super().connect()

        pool.ConnectionCls = TrackedConnection
        pool._pauselint_connections = tracked
    return tracked


def _cut(connections: list) -> None:
    """At the deadline: shut the sockets, so a read blocked in the reading thread returns.

    The plain socket's shutdown, as an ``SSLSocket``'s own would try to unwrap TLS
    under the reader; the reader sees end-of-file and reports the timeout.
    """
    for connection in connections:
        sock = getattr(connection, "sock", None)
        if sock is not None:
            # TypeError: a TLS-in-TLS proxy transport is not a socket; it times out per wait.
            with contextlib.suppress(OSError, ValueError, TypeError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _prepared(client: Any, path: str, query: Sequence[tuple[str, Any]]) -> tuple[str, dict]:
    """The URL and headers the client's ApiClient would send, auth included.

    The auth comes from ``configuration.auth_settings()``, which every generated API
    method applies as "BearerToken": reading it runs the configuration's refresh
    hook, so tokens from exec/OIDC plugins and the pod's rotated token are renewed
    the same way as for ``CoreV1Api``. The query is quoted as ApiClient quotes it.
    """
    headers = {"Accept": "application/json", "User-Agent": client.user_agent}
    for setting in client.configuration.auth_settings().values():
        if setting.get("in") == "header" and setting.get("type") != "http-signature":
            headers[setting["key"]] = setting["value"]
    url = client.configuration.host + path
    if query:
        url += "?" + "&".join(f"{key}={quote(str(value))}" for key, value in query)
    return url, headers


def _safe_location(location: str) -> str:
    """scheme://host/path of a Location: never the query or fragment, never userinfo."""
    if not location:
        return "(no Location header)"
    try:  # urlsplit and .port raise ValueError on "https://[::1/x" or port 99999
        parts = urlsplit(location.strip())
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        return "an invalid location"
    where = f"{parts.scheme}://{host}{parts.path}" if parts.scheme else parts.path
    return where[:200] or "(an empty location)"


def _too_large(max_bytes: int) -> str:
    return f"response larger than {max_bytes // (1 << 20)} MiB (the cap), not read"

