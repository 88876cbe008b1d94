"""The compat table loads, validates what it promises to, and answers from its data."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from pauselint.compat import CompatError, CompatTable, load_table, table_path
from pauselint.imageref import parse_image

RAW = yaml.safe_load(table_path().read_text(encoding="utf-8"))


def mutated(change) -> dict:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


def test_shipped_table_is_the_top_level_file() -> None:
    assert table_path().parent.name == "data"
    assert load_table().date == RAW["table"]["date"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["kubeadm"]["pause_versions"][0].update(typo="x"), "unknown key(s) typo"),
        (lambda r: r["kubeadm"]["pause_versions"][0].pop("source"), "missing key(s) source"),
        (lambda r: r["kubeadm"]["pause_versions"][0].update(source=" "), "non-empty source"),
        (lambda r: r["kubeadm"]["pause_versions"].reverse(), "not strictly ascending"),
        (lambda r: r["pause_tags"][3].update(tag="3.x"), "malformed version '3.x'"),
        (lambda r: r["pause_tags"][3].update(digest="sha256:abc"), "malformed digest"),
        (lambda r: r["pause_tags"][3].update(status="maybe"), "status must be one of"),
        (lambda r: r["containerd"]["defaults"][0].update(versions=">=one"), "malformed version range"),
        (lambda r: r["containerd"]["defaults"].reverse(), "not strictly ascending"),
        (lambda r: r.update(extra={}), "unknown key(s) extra"),
        (lambda r: r["table"].update(date="28.11.2026"), "YYYY-MM-DD"),
        # A date with more after it was once let through (the check used a search
        # pattern meant for finding dates inside source texts).
        (lambda r: r["table"].update(date="2026-11-28x"), "YYYY-MM-DD"),
        (lambda r: r["pause_tags"][3].update(digest="sha256:" + "a" * 64 + "\n"),
         "malformed digest"),
        (lambda r: r["kubeadm"]["pause_versions"][0].update(kubernetes=1.18), "quoted strings"),
        (lambda r: r["mirrors"][1].update(prefix="bad prefix"),
         "mirrors[1]: prefix 'bad prefix' is not an image name prefix"),
        (lambda r: r["mirrors"][0].update(upstream="registry.k8s.io/UP"),
         "mirrors[0]: upstream 'registry.k8s.io/UP' is not an image name prefix"),
        (lambda r: r["pause_tags"][-1].update(windows_unverified=["ltsc2022"]),
         "ltsc2022 both in windows and windows_unverified"),
    ],
)
def test_malformed_table_is_refused_with_the_place(change, message: str) -> None:
    with pytest.raises(CompatError, match=None) as info:
        CompatTable(mutated(change))
    assert message in str(info.value)


def test_every_entry_has_a_source() -> None:
    def walk(node, where):
        if isinstance(node, dict):
            if any(k in node for k in ("tag", "kubernetes", "versions", "name", "prefix", "version")):
                assert node.get("source"), f"{where} has no source"
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]")

    walk(RAW, "compat")


@pytest.mark.parametrize(
    ("kubernetes", "expected"),
    [("1.13", "k8s.gcr.io/pause:3.1"), ("1.17.4", "k8s.gcr.io/pause:3.1"),
     ("1.18", "k8s.gcr.io/pause:3.2"),
     # kubeadm moved to registry.k8s.io in December 2022 patches of 1.22-1.24 (k/k
     # #113388, #113393, #113395); a minor without its patch means its newest patch.
     ("1.22.16", "k8s.gcr.io/pause:3.5"), ("1.22.17", "registry.k8s.io/pause:3.5"),
     ("1.23.14", "k8s.gcr.io/pause:3.6"), ("1.23.15", "registry.k8s.io/pause:3.6"),
     ("1.24.8", "k8s.gcr.io/pause:3.7"), ("1.24.9", "registry.k8s.io/pause:3.7"),
     ("1.24", "registry.k8s.io/pause:3.7"),
     ("1.25", "registry.k8s.io/pause:3.8"), ("1.29.3", "registry.k8s.io/pause:3.9"),
     ("1.31", "registry.k8s.io/pause:3.10"), ("1.35", "registry.k8s.io/pause:3.10.1"),
     ("1.36", "registry.k8s.io/pause:3.10.2"), ("1.37.1", "registry.k8s.io/pause:3.10.2")],
)
def test_kubeadm_expectation(kubernetes: str, expected: str) -> None:
    assert load_table().kubeadm_expectation(Version(kubernetes)).image == expected


@pytest.mark.parametrize("order", [("1.24", "1.24.0"), ("1.24.0", "1.24")])
def test_kubeadm_expectation_is_remembered_apart_for_a_minor_and_its_dot_zero(order) -> None:
    """Version("1.24") == Version("1.24.0"), but the first means the minor's newest
    patch (registry.k8s.io) and the second its first (k8s.gcr.io): an answer kept for
    one must never be given for the other, whichever is asked first."""
    table = load_table()
    answers = {text: table.kubeadm_expectation(Version(text)).image for text in order}
    assert answers == {"1.24": "registry.k8s.io/pause:3.7", "1.24.0": "k8s.gcr.io/pause:3.7"}
    assert table.kubeadm_expectation(Version("1.24"), "mirror.example/k8s").image == (
        "mirror.example/k8s/pause:3.7")


def test_kubeadm_expectation_unknown_minor_is_none_not_a_guess() -> None:
    table = load_table()
    assert table.kubeadm_expectation(Version("1.38")) is None
    assert not table.known_kubernetes(Version("1.38"))
    assert table.kubeadm_expectation(Version("1.29"), "registry.example/k8s").image == (
        "registry.example/k8s/pause:3.9")


def test_tag_and_repository_facts() -> None:
    table = load_table()
    assert table.pause_tag("3.4") is None
    assert table.pause_tag("3.9").windows == ("1809", "ltsc2022")
    assert table.pause_tag("3.9").windows_unverified == ()
    # Disputed / unverified Windows versions are neither carried nor missing (§3.2).
    assert table.pause_tag("3.4.1").windows_unverified == ("20H2",)
    # 1809 in 3.10.2: RKE2 pulls its image (secondary), so it is listed, not disputed.
    assert table.pause_tag("3.10.2").windows == ("1809", "ltsc2022", "ltsc2025")
    assert table.pause_tag("3.10.2").windows_unverified == ()
    assert table.windows_aliases("1809") == ("ltsc2019",)
    gcr = table.repository("k8s.gcr.io/pause")
    assert gcr.frozen == "2023-04-03" and "3.10" not in gcr.tags and "3.9" in gcr.tags
    assert table.repository("registry.k8s.io/pause-arm64").tags == ("3.2", "3.3")


@pytest.mark.parametrize(
    ("version", "image"),
    [("1.6.8", "k8s.gcr.io/pause:3.6"), ("1.6.9", "registry.k8s.io/pause:3.6"),
     ("1.7.20", "registry.k8s.io/pause:3.8"), ("2.1.4", "registry.k8s.io/pause:3.10"),
     ("2.2.0", "registry.k8s.io/pause:3.10.1"), ("2.3.1", "registry.k8s.io/pause:3.10.2")],
)
def test_containerd_defaults(version: str, image: str) -> None:
    assert load_table().containerd_default(Version(version)).image == image


def test_containerd_facts() -> None:
    table = load_table()
    assert table.containerd_max_config_version(Version("1.7.17")) == 2
    assert table.containerd_max_config_version(Version("1.7.16")) is None
    assert table.containerd_pinning(Version("1.7.2")) is None
    assert table.containerd_pinning(Version("1.6.22")).normalizes_name
    assert not table.containerd_pinning(Version("2.0.0")).normalizes_name
    assert table.containerd_config_version(3).min_containerd == "2.0.0"
    assert table.containerd_support(Version("1.36")).minimums == ("2.2.0", "2.3.0")


@pytest.mark.parametrize(
    ("version", "image"),
    [("1.27.0", "registry.k8s.io/pause:3.6"), ("1.27.1", "registry.k8s.io/pause:3.9"),
     ("1.30.4", "registry.k8s.io/pause:3.9"), ("1.34.2", "registry.k8s.io/pause:3.10.1")],
)
def test_crio_defaults(version: str, image: str) -> None:
    assert load_table().crio_default(Version(version)).image == image


def test_mirror_resolution_maps_onto_upstream() -> None:
    table = load_table()
    upstream, mirror = table.resolve(
        parse_image("registry.cn-hangzhou.aliyuncs.com/google_containers/pause:3.9"))
    assert upstream.normalized() == "registry.k8s.io/pause:3.9"
    assert mirror.prefix == "registry.cn-hangzhou.aliyuncs.com/google_containers"
    same, none = table.resolve(parse_image("quay.io/example/pause:3.9"))
    assert none is None and same.registry == "quay.io"


def test_windows_names() -> None:
    table = load_table()
    assert table.windows_version("LTSC2019") == "1809"
    assert table.windows_version_for_build("10.0.20348.2227") == "ltsc2022"


def test_missing_table_is_a_compat_error(tmp_path: Path) -> None:
    with pytest.raises(CompatError, match="cannot read compat table"):
        load_table(str(tmp_path / "nope.yaml"))


def test_a_stale_built_copy_is_ignored_and_a_matching_one_used(tmp_path: Path) -> None:
    import marshal

    yaml_path = tmp_path / "compat.yaml"
    yaml_path.write_bytes(table_path().read_bytes())
    raw = yaml_path.read_bytes()
    changed = copy.deepcopy(RAW)
    changed["table"]["date"] = "2000-01-01"
    built = tmp_path / "compat.marshal"
    built.write_bytes(marshal.dumps({"source": raw, "table": changed}, 4))
    assert load_table(str(yaml_path)).date == "2000-01-01"  # the copy was used
    # A byte changed anywhere, one more, one less, or a copy of the older format
    # (a checksum, not the bytes): the YAML is read.
    flipped = raw[:100] + bytes([raw[100] ^ 1]) + raw[101:]
    for stale in ({"source": flipped}, {"source": raw + b"\n"}, {"source": raw[:-1]},
                  {"source_crc32": [0, len(raw)]}):
        built.write_bytes(marshal.dumps({**stale, "table": changed}, 4))
        load_table.cache_clear()
        assert load_table(str(yaml_path)).date == RAW["table"]["date"], stale


@pytest.mark.parametrize("content", [
    b"", b"\x00\x01garbage", b"{", b"\xe9" * 40,  # not marshal data, or cut short
    None,  # a list where the build writes a dict
])
def test_an_unreadable_built_copy_falls_back_to_the_yaml(tmp_path: Path,
                                                        content: bytes | None) -> None:
    import marshal

    yaml_path = tmp_path / "compat.yaml"
    yaml_path.write_bytes(table_path().read_bytes())
    (tmp_path / "compat.marshal").write_bytes(
        marshal.dumps([1, 2], 4) if content is None else content)
    load_table.cache_clear()
    assert load_table(str(yaml_path)).date == RAW["table"]["date"]


@pytest.mark.parametrize("name", ["compat.yaml", "table", "a.b.yaml", ".hidden",
                                  "dir.v1/table", "dir.v1/t.yml", "/abs/compat.yaml"])
def test_the_built_copy_sits_where_with_suffix_puts_it(name: str) -> None:
    from pauselint.compat import built_copy

    assert built_copy(name) == str(Path(name).with_suffix(".marshal"))


def test_overlay_adds_a_private_registry_and_mirror() -> None:
    base = load_table()
    table = base.extended({
        "repositories": [{"name": "registry.corp.example/k8s/pause", "tags": ["3.9", "3.10"],
                          "source": "our registry"}],
        "mirrors": [{"prefix": "mirror.corp.example/k8s", "upstream": "registry.k8s.io",
                     "source": "our mirror"}],
    }, "overlay.yaml")
    assert table.repository("registry.corp.example/k8s/pause").tags == ("3.9", "3.10")
    upstream, mirror = table.resolve(parse_image("mirror.corp.example/k8s/pause:3.9"))
    assert upstream.normalized() == "registry.k8s.io/pause:3.9" and mirror is not None
    assert base.repository("registry.corp.example/k8s/pause") is None  # the shipped one is untouched
    assert base.mirror_of(parse_image("mirror.corp.example/k8s/pause:3.9")) is None


def test_mirror_answers_kept_stay_each_tables_own() -> None:
    """mirror_of() keeps each name's answer: a name the shipped table answered (no
    mirror) must still find an overlay's mirror, and the shipped table keeps its own."""
    base = load_table()
    ref = parse_image("mirror2.corp.example/k8s/pause:3.9")
    assert base.mirror_of(ref) is None and base.mirror_of(ref) is None
    table = base.extended({"mirrors": [{"prefix": "mirror2.corp.example/k8s",
                                        "upstream": "registry.k8s.io", "source": "x"}]},
                          "overlay.yaml")
    assert table.mirror_of(ref).prefix == "mirror2.corp.example/k8s"
    assert table.resolve(ref)[0].normalized() == "registry.k8s.io/pause:3.9"
    assert base.mirror_of(ref) is None


