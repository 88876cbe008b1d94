"""The online phase of a check: ask, for each node's sandbox image, the registries the
node itself would ask, in its order, and keep what they answered for the rules.

A runtime pulls from the first endpoint of its pull path that serves the image: a
mirror ``hosts.toml`` or ``registries.conf`` names, then the next, then (unless the
configuration says otherwise) the image's own registry; a 404 or an unreachable
endpoint moves it on (containerd ``remotes/docker/resolver.go`` ``Resolve`` tries each
host and returns the first error only when none answers). So the endpoints are asked
one after another per image, stopping at the first that serves it -- never all at
once, which would make a node whose mirror works look broken because upstream is not
reachable from an air-gapped network. Different images are asked concurrently, and
each distinct question once per run (the client's cache).

What the rules read is a :class:`Lookup` per image use (PL112 tag-missing, PL113
platform-missing, PL114 digest-differs); every answer that is no answer (DNS, TLS,
401/403, timeout) is an error naming the host, so the run exits 2 while the offline
rules still run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from pauselint.imageref import ImageRef
from pauselint.model import InputError, Location, Platform
from pauselint.online.deadline import Deadline
from pauselint.online.distribution import DEFAULT_TIMEOUT, RegistryClient
from pauselint.online.hosts import AuthEntries, HostSettings, api_host, credentials_from_auth_file
from pauselint.online.results import Failure, FailureKind, Manifest, ManifestResult
from pauselint.records import NamedTuple

DEFAULT_DEADLINE = 60.0
WORKERS = 8


class OnlineSettings(NamedTuple):
    """How the online phase may use the network: each request's timeout, the whole
    phase's deadline, and where credentials come from (``REGISTRY_AUTH_FILE``, else
    ``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``, as podman and the
    Docker client read them, and as ``pauselint registry`` does)."""

    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE
    auth_file: Path | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """One endpoint a pull asks: ``host`` serves ``name:ref`` over ``plain_http`` or
    HTTPS; ``shown`` is how a message names it (a URL and the file line that put it
    there)."""

    host: str
    name: str
    ref: str
    shown: str
    plain_http: bool = False
    http_fallback: bool = False
    ca_file: Path | None = None
    skip_verify: bool = False
    # hosts.toml headers for this host, sent with each request; never shown.
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # Where the API lives on the host (hosts.toml override_path: the server's path).
    api_root: str = "/v2"
    # Why this endpoint cannot be asked from here as the node asks it (its CA is a file
    # on the node that is not here), or None.
    unaskable: str | None = None
    # containerd's ?ns= for a mirror: the registry the image names.
    namespace: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one endpoint answered."""

    target: Target
    result: ManifestResult


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the pull path answered for one image use, in pull order.

    ``served`` is the manifest the node would get (the first endpoint that has it),
    None when none does. ``tag`` is the tag's own answer on that endpoint when the
    image is pulled by digest but also names a tag (PL114 compares the two).
    ``alternatives`` are tags of the serving repository made for the node's platform
    (``3.9-linuxarm64``), asked only when the served manifest lacks that platform.
    """

    image: ImageRef
    attempts: tuple[Attempt, ...]
    served: Manifest | None = None
    served_by: Target | None = None
    tag: ManifestResult | None = None
    alternatives: tuple[str, ...] = ()

    @property
    def missing(self) -> tuple[Attempt, ...]:
        """The endpoints that answered 404 (PL112 when none serves the image)."""
        return tuple(a for a in self.attempts if isinstance(a.result, Failure)
                     and a.result.kind is FailureKind.NOT_FOUND)

    @property
    def failures(self) -> tuple[Attempt, ...]:
        """The endpoints that could not be asked (the run's errors)."""
        return tuple(a for a in self.attempts if isinstance(a.result, Failure)
                     and a.result.kind is not FailureKind.NOT_FOUND)


class Job(NamedTuple):
    """An image use to look up: its key, image, pull path and the node's platform."""

    key: tuple[object, ...]
    image: ImageRef
    targets: tuple[Target, ...]
    platform: Platform | None
    location: Location


def default_targets(image: ImageRef) -> tuple[Target, ...]:
    """The image's own registry, as a runtime asks it with no mirror configured:
    HTTPS, with plain HTTP after it for a local registry (containerd's
    ``docker.IsLocalhost``: a registry on this host may speak either)."""
    host = api_host(image.registry)
    ref = image.digest or image.tag or "latest"
    local = _is_local(host)
    return (Target(host, image.repository, ref, f"https://{host}", http_fallback=local),)


def read_auth(settings: OnlineSettings) -> tuple[AuthEntries, str | None]:
    """The credentials of the auth file, and why it could not be read (never a value)."""
    path = settings.auth_file
    if path is None:
        given = os.environ.get("REGISTRY_AUTH_FILE")
        folder = os.environ.get("DOCKER_CONFIG")
        path = Path(given) if given else (
            Path(folder) if folder else Path.home() / ".docker") / "config.json"
        if not given and not path.is_file():
            return AuthEntries({}), None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not JSON"
        return AuthEntries({}), f"registry credentials {path}: {why}"
    if not isinstance(document, Mapping):
        return AuthEntries({}), f"registry credentials {path}: not a JSON object"
    entries = credentials_from_auth_file(document)
    problem = "; ".join(entries.problems) or None
    return entries, f"registry credentials {path}: {problem}" if problem else None


def ask(jobs: Sequence[Job], settings: OnlineSettings,
        ) -> tuple[dict[tuple[object, ...], Lookup], list[InputError]]:
    """Every job's lookup, and an error per endpoint that could not be asked."""
    auth, auth_problem = read_auth(settings)
    errors: list[InputError] = []
    if auth_problem:
        errors.append(InputError(None, None, auth_problem))
    deadline = Deadline(settings.deadline)
    clients = _Clients(auth, settings.timeout, deadline)
    unique = list({job.key: job for job in jobs}.values())
    if not unique:
        return {}, errors
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(unique)),
                            thread_name_prefix="pauselint-online") as pool:
        lookups = dict(zip((job.key for job in unique),
                           pool.map(lambda job: _look_up(job, clients), unique), strict=True))
    for job in unique:
        for attempt in lookups[job.key].failures:
            where = job.location
            errors.append(InputError(where.path, where.line,
                                     f"{job.image.original}: {attempt.result}", where.column))
    return lookups, list(dict.fromkeys(errors))


