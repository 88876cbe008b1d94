"""Where a pull really goes: the endpoints a runtime tries for one image, in order.

A node's mirror configuration sends ``registry.k8s.io/pause:3.9`` somewhere else
first, and the online check must ask the registry the node would ask. Given an image
reference and the node's registry configuration -- containerd's hosts folders and the
``registry`` table of its config, or CRI-O's registries.conf and drop-ins -- this
module lists every endpoint the runtime would try, with the scheme, host, API root,
repository, TLS settings and capabilities it would use, and the place in a file that
put it there. Nothing here touches the network.

containerd's rules are those of ``remotes/docker/config/hosts.go`` (``ConfigureHosts``,
``parseHostConfig``), ``remotes/docker/resolver.go`` (``filterHosts``,
``addNamespace``) and the CRI plugin's ``registryHosts``/``registryEndpoints``
(``pkg/cri/server/image_pull.go`` at v1.7.24, ``internal/cri/server/images/image_pull.go``
at v2.1.9); which release does what is said where it is used. CRI-O's are
containers/image v5.36.1's (``docker/docker_image_src.go`` ``newImageSource``,
``pkg/sysregistriesv2`` ``PullSourcesFromReference``).
"""

from __future__ import annotations

import ipaddress
import os
import posixpath
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pauselint.imageref import ImageRef, ImageRefError, parse_image
from pauselint.model import ConfigFile, Location
from pauselint.sources.containerd_hosts import (
    HOSTS_FILE,
    LOCAL_PULL_KEYS,
    HostEntry,
    HostsFile,
    RegistrySection,
    Release,
    host_folders,
    parse_release,
)
from pauselint.sources.layering import placed
from pauselint.sources.registries_conf import (
    Registries,
    RegistriesConf,
    RegistryEntry,
    is_dropin,
    matching_prefix,
    merge,
)

ALL_CAPABILITIES = ("pull", "resolve", "push")
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
# containerd 2.2's default config_path on Linux (internal/cri/config/config_unix.go v2.2.0).
DEFAULT_CONFIG_PATH_22 = "/etc/containerd/certs.d:/etc/docker/certs.d"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One place a pull asks, as the runtime would ask it.

    ``api_root`` is the path the registry API lives under (``/v2``, or what
    ``override_path`` says); ``repository`` the name asked for there. ``namespace`` is
    containerd's ``?ns=`` (the registry the image names, sent to a mirror).
    ``http_fallback``: https is tried, then plain http. ``origin`` says what kind of
    entry it is; ``location`` where it is written, None for a default the runtime adds.
    """

    scheme: str
    host: str
    api_root: str
    repository: str
    reference: str
    origin: str
    location: Location | None = None
    capabilities: tuple[str, ...] = ("pull", "resolve")
    skip_verify: bool = False
    ca: tuple[str, ...] = ()
    client: tuple[tuple[str, str], ...] = ()
    header_names: tuple[str, ...] = ()
    http_fallback: bool = False
    namespace: str | None = None
    blocked: bool = False
    # hosts.toml ``[host."...".header]`` (name, value) pairs, sent by --online as the
    # runtime sends them; values may be secrets, so never shown (``header_names`` are).
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def manifest_url(self) -> str:
        """The URL a HEAD/GET of this image's manifest goes to (``?ns=`` included)."""
        path = posixpath.join("/", self.api_root, self.repository, "manifests", self.reference)
        url = f"{self.scheme}://{self.host}{path}"
        return f"{url}?ns={self.namespace}" if self.namespace else url


@dataclass(frozen=True, slots=True)
class PassedOver:
    """A configured endpoint the runtime does not try for this reference, and why."""

    what: str
    location: Location | None
    why: str


@dataclass(frozen=True, slots=True)
class PullPath:
    """The endpoints tried for ``image``, in order, and how the configuration was read.

    ``refusal`` is set when the runtime refuses the configuration itself (its CRI
    plugin does not load, every pull fails): then no endpoint is tried.
    """

    image: ImageRef
    endpoints: tuple[Endpoint, ...] = ()
    passed_over: tuple[PassedOver, ...] = ()
    notes: tuple[str, ...] = ()
    refusal: str | None = None
    refusal_location: Location | None = None