def test_mirror_answers_past_the_bound_are_still_looked_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import pauselint.compat as compat

    monkeypatch.setattr(compat, "MIRROR_ANSWERS_KEPT", 2)
    table = load_table().extended({"mirrors": [
        {"prefix": "m3.corp.example", "upstream": "registry.k8s.io", "source": "x"}]},
        "overlay.yaml")
    names = [f"m3.corp.example/pause{i}:3.9" for i in range(4)] + ["elsewhere.example/p:1"]
    for _ in range(2):
        answers = [table.mirror_of(parse_image(name)) for name in names]
        assert [m.prefix if m else None for m in answers] == ["m3.corp.example"] * 4 + [None]
    assert len(table._mirror_by_name) == 2


def test_overlay_mirror_prefix_matches_normalized() -> None:
    table = load_table().extended({"mirrors": [
        {"prefix": "Mirror.Corp.Example/k8s/", "upstream": "registry.k8s.io", "source": "x"},
    ]}, "overlay.yaml")
    upstream, mirror = table.resolve(parse_image("mirror.corp.example/k8s/pause:3.9"))
    assert upstream.normalized() == "registry.k8s.io/pause:3.9"
    assert mirror.prefix == "Mirror.Corp.Example/k8s"
    assert table.mirror_of(parse_image("mirror.corp.example/k8s2/pause:3.9")) is None


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        ({"repositories": [{"name": "k8s.gcr.io/pause", "tags": ["3.10"], "source": "x"}]},
         "k8s.gcr.io/pause already in the shipped table"),
        ({"mirrors": [{"prefix": "k8s.m.daocloud.io", "upstream": "registry.k8s.io", "source": "x"}]},
         "k8s.m.daocloud.io already in the shipped table"),
        ({"mirrors": [{"prefix": "a.example", "upstream": "registry.k8s.io"}]}, "missing key(s) source"),
        ({"tags": []}, "unknown key(s) tags"),
        # A bad user mirror fails at load, naming the entry (not later, while matching).
        ({"mirrors": [{"prefix": "bad prefix", "upstream": "registry.k8s.io", "source": "x"}]},
         "overlay.yaml: mirrors[0]: prefix 'bad prefix' is not an image name prefix"),
        ({"mirrors": [{"prefix": "", "upstream": "registry.k8s.io", "source": "x"}]},
         "overlay.yaml: mirrors[0]: prefix '' is not an image name prefix"),
        # Prefixes compare normalized: another spelling of a shipped one still clashes.
        ({"mirrors": [{"prefix": "K8s.M.DaoCloud.io/", "upstream": "registry.k8s.io",
                       "source": "x"}]},
         "K8s.M.DaoCloud.io already in the shipped table"),
    ],
)
def test_overlay_conflicts_and_mistakes_are_errors(overlay: dict, message: str) -> None:
    with pytest.raises(CompatError) as info:
        load_table().extended(overlay, "overlay.yaml")
    assert message in str(info.value)


@pytest.mark.parametrize("kubernetes", ["1.30", "1.31"])
def test_containerd_2_1_is_a_supported_line_for_1_30_and_1_31(kubernetes: str) -> None:
    """containerd RELEASES.md's last revisions with these rows list 2.1.0+ (issue 12)."""
    support = load_table().containerd_support(Version(kubernetes))
    assert support is not None and "2.1.0" in support.minimums
    assert "RELEASES.md @" in support.source


@pytest.mark.parametrize(
    ("runtime", "version", "image"),
    [("containerd", "2.4.1", "registry.k8s.io/pause:3.10.2"),  # read at v2.4.0-beta.0
     ("containerd", "2.3.0", "registry.k8s.io/pause:3.10.2"),
     ("cri-o", "1.37.0", "registry.k8s.io/pause:3.10.1"),  # the release-1.37 branch's
     ("cri-o", "1.27.0", "registry.k8s.io/pause:3.6"),  # 3.9 came in v1.27.1 (PR #6987)
     ("cri-o", "1.27.1", "registry.k8s.io/pause:3.9"),
     # k3s: as far as a release can be named (rancher/pause:3.1 from v1.17.0+k3s.1).
     ("k3s", "1.17.0+k3s.1", "docker.io/rancher/pause:3.1"),
     ("k3s", "1.22.3+k3s1", "docker.io/rancher/mirrored-pause:3.1"),
     ("k3s", "1.32.5+k3s1", "rancher/mirrored-pause:3.6"),
     # The 2026-07 backports of 3.10.2 (k3s #14389-#14392), per branch.
     ("k3s", "1.33.12+k3s1", "rancher/mirrored-pause:3.6"),
     ("k3s", "1.33.13+k3s1", "rancher/mirrored-pause:3.10.2"),
     ("k3s", "1.36.1+k3s1", "rancher/mirrored-pause:3.6"),
     ("k3s", "1.37.0+k3s1", "rancher/mirrored-pause:3.10.2"),
     ("rke2", "1.37.1+rke2r1", "docker.io/rancher/mirrored-pause:3.10.2")],
)
def test_runtime_defaults_of_late_2026_releases(runtime: str, version: str, image: str) -> None:
    table = load_table()
    assert table.runtime_default(runtime, Version(version)).image == image