def platform_served(manifest: Manifest, platform: Platform,
                    windows_build: Callable[[str], str | None]) -> bool:
    """Whether ``manifest`` serves ``platform``: an entry with its OS and architecture
    (an arm variant, where the node's architecture names one, must match) and, for a
    Windows node of known version, that version's build."""
    arch, _, variant = platform.arch.partition("/")
    for remote in manifest.platforms:
        if remote.os != platform.os or remote.architecture != arch:
            continue
        if variant and remote.variant and remote.variant != variant:
            continue
        if platform.os == "windows" and platform.os_version and (
                remote.os_version is None
                or windows_build(remote.os_version) != platform.os_version):
            continue
        return True
    return False


def platform_tag_candidates(tag: str, platform: Platform) -> tuple[str, ...]:
    """Tags mirrors give a per-platform copy of ``tag``: ``3.9-linuxarm64`` (the
    Alibaba Cloud style the field notes record), ``3.9-arm64``, ``3.9-linux-arm64``."""
    arch = platform.arch.replace("/", "")
    return (f"{tag}-{platform.os}{arch}", f"{tag}-{platform.os}-{arch}", f"{tag}-{arch}")


# --- internals ---------------------------------------------------------------------


class _Clients:
    """One client per way of reaching hosts (settings are per host, so an endpoint
    with its own TLS options gets a client keyed by them), sharing the deadline."""

    def __init__(self, auth: AuthEntries, timeout: float, deadline: Deadline) -> None:
        self._auth = auth
        self._timeout = timeout
        self._deadline = deadline
        self._clients: dict[tuple[object, ...], RegistryClient] = {}

    def ask(self, target: Target, plain_http: bool, ref: str | None = None) -> ManifestResult:
        settings = HostSettings(plain_http=plain_http, ca_file=target.ca_file,
                                skip_verify=target.skip_verify,
                                credentials=self._auth.credentials.get(
                                    _auth_key(target.host)), headers=target.headers,
                                api_root=target.api_root, namespace=target.namespace)
        key = (target.host, plain_http, target.ca_file, target.skip_verify, target.headers,
               target.api_root, target.namespace)
        client = self._clients.get(key)
        if client is None:
            client = self._clients.setdefault(key, RegistryClient(
                {target.host: settings}, timeout=self._timeout, deadline=self._deadline))
        return client.manifest(target.host, target.name, ref or target.ref)


def _look_up(job: Job, clients: _Clients) -> Lookup:
    attempts: list[Attempt] = []
    for target in job.targets:
        if target.unaskable is not None:
            attempts.append(Attempt(target, Failure(FailureKind.TLS, target.host,
                                                    f"{target.host}: {target.unaskable}")))
            continue
        target, result = _ask(clients, target)
        attempts.append(Attempt(target, result))
        if isinstance(result, Manifest):
            return _served(job, clients, target, result, tuple(attempts))
    return Lookup(job.image, tuple(attempts))


def _ask(clients: _Clients, target: Target, ref: str | None = None,
         ) -> tuple[Target, ManifestResult]:
    """The answer of ``target``, and the target as it was really asked."""
    result = clients.ask(target, target.plain_http, ref)
    if (target.http_fallback and not target.plain_http and isinstance(result, Failure)
            and result.kind in (FailureKind.TLS, FailureKind.PROTOCOL,
                                FailureKind.CONNECTION, FailureKind.REFUSED)):
        # containerd falls back to plain HTTP for a local registry that does not
        # speak TLS (remotes/docker/config/hosts.go: HTTPFallback for localhost).
        plain = replace(target, plain_http=True, http_fallback=False,
                        shown=target.shown.replace("https://", "http://", 1))
        return plain, clients.ask(plain, True, ref)
    return target, result


def _served(job: Job, clients: _Clients, target: Target, manifest: Manifest,
            attempts: tuple[Attempt, ...]) -> Lookup:
    tag = None
    if job.image.digest and job.image.tag:
        tag = _ask(clients, target, job.image.tag)[1]
    alternatives: tuple[str, ...] = ()
    platform = job.platform
    if (platform is not None and manifest.platforms and job.image.tag
            and not platform_served(manifest, platform, _no_windows_builds)):
        for candidate in platform_tag_candidates(job.image.tag, platform):
            answer = _ask(clients, target, candidate)[1]
            if isinstance(answer, Manifest) and platform_served(answer, platform,
                                                                _no_windows_builds):
                alternatives = (candidate,)
                break
    return Lookup(job.image, attempts, manifest, target, tag, alternatives)


def _no_windows_builds(_build: str) -> str | None:
    """Per-platform tags are a Linux mirror's habit: a Windows build is not matched."""
    return None


def _auth_key(host: str) -> str:
    from pauselint.online.hosts import normalize_host

    return normalize_host(host)


def _is_local(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in ("localhost", "127.0.0.1", "[::1]", "::1") or name.startswith("127.")