# --- containerd ------------------------------------------------------------------------


def is_localhost(host: str) -> bool:
    """``docker.IsLocalhost``: ``localhost`` or a loopback address, any port."""
    name, _ = _split_port(host)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def _split_port(host: str) -> tuple[str, str]:
    """``net.SplitHostPort`` leniently: ("host", "port") or (host, "") without a port."""
    if host.startswith("["):
        end = host.find("]")
        rest = host[end + 1:]
        return host[: end + 1], rest[1:] if rest.startswith(":") else ""
    if host.count(":") == 1:
        name, port = host.split(":")
        return name, port
    return host, ""


def _reference(image: ImageRef) -> str:
    """What is asked for: the digest when there is one (containerd resolves by digest),
    else the tag, ``latest`` when neither is written (the name is normalized so)."""
    return image.digest or image.tag or "latest"


def containerd_pull_path(image: ImageRef, release: str, section: RegistrySection | None,
                         hosts_files: Mapping[str, HostsFile],
                         folders: Collection[str] = ()) -> PullPath:
    """The endpoints containerd ``release``'s CRI plugin tries for ``image``.

    ``section`` is the registry table of the config containerd loads (None: none);
    ``hosts_files`` maps each hosts.toml's path on the node to what was read from it;
    ``folders`` are host folders known to exist without a hosts.toml (certificates
    only). Lookups are by the node paths ``config_path`` names.
    """
    rel = parse_release(release)
    notes: list[str] = []
    if section is not None and section.version == 1 and rel[0] >= 2:
        # 2.x renames a version 1 file's plugins.cri to io.containerd.grpc.v1.cri, which
        # has no registry in 2.x, and does not migrate it on to the images plugin
        # ("Ignoring unknown key in TOML for plugin" key=registry; config dump of 2.1.9).
        notes.append(f"containerd {_text(rel)} does not read the registry table of a "
                     "version 1 config (plugins.cri.registry): ignored")
        section = None
    if section is not None and section.version >= 3 and rel[0] < 2:
        return PullPath(image, refusal=(
            f"containerd {_text(rel)} does not load a version {section.version} config "
            "(\"unsupported config version\"): no image is pulled"),
            refusal_location=section.config_path_location)
    config_path = _config_path(rel, section, notes)
    mirrors = section.mirrors if section is not None else ()
    if mirrors and config_path:
        where = section.mirrors[0].location if section is not None else None
        return PullPath(image, notes=tuple(notes), refusal=(
            "`mirrors` cannot be set when `config_path` is provided: containerd's CRI plugin "
            "does not load, no image is pulled"), refusal_location=where)
    if section is not None and section.tls and config_path and rel[0] < 2:
        return PullPath(image, notes=tuple(notes), refusal=(
            "`configs.tls` cannot be set when `config_path` is provided: containerd's CRI "
            "plugin does not load, no image is pulled"), refusal_location=section.tls[0].location)
    if section is not None and section.tls and rel[0] >= 2:
        notes.append("registry.configs.*.tls is not read by containerd 2.x (gone from "
                     "RegistryConfig): its TLS settings do not apply")
    if config_path:
        roots = _roots(rel, config_path, section, notes)
        return _from_hosts_dirs(image, rel, roots, hosts_files, folders, notes)
    return _from_mirrors(image, rel, section, notes)


def _config_path(rel: Release, section: RegistrySection | None, notes: list[str]) -> str:
    """The config_path the CRI plugin ends up with, the release's default applied.

    2.2.0 and 2.2.1 set the default in DefaultImageConfig (kept under any file that does
    not set config_path) and a v2 file's empty config_path is filled in by migration;
    from 2.2.2 the default applies only when config_path is empty and no mirrors are
    set (plugins/cri/images/plugin.go, containerd#12617). Before 2.2: no default.
    """
    written = section.config_path if section is not None else None
    has_mirrors = bool(section is not None and section.mirrors)
    if rel[:2] != (2, 2) and rel[0] < 3:
        return written or ""
    if rel >= (2, 2, 2):
        if not written and not has_mirrors:
            notes.append(f"config_path not set: containerd {_text(rel)} uses its default "
                         f"{DEFAULT_CONFIG_PATH_22!r}")
            return DEFAULT_CONFIG_PATH_22
        return written or ""
    if written is None or (written == "" and section is not None and section.version == 2):
        notes.append(f"config_path {'not set' if written is None else 'empty in a v2 file'}: "
                     f"containerd {_text(rel)} uses {DEFAULT_CONFIG_PATH_22!r}")
        return DEFAULT_CONFIG_PATH_22
    return written


