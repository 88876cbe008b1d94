"""A local HTTPS server that speaks the Kubernetes REST protocol, for tests.

`pauselint cluster` must be proved against the protocol real clients speak --
TLS with a private CA, bearer tokens and client certificates, discovery,
`limit`/`continue` paging, `Status` errors -- not against a mocked client
library. So this is a real server on 127.0.0.1 that both the `kubernetes`
Python client and `kubectl` talk to unmodified, through a real kubeconfig.

Only what pauselint reads is served (version, discovery, nodes, kube-system
ConfigMaps, namespaces); every other path is a 404 `Status` as on a real API
server, and every method but GET a 405, so "only GETs were made" is checkable
from `KubeAPI.requests`. Faults (403, any status, slow answers, expired continue
tokens) are injected per path prefix, and so are the hostile ones a client must
survive: a redirect, a body dripped byte by byte, a body that stalls half way, an
endless body, and node lists whose `continue` token repeats or never ends.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import contextlib
import gzip
import json
import re
import socket
import ssl
import sys
import threading
import traceback
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import trustme
import yaml

TOKEN = "pauselint-test-token-0123456789abcdef"
# Who the server says the caller is in 403 messages, as an API server would.
TOKEN_USER = "system:serviceaccount:pauselint:pauselint"
CLIENT_CERT_USER = "pauselint-client"

NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")

# The apiserver's own words for a compacted continue token (staging/src/k8s.io/
# apiserver/pkg/storage/etcd3/store.go, `inconsistentContinue`).
EXPIRED_CONTINUE_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter, or use the continue token "
    "in this response to retrieve the remainder of the results. Continuing with the "
    "provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may "
    "show up in the list."
)

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}

_API_RESOURCES = (
    ("configmaps", "configmap", True, "ConfigMap", ["cm"], "qFsyl6wFWjQ="),
    ("namespaces", "namespace", False, "Namespace", ["ns"], "Q3oi5N2YM8M="),
    ("nodes", "node", False, "Node", ["no"], "XwShjMxG9Fs="),
)
_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True)
class Request:
    """One request as the server saw it.

    `auth` is "token" or "client-cert" when authenticated, else "bad-token" or
    "none" (those got a 401).
    """

    method: str
    path: str
    query: dict[str, str]
    auth: str
    user_agent: str = ""


@dataclass
class _Fault:
    prefix: str
    kind: str  # "delay", "status", "redirect", "drip", "stall", "endless"
    value: Any
    remaining: int | None  # None: every matching request


class KubeAPI:
    """The server and its controls; `start()` it, `close()` it (or use `with`)."""

    def __init__(self, directory: Path, *, token: str = TOKEN) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.server_version = "v1.31.4"
        # Served as /version instead of the document built from server_version.
        self.version_document: Any = None
        self.configmaps: dict[str, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.gzipped: list[str] = []  # paths answered gzip-compressed (the gzip fault)
        # Unexpected exceptions in handler threads; the fixture fails on any.
        self.server_errors: list[str] = []
        # TLS handshakes that failed, e.g. because a client did not trust the CA.
        self.handshake_failures: list[str] = []

        ca = trustme.CA(organization_name="pauselint test CA")
        server_cert = ca.issue_cert(
            "127.0.0.1", "localhost", "kubernetes.default.svc", common_name="kube-apiserver"
        )
        client_cert = ca.issue_cert(
            f"{CLIENT_CERT_USER}@pauselint.test",
            common_name=CLIENT_CERT_USER,
            organization_name="pauselint:readers",
        )
        self.ca_path = directory / "ca.crt"
        ca.cert_pem.write_to_path(str(self.ca_path))
        self.client_cert_path = directory / "client.crt"
        self.client_key_path = directory / "client.key"
        client_cert.cert_chain_pems[0].write_to_path(str(self.client_cert_path))
        client_cert.private_key_pem.write_to_path(str(self.client_key_path))

        self._ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_cert.configure_cert(self._ssl)
        self._ssl.verify_mode = ssl.CERT_OPTIONAL
        self._ssl.load_verify_locations(cafile=str(self.ca_path))

        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._resource_version = 1000
        self._compacted_version = 0
        self._expire_next_continue = False
        self._names: list[str] = []
        self._node_bytes: list[bytes] = []
        self._nodes: dict[str, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._paging = "normal"  # or "same-token", "new-token"
        self._long_token = 0  # > 0: every continue token is padded to this many bytes
        self._served_pages = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> KubeAPI:
        """Listen on an ephemeral port of 127.0.0.1 and serve in a background thread."""
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="kube-api-accept",
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, cut open keep-alive connections, join every thread."""
        server = self._server
        if server is None:
            return
        self._closing.set()  # wakes handlers sleeping in a delay fault
        server.shutdown()
        server.drop_connections()
        server.server_close()
        server.join_threads()
        if self._thread is not None:
            self._thread.join()
        self._server = None

    def __enter__(self) -> KubeAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """`https://127.0.0.1:PORT`."""
        assert self._server is not None, "KubeAPI not started"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    # -- state -------------------------------------------------------------

    def connections_accepted(self) -> int:
        """TCP connections accepted so far (keep-alive reuses one)."""
        return self._server.accepted if self._server is not None else 0

    def set_nodes(self, nodes: Iterable[dict[str, Any]], *, keep_objects: bool = True) -> None:
        """Replace the nodes; they are served sorted by name, as etcd keys sort.

        A new resourceVersion starts, as any write would; old continue tokens
        still page on (by name) unless `expire_continue_tokens()` is called.
        `keep_objects=False` keeps only each node's wire bytes (the list, not
        `GET /api/v1/nodes/{name}`): a benchmark's 100,000 nodes as dicts would
        take gigabytes, as bytes 400 MB, and `nodes` may then be a generator.
        """
        by_name: dict[str, dict[str, Any]] = {}
        wire: dict[str, bytes] = {}
        for node in nodes:
            name = node["metadata"]["name"]
            if name in wire:
                raise ValueError("two nodes share a name")
            # Items in a list carry no kind/apiVersion on the wire; serialise once so
            # 5,000-node benchmarks measure the client, not this server.
            wire[name] = _compact({k: v for k, v in node.items()
                                   if k not in ("kind", "apiVersion")})
            if keep_objects:
                by_name[name] = node
        names = sorted(wire)
        encoded = [wire[name] for name in names]
        with self._lock:
            self._resource_version += 1
            self._names, self._node_bytes, self._nodes = names, encoded, by_name

    def forbid(self, path_prefix: str) -> None:
        """Answer every request under `path_prefix` with 403 Forbidden."""
        self.fail(path_prefix, 403)

    def fail(self, path_prefix: str, status: int, *, times: int | None = None) -> None:
        """Answer requests under `path_prefix` with `status` and a `Status` body.

        `times` limits the fault to that many requests (for retry tests).
        """
        with self._lock:
            self._faults.append(_Fault(path_prefix, "status", status, times))

    def delay(self, path_prefix: str, seconds: float) -> None:
        """Hold every answer under `path_prefix` for `seconds` (in the server thread)."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, "delay", seconds, None))

    def redirect(self, path_prefix: str, location: str, *, status: int = 302) -> None:
        """Answer with `status` and a `Location` header (a proxy or a moved server would)."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, "redirect", (status, location), None))

    def drip(self, path_prefix: str, interval: float) -> None:
        """Send the whole answer's headers at once, then its body one byte per `interval`."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, "drip", interval, None))

    def drip_headers(self, path_prefix: str, interval: float) -> None:
        """Send the status line and headers one byte per `interval` (then the body at once)."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, "drip-headers", interval, None))

    def stall(self, path_prefix: str) -> None:
        """Send headers and half the body, then nothing until the client gives up."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, "stall", 0, None))

    def endless(self, path_prefix: str) -> None:
        """Announce no length and send body bytes for as long as the client reads."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, "endless", 0, None))

    def gzip(self, path_prefix: str, body: bytes | None = None) -> None:
        """Answer gzip-compressed with ``Content-Encoding: gzip`` though the client asked
        for no encoding (as a misbehaving proxy might); ``body`` instead of the answer."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, "gzip", True if body is None else body, None))

    def repeat_continue_token(self) -> None:
        """Every node page carries the same `continue` token: a client that trusts it loops."""
        with self._lock:
            self._paging = "same-token"

    def endless_continue_tokens(self) -> None:
        """Every node page is empty and carries a new `continue` token, forever."""
        with self._lock:
            self._paging = "new-token"

    def long_continue_tokens(self, size: int) -> None:
        """Every continue token is `size` bytes (real ones are a few hundred)."""
        with self._lock:
            self._long_token = size

    def set_raw_node_items(self, items: list[Any]) -> None:
        """Serve `items` as the node list as they are: non-objects and broken nodes too."""
        encoded = [_compact(item) for item in items]
        with self._lock:
            self._resource_version += 1
            self._names = [f"{index:08d}" for index in range(len(items))]
            self._node_bytes, self._nodes = encoded, {}

    def clear_faults(self) -> None:
        """Drop every forbid/fail/delay."""
        with self._lock:
            self._faults.clear()

    def expire_continue_tokens(self) -> None:
        """The next request with a `continue` parameter gets 410 Expired, whatever its token.

        History is also compacted, as etcd would: tokens issued before this call
        stay expired for good, while lists started afterwards (the client's
        restart) page normally.
        """
        with self._lock:
            self._compacted_version = self._resource_version
            self._resource_version += 1
            self._expire_next_continue = True

    def write_kubeconfig(
        self,
        path: Path | str,
        *,
        contexts: dict[str, dict[str, Any]] | None = None,
        current_context: str = "test",
    ) -> Path:
        """Write a kubeconfig with a context "test" (token auth, CA file) and `contexts`.

        Each extra context gets a cluster and user of its own name, built from
        the "test" defaults and these optional keys: `server`, `token` (None for
        none), `client_cert` (True: client certificate instead of a token),
        `certificate_authority` (a path, or None to leave it out),
        `insecure_skip_tls_verify`, `embed` (True: `*-data` fields instead of
        file paths), `user` (a raw user entry, e.g. with `exec`, used as is).
        """
        path = Path(path)
        clusters, users, entries = [], [], []
        for name, spec in {"test": {}, **(contexts or {})}.items():
            embed = spec.get("embed", False)
            cluster: dict[str, Any] = {"server": spec.get("server", self.url)}
            ca = spec.get("certificate_authority", self.ca_path)
            if spec.get("insecure_skip_tls_verify"):
                cluster["insecure-skip-tls-verify"] = True
            elif ca is not None and embed:
                cluster["certificate-authority-data"] = _b64(Path(ca))
            elif ca is not None:
                cluster["certificate-authority"] = str(ca)
            if "user" in spec:
                user = spec["user"]
            elif spec.get("client_cert") and embed:
                user = {
                    "client-certificate-data": _b64(self.client_cert_path),
                    "client-key-data": _b64(self.client_key_path),
                }
            elif spec.get("client_cert"):
                user = {
                    "client-certificate": str(self.client_cert_path),
                    "client-key": str(self.client_key_path),
                }
            else:
                token = spec.get("token", self.token)
                user = {"token": token} if token is not None else {}
            clusters.append({"name": name, "cluster": cluster})
            users.append({"name": name, "user": user})
            entries.append({"name": name, "context": {"cluster": name, "user": name}})
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": clusters,
            "users": users,
            "contexts": entries,
            "current-context": current_context,
        }
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    # -- serving (called from handler threads) -----------------------------

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _fault(self, path: str, kind: str) -> Any:
        """The newest matching fault of `kind`, counting one use of it."""
        with self._lock:
            for fault in reversed(self._faults):
                if fault.kind == kind and path.startswith(fault.prefix):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault.value
        return None

    def _sleep(self, seconds: float) -> None:
        self._closing.wait(seconds)

    def _version(self) -> dict[str, str]:
        match = re.match(r"v(\d+)\.(\d+)\.\d+(.*)", self.server_version)
        major, minor, rest = match.groups() if match else ("", "", "")
        return {
            "major": major,
            "minor": minor + ("+" if rest else ""),
            "gitVersion": self.server_version,
            "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b",
            "gitTreeState": "clean",
            "buildDate": "2024-12-10T11:36:47Z",
            "goVersion": "go1.22.9",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def _node_list(self, query: dict[str, str]) -> tuple[int, bytes]:
        """A NodeList page, or the Status a real API server would give instead."""
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            return _status(400, f"limit: Invalid value: {query['limit']!r}")
        continued = bool(query.get("continue"))
        with self._lock:
            paging = self._paging
            self._served_pages += 1
            served = self._served_pages
        if paging == "same-token":
            page = b",".join(self._node_bytes[: max(limit, 1)])
            metadata = {"resourceVersion": "1", "continue": _token(1, "same")}
            return 200, _node_list_body(metadata, page)
        if paging == "new-token":
            metadata = {"resourceVersion": "1", "continue": _token(1, f"page-{served}")}
            return 200, _node_list_body(metadata, b"")
        with self._lock:
            names, encoded = self._names, self._node_bytes
            version, compacted = self._resource_version, self._compacted_version
            expire = continued and self._expire_next_continue
            if expire:
                self._expire_next_continue = False
        start = ""
        if continued:
            try:
                token = json.loads(base64.urlsafe_b64decode(query["continue"] + "==="))
                token_version, start = int(token["rv"]), str(token["start"])
            except (ValueError, KeyError, TypeError, binascii.Error):
                return _status(400, "invalid continue token")
            if expire or (token_version != -1 and token_version <= compacted):
                # Like the real server: 410, plus a token (rv -1) to go on inconsistently.
                return _status(
                    410, EXPIRED_CONTINUE_MESSAGE, metadata={"continue": _token(-1, start)}
                )
            if token_version != -1:
                version = token_version
        first = bisect.bisect_left(names, start)
        end = len(names) if limit <= 0 else min(len(names), first + limit)
        metadata: dict[str, Any] = {"resourceVersion": str(version)}
        if end < len(names):
            metadata["continue"] = _token(version, names[end - 1] + "\x00")
            if self._long_token:
                metadata["continue"] = metadata["continue"].ljust(self._long_token, "A")
            metadata["remainingItemCount"] = len(names) - end
        return 200, _node_list_body(metadata, b",".join(encoded[first:end]))

    def _route(self, path: str, query: dict[str, str]) -> tuple[int, bytes]:
        parts = [part for part in path.split("/") if part]
        if path == "/version":
            if self.version_document is not None:
                return 200, _compact(self.version_document)
            return 200, _compact(self._version())
        if parts == ["api"]:
            return 200, _compact(
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [
                        {"clientCIDR": "0.0.0.0/0", "serverAddress": self.url[len("https://") :]}
                    ],
                }
            )
        if parts == ["apis"]:
            return 200, _compact({"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if parts == ["api", "v1"]:
            return 200, _compact(_resource_list())
        if parts == ["api", "v1", "nodes"]:
            return self._node_list(query)
        if len(parts) == 4 and parts[:3] == ["api", "v1", "nodes"]:
            with self._lock:
                node = self._nodes.get(parts[3])
            if node is None:
                return _not_found("nodes", parts[3])
            return 200, _compact({"kind": "Node", "apiVersion": "v1", **node})
        if parts == ["api", "v1", "namespaces"]:
            items = [_namespace(name) for name in NAMESPACES]
            return 200, _list("NamespaceList", items, self._resource_version)
        if len(parts) >= 4 and parts[:3] == ["api", "v1", "namespaces"]:
            namespace = parts[3]
            if namespace not in NAMESPACES:
                return _not_found("namespaces", namespace)
            if len(parts) == 4:
                return 200, _compact(
                    {"kind": "Namespace", "apiVersion": "v1", **_namespace(namespace)}
                )
            if parts[4] == "configmaps" and len(parts) <= 6:
                maps = self.configmaps if namespace == "kube-system" else {}
                if len(parts) == 5:
                    items = [_config_map(name, maps[name]) for name in sorted(maps)]
                    return 200, _list("ConfigMapList", items, self._resource_version)
                if parts[5] not in maps:
                    return _not_found("configmaps", parts[5])
                return 200, _compact(
                    {
                        "kind": "ConfigMap",
                        "apiVersion": "v1",
                        **_config_map(parts[5], maps[parts[5]]),
                    }
                )
        return _status(404, "the server could not find the requested resource", details={})


def server_threads() -> list[threading.Thread]:
    """Threads of any KubeAPI still alive: none should outlive `close()`."""
    return [t for t in threading.enumerate() if t.name.startswith("kube-api-")]


def _compact(value: Any) -> bytes:
    """JSON as Go's encoder writes it: no spaces, UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _node_list_body(metadata: dict[str, Any], items: bytes) -> bytes:
    head = b'{"kind":"NodeList","apiVersion":"v1","metadata":' + _compact(metadata)
    return head + b',"items":[' + items + b"]}"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def _token(version: int, start: str) -> str:
    """An opaque continue token shaped like the apiserver's (storage.EncodeContinue)."""
    raw = _compact({"v": "meta.k8s.io/v1", "rv": version, "start": start})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _status(
    code: int,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> tuple[int, bytes]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": metadata or {},
        "status": "Failure",
        "message": message,
        "reason": REASONS.get(code, "Unknown"),
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    return code, _compact(body)


def _not_found(resource: str, name: str) -> tuple[int, bytes]:
    return _status(404, f'{resource} "{name}" not found', details={"name": name, "kind": resource})


def _resource_target(path: str) -> tuple[str, str, str, str]:
    """(verb, resource, name, namespace) of a REST path, for a 403 message."""
    parts = [part for part in path.split("/") if part][2:]  # drop "api", "v1"
    namespace = ""
    if len(parts) >= 3 and parts[0] == "namespaces":
        namespace, parts = parts[1], parts[2:]
    resource = parts[0] if parts else ""
    name = parts[1] if len(parts) > 1 else ""
    return ("get" if name else "list"), resource, name, namespace


def _forbidden(path: str, user: str) -> tuple[int, bytes]:
    """A 403 worded like the RBAC authorizer's, naming the missing permission."""
    if not path.startswith("/api/v1/"):
        return _status(403, f'forbidden: User "{user}" cannot get path "{path}"', details={})
    verb, resource, name, namespace = _resource_target(path)
    subject = f'{resource} "{name}"' if name else resource
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (
        f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
        f'in API group "" {scope}'
    )
    details = {"name": name, "kind": resource} if name else {"kind": resource}
    return _status(403, message, details=details)


def _injected(code: int, path: str, user: str) -> tuple[int, bytes]:
    if code == 403:
        return _forbidden(path, user)
    if code == 500:
        return _status(500, "Internal error occurred: injected failure", details={})
    if code == 410:
        return _status(410, EXPIRED_CONTINUE_MESSAGE)
    return _status(code, f"injected {code} for {path}")


def _resource_list() -> dict[str, Any]:
    resources = []
    for name, singular, namespaced, kind, short, storage_hash in _API_RESOURCES:
        resources.append(
            {
                "name": name,
                "singularName": singular,
                "namespaced": namespaced,
                "kind": kind,
                "verbs": _VERBS,
                "shortNames": short,
                "storageVersionHash": storage_hash,
            }
        )
        if name in ("nodes", "namespaces"):
            resources.append(
                {
                    "name": f"{name}/status",
                    "singularName": "",
                    "namespaced": False,
                    "kind": kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
    return {"kind": "APIResourceList", "groupVersion": "v1", "resources": resources}


def _namespace(name: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "uid": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"namespace.{name}.pauselint.test")),
            "resourceVersion": "17",
            "creationTimestamp": "2024-03-04T09:12:40Z",
            "labels": {"kubernetes.io/metadata.name": name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def _config_map(name: str, value: dict[str, Any]) -> dict[str, Any]:
    """A ConfigMap from `KubeAPI.configmaps`: a whole object, or just its `data`."""
    if "data" in value or "metadata" in value:
        body = {k: v for k, v in value.items() if k not in ("kind", "apiVersion")}
    else:
        body = {"data": value}
    metadata = {"resourceVersion": "231", **body.get("metadata", {})}
    metadata.update(name=name, namespace="kube-system")
    return {**body, "metadata": metadata}


def _list(kind: str, items: list[dict[str, Any]], version: int) -> bytes:
    return _compact(
        {
            "kind": kind,
            "apiVersion": "v1",
            "metadata": {"resourceVersion": str(version)},
            "items": items,
        }
    )


class _Server(ThreadingHTTPServer):
    """Threads per connection, TLS handshakes off the accept loop, joined on close."""

    # Threads are tracked and joined here (join_threads), not by socketserver's
    # private bookkeeping, which differs between Python versions.
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type, api: KubeAPI) -> None:
        self.api = api
        self.connections: set[socket.socket] = set()
        self.threads: list[threading.Thread] = []
        self.connections_lock = threading.Lock()
        self.accepted = 0
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        with self.connections_lock:
            self.accepted += 1
        # Handshake in the handler thread, so one stalled client cannot block accept().
        wrapped = self.api._ssl.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return wrapped, address

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="kube-api-connection",
        )
        with self.connections_lock:
            self.connections.add(request)
            self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()

    def join_threads(self) -> None:
        with self.connections_lock:
            threads = list(self.threads)
        for thread in threads:
            thread.join()

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Unblock handlers idling on keep-alive connections at teardown."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            # The plain socket's shutdown: SSLSocket's would unwrap under the reader.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(connection, socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ssl.SSLError):
            self.api.handshake_failures.append(str(error))
        elif isinstance(error, (OSError, ValueError)):
            pass  # the client went away, or teardown cut the connection
        else:
            self.api.server_errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: real clients reuse connections
    timeout = 30
    server: _Server

    def setup(self) -> None:
        # Headers and body go out in two writes; without NODELAY, Nagle and the
        # client's delayed ACK add 40 ms to every response (Go servers set it too).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest output is for test failures."""

    def _authenticate(self) -> tuple[str, str]:
        """(auth kind, user name) for this request."""
        certificate = self.request.getpeercert()
        if certificate:
            return "client-cert", CLIENT_CERT_USER
        # The scheme is case-insensitive, as in the apiserver's bearer-token
        # authenticator (the Python client's in-cluster config sends "bearer").
        scheme, _, token = self.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return "none", ""
        if token.strip() == self.server.api.token:
            return "token", TOKEN_USER
        return "bad-token", ""

    def _answer(self) -> None:
        api = self.server.api
        split = urlsplit(self.path)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        auth, user = self._authenticate()
        api._record(Request(self.command, path, query, auth, self.headers.get("User-Agent", "")))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # keep the connection usable

        delay = api._fault(path, "delay")
        if delay:
            api._sleep(delay)
        if not user:
            code, body = _status(401, "Unauthorized")
        elif self.command != "GET":
            code, body = _status(
                405, "the server does not allow this method on the requested resource"
            )
        else:
            injected = api._fault(path, "status")
            if injected is not None:
                code, body = _injected(int(injected), path, user)
            else:
                code, body = api._route(path, query)
            redirect = api._fault(path, "redirect")
            if redirect is not None:
                self._redirect(*redirect)
                return
            for kind in ("drip", "drip-headers", "stall", "endless"):
                value = api._fault(path, kind)
                if value is not None:
                    self._hostile_body(kind, value, code, body)
                    return
        encoded = api._fault(path, "gzip") if user and self.command == "GET" else None
        if encoded is not None:
            body = encoded if isinstance(encoded, bytes) else gzip.compress(body)
            with api._lock:
                api.gzipped.append(path)
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        if encoded is not None:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, status: int, location: str) -> None:
        body = _status(status, f"moved to {location}")[1]
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _hostile_body(self, kind: str, interval: float, code: int, body: bytes) -> None:
        """Headers at once, then the body dripped, stalled half way, or never ending.

        Every wait is on the closing event, so `close()` ends the answer at once;
        the connection is closed after, since its framing is broken on purpose.
        """
        api = self.server.api
        self.close_connection = True
        if kind == "drip-headers":
            head = (f"HTTP/1.1 {code} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n"
                    + "".join(f"X-Padding-{i}: {'x' * 60}\r\n" for i in range(40))
                    + "\r\n").encode()
            for index in range(len(head)):
                if api._closing.wait(interval):
                    return
                self.wfile.write(head[index : index + 1])
                self.wfile.flush()
            self.wfile.write(body)
            return
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        if kind != "endless":
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        if kind == "drip":
            for index in range(len(body)):
                if api._closing.wait(interval):
                    return
                self.wfile.write(body[index : index + 1])
                self.wfile.flush()
        elif kind == "stall":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            api._closing.wait()
        else:
            chunk = b" " * 65536
            while not api._closing.is_set():
                self.wfile.write(chunk)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer
