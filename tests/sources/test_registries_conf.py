"""registries.conf reader (CRI-O, podman): every registry and mirror, exactly where.

Precedence rules name their place in containers/image v5.36.1
``pkg/sysregistriesv2/system_registries_v2.go``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.model import Component, InputError, Location
from pauselint.sources.registries_conf import (
    MirrorEntry,
    RegistriesConf,
    RegistryEntry,
    matching_prefix,
    merge,
    read_registries_conf,
    read_source,
)
from pauselint.sources.source_text import SourceText

ETC = Path(__file__).resolve().parent / "data" / "hosts" / "crio" / "etc" / "containers"


def conf(path: Path, *, dropin: bool = False) -> RegistriesConf:
    structure = read_registries_conf(str(path), path.read_text(), dropin=dropin).structure
    assert isinstance(structure, RegistriesConf)
    return structure


def refused(text: str, *, dropin: bool = False) -> InputError | None:
    return read_registries_conf("r.conf", text, dropin=dropin).structure.refusal


def test_fixture_main_file() -> None:
    """postProcessRegistries: "the first longest prefix always wins, rendering later
    items with the same prefix non-existent" -- the second registry.k8s.io is dropped."""
    main = conf(ETC / "registries.conf")
    path = str(ETC / "registries.conf")
    assert main.format == "v2"
    assert main.search == ("registry.k8s.io", "docker.io")
    assert main.search_where == Location(path, 1, 33)
    assert main.registries == (
        RegistryEntry("registry.k8s.io", "registry.k8s.io", Location(path, 5, 12), path,
                      mirrors=(MirrorEntry("mirror.local/k8s", Location(path, 8, 12)),
                               MirrorEntry("digest-mirror.local", Location(path, 11, 12),
                                           pull_from_mirror="digest-only"))),
        RegistryEntry("blocked.example", "blocked.example", Location(path, 19, 12), path,
                      blocked=True),
    )
    assert [(e.location, e.where) for e in main.dropped] == [
        ("ignored.local", Location(path, 16, 12))]
    assert main.refusal is None


def test_dropins_merge_by_prefix_and_replace_the_search_list() -> None:
    """dropInConfigs reads ``*.conf`` in lexical order after the main file;
    updateWithConfigurationFrom replaces registries by prefix and a set search list."""
    main = conf(ETC / "registries.conf")
    dropins = [conf(p, dropin=True) for p in sorted((ETC / "registries.conf.d").iterdir())]
    merged = merge(main, list(reversed(dropins)))
    assert [e.prefix for e in merged.registries] == [
        "blocked.example", "registry.k8s.io", "registry.k8s.io/pause"]
    assert merged.search == ("quay.io",)
    assert merged.search_where == Location(str(ETC / "registries.conf.d" / "20-search.conf"),
                                           1, 33)
    assert merged.files == (str(ETC / "registries.conf"),
                            *(str(p) for p in sorted((ETC / "registries.conf.d").iterdir())))
    pause = merged.find("registry.k8s.io/pause")
    assert pause is not None and (pause.location, pause.insecure) == (
        "pause-cache.local/k8s/pause", True)
    assert merged.find("registry.k8s.io/coredns").prefix == "registry.k8s.io"
    assert merged.find("quay.io/x") is None


def test_a_later_dropin_replaces_a_registry_whole() -> None:
    """updateWithConfigurationFrom: ``registryMap[prefix] = ...`` -- the earlier entry's
    mirrors are gone, not merged."""
    first = read_registries_conf("a.conf", '[[registry]]\nlocation = "r.io"\n'
                                 '[[registry.mirror]]\nlocation = "m.io"\n').structure
    second = read_registries_conf("b.conf", '[[registry]]\nlocation = "r.io"\n'
                                  'insecure = true\n', dropin=True).structure
    (entry,) = merge(first, [second]).registries
    assert (entry.origin, entry.mirrors, entry.insecure) == ("b.conf", (), True)


@pytest.mark.parametrize(("ref", "prefix", "length"), [
    ("registry.k8s.io/pause", "registry.k8s.io", 15),
    ("registry.k8s.io", "registry.k8s.io", 15),
    ("registry.k8s.io.evil/pause", "registry.k8s.io", -1),
    ("example.com:5000/pause", "example.com", 11),  # "unintended", documented upstream
    ("registry.k8s.io/pause:3.9", "registry.k8s.io/pause", 21),
    ("registry.k8s.io/pause2", "registry.k8s.io/pause", -1),
    ("a.b.example.com/pause", "*.example.com", 15),
    ("example.com/pause", "*.example.com", -1),
    ("x.io/a.example.com", "*.example.com", -1),
])
def test_matching_prefix(ref: str, prefix: str, length: int) -> None:
    """refMatchingPrefix / refMatchingSubdomainPrefix, case by case."""
    assert matching_prefix(ref, prefix) == length


def test_longest_prefix_wins_whatever_the_order() -> None:
    """findRegistryWithParsedConfig keeps the longest matching prefix."""
    text = ('[[registry]]\nprefix = "r.io/a/b"\nlocation = "long.io"\n'
            '[[registry]]\nprefix = "r.io"\nlocation = "short.io"\n')
    merged = merge(read_registries_conf("r.conf", text).structure, [])
    assert merged.find("r.io/a/b/pause").location == "long.io"
    assert merged.find("r.io/a/pause").location == "short.io"


@pytest.mark.parametrize(("text", "message", "where"), [
    ('[[registry]]\nlocation = "https://r.io"\n',
     "invalid location 'https://r.io': URI schemes are not supported", (2, 12)),
    ('[[registry]]\ninsecure = true\n', "both location and prefix are unset", (1, 3)),
    ('[[registry]]\nprefix = "r.io/x"\n',
     "location is unset and prefix is not in the format *.example.com", (2, 10)),
    ('[[registry]]\nprefix = "*.r.io/x"\n',
     "wildcarded prefix '*.r.io/x' must be in the format *.example.com", (2, 10)),
    ('[[registry]]\nlocation = "r.io"\npull-from-mirror = "all"\n',
     "pull-from-mirror must not be set for a non-mirror registry 'r.io'", (3, 20)),
    ('[[registry]]\nlocation = "r.io"\n[[registry.mirror]]\ninsecure = true\n',
     "mirror location is unset", (3, 3)),
    ('[[registry]]\nlocation = "r.io"\nmirror-by-digest-only = true\n[[registry.mirror]]\n'
     'location = "m.io"\npull-from-mirror = "digest-only"\n',
     "mirror-by-digest-only for the registry ('r.io') and pull-from-mirror for a mirror "
     "('m.io') at the same time", (6, 20)),
    ('[[registry]]\nlocation = "r.io"\n[[registry.mirror]]\nlocation = "m.io"\n'
     'pull-from-mirror = "sometimes"\n',
     "unsupported pull-from-mirror value 'sometimes' for mirror 'm.io'", (5, 20)),
    ('[[registry]]\nprefix = "a"\nlocation = "r.io"\n[[registry]]\nprefix = "b"\n'
     'location = "r.io"\nblocked = true\n',
     "registry 'r.io' is defined multiple times with conflicting 'blocked' setting", (6, 12)),
    ('unqualified-search-registries = ["r.io"]\n[registries.search]\nregistries = ["q.io"]\n',
     "it mixes the v1 ([registries.search]) and v2 ([[registry]]) formats", (2, 2)),
])
def test_files_containers_image_refuses(text: str, message: str,
                                        where: tuple[int, int]) -> None:
    """postProcessRegistries and loadConfigFile: each of these is an error for every
    pull (getConfig fails), located at the value that causes it."""
    assert refused(text) == InputError("r.conf", where[0],
                                       f"containers/image refuses this file: {message}", where[1])


def test_v1_format_is_converted() -> None:
    """ConvertToV2: block first, then insecure, one entry per location, prefix = location;
    the search list becomes unqualified-search-registries."""
    text = ('[registries.search]\nregistries = ["registry.k8s.io", "docker.io"]\n'
            '[registries.insecure]\nregistries = ["10.0.0.5:5000"]\n'
            '[registries.block]\nregistries = ["bad.io", "10.0.0.5:5000"]\n')
    v1 = read_registries_conf("r.conf", text).structure
    assert v1.format == "v1"
    assert v1.search == ("registry.k8s.io", "docker.io")
    assert v1.registries == (
        RegistryEntry("bad.io", "bad.io", Location("r.conf", 6, 15), "r.conf", blocked=True),
        RegistryEntry("10.0.0.5:5000", "10.0.0.5:5000", Location("r.conf", 6, 25), "r.conf",
                      insecure=True, blocked=True),
    )


def test_a_v1_dropin_is_refused() -> None:
    """tryUpdatingCache: ``loadConfigFile(path, true)`` -- "registry must be in v2 format"."""
    text = '[registries.search]\nregistries = ["q.io"]\n'
    assert refused(text) is None
    assert refused(text, dropin=True) == InputError(
        "r.conf", 1, "containers/image refuses this file: a drop-in must be in the v2 format, "
        "this one is v1", 2)


def test_reader_protocol_knows_a_dropin_by_its_folder() -> None:
    text = '[registries.search]\nregistries = ["q.io"]\n'
    main = read_source(SourceText(text, "etc/containers/registries.conf"))
    dropin = read_source(SourceText(text, "etc/containers/registries.conf.d/50-x.conf"))
    assert main.errors == () and main.component is Component.CRIO
    assert [e.message for e in dropin.errors] == [
        "containers/image refuses this file: a drop-in must be in the v2 format, this one is v1"]


def test_a_refused_file_refuses_the_merge() -> None:
    bad = read_registries_conf("b.conf", '[[registry]]\nlocation = "http://r.io"\n',
                               dropin=True).structure
    merged = merge(conf(ETC / "registries.conf"), [bad])
    assert [r.path for r in merged.refusals] == ["b.conf"]


def test_invalid_toml() -> None:
    config = read_registries_conf("r.conf", "[[registry]\n")
    assert config.parsed  # it sets no sandbox image: that stays known
    assert config.errors[0].line == 1
    assert config.errors[0].message.startswith("invalid TOML: ")


def test_embedded_text_is_relocated() -> None:
    outer = SourceText("a\nb\n", "machineconfig.yaml")
    inner = outer.embedded('[[registry]]\nlocation = "r.io"\n', line_offset=3, column_offset=8)
    (entry,) = read_source(inner).structure.registries
    assert entry.where == Location("machineconfig.yaml", 5, 20)