def _text(rel: Release) -> str:
    return ".".join(str(p) for p in rel)


def _local_pull(section: RegistrySection | None) -> str | None:
    """Why 2.1+ pulls locally (not through the transfer service), or None.

    ``CheckLocalImagePullConfigs`` (internal/cri/config/config.go v2.1.9): any legacy
    registry table, or an image setting the transfer service does not support.
    """
    if section is None:
        return None
    keys = dict(section.image_keys)
    if keys.get("use_local_image_pull") is True:
        return "use_local_image_pull = true"
    for key, neutral in LOCAL_PULL_KEYS:
        if key in keys and keys[key] != neutral:
            return f"{key} = {keys[key]!r}"
    if section.mirrors or section.configs_hosts or section.auths_hosts:
        return "a registry.mirrors/configs/auths table"
    return None


def _roots(rel: Release, config_path: str, section: RegistrySection | None,
           notes: list[str]) -> list[str]:
    """The folders config_path names, as the pull that runs reads it.

    The local pull splits it as a path list (``filepath.SplitList``, ``:`` on Linux);
    2.1+'s transfer service takes the whole value as one folder (``registry.WithHostDir``
    then ``HostDirFromRoot``, core/transfer/registry/registry.go v2.1.9; containerd#12808,
    open), so ``a:b`` finds nothing there.
    """
    if rel >= (2, 1, 0):
        why = _local_pull(section)
        if why is None:
            if ":" in config_path:
                notes.append(f"containerd {_text(rel)} pulls through the transfer service, "
                             f"which reads config_path {config_path!r} as one folder, not a "
                             "list (containerd#12808): no hosts.toml under it is found")
            return [config_path]
        notes.append(f"containerd {_text(rel)} pulls locally ({why}): config_path is a "
                     "list of folders")
    return config_path.split(":")


def _from_hosts_dirs(image: ImageRef, rel: Release, roots: Sequence[str],
                     hosts_files: Mapping[str, HostsFile], folders: Collection[str],
                     notes: list[str]) -> PullPath:
    """``hostDirFromRoots``: the first root with a folder for the host wins, and in a
    root the first of ``host_port_``, ``host``, ``_default`` that exists."""
    host = image.registry
    by_folder = {posixpath.dirname(p.replace("\\", "/")): f for p, f in hosts_files.items()}
    existing = set(by_folder) | {f.rstrip("/") for f in folders}
    for root in roots:
        for folder in host_folders(root, host):
            if folder not in existing:
                continue
            hosts = by_folder.get(folder)
            if hosts is None:
                notes.append(f"{folder} has no {HOSTS_FILE}: the registry itself, with the "
                             "folder's certificate files")
                return _resolved(image, rel, [HostEntry("", Location(None), top_level=True)],
                                 notes)
            rejection = hosts.rejection(rel)
            if rejection is not None:
                notes.append(f"{hosts.path} is ignored by containerd {_text(rel)} "
                             f"({rejection.message}): the registry itself")
                return _resolved(image, rel, [HostEntry("", Location(None), top_level=True)],
                                 notes)
            return _resolved(image, rel, [*hosts.hosts(rel), hosts.top], notes)
    return _resolved(image, rel, [HostEntry("", Location(None), top_level=True)], notes)


