"""A read-only client of the OCI distribution API, as a container runtime uses it.

``RegistryClient.manifest(host, name, ref)`` answers "does ``name:ref`` exist on
``host``, what is it, its digest and its platforms": a HEAD of
``/v2/<name>/manifests/<ref>`` with the ``Accept`` types a runtime sends (OCI index,
OCI manifest, Docker manifest list, Docker manifest v2), then a GET of the body by
digest for the platforms -- an index's or manifest list's entries, or for a
single-platform manifest its config blob's ``os``/``architecture``/``variant``/
``os.version``. ``tags(host, name)`` follows the ``Link`` header through every page.

One run, one client: each distinct question is asked once (a second caller of the
same question, concurrent or later, waits for and shares the first answer), every
request has a timeout and the whole run a :class:`~pauselint.online.deadline.Deadline`,
and ``manifests()`` asks many references on a small thread pool. Every outcome is a
value (:mod:`pauselint.online.results`); only :func:`pauselint.online.transport.send`
touches the network, and it sends nothing but GET and HEAD.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import quote, urlencode, urljoin, urlsplit

from pauselint import __version__
from pauselint.online import auth
from pauselint.online.deadline import Deadline
from pauselint.online.hosts import HostSettings, api_host
from pauselint.online.results import (
    Failure,
    FailureKind,
    Manifest,
    ManifestResult,
    RemotePlatform,
    Tags,
    TagsResult,
)
from pauselint.online.transport import Response, TLSOptions, send

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_SCHEMA1 = ("application/vnd.docker.distribution.manifest.v1+json",
                  "application/vnd.docker.distribution.manifest.v1+prettyjws")
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
IMAGE_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))
USER_AGENT = f"pauselint/{__version__}"
DEFAULT_TIMEOUT = 10.0
DEFAULT_DEADLINE = 60.0
DEFAULT_WORKERS = 4
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization",
                                 "www-authenticate"})
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_MAX_REDIRECTS = 5
_MAX_PAGES = 1000
_LINK_NEXT = re.compile(r'<([^>]*)>\s*;(?:[^,]*;)?\s*rel="?next"?', re.IGNORECASE)
# BuildKit puts provenance/SBOM manifests in the index under platform unknown/unknown.
_ATTESTATION = ("vnd.docker.reference.type", "attestation-manifest")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-f]{32,}")


class RegistryClient:
    """Questions to registries for one run, answered once each, within a deadline.

    ``hosts`` maps a host (``registry.example.com:5000`` as the reference writes it)
    to how it is reached; a host not in it is HTTPS with verification, anonymous.
    """

    def __init__(self, hosts: Mapping[str, HostSettings] | None = None, *,
                 timeout: float = DEFAULT_TIMEOUT, deadline: Deadline | None = None,
                 workers: int = DEFAULT_WORKERS) -> None:
        self._hosts = dict(hosts or {})
        self.timeout = timeout
        self.deadline = deadline or Deadline(DEFAULT_DEADLINE)
        self.workers = workers
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, ...], Future[object]] = {}
        # (host, scope) -> (Authorization value, monotonic expiry); hosts that want Basic.
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._basic_hosts: set[str] = set()

    def __repr__(self) -> str:
        return (f"RegistryClient(hosts={sorted(self._hosts)!r}, timeout={self.timeout:g}, "
                f"deadline={self.deadline!r}, workers={self.workers})")

    # --- the questions ---------------------------------------------------------------

    def manifest(self, host: str, name: str, ref: str) -> ManifestResult:
        """``name:ref`` (a tag or ``sha256:`` digest) on ``host``: a Manifest or a Failure
        (``NOT_FOUND`` for a 404)."""
        return self._once(("manifest", host, name, ref),
                          lambda: self._ask_manifest(host, name, ref))

    def manifests(self, refs: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str],
                                                                       ManifestResult]:
        """:meth:`manifest` for each ``(host, name, ref)``, concurrently; in input order."""
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(wanted))),
                                thread_name_prefix="pauselint-registry") as pool:
            futures = {ref: pool.submit(self.manifest, *ref) for ref in wanted}
            return {ref: future.result() for ref, future in futures.items()}

    def tags(self, host: str, name: str, page_size: int | None = None) -> TagsResult:
        """Every tag of ``name`` on ``host``, following ``Link: <...>; rel="next"``;
        ``page_size`` is sent as ``n=`` (the registry may give fewer)."""
        return self._once(("tags", host, name, str(page_size)),
                          lambda: self._ask_tags(host, name, page_size))

    # --- answers ---------------------------------------------------------------------

    def _ask_manifest(self, host: str, name: str, ref: str) -> ManifestResult:
        bad = _check_names(host, name, ref)
        if bad is not None:
            return bad
        root = self._settings(host).api_root
        path = f"{root}/{name}/manifests/{quote(ref, safe=':')}"
        head = self._request("HEAD", host, path, name, accept=ACCEPT)
        if isinstance(head, Failure):
            return head
        if head.status == 404:
            return Failure(FailureKind.NOT_FOUND, host, f"{host} has no {name}:{ref} (404)")
        digest = _valid_digest(head.header("docker-content-digest")) if head.status == 200 \
            else None
        by = f"{root}/{name}/manifests/{quote(digest, safe=':')}" if digest else path
        # Registries that do not answer HEAD (405, 400...) are asked by GET alone.
        got = self._request("GET", host, by, name, accept=ACCEPT)
        if isinstance(got, Failure):
            return got
        if got.status == 404:
            return Failure(FailureKind.NOT_FOUND, host, f"{host} has no {name}:{ref} (404)")
        if got.status != 200:
            return _unexpected(host, got.status, f"the manifest of {name}:{ref}")
        body_digest = "sha256:" + hashlib.sha256(got.body).hexdigest()
        digest = digest or _valid_digest(got.header("docker-content-digest")) or body_digest
        if ref.startswith("sha256:") and body_digest != ref:
            return Failure(FailureKind.PROTOCOL, host,
                           f"{host} answered {name}@{ref} with a manifest of another digest")
        try:
            document = json.loads(got.body)
        except ValueError:
            return Failure(FailureKind.PROTOCOL, host,
                           f"{host}: the manifest of {name}:{ref} is not JSON")
        if not isinstance(document, dict):
            return Failure(FailureKind.PROTOCOL, host,
                           f"{host}: the manifest of {name}:{ref} is not a JSON object")
        media_type = _media_type(got.header("content-type"), document)
        if media_type in INDEX_TYPES or "manifests" in document:
            platforms = _index_platforms(document)
            return Manifest(host, name, ref, media_type, digest, platforms, True)
        if media_type in DOCKER_SCHEMA1:
            architecture = document.get("architecture")
            platforms = ((RemotePlatform("linux", architecture),)
                         if isinstance(architecture, str) and architecture else ())
            return Manifest(host, name, ref, media_type, digest, platforms, False)
        config = document.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("digest"), str):
            return Manifest(host, name, ref, media_type, digest, (), False)
        platform = self._config_platform(host, name, config["digest"])
        if isinstance(platform, Failure):
            return platform
        return Manifest(host, name, ref, media_type, digest,
                        (platform,) if platform else (), False)

    def _config_platform(self, host: str, name: str, digest: str
                         ) -> RemotePlatform | Failure | None:
        answer = self._once(("blob", host, name, digest),
                            lambda: self._ask_config(host, name, digest))
        assert isinstance(answer, RemotePlatform | Failure | None)
        return answer

    def _ask_config(self, host: str, name: str, digest: str) -> RemotePlatform | Failure | None:
        root = self._settings(host).api_root
        got = self._request("GET", host, f"{root}/{name}/blobs/{quote(digest, safe=':')}", name)
        if isinstance(got, Failure):
            return got
        if got.status != 200:
            return _unexpected(host, got.status, f"the config blob {digest} of {name}")
        if "sha256:" + hashlib.sha256(got.body).hexdigest() != digest:
            return Failure(FailureKind.PROTOCOL, host,
                           f"{host} answered the config blob {digest} of {name} with other bytes")
        try:
            config = json.loads(got.body)
        except ValueError:
            return Failure(FailureKind.PROTOCOL, host,
                           f"{host}: the config blob {digest} of {name} is not JSON")
        return _platform(config) if isinstance(config, dict) else None

    def _ask_tags(self, host: str, name: str, page_size: int | None) -> TagsResult:
        bad = _check_names(host, name, None)
        if bad is not None:
            return bad
        path: str | None = f"{self._settings(host).api_root}/{name}/tags/list"
        if page_size:
            path += "?" + urlencode({"n": page_size})
        found: list[str] = []
        asked: set[str] = set()
        while path is not None:
            if path in asked or len(asked) >= _MAX_PAGES:
                return Failure(FailureKind.PROTOCOL, host,
                               f"{host}: the tag list of {name} pages in a loop")
            asked.add(path)
            got = self._request("GET", host, path, name)
            if isinstance(got, Failure):
                return got
            if got.status == 404:
                return Failure(FailureKind.NOT_FOUND, host,
                               f"{host} has no repository {name} (404)")
            if got.status != 200:
                return _unexpected(host, got.status, f"the tag list of {name}")
            try:
                page = json.loads(got.body)
                if "tags" not in page:  # null is an empty repository; absent is no list
                    raise ValueError
                tags = page["tags"] or []
                if not all(isinstance(tag, str) for tag in tags):
                    raise ValueError
            except (ValueError, AttributeError, TypeError):
                return Failure(FailureKind.PROTOCOL, host,
                               f"{host}: the tag list of {name} is not {{\"tags\": [...]}}")
            found += [tag for tag in tags if tag not in found]
            path = _next_page(got.header_all("link"), host, self._url(host, path))
        return Tags(host, name, tuple(found), len(asked))

    # --- requests, auth and redirects ------------------------------------------------

    def _once(self, key: tuple[str, ...], ask: Callable[[], object]) -> object:
        """The answer to ``key``, asked by the first caller only; the rest wait for it."""
        with self._lock:
            future = self._answers.get(key)
            mine = future is None
            if future is None:
                future = self._answers[key] = Future()
        if mine:
            try:
                future.set_result(ask())
            except BaseException as exc:  # a fault in pauselint: every waiter sees it
                future.set_exception(exc)
                raise
        return future.result()

    def _settings(self, host: str) -> HostSettings:
        return self._hosts.get(host) or HostSettings()

    def _url(self, host: str, path: str) -> str:
        settings = self._settings(host)
        scheme = "http" if settings.plain_http else "https"
        if settings.namespace:
            # containerd asks a mirror with ?ns=<the image's registry> (resolver.go
            # addNamespace): pull-through mirrors route by it.
            path += ("&" if "?" in path else "?") + urlencode({"ns": settings.namespace})
        return f"{scheme}://{api_host(host)}{path}"

    def _request(self, method: str, host: str, path: str, name: str,
                 accept: str | None = None) -> Response | Failure:
        """``method`` of ``path`` on ``host``, answering one challenge as runtimes do;
        a 401/403 that remains is an UNAUTHORIZED failure naming the host."""
        settings = self._settings(host)
        scope = auth.pull_scope(name)
        headers = {**dict(settings.headers), "User-Agent": USER_AGENT}
        if accept:
            headers["Accept"] = accept
        authorization = self._known_authorization(host, scope, settings)
        answered = False
        challenge: auth.Challenge | None = None
        while True:
            if authorization:
                headers["Authorization"] = authorization
            got = self._follow(method, self._url(host, path), headers, host)
            if isinstance(got, Failure) or got.status != 401 or answered:
                break
            answered = True
            challenge = auth.pick(auth.parse_challenges(got.header_all("www-authenticate")))
            if challenge is None:
                break
            answer = self._answer(challenge, host, scope, settings)
            if isinstance(answer, Failure):
                return answer
            authorization = answer
        if isinstance(got, Failure):
            return got
        if got.status == 401:
            again = auth.pick(auth.parse_challenges(got.header_all("www-authenticate")))
            if (challenge is not None and challenge.scheme == "bearer" and again is not None
                    and again.params.get("error") == "invalid_token"):
                realm_host = urlsplit(challenge.realm or "").netloc
                return Failure(FailureKind.UNAUTHORIZED, host,
                               f"{host} refused the token its token server {realm_host} "
                               f"gave: 401 for {name}")
            if settings.credentials is None:
                why = "needs credentials and none are configured for it"
            else:
                why = "refused the credentials configured for it"
            return Failure(FailureKind.UNAUTHORIZED, host, f"{host} {why}: 401 for {name}")
        if got.status == 403:
            return Failure(FailureKind.UNAUTHORIZED, host,
                           f"{host} denied access to {name} (403)")
        return got

    def _known_authorization(self, host: str, scope: str, settings: HostSettings) -> str | None:
        with self._lock:
            token = self._tokens.get((host, scope))
            basic = host in self._basic_hosts
        if token is not None and token[1] > time.monotonic():
            return token[0]
        if basic and settings.credentials is not None:
            return settings.credentials.basic_header()
        return None

    def _answer(self, challenge: auth.Challenge, host: str, scope: str,
                settings: HostSettings) -> str | Failure:
        """The ``Authorization`` value that answers ``challenge``, or why there is none."""
        if challenge.scheme == "basic":
            if settings.credentials is None:
                return Failure(FailureKind.UNAUTHORIZED, host,
                               f"{host} needs credentials (Basic) and none are configured "
                               "for it: 401")
            with self._lock:
                self._basic_hosts.add(host)
            return settings.credentials.basic_header()
        realm = challenge.realm
        if not realm or urlsplit(realm).scheme not in ("http", "https"):
            return Failure(FailureKind.PROTOCOL, host,
                           f"{host}: its Bearer challenge has no usable realm")
        query = {key: challenge.params[key] for key in ("service",) if key in challenge.params}
        query["scope"] = challenge.params.get("scope") or scope
        url = realm + ("&" if "?" in realm else "?") + urlencode(query)
        headers = {"User-Agent": USER_AGENT}
        if settings.credentials is not None:
            headers["Authorization"] = settings.credentials.basic_header()
        realm_host = urlsplit(realm).netloc
        got = self._follow("GET", url, headers, host)
        if isinstance(got, Failure):
            return Failure(got.kind, host, f"{host}: its token server {got.reason}")
        if got.status in (401, 403):
            whose = "the credentials configured for it" if settings.credentials else \
                "an anonymous token"
            return Failure(FailureKind.UNAUTHORIZED, host,
                           f"{host}: its token server {realm_host} refused {whose} "
                           f"({got.status})")
        if got.status != 200:
            return _unexpected(host, got.status, f"a token from {realm_host}")
        try:
            document = json.loads(got.body)
            token = document.get("token") or document.get("access_token")
            lifetime = float(document.get("expires_in") or 60)
            if not isinstance(token, str) or not token:
                raise ValueError
        except (ValueError, AttributeError, TypeError):
            return Failure(FailureKind.PROTOCOL, host,
                           f"{host}: its token server {realm_host} answered no token")
        value = f"Bearer {token}"
        expires = time.monotonic() + max(lifetime - 5, 1)
        with self._lock:
            self._tokens[(host, scope)] = (value, expires)
            self._tokens[(host, query["scope"])] = (value, expires)
        return value

    def _follow(self, method: str, url: str, headers: Mapping[str, str],
                host: str) -> Response | Failure:
        """:func:`send`, following redirects (blob stores hand out other hosts); the
        ``Authorization`` header is not carried to another host."""
        headers = dict(headers)
        for _ in range(_MAX_REDIRECTS + 1):
            target = urlsplit(url).netloc
            settings = self._hosts.get(target) or self._settings(host)
            got = send(method, url, headers,
                       tls=TLSOptions(settings.ca_file, settings.skip_verify),
                       timeout=self.timeout, deadline=self.deadline)
            if isinstance(got, Failure) or got.status not in _REDIRECTS:
                return got
            location = got.header("location")
            if not location:
                return got
            following = urljoin(url, location)
            if urlsplit(following).netloc != target:
                # Credentials stay with their host, whatever case hosts.toml wrote
                # them in (Go's http client drops these on a cross-host redirect).
                headers = {k: v for k, v in headers.items()
                           if k.lower() not in _CREDENTIAL_HEADERS}
            url = following
        return Failure(FailureKind.PROTOCOL, host, f"{host}: more than {_MAX_REDIRECTS} redirects")


def _valid_digest(header: str | None) -> str | None:
    """A ``Docker-Content-Digest`` that is a sha256 digest, else None (the body's own
    digest is used: a header is the registry's word, and may be anything)."""
    return header if header is not None and _DIGEST.fullmatch(header) else None


def _check_names(host: str, name: str, ref: str | None) -> Failure | None:
    """Names that cannot be a repository or reference never reach a URL."""
    if not _NAME.fullmatch(name):
        return Failure(FailureKind.PROTOCOL, host, f"{name!r} is not a repository name")
    if ref is not None and not _REF.fullmatch(ref):
        return Failure(FailureKind.PROTOCOL, host, f"{ref!r} is not a tag or digest")
    return None


def _unexpected(host: str, status: int, what: str) -> Failure:
    return Failure(FailureKind.STATUS, host, f"{host} answered {status} for {what}")


def _media_type(content_type: str | None, document: dict[str, object]) -> str:
    """The manifest's media type: the header's, or failing that the body's ``mediaType``."""
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared and declared not in ("application/json", "application/octet-stream",
                                     "text/plain"):
        return declared
    inner = document.get("mediaType")
    return inner if isinstance(inner, str) else declared


def _platform(fields: Mapping[str, object]) -> RemotePlatform | None:
    """os/architecture/variant/os.version of an index entry's ``platform`` or a config."""
    os_name, architecture = fields.get("os"), fields.get("architecture")
    if not isinstance(os_name, str) or not isinstance(architecture, str):
        return None
    if not os_name or not architecture:
        return None
    variant, os_version = fields.get("variant"), fields.get("os.version")
    return RemotePlatform(os_name, architecture,
                          variant if isinstance(variant, str) and variant else None,
                          os_version if isinstance(os_version, str) and os_version else None)


def _index_platforms(document: Mapping[str, object]) -> tuple[RemotePlatform, ...]:
    entries = document.get("manifests")
    found: list[RemotePlatform] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        annotations = entry.get("annotations")
        if isinstance(annotations, dict) and annotations.get(_ATTESTATION[0]) == _ATTESTATION[1]:
            continue
        platform = entry.get("platform")
        described = _platform(platform) if isinstance(platform, dict) else None
        if described is not None and described not in found:
            found.append(described)
    return tuple(found)


def _next_page(links: list[str], host: str, current: str) -> str | None:
    """The path of the next tags page from ``Link`` headers, on the same host only."""
    for link in links:
        match = _LINK_NEXT.search(link)
        if match is None:
            continue
        target = urlsplit(urljoin(current, match.group(1)))
        if target.netloc and target.netloc != urlsplit(current).netloc:
            return None
        return target.path + (f"?{target.query}" if target.query else "")
    return None