@pytest.mark.parametrize("version", ["1.23.0+k3s1", "1.24.1+k3s1", "1.26.1+k3s1", "1.38.0+k3s1"])
def test_k3s_defaults_no_release_names_are_unknown_not_guessed(version: str) -> None:
    """When 3.1 became 3.6 was not found, and 1.38 is beyond the table."""
    assert load_table().runtime_default("k3s", Version(version)) is None


def test_containerd_loading_is_worked_out_once_per_release(monkeypatch) -> None:
    """Asked for every containerd file, once per line: the answers are kept (issue 16)."""
    table = CompatTable(mutated(lambda r: None))
    worked: list[Version] = []
    original = CompatTable._work_out_loading

    def counting(self: CompatTable, runtime: Version):
        worked.append(runtime)
        return original(self, runtime)

    monkeypatch.setattr(CompatTable, "_work_out_loading", counting)
    first = table.containerd_line_loadings()
    lines = table.containerd_lines()
    assert [loading.version for loading in first] == [
        v for v in lines if original(table, v) is not None]
    for _ in range(3):
        assert table.containerd_line_loadings() == first
        assert [table.containerd_loading(v) for v in lines] == [
            original(table, v) for v in lines]
    assert sorted(worked) == sorted(lines)  # each release once, however often asked
    lines.append(Version("9.9"))  # a caller's copy: the table's own list is untouched
    assert Version("9.9") not in table.containerd_lines()
