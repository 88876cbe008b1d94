"""containerd's hosts.toml and config.toml registry reader: every entry, exactly where.

Each precedence rule asserted here names the containerd source line it comes from
(tags v1.7.24, v1.7.32, v2.1.9 of github.com/containerd/containerd).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.model import Component, InputError, Location
from pauselint.sources.containerd_hosts import (
    HostsFile,
    Problem,
    host_directory,
    host_folders,
    parse_release,
    read_hosts,
    read_registry_section,
    read_source,
    reads_server_only,
    registry_section_source,
)
from pauselint.sources.source_text import SourceText

DATA = Path(__file__).resolve().parent / "data" / "hosts"
CERTS = DATA / "containerd" / "etc" / "containerd" / "certs.d"


def hosts_of(folder: str) -> HostsFile:
    path = CERTS / folder / "hosts.toml"
    config = read_hosts(str(path), path.read_text())
    assert isinstance(config.structure, HostsFile)
    return config.structure


def test_fixture_hosts_are_located_in_file_order() -> None:
    """hosts.go parseHostsFile: the [host] tables first, in file order, then the
    top-level ``server`` "appended as the last element"."""
    hosts = hosts_of("registry.k8s.io")
    path = hosts.path
    assert [(h.url, h.location) for h in hosts.hosts_1x] == [
        ("https://mirror.local", Location(path, 3, 7)),
        ("http://10.0.0.5:5000", Location(path, 7, 7)),
    ]
    assert hosts.hosts_2x == hosts.hosts_1x
    mirror, plain = hosts.hosts_1x
    assert mirror.capabilities == ("pull", "resolve")
    assert mirror.capabilities_location == Location(path, 4, 18)
    assert mirror.ca == ("mirror-ca.pem",)
    assert plain.capabilities == ("pull",)
    assert (plain.skip_verify, plain.skip_verify_location) == (True, Location(path, 9, 17))
    assert (hosts.top.url, hosts.top.location, hosts.top.top_level) == (
        "https://registry.k8s.io", Location(path, 1, 10), True)
    assert hosts.problems == ()


def test_2x_tries_a_host_again_when_its_sub_table_follows_another_host() -> None:
    """v2.1.9 hosts.go getSortedHosts: ``parts[1] == host`` compares with the previous
    header only, so ``[host.a]``, ``[host.b]``, ``[host.a.header]`` yields a, b, a; v1.7.24
    sorts the unique keys of the ``host`` tree by line: a, b."""
    hosts = hosts_of("quirk.example")
    assert [h.url for h in hosts.hosts_1x] == ["https://a.local", "https://b.local"]
    assert [h.url for h in hosts.hosts_2x] == ["https://a.local", "https://b.local",
                                               "https://a.local"]
    assert hosts.hosts_2x[0].header_names == ("x-mirror",)


def test_a_host_written_as_an_inline_table_is_tried_by_1x_only() -> None:
    """v2.1.9 getSortedHosts keeps ``e.Kind == tomlu.Table`` expressions only: a host
    given as a dotted key or inline table is decoded but never iterated."""
    text = 'host."https://inline.local" = { capabilities = ["pull", "resolve"] }\n' \
           '[host."https://table.local"]\n'
    hosts = read_hosts("h.toml", text).structure
    assert [(h.url, h.location) for h in hosts.hosts_1x] == [
        ("https://inline.local", Location("h.toml", 1, 31)),  # its inline table
        ("https://table.local", Location("h.toml", 2, 7)),
    ]
    assert [h.url for h in hosts.hosts_2x] == ["https://table.local"]


def test_server_only_file_is_refused_by_1x_before_1_7_32() -> None:
    """v1.7.24 getSortedHosts: ``root.Get("host").(*toml.Tree)`` fails without a [host]
    table ("invalid `host` tree") and loadHostDir falls back to the certificate files;
    v1.7.32 (24007441d) and 2.x return no hosts instead, so ``server`` is used."""
    hosts = hosts_of("docker.io")
    problem = Problem(
        "no [host] table: containerd 1.6 and 1.7 before 1.7.32 refuse such a hosts.toml "
        "(\"invalid `host` tree\") and pull from the registry itself, server ignored",
        Location(hosts.path, 1, 1), releases="1.x")
    assert hosts.problems == (problem,)
    assert hosts.rejection(parse_release("1.6.20")) == problem
    assert hosts.rejection(parse_release("1.7.31")) == problem
    assert hosts.rejection(parse_release("1.7.32")) is None
    assert hosts.rejection(parse_release("2.0.0")) is None
    assert hosts.top.location == Location(hosts.path, 1, 10)
    path = CERTS / "docker.io" / "hosts.toml"
    assert read_hosts(str(path), path.read_text()).errors == ()


@pytest.mark.parametrize(("release", "reads"), [
    ("1.6.39", False), ("v1.7.31", False), ("1.7.32", True), ("2.0.0-rc.1", True),
    ("2.1.9", True),
])
def test_which_releases_read_a_server_only_file(release: str, reads: bool) -> None:
    """The fix is in v1.7.32 and every 2.x tag; no 1.6 tag has it (1.6.39 included)."""
    assert reads_server_only(parse_release(release)) is reads


@pytest.mark.parametrize(("text", "message", "where", "releases"), [
    ('[host."https://m"]\n  capabilities = ["pull", "fetch"]\n',
     "unknown capability 'fetch' (pull, resolve or push)", (2, 18), "all"),
    ('[host."https://m"]\n  capabilities = "pull"\n',
     "capabilities must be a list of strings", (2, 18), "all"),
    ('[host."https://m"]\n  skip_verify = "yes"\n',
     "skip_verify must be true or false", (2, 17), "all"),
    ('[host."https://m"]\n  ca = 1\n', "ca must be a path or a list of paths", (2, 8), "all"),
    ('[host."https://m"]\n  client = [["a", "b", "c"]]\n',
     "invalid client entry ['a', 'b', 'c']", (2, 12), "all"),
    ('[host."https://m"]\n  header = { x = 1 }\n',
     "header 'x' must be a string or a list of strings", (2, 12), "all"),
    ('[host."https://m"]\n  dial_timeout = "5 seconds"\n',
     "dial_timeout '5 seconds' is no Go duration (containerd 2.x refuses it)", (2, 18), "2.x"),
])
def test_values_containerd_cannot_decode_make_it_ignore_the_file(
        text: str, message: str, where: tuple[int, int], releases: str) -> None:
    """hosts.go parseHostConfig returns an error for each of these, and loadHostDir then
    logs "failed to decode hosts.toml" and uses the folder's certificates only;
    ``dial_timeout`` exists from v2.0 (time.ParseDuration), 1.x does not decode it."""
    config = read_hosts("h.toml", text)
    assert config.structure.problems == (Problem(message, Location("h.toml", *where), releases),)
    # A reason only some releases have is no error of the file: the pull path weighs it.
    assert config.errors == (() if releases != "all" else (InputError(
        "h.toml", where[0], f"{message}: containerd ignores this hosts.toml and pulls from "
        "the registry itself", where[1]),))
    assert config.structure.rejection(parse_release("1.7.24")) is (
        None if releases == "2.x" else config.structure.problems[0])


def test_invalid_toml_is_ignored_by_containerd_and_reported() -> None:
    config = read_hosts("h.toml", '[host."https://m"]\ncapabilities = [\n')
    assert config.parsed  # it sets no sandbox image: that stays known
    assert config.component is Component.CONTAINERD
    (error,) = config.errors
    assert error.line == 2 and error.message.startswith("invalid TOML: ")
    assert error.message.endswith("containerd ignores this hosts.toml")


def test_unknown_keys_are_kept_as_facts() -> None:
    """go-toml's Unmarshal (both versions) ignores keys the struct lacks: ``endpoint``
    in a hosts.toml does nothing, which is worth saying."""
    hosts = read_hosts("h.toml", 'endpoint = ["https://m"]\n[host."https://m"]\n'
                       '  capability = ["pull"]\n').structure
    assert hosts.unknown_keys == (("endpoint", Location("h.toml", 1, 12)),
                                  ("host.https://m.capability", Location("h.toml", 3, 16)))
    assert hosts.problems == ()


def test_empty_capabilities_mean_all() -> None:
    """parseHostConfig: ``if len(config.Capabilities) > 0`` -- else pull|resolve|push."""
    (host,) = read_hosts("h.toml", '[host."https://m"]\ncapabilities = []\n').structure.hosts_1x
    assert host.capabilities is None


def test_header_values_are_never_in_the_repr() -> None:
    text = '[host."https://m"]\n  header = { authorization = "Basic c2VjcmV0" }\n'
    (host,) = read_hosts("h.toml", text).structure.hosts_1x
    assert host.header_names == ("authorization",)
    assert host.header_values == (("authorization", ("Basic c2VjcmV0",)),)
    assert "c2VjcmV0" not in repr(host)


def test_embedded_text_is_relocated() -> None:
    outer = SourceText("x\ny\n", "cloud-init.yaml")
    inner = outer.embedded('[host."https://m"]\n  skip_verify = true\n', line_offset=2,
                           column_offset=6)
    (host,) = read_source(inner).structure.hosts_1x
    assert host.location == Location("cloud-init.yaml", 3, 13)
    assert host.skip_verify_location == Location("cloud-init.yaml", 4, 23)


@pytest.mark.parametrize(("host", "folder"), [
    ("registry.k8s.io", "registry.k8s.io"),
    ("mirror.local:5000", "mirror.local_5000_"),
    ("[::1]:5000", "[::1]_5000_"),
])
def test_host_directory(host: str, folder: str) -> None:
    """hosts.go hostDirectory: the last ``:`` becomes ``_`` and a ``_`` is appended."""
    assert host_directory(host) == folder


def test_host_folders_order() -> None:
    """config_unix.go hostPaths: ``host_port_`` (when converted), ``host``, ``_default``."""
    assert host_folders("/etc/containerd/certs.d", "mirror.local:5000") == [
        "/etc/containerd/certs.d/mirror.local_5000_",
        "/etc/containerd/certs.d/mirror.local:5000",
        "/etc/containerd/certs.d/_default",
    ]
    assert host_folders("/etc/containerd/certs.d/", "registry.k8s.io") == [
        "/etc/containerd/certs.d/registry.k8s.io", "/etc/containerd/certs.d/_default"]


# --- config.toml's registry table ------------------------------------------------------

def test_config_path_of_the_fixture() -> None:
    path = DATA / "containerd" / "etc" / "containerd" / "config.toml"
    section = read_registry_section(str(path), path.read_text())
    assert section is not None
    assert section.table == ("plugins", "io.containerd.grpc.v1.cri", "registry")
    assert (section.config_path, section.config_path_location) == (
        "/etc/containerd/certs.d", Location(str(path), 4, 17))
    assert section.mirrors == ()


def test_legacy_mirrors_and_tls_are_located() -> None:
    path = DATA / "legacy" / "etc" / "containerd" / "config.toml"
    section = read_registry_section(str(path), path.read_text())
    assert section is not None
    where = str(path)
    assert [(m.host, m.endpoints, m.location) for m in section.mirrors] == [
        ("registry.k8s.io", (("https://mirror.local", Location(where, 6, 19)),
                             ("http://10.0.0.5:5000/k8s", Location(where, 6, 43))),
         Location(where, 6, 18)),
        ("*", (("mirror.local", Location(where, 8, 19)),
               ("https://docker.io", Location(where, 8, 35))), Location(where, 8, 18)),
    ]
    assert section.mirror_for("quay.io").host == "*"
    assert section.mirror_for("registry.k8s.io").host == "registry.k8s.io"
    (tls,) = section.tls
    assert (tls.host, tls.insecure_skip_verify, tls.location) == (
        "mirror.local", True, Location(where, 10, 28))
    assert section.configs_hosts == ("mirror.local",)


@pytest.mark.parametrize(("text", "table"), [
    ('[plugins.cri.registry]\nconfig_path = "/a"\n', ("plugins", "cri", "registry")),
    ('version = 3\n[plugins."io.containerd.cri.v1.images".registry]\nconfig_path = "/a"\n',
     ("plugins", "io.containerd.cri.v1.images", "registry")),
])
def test_the_registry_table_is_the_one_the_config_version_names(
        text: str, table: tuple[str, ...]) -> None:
    """Version 1 is ``plugins.cri`` (migrated by 1.x), 3 the images plugin (2.x)."""
    section = read_registry_section("c.toml", text)
    assert section is not None
    assert (section.table, section.config_path) == (table, "/a")


def test_a_registry_table_in_the_wrong_version_is_not_read() -> None:
    """A v3 file's ``io.containerd.grpc.v1.cri`` table is no plugin 2.x has."""
    text = 'version = 3\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/a"\n'
    assert read_registry_section("c.toml", text) is None


