"""The pull path: which endpoints a runtime tries for an image, in order, and why.

Every precedence rule is asserted with the runtime source line it comes from:
containerd at v1.6.36/v1.7.24/v2.1.9/v2.2.0/v2.2.7 (``remotes/docker/config/hosts.go``,
``remotes/docker/resolver.go``, the CRI plugin's ``image_pull.go`` and
``plugins/cri/images/plugin.go``), containers/image v5.36.1
(``pkg/sysregistriesv2/system_registries_v2.go``, ``docker/docker_image_src.go``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

from pauselint.imageref import parse_image
from pauselint.model import Location
from pauselint.pullpath import (
    DEFAULT_CONFIG_PATH_22,
    Endpoint,
    PassedOver,
    PullPath,
    containerd_pull_path,
    containers_pull_path,
    hosts_by_node_path,
    registries_of,
    render,
)
from pauselint.sources import registry
from pauselint.sources.containerd_hosts import (
    HostsFile,
    RegistrySection,
    read_hosts,
    read_registry_section,
)
from pauselint.sources.containerd_hosts import read_source as hosts_source
from pauselint.sources.kinds import InputType
from pauselint.sources.registries_conf import Registries, merge, read_registries_conf
from pauselint.sources.registries_conf import read_source as conf_source
from pauselint.sources.source_text import SourceText

DATA = Path(__file__).resolve().parent / "sources" / "data" / "hosts"
NODE = DATA / "containerd"
HOSTS = "containerd/etc/containerd/certs.d/registry.k8s.io/hosts.toml"
DIGEST = "sha256:" + "a" * 64


def node_hosts(root: Path = NODE) -> dict[str, HostsFile]:
    """Each hosts.toml of a fixture node, keyed by its path on the node."""
    found = {}
    for path in sorted(root.rglob("hosts.toml")):
        config = read_hosts(str(path.relative_to(DATA)), path.read_text())
        found["/" + str(path.relative_to(root))] = config.structure
    return found


def section(text: str, path: str = "config.toml") -> RegistrySection | None:
    return read_registry_section(path, text)


FIXTURE_SECTION = section((NODE / "etc/containerd/config.toml").read_text(),
                          "containerd/etc/containerd/config.toml")
LEGACY_SECTION = section((DATA / "legacy/etc/containerd/config.toml").read_text(),
                         "legacy/etc/containerd/config.toml")


def pull(image: str, release: str = "1.7.24",
         config: RegistrySection | None = FIXTURE_SECTION,
         hosts: dict[str, HostsFile] | None = None, folders: tuple[str, ...] = ()) -> PullPath:
    return containerd_pull_path(parse_image(image), release, config,
                                node_hosts() if hosts is None else hosts, folders)


def urls(path: PullPath) -> list[str]:
    return [e.manifest_url for e in path.endpoints]


# --- containerd: hosts.toml --------------------------------------------------------------


def test_mirror_then_server_with_every_setting() -> None:
    """hosts.go parseHostsFile: [host] entries in order, ``server`` last; resolver.go
    ``filterHosts(HostCapabilityPull|HostCapabilityResolve)`` for a tag drops the
    pull-only host; ``addNamespace``/``isProxy``: a host that is not the registry gets
    ``?ns=registry.k8s.io``."""
    path = pull("registry.k8s.io/pause:3.9")
    assert path.endpoints == (
        Endpoint("https", "mirror.local", "/v2", "pause", "3.9", "hosts.toml",
                 Location(HOSTS, 3, 7), ("pull", "resolve"), ca=("mirror-ca.pem",),
                 namespace="registry.k8s.io"),
        Endpoint("https", "registry.k8s.io", "/v2", "pause", "3.9", "server",
                 Location(HOSTS, 1, 10), ("pull", "resolve", "push")),
    )
    assert path.passed_over == (PassedOver(
        "https://10.0.0.5:5000", Location(HOSTS, 7, 7),
        "capabilities lack resolve (a tag pull needs pull and resolve)"),)
    assert path.endpoints[0].manifest_url == \
        "https://mirror.local/v2/pause/manifests/3.9?ns=registry.k8s.io"
    assert path.refusal is None


def test_a_digest_pull_uses_pull_only_hosts_too() -> None:
    """resolver.go Resolve: with a digest, ``caps = HostCapabilityPull`` only."""
    path = pull(f"registry.k8s.io/pause@{DIGEST}")
    assert [(e.host, e.reference) for e in path.endpoints] == [
        ("mirror.local", DIGEST), ("10.0.0.5:5000", DIGEST), ("registry.k8s.io", DIGEST)]
    assert path.passed_over == ()


@pytest.mark.parametrize(("release", "scheme", "fallback"), [
    ("1.6.36", "http", False), ("1.7.24", "https", True), ("2.1.9", "https", True)])
def test_http_with_tls_settings_tries_https_first(release: str, scheme: str,
                                                  fallback: bool) -> None:
    """hosts.go ConfigureHosts: ``host.scheme == "http" && explicitTLS`` and the port is not
    80 -> https with docker.NewHTTPFallback; v1.6.36 also needs a port (``port != ""``)."""
    text = '[host."http://mirror.local"]\n  skip_verify = true\n'
    hosts = {"/etc/containerd/certs.d/registry.k8s.io/hosts.toml":
             read_hosts("h.toml", text).structure}
    (mirror, _) = pull("registry.k8s.io/pause:3.9", release, hosts=hosts).endpoints
    assert (mirror.scheme, mirror.http_fallback, mirror.skip_verify) == (scheme, fallback, True)


def test_override_path_and_the_default_folder() -> None:
    """config_unix.go hostPaths: a registry without a folder falls back to ``_default``;
    parseHostConfig: ``override_path`` keeps the path as written, no ``/v2`` added."""
    path = pull("quay.io/x/pause:1")
    assert urls(path) == ["https://cache.local/v2/proxy/x/pause/manifests/1?ns=quay.io",
                          "https://quay.io/v2/x/pause/manifests/1"]
    assert path.endpoints[1].origin == "default" and path.endpoints[1].location is None


@pytest.mark.parametrize(("url", "override", "root"), [
    ("https://m.local", False, "/v2"),
    ("https://m.local/k8s", False, "/k8s/v2"),
    ("https://m.local/k8s/v2/", False, "/k8s/v2"),
    ("https://m.local/a/../v2", False, "/v2"),
    ("https://m.local/k8s", True, "/k8s"),
    ("m.local:5000", False, "/v2"),
])
def test_api_root_from_a_host_url(url: str, override: bool, root: str) -> None:
    """parseHostConfig: no scheme is https; a path is cleaned and gets ``/v2`` unless it
    ends in it or ``override_path`` is set."""
    text = f'[host."{url}"]\n' + ("  override_path = true\n" if override else "")
    hosts = {"/etc/containerd/certs.d/registry.k8s.io/hosts.toml":
             read_hosts("h.toml", text).structure}
    mirror = pull("registry.k8s.io/pause:3.9", hosts=hosts).endpoints[0]
    assert (mirror.scheme, mirror.api_root) == ("https", root)


def test_host_with_port_has_its_own_folder() -> None:
    """hostPaths tries ``mirror.local_5000_`` first for ``mirror.local:5000``."""
    (mirror, default) = pull("mirror.local:5000/pause:1").endpoints
    assert (mirror.origin, mirror.location.line, mirror.namespace) == ("hosts.toml", 1, None)
    assert (default.scheme, default.host) == ("https", "mirror.local:5000")


def test_server_only_file_depends_on_the_release() -> None:
    """v1.7.24 getSortedHosts refuses a file without [host] and loadHostDir pulls from the
    registry itself (docker.io's is registry-1.docker.io, ConfigureHosts); 2.x reads it."""
    old = pull("docker.io/library/pause:3.9", "1.7.24")
    assert urls(old) == ["https://registry-1.docker.io/v2/library/pause/manifests/3.9"]
    assert old.notes == (
        "containerd/etc/containerd/certs.d/docker.io/hosts.toml is ignored by containerd "
        "1.7.24 (no [host] table: containerd 1.6 and 1.7 before 1.7.32 refuse such a "
        "hosts.toml (\"invalid `host` tree\") and pull from the registry itself, server "
        "ignored): the registry itself",)
    new = pull("docker.io/library/pause:3.9", "2.1.9")
    assert urls(new) == [
        "https://docker-mirror.local/v2/library/pause/manifests/3.9?ns=docker.io"]
    assert new.endpoints[0].location == Location(
        "containerd/etc/containerd/certs.d/docker.io/hosts.toml", 1, 10)


def test_2x_asks_a_host_twice_after_a_later_sub_table() -> None:
    """v2.1.9 getSortedHosts appends a host whenever it differs from the previous header."""
    assert [e.host for e in pull("quirk.example/pause:1", "1.7.24").endpoints] == [
        "a.local", "b.local", "quirk.example"]
    assert [e.host for e in pull("quirk.example/pause:1", "2.1.9").endpoints] == [
        "a.local", "b.local", "a.local", "quirk.example"]


def test_a_hosts_file_containerd_cannot_decode_means_the_registry_itself() -> None:
    """hosts.go loadHostDir: on a parse error, ``loadCertFiles`` -- one default host."""
    hosts = {"/etc/containerd/certs.d/registry.k8s.io/hosts.toml": read_hosts(
        "h.toml", '[host."https://m"]\ncapabilities = ["fetch"]\n').structure}
    path = pull("registry.k8s.io/pause:3.9", hosts=hosts)
    assert urls(path) == ["https://registry.k8s.io/v2/pause/manifests/3.9"]
    assert "unknown capability 'fetch'" in path.notes[0]


def test_a_folder_with_certificates_only() -> None:
    """loadHostDir: no hosts.toml -> loadCertFiles: the registry itself."""
    path = pull("quay.io/x/pause:1", hosts={},
                folders=("/etc/containerd/certs.d/quay.io",))
    assert urls(path) == ["https://quay.io/v2/x/pause/manifests/1"]
    assert path.notes == ("/etc/containerd/certs.d/quay.io has no hosts.toml: the registry "
                          "itself, with the folder's certificate files",)


def test_the_first_root_with_any_folder_wins_even_its_default() -> None:
    """image_pull.go hostDirFromRoots stops at the first root whose HostDirFromRoot finds
    a folder, and hostPaths includes ``_default`` -- so a/_default beats b/<host>."""
    text = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/a:/b"\n'
    hosts = {"/a/_default/hosts.toml": read_hosts("a.toml", '[host."https://a"]\n').structure,
             "/b/registry.k8s.io/hosts.toml": read_hosts("b.toml",
                                                         '[host."https://b"]\n').structure}
    assert [e.host for e in pull("registry.k8s.io/pause:3.9", "1.7.24", section(text),
                                 hosts).endpoints] == ["a", "registry.k8s.io"]


LIST_PATH = ('version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n'
             'config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n')


def test_2_1_transfer_service_reads_a_path_list_as_one_folder() -> None:
    """v2.1.9 image_pull.go pullImageWithTransferService: ``registry.WithHostDir(ConfigPath)``
    and core/transfer/registry/registry.go ``HostDirFromRoot(ropts.hostDir)`` -- no
    SplitList (containerd#12808, open); the local pull (``registryHosts``) splits it."""
    transfer = pull("registry.k8s.io/pause:3.9", "2.1.9", section(LIST_PATH),
                    hosts={"/etc/containerd/certs.d/registry.k8s.io/hosts.toml":
                           read_hosts("h.toml", '[host."https://m"]\n').structure})
    assert [e.host for e in transfer.endpoints] == ["registry.k8s.io"]
    assert transfer.notes == (
        "containerd 2.1.9 pulls through the transfer service, which reads config_path "
        "'/etc/containerd/certs.d:/etc/docker/certs.d' as one folder, not a list "
        "(containerd#12808): no hosts.toml under it is found",)


@pytest.mark.parametrize(("extra", "why"), [
    ("use_local_image_pull = true", "use_local_image_pull = true"),
    ("discard_unpacked_layers = true", "discard_unpacked_layers = True"),
    ("max_concurrent_downloads = 10", "max_concurrent_downloads = 10"),
    ("disable_snapshot_annotations = false", "disable_snapshot_annotations = False"),
])
def test_2_1_local_pull_splits_the_path_list(extra: str, why: str) -> None:
    """v2.1.9 internal/cri/config/config.go CheckLocalImagePullConfigs: these settings make
    the CRI plugin pull locally, where config_path is ``filepath.SplitList``-ed."""
    text = ('version = 3\n[plugins."io.containerd.cri.v1.images"]\n' + extra + "\n"
            '[plugins."io.containerd.cri.v1.images".registry]\n'
            'config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n')
    hosts = {"/etc/docker/certs.d/registry.k8s.io/hosts.toml":
             read_hosts("h.toml", '[host."https://m"]\n').structure}
    path = pull("registry.k8s.io/pause:3.9", "2.1.9", section(text), hosts)
    assert [e.host for e in path.endpoints] == ["m", "registry.k8s.io"]
    assert path.notes == (f"containerd 2.1.9 pulls locally ({why}): config_path is a list "
                          "of folders",)


def test_2_0_pulls_locally_always() -> None:
    """v2.0.0 image_pull.go has no transfer-service pull: config_path is split."""
    hosts = {"/etc/docker/certs.d/registry.k8s.io/hosts.toml":
             read_hosts("h.toml", '[host."https://m"]\n').structure}
    path = pull("registry.k8s.io/pause:3.9", "2.0.7", section(LIST_PATH), hosts)
    assert [e.host for e in path.endpoints] == ["m", "registry.k8s.io"]


V2_EMPTY = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = ""\n'
V3_EMPTY = 'version = 3\n[plugins."io.containerd.cri.v1.images".registry]\nconfig_path = ""\n'


@pytest.mark.parametrize(("release", "text", "note"), [
    # Before 2.2 there is no default: no hosts folder is looked at.
    ("2.1.9", None, None),
    ("1.7.24", V2_EMPTY, None),
    # v2.2.7 plugins/cri/images/plugin.go: the default when config_path is empty and no
    # mirrors are set.
    ("2.2.7", None, f"config_path not set: containerd 2.2.7 uses its default "
                    f"{DEFAULT_CONFIG_PATH_22!r}"),
    ("2.2.7", V3_EMPTY, f"config_path not set: containerd 2.2.7 uses its default "
                        f"{DEFAULT_CONFIG_PATH_22!r}"),
    # v2.2.0 config_unix.go DefaultImageConfig, kept under a file that does not set it;
    # an explicitly empty one in a v3 file stays empty, in a v2 file migrateConfig fills it.
    ("2.2.0", None, f"config_path not set: containerd 2.2.0 uses {DEFAULT_CONFIG_PATH_22!r}"),
    ("2.2.0", V3_EMPTY, None),
    ("2.2.1", V2_EMPTY, f"config_path empty in a v2 file: containerd 2.2.1 uses "
                        f"{DEFAULT_CONFIG_PATH_22!r}"),
])
def test_default_config_path(release: str, text: str | None, note: str | None) -> None:
    hosts = {"/etc/containerd/certs.d/registry.k8s.io/hosts.toml":
             read_hosts("h.toml", '[host."https://m"]\n').structure}
    path = pull("registry.k8s.io/pause:3.9", release,
                section(text) if text is not None else None, hosts)
    # With the default, 2.2's transfer service reads the list as one folder: the
    # registry itself either way, but the note says which reading it was.
    assert [e.host for e in path.endpoints] == ["registry.k8s.io"]
    assert (path.notes[0] if path.notes else None) == note


@pytest.mark.parametrize("release", ["1.6.36", "1.7.24", "2.1.9", "2.2.7"])
def test_mirrors_with_config_path_stop_the_cri_plugin(release: str) -> None:
    """ValidatePluginConfig (1.x) / ValidateImageConfig (2.x): "`mirrors` cannot be set
    when `config_path` is provided" -- the CRI plugin fails to load."""
    text = ('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n'
            'config_path = "/etc/containerd/certs.d"\n'
            '[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n'
            'endpoint = ["https://m"]\n')
    path = pull("registry.k8s.io/pause:3.9", release, section(text))
    assert path.endpoints == ()
    assert path.refusal == ("`mirrors` cannot be set when `config_path` is provided: "
                            "containerd's CRI plugin does not load, no image is pulled")
    assert path.refusal_location == Location("config.toml", 5, 12)


def test_2_2_0_default_config_path_refuses_legacy_mirrors() -> None:
    """v2.2.0 put the default into DefaultImageConfig, so a file with mirrors and no
    config_path fails validation (containerd#12612); v2.2.2 sets it only without mirrors."""
    assert pull("registry.k8s.io/pause:3.9", "2.2.0", LEGACY_SECTION).refusal is not None
    assert pull("registry.k8s.io/pause:3.9", "2.2.2", LEGACY_SECTION).refusal is None


def test_legacy_tls_with_config_path_stops_1x_only() -> None:
    """v1.7.24 ValidatePluginConfig: "`configs.tls` cannot be set when `config_path` is
    provided"; v2.1.9's RegistryConfig has no TLS field at all."""
    text = ('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n'
            'config_path = "/etc/containerd/certs.d"\n'
            '[plugins."io.containerd.grpc.v1.cri".registry.configs."m".tls]\n'
            'insecure_skip_verify = true\n')
    assert pull("registry.k8s.io/pause:3.9", "1.7.24", section(text)).refusal == (
        "`configs.tls` cannot be set when `config_path` is provided: containerd's CRI plugin "
        "does not load, no image is pulled")
    assert pull("registry.k8s.io/pause:3.9", "2.0.7", section(text), {}).refusal is None


# --- containerd: registry.mirrors --------------------------------------------------------

LEGACY = "legacy/etc/containerd/config.toml"


def test_legacy_mirrors_then_the_registry() -> None:
    """image_pull.go registryEndpoints: the host's endpoints, then the registry unless an
    endpoint is it; a path is kept as written (``/v2`` only when empty); every endpoint
    may pull and resolve; 1.x applies ``configs."mirror.local".tls``."""
    path = pull("registry.k8s.io/pause:3.9", "1.7.24", LEGACY_SECTION, {})
    assert path.endpoints == (
        Endpoint("https", "mirror.local", "/v2", "pause", "3.9", "registry.mirrors",
                 Location(LEGACY, 6, 19), skip_verify=True, namespace="registry.k8s.io"),
        Endpoint("http", "10.0.0.5:5000", "/k8s", "pause", "3.9", "registry.mirrors",
                 Location(LEGACY, 6, 43), namespace="registry.k8s.io"),
        Endpoint("https", "registry.k8s.io", "/v2", "pause", "3.9", "default"),
    )
    assert not pull("registry.k8s.io/pause:3.9", "2.1.9", LEGACY_SECTION, {}).endpoints[0] \
        .skip_verify


def test_legacy_wildcard_mirror_and_no_default_when_an_endpoint_is_the_registry() -> None:
    """registryEndpoints: ``Mirrors[host]`` else ``Mirrors["*"]``; addDefaultScheme adds
    https to ``mirror.local``; ``u.Host == host`` (docker.io itself is listed) -> no
    default endpoint, so containerd asks docker.io, not registry-1.docker.io."""
    path = pull("docker.io/library/pause:3.9", "1.7.24", LEGACY_SECTION, {})
    assert [(e.scheme, e.host, e.location) for e in path.endpoints] == [
        ("https", "mirror.local", Location(LEGACY, 8, 19)),
        ("https", "docker.io", Location(LEGACY, 8, 35))]


def test_no_mirror_configured_at_all() -> None:
    """Without config_path or mirrors: the registry (DefaultHost: registry-1.docker.io);
    localhost is plain http with TLS checks off (``defaultScheme``, ``IsLocalhost``)."""
    assert urls(pull("docker.io/library/pause:3.9", "1.7.24", None, {})) == [
        "https://registry-1.docker.io/v2/library/pause/manifests/3.9"]
    (local,) = pull("localhost:5000/pause:1", "1.7.24", None, {}).endpoints
    assert (local.scheme, local.skip_verify) == ("http", True)
    (latest,) = pull("registry.k8s.io/pause", "1.7.24", None, {}).endpoints
    assert latest.reference == "latest"


# --- CRI-O / containers/image -----------------------------------------------------------

ETC = DATA / "crio" / "etc" / "containers"


def crio_registries() -> Registries:
    main = read_registries_conf("registries.conf", (ETC / "registries.conf").read_text())
    dropins = [read_registries_conf(p.name, p.read_text(), dropin=True).structure
               for p in sorted((ETC / "registries.conf.d").iterdir())]
    return merge(main.structure, dropins)


def crio(image: str) -> PullPath:
    return containers_pull_path(parse_image(image), crio_registries())


def test_containers_mirrors_in_order_then_the_location() -> None:
    """PullSourcesFromReference: mirrors (a ``digest-only`` one skipped for a tag), then
    the primary; rewriteReference puts the mirror's location before the rest of the name."""
    path = crio("registry.k8s.io/coredns:1")
    assert path.endpoints == (
        Endpoint("https", "mirror.local", "/v2", "k8s/coredns", "1", "registries.conf mirror",
                 Location("registries.conf", 8, 12)),
        Endpoint("https", "registry.k8s.io", "/v2", "coredns", "1",
                 "registries.conf location", Location("registries.conf", 5, 12)),
    )
    assert path.passed_over == (PassedOver(
        "digest-mirror.local", Location("registries.conf", 11, 12),
        'pull-from-mirror = "digest-only" and this is a tag pull'),)
    assert [e.host for e in crio(f"registry.k8s.io/coredns@{DIGEST}").endpoints] == [
        "mirror.local", "digest-mirror.local", "registry.k8s.io"]


def test_containers_longest_prefix_from_a_dropin() -> None:
    """FindRegistry: the longest prefix; the drop-in's registry.k8s.io/pause wins for the
    pause image, its insecure flag lets https fail over to http (detectPropertiesHelper)."""
    (endpoint,) = crio("registry.k8s.io/pause:3.9").endpoints
    assert endpoint == Endpoint("https", "pause-cache.local", "/v2", "k8s/pause", "3.9",
                                "registries.conf location", Location("10-pause.conf", 4, 12),
                                skip_verify=True, http_fallback=True)


def test_containers_mirror_by_digest_only() -> None:
    """PullSourcesFromReference: ``MirrorByDigestOnly`` uses mirrors for digests only."""
    text = ('[[registry]]\nlocation = "r.io"\nmirror-by-digest-only = true\n'
            '[[registry.mirror]]\nlocation = "m.io"\n')
    registries = merge(read_registries_conf("r.conf", text).structure, [])
    tag = containers_pull_path(parse_image("r.io/pause:3.9"), registries)
    assert [e.host for e in tag.endpoints] == ["r.io"]
    assert tag.passed_over[0].why == "mirror-by-digest-only = true and this is a tag pull"
    digest = containers_pull_path(parse_image(f"r.io/pause@{DIGEST}"), registries)
    assert [e.host for e in digest.endpoints] == ["m.io", "r.io"]


def test_containers_tag_only_mirror_is_skipped_for_a_digest() -> None:
    text = ('[[registry]]\nlocation = "r.io"\n[[registry.mirror]]\nlocation = "m.io"\n'
            'pull-from-mirror = "tag-only"\n')
    registries = merge(read_registries_conf("r.conf", text).structure, [])
    assert [e.host for e in containers_pull_path(parse_image(f"r.io/p@{DIGEST}"),
                                                 registries).endpoints] == ["r.io"]


def test_containers_blocked_and_default() -> None:
    """docker_client.go newDockerClient: a blocked registry refuses the pull; a name no
    registry matches is pulled from where it says (docker.io: registry-1.docker.io)."""
    (blocked,) = crio("blocked.example/p:1").endpoints
    assert blocked.blocked
    (hub,) = crio("docker.io/library/pause:3.9").endpoints
    assert (hub.host, hub.repository, hub.origin) == ("registry-1.docker.io", "library/pause",
                                                      "default")


def test_containers_short_name_uses_the_search_list() -> None:
    """A short name is tried on each unqualified-search-registries entry; the drop-in's
    list replaced the main file's (updateWithConfigurationFrom)."""
    assert urls(crio("pause:3.9")) == ["https://quay.io/v2/pause/manifests/3.9"]
    path = containers_pull_path(parse_image("pause:3.9"), Registries())
    assert path.refusal == ("'pause' is a short name and no unqualified-search-registries is "
                            "set: containers/image cannot resolve it")


def test_containers_refused_configuration() -> None:
    bad = read_registries_conf("r.conf", '[[registry]]\nlocation = "https://r.io"\n').structure
    path = containers_pull_path(parse_image("r.io/p:1"), merge(bad, []))
    assert path.endpoints == ()
    assert path.refusal_location == Location("r.conf", 2, 12)


# --- rendering ----------------------------------------------------------------------------


def test_render_one_line() -> None:
    assert render(pull("registry.k8s.io/pause:3.9")) == (
        "registry.k8s.io/pause:3.9 → https://mirror.local/v2/pause/manifests/3.9 "
        "(hosts.toml:3) → https://registry.k8s.io/v2/pause/manifests/3.9 (hosts.toml:1)")
    assert render(pull("quay.io/x/pause:1", hosts={})) == (
        "quay.io/x/pause:1 → https://quay.io/v2/x/pause/manifests/1 (default)")
    assert render(crio("registry.k8s.io/pause:3.9")) == (
        "registry.k8s.io/pause:3.9 → https://pause-cache.local/v2/k8s/pause/manifests/3.9 "
        "(10-pause.conf:4) [skip_verify, http fallback]")
    assert render(crio("blocked.example/p:1")).endswith("(registries.conf:19) [blocked]")


def test_render_never_shows_header_values() -> None:
    text = '[host."https://m"]\n  header = { authorization = "Bearer s3cr3t" }\n'
    hosts = {"/etc/containerd/certs.d/registry.k8s.io/hosts.toml":
             read_hosts("h.toml", text).structure}
    path = pull("registry.k8s.io/pause:3.9", hosts=hosts)
    assert path.endpoints[0].header_names == ("authorization",)
    assert "s3cr3t" not in render(path) and "s3cr3t" not in repr(path)


def test_render_a_refusal() -> None:
    path = pull("registry.k8s.io/pause:3.9", "2.2.0", LEGACY_SECTION)
    assert render(path) == ("registry.k8s.io/pause:3.9 → no pull: `mirrors` cannot be set "
                            "when `config_path` is provided: containerd's CRI plugin does "
                            "not load, no image is pulled")


# --- the real containerd agrees (Debian's binaries, when cached; never fetched here) ----


def _dumped_registry(version: str, config: Path) -> tuple[dict, str]:
    """The registry table ``containerd config dump`` prints for ``config``, and its log."""
    from containerd_real.binaries import binary_path  # tests/ is on sys.path here

    binary = binary_path(version)
    if not binary.is_file():
        pytest.skip(f"containerd {version} is not in the runtime cache "
                    "(tests/containerd_real/binaries.py fetches it)")
    done = subprocess.run([str(binary), "--config", str(config), "config", "dump"],
                          capture_output=True, text=True, timeout=30, check=True, cwd="/")
    plugins = tomllib.loads(done.stdout)["plugins"]
    plugin = "io.containerd.cri.v1.images" if version >= "2" else "io.containerd.grpc.v1.cri"
    return plugins[plugin]["registry"], done.stderr


@pytest.mark.parametrize("version", ["1.6.20", "1.7.24", "2.1.9"])
@pytest.mark.parametrize("config", [NODE / "etc/containerd/config.toml",
                                    DATA / "legacy/etc/containerd/config.toml"],
                         ids=["config_path", "mirrors"])
def test_real_containerd_reads_the_registry_table_as_the_reader_does(
        version: str, config: Path) -> None:
    """``config dump`` answers three questions the pull path relies on: 2.x migrates a v2
    file's ``io.containerd.grpc.v1.cri`` registry table into its images plugin (mirrors
    still read), no release before 2.2 defaults config_path (the dump says ''), and 2.x
    drops ``configs.*.tls`` ("Ignoring unknown key in TOML for plugin")."""
    dumped, log = _dumped_registry(version, config)
    ours = read_registry_section(str(config), config.read_text())
    assert ours is not None
    assert dumped["config_path"] == (ours.config_path or "")
    assert {host: m["endpoint"] for host, m in dumped.get("mirrors", {}).items()} == {
        m.host: [e for e, _ in m.endpoints] for m in ours.mirrors}
    tls = {h: c["tls"]["insecure_skip_verify"] for h, c in dumped.get("configs", {}).items()
           if "tls" in c}
    if version >= "2":
        assert tls == {}
        assert ("registry configs mirror.local tls" in log) == bool(ours.tls)
    else:
        assert tls == {t.host: t.insecure_skip_verify for t in ours.tls}


# --- a node's files, gathered -------------------------------------------------------------


def test_hosts_files_keyed_by_their_path_on_the_node() -> None:
    """config_path names node paths: a node root given is taken off the file's place."""
    configs = [hosts_source(SourceText(p.read_text(), str(p))) for p in NODE.rglob("hosts.toml")]
    found = hosts_by_node_path(configs, str(NODE))
    assert sorted(found) == [f"/etc/containerd/certs.d/{folder}/hosts.toml" for folder in (
        "_default", "docker.io", "mirror.local_5000_", "quirk.example", "registry.k8s.io")]
    path = containerd_pull_path(parse_image("registry.k8s.io/pause:3.9"), "1.7.24",
                                FIXTURE_SECTION, found)
    assert [e.host for e in path.endpoints] == ["mirror.local", "registry.k8s.io"]


def test_registries_of_a_node_reads_conf_dropins_only() -> None:
    """dropInConfigs: only files ending in ``.conf`` in registries.conf.d are read."""
    files = [ETC / "registries.conf", *sorted((ETC / "registries.conf.d").iterdir())]
    configs = [conf_source(SourceText(p.read_text(), str(p))) for p in files]
    ignored = conf_source(SourceText('unqualified-search-registries = ["x.io"]\n',
                                     str(ETC / "registries.conf.d" / "30-x.conf.rpmsave")))
    merged = registries_of([*configs, ignored])
    assert merged.search == ("quay.io",)
    assert merged.files == tuple(str(p) for p in files)


V1_REGISTRY = '[plugins.cri.registry]\n  config_path = "/a"\n'


@pytest.mark.parametrize(("version", "read"), [("1.7.24", "/a"), ("2.1.9", "")])
def test_real_containerd_2x_ignores_a_version_1_registry_table(
        version: str, read: str, tmp_path: Path) -> None:
    """1.x migrates a version 1 file's ``plugins.cri`` to its CRI plugin, registry
    included; 2.1.9's config dump shows the images plugin's config_path '' and logs
    "Ignoring unknown key in TOML for plugin" key=registry -- so the pull path drops it."""
    config = tmp_path / "config.toml"
    config.write_text(V1_REGISTRY)
    dumped, _ = _dumped_registry(version, config)
    assert dumped["config_path"] == read
    hosts = {"/a/registry.k8s.io/hosts.toml": read_hosts("h.toml", '[host."https://m"]\n')
             .structure}
    path = pull("registry.k8s.io/pause:3.9", version, section(V1_REGISTRY), hosts)
    assert [e.host for e in path.endpoints] == (
        ["m", "registry.k8s.io"] if read else ["registry.k8s.io"])


def test_1x_does_not_load_a_version_3_config() -> None:
    text = 'version = 3\n[plugins."io.containerd.cri.v1.images".registry]\nconfig_path = "/a"\n'
    path = pull("registry.k8s.io/pause:3.9", "1.7.24", section(text))
    assert path.refusal == ('containerd 1.7.24 does not load a version 3 config ("unsupported '
                            'config version"): no image is pulled')
    assert path.refusal_location == Location("config.toml", 3, 15)


# --- the registry's entries detect every fixture ------------------------------------------


def test_the_registry_detects_every_fixture() -> None:
    """Every fixture is found as its format -- a hosts.toml holding only ``server`` too,
    which the NOT_A_CONFIG veto (``^server =``) no longer turns away from the hosts.toml
    name rule; the containerd configs stay containerd's."""
    found = {str(p.relative_to(DATA)): getattr(registry.detect(str(p), p.read_text()), "name",
                                               None)
             for p in sorted(DATA.rglob("*")) if p.is_file()}
    assert found == {
        **{f"containerd/etc/containerd/certs.d/{f}/hosts.toml": "containerd-hosts"
           for f in ("_default", "docker.io", "mirror.local_5000_", "quirk.example",
                     "registry.k8s.io")},
        "containerd/etc/containerd/config.toml": "containerd",
        "legacy/etc/containerd/config.toml": "containerd",
        "crio/etc/containers/registries.conf": "registries-conf",
        "crio/etc/containers/registries.conf.d/10-pause.conf": "registries-conf",
        "crio/etc/containers/registries.conf.d/20-search.conf": "registries-conf",
    }
    format_ = registry.detect("etc/containers/registries.conf.d/x.conf", "# nothing yet\n")
    assert format_ is not None and format_.kind is InputType.REGISTRIES_CONF
    server_only = registry.detect(str(NODE / "etc/containerd/certs.d/docker.io/hosts.toml"),
                                  'server = "https://docker-mirror.local"\n')
    assert server_only is not None and server_only.kind is InputType.CONTAINERD_HOSTS