def _resolved(image: ImageRef, rel: Release, entries: Sequence[HostEntry],
              notes: list[str]) -> PullPath:
    """``ConfigureHosts`` over the hosts a file gives, then ``filterHosts``: a tag
    needs pull and resolve, a digest pull only."""
    wanted = ("pull",) if image.digest else ("pull", "resolve")
    endpoints: list[Endpoint] = []
    passed: list[PassedOver] = []
    for index, entry in enumerate(entries):
        last = index == len(entries) - 1
        endpoint = _host_endpoint(image, rel, entry, last)
        if endpoint is None:
            passed.append(PassedOver(entry.url, entry.location,
                                     "no host in the URL: containerd cannot ask it"))
            continue
        missing = [c for c in wanted if c not in endpoint.capabilities]
        if missing:
            passed.append(PassedOver(f"{endpoint.scheme}://{endpoint.host}", endpoint.location,
                                     f"capabilities lack {', '.join(missing)} "
                                     f"(a {'digest' if image.digest else 'tag'} pull needs "
                                     f"{' and '.join(wanted)})"))
            continue
        endpoints.append(endpoint)
    return PullPath(image, tuple(endpoints), tuple(passed), tuple(notes))


def _host_endpoint(image: ImageRef, rel: Release, entry: HostEntry,
                   last: bool) -> Endpoint | None:
    registry = image.registry
    capabilities = entry.capabilities or ALL_CAPABILITIES
    skip_verify = entry.skip_verify
    if entry.url:
        url = entry.url if entry.url.startswith("http") else f"https://{entry.url}"
        parts = urlsplit(url)
        scheme, host, path = parts.scheme, parts.netloc, parts.path
        if path:
            path = _clean(path)
            if not path.endswith("/v2") and not entry.override_path:
                path += "/v2"
        elif not entry.override_path:
            path = "/v2"
        origin = "server" if entry.top_level else "hosts.toml"
    else:
        host = ""
        scheme, path = "https", "/v2"
        origin = "default" if entry.location.path is None else "hosts.toml"
    if not host:
        if not last:
            return None
        # The last entry without a host is the registry itself (ConfigureHosts).
        capabilities, path = ALL_CAPABILITIES, "/v2"
        if registry == DOCKER_HUB:
            scheme, host = "https", DOCKER_HUB_API
        elif is_localhost(registry):
            host = registry
            port = _split_port(registry)[1]
            scheme = "https" if port in ("", "443") else "http"
            if port != "80":
                skip_verify = True
        else:
            scheme, host = "https", registry
        origin = "default"
    explicit_tls = bool(entry.ca or entry.client or entry.skip_verify is not None)
    fallback = False
    if scheme == "http" and explicit_tls:
        port = _split_port(host)[1]
        # 1.6 needs a port that is not 80; 1.7 and 2.x any but 80 (hosts.go).
        if port != "80" and (port != "" or rel[:2] != (1, 6)):
            scheme, fallback = "https", True
    return Endpoint(
        scheme=scheme, host=host, api_root=path, repository=image.repository,
        reference=_reference(image), origin=origin,
        location=entry.location if entry.location.path is not None and origin != "default"
        else None,
        capabilities=tuple(c for c in ALL_CAPABILITIES if c in capabilities),
        skip_verify=bool(skip_verify), ca=entry.ca, client=entry.client,
        header_names=entry.header_names, http_fallback=fallback,
        namespace=_namespace(registry, host),
        headers=tuple((name, value) for name, values in entry.header_values
                      for value in values))


def _namespace(registry: str, host: str) -> str | None:
    """``isProxy``: a host other than the registry's own gets ``?ns=<registry>``."""
    if host == registry or (registry == DOCKER_HUB and host == DOCKER_HUB_API):
        return None
    return registry


