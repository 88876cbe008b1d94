"""The node's own Node object, read from inside a pod: the kubelet's version and platform.

A pod sees its node's kubelet version only through the API server (the binary may not
be mounted, and its flags do not carry it), so ``pauselint node`` asks for the one Node
its pod runs on -- ``NODE_NAME`` from the downward API -- with the pod's service
account. One GET, no list and no watch: the RBAC a DaemonSet needs is ``get`` on
``nodes`` and nothing more, and a thousand pods starting together cost the API server
a thousand small reads.

Everything that can go wrong is a one-line reason (a skip), never an exception: not in
a cluster, the token refused, ``get`` on nodes not granted, no such node, no answer in
time, TLS. Reasons never carry the token, headers or a response body.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Callable
from typing import Any

from pauselint.model import ClusterNode
from pauselint.records import NamedTuple
from pauselint.sources.cluster_nodes import NodeProblem, node_from_json

# Where the kubelet mounts a pod's service-account credentials (the client's defaults).
SERVICE_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token"
SERVICE_CA_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
# One Node object: labels, conditions and at most 50 images stay well under 1 MiB; a
# larger answer is not a Node and is not read into memory.
MAX_NODE_BYTES = 4 << 20


class NodeObject(NamedTuple):
    """What ``GET /api/v1/nodes/NAME`` says about the node, as pauselint uses it.

    ``windows_build`` is the ``node.kubernetes.io/windows-build`` label (None where
    absent); ``pause_images`` the names of ``status.images`` that ``is_pause`` kept.
    """

    name: str
    kubelet_version: str  # status.nodeInfo.kubeletVersion, e.g. "v1.31.4"
    container_runtime_version: str  # status.nodeInfo.containerRuntimeVersion
    architecture: str
    operating_system: str
    os_image: str
    windows_build: str | None = None
    pause_images: tuple[str, ...] = ()

    def cluster_node(self) -> ClusterNode:
        """The same facts as ``pauselint cluster`` has them, for rules written for it."""
        return ClusterNode(self.name, self.kubelet_version, self.container_runtime_version,
                           self.architecture, self.operating_system, self.os_image,
                           self.windows_build, self.pause_images)


def read_node(name: str, timeout: float, *, token_file: str = SERVICE_TOKEN_FILE,
              ca_file: str = SERVICE_CA_FILE,
              is_pause: Callable[[str], bool] | None = None) -> NodeObject | str:
    """GET the node ``name`` with in-cluster credentials; its facts, or why not.

    In-cluster config is the client's own loader (``KUBERNETES_SERVICE_HOST``/``_PORT``
    and the service-account token and CA files, paths overridable for tests), put in
    a client of its own so nothing global changes. Exactly one request is made:
    urllib3's retries are off, so a timeout is one ``timeout`` long, not four.
    """
    try:
        from kubernetes import client
        from kubernetes.config.config_exception import ConfigException
        from kubernetes.config.incluster_config import InClusterConfigLoader
    except ImportError:
        return "the kubernetes Python client is not installed"
    configuration = client.Configuration()
    try:
        InClusterConfigLoader(token_filename=token_file,
                              cert_filename=ca_file).load_and_set(configuration)
    except ConfigException as exc:
        # The loader's messages name the missing piece, never a credential.
        return f"not in a cluster: {exc}"
    except OSError as exc:
        return f"not in a cluster: cannot read the service account: {_os_reason(exc)}"
    configuration.retries = False
    configuration.proxy = None  # a pod reaches its API server directly, as client-go does
    host = configuration.host
    try:
        with client.ApiClient(configuration) as api:
            response = client.CoreV1Api(api).read_node(name, _request_timeout=timeout,
                                                        _preload_content=False)
            try:
                body = response.read(MAX_NODE_BYTES + 1)
            finally:
                response.release_conn()
    except client.ApiException as exc:
        return _status_reason(exc, name, host)
    except Exception as exc:  # urllib3's and socket errors: the reason, never a traceback
        return _transport_reason(exc, host, timeout)
    if len(body) > MAX_NODE_BYTES:
        return f"the node object from {host} is larger than {MAX_NODE_BYTES >> 20} MiB: not read"
    try:
        item = json.loads(body)
    except ValueError:
        return f"the answer from {host} for node {name!r} is not JSON"
    found = node_from_json(item, 0, is_pause or (lambda _image: False))
    if isinstance(found, NodeProblem):
        return f"node {name!r} from {host} cannot be read: {found.reason}"
    return NodeObject(found.name, found.kubelet_version, found.container_runtime,
                      found.architecture, found.operating_system, found.os_image,
                      found.windows_build, found.pause_images)


def _status_reason(exc: Any, name: str, host: str) -> str:
    """A reason from the API server's answer (or the client's status-0 TLS error)."""
    status = getattr(exc, "status", None) or 0
    if status == 0:
        reason = str(getattr(exc, "reason", "") or "")
        if reason.startswith("SSLError"):
            detail = reason.split("\n", 1)[-1]
            return f"TLS: the API server at {host} is not trusted by the service account CA " \
                   f"({_short(detail)})"
        return f"cannot reach the API server at {host}: {_short(reason)}"
    if status == 401:
        return f"401 unauthorized: the API server at {host} refused the service account token"
    if status == 403:
        return (f"403 forbidden: the service account may not `get` nodes (RBAC: grant verb "
                f"`get` on resource `nodes` to read node {name!r})")
    if status == 404:
        return f"404: no node named {name!r} (NODE_NAME should be the pod's spec.nodeName)"
    return f"{status} {getattr(exc, 'reason', '') or 'error'} from the API server at {host}"


def _transport_reason(exc: BaseException, host: str, timeout: float) -> str:
    """A reason for a request that got no HTTP answer: timeout, TLS, refused."""
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    if names & {"ReadTimeoutError", "ConnectTimeoutError", "TimeoutError", "timeout"} or any(
            isinstance(e, socket.timeout) for e in chain):
        return f"timeout: no answer from the API server at {host} within {timeout:g}s"
    if any(isinstance(e, ssl.SSLError) for e in chain) or "SSLError" in names:
        return f"TLS: cannot talk to the API server at {host} ({_short(str(chain[-1]))})"
    last = chain[-1]
    if isinstance(last, OSError):
        return f"cannot reach the API server at {host}: {_os_reason(last)}"
    return f"cannot reach the API server at {host}: {type(last).__name__}"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it: urllib3 keeps the cause in ``reason``, Python in
    ``__cause__``/``__context__``."""
    found: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        todo += [linked for linked in (getattr(current, "reason", None), current.__cause__,
                                       current.__context__)
                 if isinstance(linked, BaseException)]
    return found


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def _short(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
