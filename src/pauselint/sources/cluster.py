"""Reader for live clusters: what each kubeconfig context's API server says about its nodes.

This module and ``sources/kubeconfig.py`` are the only ones that import
``kubernetes``, and only inside functions, so ``pauselint check`` never pays for (or
needs) the client. Connection and TLS are the client's, so TLS is only ever off when
the kubeconfig says ``insecure-skip-tls-verify``; credentials are loaded by
``sources/kubeconfig.py`` with the client's parsing but without its token
refreshes and kubeconfig writes, and with exec plugins bounded in time.

What it reads, GET only (``RBAC_RULES`` is exactly this, and the deploy manifests
must grant exactly that):

* ``/version`` (gitVersion);
* ``/api/v1/nodes``, page by page with ``limit``/``continue``, as raw JSON: building
  the client's model objects costs about twice the time, and keeping only the few
  fields the rules need, one page at a time, keeps 5,000 nodes small. A well-formed
  page is decoded straight into those fields (``cluster_decode``, msgspec); any
  other is parsed whole and read field by field (``cluster_nodes``);
* the ``kube-system`` ConfigMaps ``kubeadm-config`` (kubernetesVersion and
  imageRepository of its ClusterConfiguration) and ``kubelet-config`` (optional).

Every run is bounded whatever the server does (``cluster_http`` reads each answer):
each request ends within ``--request-timeout``, each context within
``--context-timeout``; an answer is at most ``MAX_RESPONSE_BYTES``; a context reads
at most ``max_nodes`` nodes (``MAX_NODES`` unless asked) in at most
``max_pages(page_size, max_nodes)`` pages, and a
``continue`` token is at most ``MAX_CONTINUE_BYTES``. Past the node cap, or at a
``continue`` token that is too long or the same as the one just sent, the list
ends: the nodes read so far are judged and the context gets an error saying the
rest was not read. A node whose fields have the wrong types is that node's error
(``cluster_nodes``); the others are still read.

A reader never raises: a context that cannot be read becomes a
:class:`ClusterError` whose reason says why in words (DNS, TLS, 401, 403,
timeout, ...), while an optional read (the ConfigMaps) that fails in any way is
named, with why, in ``ClusterFacts.skipped``. Reasons never carry a credential: they are built from
status codes, host names and the TLS library's verdict, not from request headers.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import socket
import ssl
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse

from pauselint.model import ClusterError, ClusterFacts, ClusterNode
from pauselint.sources.cluster_http import (
    Budget,
    DeadlineExceeded,
    Refused,
    get_body,
    get_json,
    parse_json,
)
from pauselint.sources.cluster_http import HttpStatus as _HttpStatus
from pauselint.sources.cluster_http import ReadFailed as _ReadFailed
from pauselint.sources.cluster_nodes import (  # the limits live there: the CLI imports them
    CONTEXT_TIMEOUT,
    MAX_CONTINUE_BYTES,
    MAX_NODES,
    MAX_RESPONSE_BYTES,
    NodeProblem,
    node_from_json,
)

RBAC_RULES: tuple[dict, ...] = (
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]},
    {
        "apiGroups": [""],
        "resources": ["configmaps"],
        "resourceNames": ["kubeadm-config", "kubelet-config"],
        "verbs": ["get"],
    },
)

IN_CLUSTER = "in-cluster"
CURRENT_CONTEXT = "(current context)"
CONFIGMAP_NAMESPACE = "kube-system"
MAX_WORKERS = 8

Progress = Callable[[str, int], None]


def max_pages(page_size: int, max_nodes: int = MAX_NODES) -> int:
    """Pages one list may take: enough for ``max_nodes`` in full pages, twice over.

    Without selectors the API server fills every page up to ``limit``; the slack
    covers short pages and the one restart after an expired token.
    """
    return 2 * (-(-max_nodes // max(page_size, 1))) + 2


def read_clusters(
    *,
    kubeconfig: str | None,
    contexts: Sequence[str] = (),
    all_contexts: bool = False,
    in_cluster: bool = False,
    request_timeout: float = 10.0,
    page_size: int = 500,
    progress: Progress | None = None,
    is_pause: Callable[[str], bool] | None = None,
    context_timeout: float = CONTEXT_TIMEOUT,
    max_nodes: int = MAX_NODES,
) -> list[ClusterFacts | ClusterError]:
    """Read every requested context, concurrently, in the order they were requested.

    ``kubeconfig`` None means what the client means: ``$KUBECONFIG`` (a
    colon-separated list) or ``~/.kube/config``. With neither ``contexts`` nor
    ``all_contexts`` the kubeconfig's current context is read. ``progress`` is called
    as ``progress(context, nodes_so_far)`` after every page, from worker threads.
    ``is_pause(image_name)`` decides which of a node's images are kept (the caller
    builds it from the compat table, overlay included); by default, names whose last
    path component mentions ``pause``. Each context ends within ``context_timeout``
    seconds, each of its requests within ``request_timeout``, and reads at most
    ``max_nodes`` nodes.
    """
    with _fewer_collections():
        return _read_clusters(kubeconfig, contexts, all_contexts, in_cluster, request_timeout,
                              page_size, progress, is_pause, context_timeout, max_nodes)


# The collector's first generation runs every 700 allocations; reading a fleet
# allocates millions of acyclic objects (strings, tuples, nodes), so it ran ~560
# times at 50,000 nodes, walking them again and again, for about 10% of the read.
GC_THRESHOLD_WHILE_READING = 50_000


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect rarely while reading, as ``check`` does while its engine runs: what was
    imported is frozen out of every walk and the first generation's threshold raised;
    collection stays on (a cycle is still freed) and both are restored after."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD_WHILE_READING, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _read_clusters(
    kubeconfig: str | None, contexts: Sequence[str], all_contexts: bool, in_cluster: bool,
    request_timeout: float, page_size: int, progress: Progress | None,
    is_pause: Callable[[str], bool] | None, context_timeout: float, max_nodes: int,
) -> list[ClusterFacts | ClusterError]:
    is_pause = _memoised(is_pause or _looks_like_pause)
    merged = None
    if in_cluster:
        targets: list[str] = [IN_CLUSTER]
        unknown: dict[str, ClusterError] = {}
        config_file = None
    else:
        config_file = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
        listed = _choose_contexts(config_file, contexts, all_contexts)
        if isinstance(listed, ClusterError):
            return [listed]
        targets, unknown, merged = listed

    def read_one(name: str) -> ClusterFacts | ClusterError:
        if name in unknown:
            return unknown[name]
        return _read_context(name, config_file, request_timeout, page_size, progress, is_pause,
                             context_timeout=context_timeout, max_nodes=max_nodes,
                             merged=merged)

    todo = [name for name in targets if name not in unknown]
    if len(todo) <= 1:
        return [read_one(name) for name in targets]
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(todo))) as pool:
        return list(pool.map(read_one, targets))


def _choose_contexts(
    config_file: str, contexts: Sequence[str], all_contexts: bool
) -> tuple[list[str], dict[str, ClusterError], Any] | ClusterError:
    """Resolve the context names to read; unknown names become errors up front.

    The files are merged with the client's own ``KubeConfigMerger`` (what
    ``list_kube_config_contexts`` reads) so that a kubeconfig without a
    current-context still works with ``--context`` or ``--all-contexts``; the merge
    is returned third, for every context to load its credentials from (the files
    are parsed once a run). A failure is said in ``sources/kubeconfig.py``'s words,
    never the client's (which quote whole entries, credentials included).
    """
    from pauselint.sources import kubeconfig

    try:
        merged = kubeconfig.merge_kubeconfig(config_file)
        if merged is None:
            reason = f"kubeconfig {config_file}: no configuration found"
            return ClusterError(CURRENT_CONTEXT, reason)
        names, current = kubeconfig.context_names(merged)
    except kubeconfig.KubeconfigError as exc:
        return ClusterError(CURRENT_CONTEXT, f"kubeconfig {config_file}: {exc}")
    except Exception as exc:  # never a traceback, never the exception's text
        return ClusterError(CURRENT_CONTEXT,
                            f"kubeconfig {config_file}: unreadable ({type(exc).__name__})")
    if all_contexts:
        if not names:
            return ClusterError(CURRENT_CONTEXT, f"kubeconfig {config_file}: no contexts")
        return names, {}, merged
    requested = list(dict.fromkeys(contexts))
    if not requested:
        if not current:
            return ClusterError(
                CURRENT_CONTEXT, f"kubeconfig {config_file}: no current-context; name a context"
            )
        requested = [str(current)]
    unknown = {
        name: ClusterError(name, f"no context {name} in kubeconfig")
        for name in requested
        if name not in names
    }
    return requested, unknown, merged


def _new_client(name: str, config_file: str | None, budget: Budget, merged: Any = None) -> Any:
    """A :class:`Client` with the kubeconfig's (or the pod's) server, TLS and credentials.

    Credentials go through ``sources/kubeconfig.py``, which never writes the
    kubeconfig and never renews a token over the network (OIDC, gcp); each exec
    plugin run, the first and every refresh, gets what ``budget.next_request()``
    grants (the request timeout, or less once the context's deadline is nearer), so
    plugins count against ``--context-timeout``. The one setting added is ``retries = 0``: urllib3
    otherwise retries a read timeout three times, so ``--request-timeout`` would not
    bound a request. No ``ApiClient``: its module imports every model of the API
    (``kubeconfig.client_parts``), and all it would do here is what
    ``cluster_http`` does with the configuration's auth settings. ``merged`` is the
    run's merge of ``config_file`` (:func:`_choose_contexts`), None to merge it here.
    """
    from pauselint.sources import kubeconfig

    parts = kubeconfig.client_parts()
    configuration = type.__call__(parts.Configuration)
    configuration.retries = 0
    if config_file is None:
        kubeconfig.configure_in_cluster(configuration)
    else:
        kubeconfig.configure_from_kubeconfig(configuration, config_file, name,
                                             budget.next_request, budget.context_timeout,
                                             merged=merged)
    return Client(configuration, parts.RESTClientObject(configuration), parts.user_agent)


class Client:
    """What a context's requests go through: the client's ``Configuration`` (server,
    credentials and their refresh hook) and ``RESTClientObject`` (the urllib3 pool
    with the configuration's TLS), and the User-Agent the client's ApiClient sends."""

    def __init__(self, configuration: Any, rest_client: Any, user_agent: str) -> None:
        self.configuration = configuration
        self.rest_client = rest_client
        self.user_agent = user_agent

    def close(self) -> None:
        """Close the pool's connections (what ``ApiClient.close`` does)."""
        self.rest_client.close()


def _read_context(
    name: str,
    config_file: str | None,
    timeout: float,
    page_size: int,
    progress: Progress | None,
    is_pause: Callable[[str], bool],
    context_timeout: float = CONTEXT_TIMEOUT,
    max_nodes: int = MAX_NODES,
    merged: Any = None,
) -> ClusterFacts | ClusterError:
    """Everything one context says, or the one reason it could not be read.

    The context's deadline starts before its credentials load, so an exec plugin's
    first run counts against ``--context-timeout`` too. No exception's text from
    the client's kubeconfig code is shown (it quotes whole entries, credentials
    included): ``sources/kubeconfig.py`` says every such failure in its own words.
    """
    from pauselint.sources.kubeconfig import CredentialError, KubeconfigError

    budget = Budget(timeout, context_timeout)
    try:
        client = _new_client(name, config_file, budget, merged)
    except KubeconfigError as exc:
        return ClusterError(name, f"kubeconfig: {exc}")
    except CredentialError as exc:
        return ClusterError(name, str(exc))
    except Exception as exc:  # never a traceback, never the text; the type says enough
        return ClusterError(name, f"unexpected error loading the kubeconfig: {type(exc).__name__}")
    host = urlparse(client.configuration.host).hostname or client.configuration.host
    try:
        return _read_facts(name, client, budget, page_size, progress, is_pause, max_nodes)
    except _ReadFailed as exc:
        return ClusterError(name, _reason(exc.what, exc.cause, host, timeout))
    except KubeconfigError as exc:  # reloading credentials mid-run (the refresh hook)
        return ClusterError(name, f"kubeconfig: {exc}")
    except CredentialError as exc:  # a credential that expired mid-run (refresh hook)
        return ClusterError(name, str(exc))
    except Exception as exc:  # a context must never take the run down with a traceback
        return ClusterError(name, f"unexpected error: {type(exc).__name__} ({host})")
    finally:
        client.close()


def _read_facts(
    name: str, client: Any, budget: Budget, page_size: int, progress: Progress | None,
    is_pause: Callable[[str], bool], max_nodes: int = MAX_NODES,
) -> ClusterFacts:
    skipped: list[str] = []
    errors: list[ClusterError] = []
    version = get_json(client, "/version", (), budget, "get /version", MAX_RESPONSE_BYTES)
    git_version = version.get("gitVersion") if isinstance(version, dict) else None
    if git_version is not None and not isinstance(git_version, str):
        errors.append(ClusterError(name, "/version: gitVersion is not a string; "
                                         "the server version is unknown"))
        git_version = None
    nodes = _list_nodes(name, client, budget, page_size, progress, is_pause, errors, max_nodes)
    kubeadm_version = image_repository = None
    host = urlparse(client.configuration.host).hostname or client.configuration.host
    kubeadm = _get_configmap(client, "kubeadm-config", budget, skipped, host)
    if kubeadm is not None:
        kubeadm_version, image_repository = _cluster_configuration(kubeadm, skipped)
    # presence only, for RBAC parity
    _get_configmap(client, "kubelet-config", budget, skipped, host)
    return ClusterFacts(
        name=name,
        server_version=git_version,
        nodes=tuple(nodes),
        kubeadm_version=kubeadm_version,
        image_repository=image_repository,
        skipped=tuple(skipped),
        errors=tuple(errors),
    )


def _list_nodes(
    name: str, client: Any, budget: Budget, page_size: int, progress: Progress | None,
    is_pause: Callable[[str], bool], errors: list[ClusterError], max_nodes: int = MAX_NODES,
) -> list[ClusterNode]:
    """Every node once, page by page; an expired continue token restarts the list once.

    A 410 means the server compacted away the snapshot the token points into; the
    API conventions say to start over, and once is enough to tell a busy cluster
    from a broken one. Bad nodes land in ``errors``; past ``max_nodes``, or at a
    continue token too long or repeated, the list stops with an error in ``errors``
    and the nodes read so far are kept.
    """
    pages = _PageCount(max_pages(page_size, max_nodes), page_size, max_nodes)
    for attempt in (1, 2):
        nodes: list[ClusterNode] = []
        problems: list[ClusterError] = []
        try:
            stopped = _read_pages(name, client, budget, page_size, progress, is_pause, pages,
                                  nodes, problems, max_nodes)
        except _ReadFailed as exc:
            expired = isinstance(exc.cause, _HttpStatus) and exc.cause.status == 410
            if not expired or attempt == 2:
                raise
            continue
        errors.extend(problems)
        if stopped is not None:
            errors.append(ClusterError(name, stopped))
        return nodes
    raise AssertionError("unreachable")  # pragma: no cover


class _PageCount:
    """The pages one list may still take, shared by its first try and its restart."""

    def __init__(self, cap: int, page_size: int, max_nodes: int) -> None:
        self.left = cap
        self.cap = cap
        self.page_size = page_size
        self.max_nodes = max_nodes

    def take(self) -> None:
        if self.left <= 0:
            raise _ReadFailed("list nodes", Refused(
                f"paging did not end after {self.cap} pages of {self.page_size} "
                f"(the cap for {self.max_nodes:,} nodes)"))
        self.left -= 1


def _read_pages(
    name: str, client: Any, budget: Budget, page_size: int, progress: Progress | None,
    is_pause: Callable[[str], bool], pages: _PageCount, nodes: list[ClusterNode],
    problems: list[ClusterError], max_nodes: int,
) -> str | None:
    """Read the list into ``nodes``/``problems``; None at its end, else why it stopped early.

    The next page is requested (on a second thread) as soon as this page's continue
    token is known, while this page's nodes are read: the API server builds and
    sends page k+1 while pauselint reads page k. Only one request is ever in flight
    on the context's client (``cluster_http``'s watchdog relies on that), each still
    takes its time from ``budget`` when it starts, and a page is fetched early only
    when the plain loop would fetch it too: not once this page reaches the node cap,
    nor after a continue token that ends the list, nor past the page cap.
    """
    from pauselint.sources import cluster_decode

    decoded_reader = cluster_decode.NodeReader(is_pause)
    token: str | None = None
    seen = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pauselint-{name}") as fetcher:
        pages.take()
        pending = fetcher.submit(_node_page, client, budget, page_size, token)
        while True:
            items, next_token, decoded = pending.result()
            pending = None
            if next_token is not None and next_token == token:
                # The page answering token T carried T again: the server is looping.
                return ("the API server sent the same continue token twice: paging stopped, "
                        "the rest not read (list nodes)")
            size = len(next_token.encode("utf-8", "surrogatepass")) if next_token else 0
            if (next_token is not None and size <= MAX_CONTINUE_BYTES
                    and seen + len(items) < max_nodes and pages.left > 0):
                pages.take()
                pending = fetcher.submit(_node_page, client, budget, page_size, next_token)
            read_node = decoded_reader if decoded else node_from_json
            for item in items:
                if seen == max_nodes:
                    return (f"more than {max_nodes:,} nodes (the cap, --max-nodes): the first "
                            f"{max_nodes:,} are checked, the rest not read")
                found = read_node(item, seen, is_pause)
                seen += 1
                if isinstance(found, NodeProblem):
                    problems.append(ClusterError(name, found.reason, found.node))
                else:
                    nodes.append(found)
            if progress is not None:
                progress(name, len(nodes))
            if next_token is None:
                return None
            if size > MAX_CONTINUE_BYTES:
                return (f"the API server sent a continue token of {size:,} bytes (the cap is "
                        f"{MAX_CONTINUE_BYTES >> 10} KiB): paging stopped, the rest not read "
                        "(list nodes)")
            token = next_token
            if pending is None:
                pages.take()
                pending = fetcher.submit(_node_page, client, budget, page_size, token)


def _node_page(client: Any, budget: Budget, page_size: int,
               token: str | None) -> tuple[list, str | None, bool]:
    """One page's ``items``, its ``continue`` token (None when it is the last page) and
    whether the items were decoded straight from the bytes (``cluster_decode``: a
    well-formed page) or are the parsed JSON, to be read field by field."""
    from pauselint.sources import cluster_decode

    what = "list nodes"
    query: list[tuple[str, Any]] = [("limit", page_size)]
    if token:
        query.append(("continue", token))
    data = get_body(client, "/api/v1/nodes", query, budget, what, MAX_RESPONSE_BYTES)
    decoded = cluster_decode.page(data)
    if decoded is not None:
        return (*decoded, True)
    body = parse_json(data, what)
    if not isinstance(body, dict):
        raise _ReadFailed(what, Refused("the node list is not a JSON object"))
    items = body.get("items")
    if items is not None and not isinstance(items, list):
        raise _ReadFailed(what, Refused("the node list's items is not a list"))
    metadata = body.get("metadata")
    next_token = metadata.get("continue") if isinstance(metadata, dict) else None
    if not next_token:
        return items or [], None, False
    if not isinstance(next_token, str):
        raise _ReadFailed(what, Refused("the node list's continue token is not a string"))
    return items or [], next_token, False


def _looks_like_pause(image_name: str) -> bool:
    """The default filter: the repository's last component mentions pause (pause,
    pause-amd64, mirrored-pause); the rules then judge each name with the table."""
    repository = image_name.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return "pause" in repository


def _memoised(is_pause: Callable[[str], bool]) -> Callable[[str], bool]:
    """A fleet repeats a handful of names thousands of times: decide each once."""
    seen: dict[str, bool] = {}

    def decide(image_name: str) -> bool:
        verdict = seen.get(image_name)
        if verdict is None:
            verdict = seen[image_name] = bool(is_pause(image_name))
        return verdict

    return decide


def _get_configmap(client: Any, name: str, budget: Budget, skipped: list[str],
                   host: str) -> dict | None:
    """An optional ConfigMap: absent on 404; any other failure is named in ``skipped``
    with why (403, a timeout, a refused answer), and the nodes read are still judged."""
    what = f"get configmaps {name} in {CONFIGMAP_NAMESPACE}"
    path = f"/api/v1/namespaces/{CONFIGMAP_NAMESPACE}/configmaps/{name}"
    try:
        body = get_json(client, path, (), budget, what, MAX_RESPONSE_BYTES)
    except _ReadFailed as exc:
        cause = exc.cause
        if isinstance(cause, _HttpStatus) and cause.status == 404:
            return None
        if isinstance(cause, _HttpStatus) and cause.status == 403:
            skipped.append(f"{what}: forbidden")
        elif isinstance(cause, _HttpStatus):
            skipped.append(f"{what}: {_status_words(cause.status)}")
        else:
            why = _reason(what, cause, host, budget.request_timeout).removesuffix(f" ({what})")
            skipped.append(f"{what}: {why}")
        return None
    return body if isinstance(body, dict) else None


def _cluster_configuration(configmap: dict, skipped: list[str]) -> tuple[str | None, str | None]:
    """kubernetesVersion and imageRepository, read by the kubeadm reader ``check`` uses.

    That reader composes YAML nodes and never expands an alias, so a "billion
    laughs" ClusterConfiguration costs its own size, not its expansion; a document
    it cannot read is a skip naming why, and the nodes are still judged.
    """
    from pauselint.model import Role
    from pauselint.sources.kubeadm import read_kubeadm

    data = configmap.get("data")
    text = data.get("ClusterConfiguration") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return None, None
    read = read_kubeadm("kubeadm-config", text)
    if read.errors:
        problem = read.errors[0].message
        skipped.append(f"kubeadm-config: ClusterConfiguration: {problem[:200]}")
    found = {setting.role: setting.value for setting in read.settings if setting.effective}
    return found.get(Role.KUBERNETES_VERSION), found.get(Role.IMAGE_REPOSITORY)


# --- reasons -------------------------------------------------------------------

_STATUS_WORDS = {
    400: "400 bad request",
    401: "401 unauthorized",
    403: "403 forbidden",
    404: "404 not found",
    405: "405 method not allowed",
    410: "410 gone",
    429: "429 too many requests",
}


def _status_words(status: int) -> str:
    if status in _STATUS_WORDS:
        return _STATUS_WORDS[status]
    if 500 <= status <= 599:
        return f"{status} server error"
    return f"HTTP {status}"


def _reason(what: str, cause: BaseException, host: str, timeout: float) -> str:
    """Turn a failed GET into one line a user can act on, without any credential."""
    if isinstance(cause, _HttpStatus):
        words = _status_words(cause.status)
        if cause.status == 401:
            return f"{words}: credentials rejected ({what})"
        if cause.status == 403:
            return f"{words}: {what}: missing permission"
        if cause.status == 410:
            return f"{words}: the continue token expired twice ({what})"
        return f"{words} ({what})"
    if isinstance(cause, Refused):
        return f"{cause.words} ({what})"
    if isinstance(cause, DeadlineExceeded):
        if cause.whole_context:
            return f"context timeout after {cause.seconds:g} s (--context-timeout) ({what})"
        return f"timeout after {cause.seconds:g} s ({what})"
    if isinstance(cause, json.JSONDecodeError):
        return f"invalid response: {what} did not return JSON"
    if isinstance(cause, ValueError) and "Location" in type(cause).__name__:
        # urllib3's LocationParseError: the kubeconfig's server is not a usable URL.
        return f"invalid server address for {host}: its URL cannot be parsed ({what})"
    chain = list(_causes(cause))
    for exc in chain:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return f"TLS: certificate verify failed: {exc.verify_message} ({host})"
    for exc in chain:
        if isinstance(exc, ssl.SSLError) or type(exc).__name__ == "SSLError":
            return f"TLS: {_first_line(exc)} ({host})"
    for exc in chain:
        if isinstance(exc, socket.gaierror) or type(exc).__name__ == "NameResolutionError":
            return f"DNS: name resolution failed for host {host}"
    for exc in chain:
        if isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__:
            return f"timeout after {timeout:g} s ({what})"
    for exc in chain:
        if isinstance(exc, ConnectionRefusedError):
            return f"connection refused by {host} ({what})"
    for exc in chain:
        if isinstance(exc, ConnectionError) or "Connection" in type(exc).__name__:
            return f"connection failed to {host} ({what})"
    if hasattr(cause, "status") and getattr(cause, "reason", None):
        # ApiException(status=0) wrapping an SSL error in the 37.x REST layer.
        text = str(cause.reason)
        if "SSL" in text:
            verdict = text.splitlines()[-1] if "\n" in text else text
            return f"TLS: {verdict} ({host})"
    return f"{type(cause).__name__} ({what})"


def _causes(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception, its ``reason`` (urllib3), and its cause/context chain."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)
        todo.extend(
            x
            for x in (reason, current.__cause__, current.__context__, *current.args)
            if isinstance(x, BaseException)
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