def _clean(path: str) -> str:
    """Go's ``path.Clean`` (posixpath keeps a leading ``//``; Go does not)."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _from_mirrors(image: ImageRef, rel: Release, section: RegistrySection | None,
                  notes: list[str]) -> PullPath:
    """``registryEndpoints`` then ``registryHosts`` without config_path: the mirror
    endpoints of the host (or of ``*``), then the registry itself unless an endpoint is
    it. Every one may pull and resolve; TLS from ``configs."<host>".tls`` (1.x)."""
    host = image.registry
    mirror = section.mirror_for(host) if section is not None else None
    written = list(mirror.endpoints) if mirror is not None else []
    tls = {t.host: t for t in section.tls} if section is not None and rel[0] < 2 else {}
    endpoints: list[Endpoint] = []
    passed: list[PassedOver] = []
    urls: list[tuple[str, Location | None]] = []
    for text, where in written:
        if "://" not in text:
            text = f"{'http' if is_localhost(urlsplit('dummy://' + text).netloc) else 'https'}" \
                   f"://{text}"
        urls.append((text, where))
    if not any(urlsplit(u).netloc == host for u, _ in urls):
        default_host = DOCKER_HUB_API if host == DOCKER_HUB else host
        urls.append((f"{'http' if is_localhost(default_host) else 'https'}://{default_host}",
                     None))
    for url, where in urls:
        parts = urlsplit(url)
        if not parts.netloc:
            passed.append(PassedOver(url, where, "no host in the URL: containerd cannot ask it"))
            continue
        config = tls.get(parts.netloc)
        skip = bool(config and config.insecure_skip_verify) or (
            config is None and is_localhost(host) and parts.scheme == "http")
        endpoints.append(Endpoint(
            scheme=parts.scheme, host=parts.netloc, api_root=parts.path or "/v2",
            repository=image.repository, reference=_reference(image),
            origin="registry.mirrors" if where is not None else "default", location=where,
            skip_verify=skip, ca=(config.ca_file,) if config and config.ca_file else (),
            namespace=_namespace(host, parts.netloc)))
    return PullPath(image, tuple(endpoints), tuple(passed), tuple(notes))


# --- CRI-O / podman (containers/image) ----------------------------------------------------


def containers_pull_path(image: ImageRef, registries: Registries) -> PullPath:
    """The endpoints containers/image tries for ``image`` (CRI-O, podman).

    A name without a registry host is a short name to CRI-O: each
    ``unqualified-search-registries`` entry is tried in order, each with its own
    mirrors (short-name aliases are not read here).
    """
    if registries.refusals:
        first = registries.refusals[0]
        return PullPath(image, refusal=first.message,
                        refusal_location=Location(first.path, first.line, first.column))
    if image.explicit_registry:
        return _containers_chain(image, registries)
    short = image.repository
    if image.registry == DOCKER_HUB and short.startswith("library/") and (
            "library/" not in image.original):
        short = short.removeprefix("library/")
    if not registries.search:
        return PullPath(image, refusal=(
            f"{short!r} is a short name and no unqualified-search-registries is set: "
            "containers/image cannot resolve it"))
    endpoints: list[Endpoint] = []
    passed: list[PassedOver] = []
    notes: list[str] = []
    suffix = image.normalized()[len(image.name):]
    for search in registries.search:
        try:
            candidate = parse_image(f"{search}/{short}{suffix}")
        except ImageRefError as err:
            passed.append(PassedOver(search, registries.search_where, str(err)))
            continue
        chain = _containers_chain(candidate, registries)
        endpoints += chain.endpoints
        passed += chain.passed_over
        notes += chain.notes
    return PullPath(image, tuple(endpoints), tuple(passed), tuple(notes))


def _containers_chain(image: ImageRef, registries: Registries) -> PullPath:
    """``newImageSource``: the best-matching registry's pull sources, mirrors first."""
    reference = image.normalized() if (image.tag or image.digest) else f"{image.name}:latest"
    entry = registries.find(image.name)
    # (the reference asked there, where it is written, insecure, origin)
    sources: list[tuple[str, Location | None, bool, str]] = []
    passed: list[PassedOver] = []
    if entry is None:
        sources.append((reference, None, False, "default"))
    else:
        for mirror in entry.mirrors:
            skip = _mirror_skipped(entry, mirror.pull_from_mirror, image)
            if skip is not None:
                passed.append(PassedOver(mirror.location, mirror.where, skip))
                continue
            sources.append((_rewrite(reference, entry.prefix, mirror.location), mirror.where,
                            mirror.insecure, "registries.conf mirror"))
        sources.append((_rewrite(reference, entry.prefix, entry.location), entry.where,
                        entry.insecure, "registries.conf location"))
    endpoints = []
    for physical, where, insecure, origin in sources:
        try:
            target = parse_image(physical)
        except ImageRefError as err:
            passed.append(PassedOver(physical, where, f"rewritten to no valid name: {err}"))
            continue
        # Blocked is the physical name's registry (newDockerClient's FindRegistry).
        owner = registries.find(target.name)
        host = DOCKER_HUB_API if target.registry == DOCKER_HUB else target.registry
        endpoints.append(Endpoint(
            scheme="https", host=host, api_root="/v2", repository=target.repository,
            reference=_reference(target), origin=origin, location=where,
            skip_verify=insecure, http_fallback=insecure,
            blocked=bool(owner is not None and owner.blocked)))
    return PullPath(image, tuple(endpoints), tuple(passed))