def test_image_keys_that_pick_the_pull_mode() -> None:
    """v2.1.9 plugins/cri/images/plugin.go migrateConfig copies max_concurrent_downloads
    from a v2 CRI table, and the snapshot keys only when ``containerd.runtimes`` exists."""
    text = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  max_concurrent_downloads = 5\n'
            '[plugins."io.containerd.grpc.v1.cri".containerd]\n'
            '  discard_unpacked_layers = true\n')
    section = read_registry_section("c.toml", text)
    assert section is not None and section.image_keys == (("max_concurrent_downloads", 5),)
    with_runtimes = text + '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n'
    section = read_registry_section("c.toml", with_runtimes)
    assert section is not None and section.image_keys == (
        ("max_concurrent_downloads", 5), ("discard_unpacked_layers", True))


def test_a_config_without_registry_settings_gives_none() -> None:
    assert read_registry_section("c.toml", 'version = 2\n[plugins."x"]\na = 1\n') is None
    assert read_registry_section("c.toml", "not toml = = 1\n") is None


def test_embedded_registry_section_is_relocated() -> None:
    outer = SourceText("a\n", "user-data")
    inner = outer.embedded('[plugins.cri.registry]\nconfig_path = "/a"\n', line_offset=4,
                           column_offset=4)
    section = registry_section_source(inner)
    assert section is not None
    assert section.config_path_location == Location("user-data", 6, 19)