def _mirror_skipped(entry: RegistryEntry, pull_from: str, image: ImageRef) -> str | None:
    """``PullSourcesFromReference``: why a mirror is not used for this reference."""
    digested = image.digest is not None
    if entry.mirror_by_digest_only and not digested:
        return "mirror-by-digest-only = true and this is a tag pull"
    if not entry.mirror_by_digest_only:
        if pull_from == "digest-only" and not digested:
            return "pull-from-mirror = \"digest-only\" and this is a tag pull"
        if pull_from == "tag-only" and digested:
            return "pull-from-mirror = \"tag-only\" and this is a digest pull"
    return None


def _rewrite(reference: str, prefix: str, location: str) -> str:
    """``rewriteReference``: the location, then what follows the prefix in the name."""
    if not location:  # a wildcard prefix with no location: the reference as it is
        return reference
    length = matching_prefix(reference, prefix)
    return location + reference[length:] if length != -1 else reference


# --- a node's files, gathered ---------------------------------------------------------


def hosts_by_node_path(configs: Iterable[ConfigFile],
                       node_root: str | None = None) -> dict[str, HostsFile]:
    """The hosts.toml files among ``configs``, keyed by their path on the node (what
    ``config_path`` names): the file's place with ``node_root`` taken off, made absolute."""
    found: dict[str, HostsFile] = {}
    for config in configs:
        if isinstance(config.structure, HostsFile):
            found[_on_node(placed(config), node_root)] = config.structure
    return found


def registries_of(configs: Iterable[ConfigFile]) -> Registries:
    """The registries.conf files among ``configs`` merged as containers/image merges the
    main file and its registries.conf.d drop-ins (only ``*.conf`` there are read)."""
    main: RegistriesConf | None = None
    dropins: list[RegistriesConf] = []
    for config in configs:
        structure = config.structure
        if not isinstance(structure, RegistriesConf):
            continue
        where = placed(config)
        if is_dropin(where):
            if where.endswith(".conf"):
                dropins.append(structure)
        elif main is None:
            main = structure
    return merge(main, dropins)


def _on_node(path: str, node_root: str | None) -> str:
    path = path.replace("\\", "/")
    if node_root:
        root = node_root.replace("\\", "/").rstrip("/")
        if path == root or path.startswith(root + "/"):
            path = path[len(root):]
    return "/" + path.lstrip("/") if node_root or path.startswith("/") else path


# --- rendering --------------------------------------------------------------------------


def _where(endpoint: Endpoint) -> str:
    loc = endpoint.location
    if loc is None or loc.path is None:
        return endpoint.origin
    name = os.path.basename(loc.path)
    return f"{name}:{loc.line}" if loc.line is not None else name


def render(path: PullPath) -> str:
    """One line for ``show``: the image, then each endpoint's manifest URL and origin.

    ``registry.k8s.io/pause:3.9 → https://mirror.local/v2/pause/manifests/3.9
    (hosts.toml:3) → https://registry.k8s.io/v2/pause/manifests/3.9 (default)``. The
    ``?ns=`` query is left out, header values are never shown; flags in brackets.
    """
    head = path.image.original
    if path.refusal is not None:
        return f"{head} → no pull: {path.refusal}"
    if not path.endpoints:
        return f"{head} → no endpoint"
    parts = [head]
    for endpoint in path.endpoints:
        url = endpoint.manifest_url.split("?", 1)[0]
        flags = [name for name, on in (("blocked", endpoint.blocked),
                                       ("skip_verify", endpoint.skip_verify),
                                       ("http fallback", endpoint.http_fallback)) if on]
        flag_text = f" [{', '.join(flags)}]" if flags else ""
        parts.append(f"{url} ({_where(endpoint)}){flag_text}")
    return " → ".join(parts)
