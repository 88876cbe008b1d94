"""Typed questions over ``data/compat.yaml``, the sourced compatibility table.

Rules ask this module ("which pause does Kubernetes 1.29 expect?", "is 3.10 on
k8s.gcr.io?") and never hold a version, tag, digest or registry of their own, so a
new Kubernetes release is a data change. The file is validated once, on load:
unknown keys, unsorted or malformed versions and entries without a ``source`` are
errors, because a table that silently accepts a typo gives silently wrong verdicts.
"""

# No ``from __future__ import annotations`` (see model.py): the table's NamedTuples are
# made on every run, and string annotations cost a ForwardRef compile per field.

import functools
import itertools
import marshal
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from pauselint.imageref import (
    ImageRef,
    ImageRefError,
    map_to_upstream,
    normalize_prefix,
    parse_image,
)
from pauselint.lazy_re import LazyPattern
from pauselint.records import NamedTuple

if TYPE_CHECKING:
    from pathlib import Path


class CompatError(ValueError):
    """The compat table (shipped or an overlay) is malformed."""


STATUSES = frozenset({"secondary", "unverified"})
# How many image names a table keeps mirror_of()'s answer for: far more than a fleet
# names, and a bound for a cluster whose every pod names another image.
MIRROR_ANSWERS_KEPT = 4096
_DIGEST = LazyPattern(r"sha256:[0-9a-f]{64}")
_DATE = LazyPattern(r"\d{4}-\d{2}-\d{2}")


@functools.lru_cache(maxsize=1024)
def minor_of(version: str | Version) -> tuple[int, int]:
    """``"1.29.3"`` -> ``(1, 29)``; Kubernetes and runtime lines compare by minor."""
    v = version if isinstance(version, Version) else Version(str(version).lstrip("v"))
    release = (*v.release, 0)
    return (release[0], release[1])


# At most 9 digits a number: real versions have 1-4, and packaging's ``int()`` of a
# longer run costs quadratic time and past 4,300 digits raises a bare ValueError.
_LONG_NUMBER = LazyPattern(r"\d{10}")
# The leading dotted release of a vendor version (1.6.20~ds1, v1.29.0-eks-5e0fdde).
_LEADING_RELEASE = LazyPattern(r"v*(\d{1,9}(?:\.\d{1,9}){1,2})(?!\d|\.\d{10})")


def parse_version(text: str) -> Version:
    """Parse ``v1.29.3``, ``1.7.20`` or ``1.30.4``; raises ValueError with the text."""
    text = str(text).strip().lstrip("v")
    if _LONG_NUMBER.search(text):
        raise ValueError(f"not a version: {text[:40]!r}... (a number of 10 or more digits)")
    try:
        return Version(text)
    except InvalidVersion:
        raise ValueError(f"not a version: {text!r}") from None


def leading_release(text: str) -> Version | None:
    """The leading ``MAJOR.MINOR[.PATCH]`` of a version as servers report it, else None.

    ``v1.29.0-eks-5e0fdde`` -> 1.29.0, ``1.6.20~ds1`` -> 1.6.20; ``1.x``, a bare
    ``1`` and a number of 10 or more digits are not versions.
    """
    match = _LEADING_RELEASE.match(str(text).strip())
    return Version(match.group(1)) if match else None


# --- records -------------------------------------------------------------------


class PauseTag(NamedTuple):
    tag: str
    digest: str | None
    linux: tuple[str, ...]
    windows: tuple[str, ...]
    promoted: str | None
    source: str
    status: str | None
    # Windows OS versions whose presence is disputed or unverified: neither carried
    # nor missing, so rules give no verdict for them.
    windows_unverified: tuple[str, ...] = ()


class Repository(NamedTuple):
    """A repository that carries pause images (upstream, frozen or per-arch)."""

    name: str
    tags: tuple[str, ...] | None  # None: tag list unknown
    upstream_digests: bool
    frozen: str | None
    successor: str | None
    arch: str | None
    source: str
    status: str | None
    tags_complete: bool = True


class Mirror(NamedTuple):
    prefix: str
    upstream: str
    tag_suffixes: Mapping[str, str]
    upstream_digests: bool
    source: str
    status: str | None


class Expectation(NamedTuple):
    """What kubeadm expects for a Kubernetes minor."""

    kubernetes: str
    pause: str
    image_repository: str
    source: str
    image_name: str  # kubeadm's pause image name under imageRepository (the table's)

    @property
    def image(self) -> str:
        return f"{self.image_repository}/{self.image_name}:{self.pause}"


class RuntimeDefault(NamedTuple):
    image: str
    windows_image: str | None
    source: str

    def for_os(self, os_name: str | None) -> str:
        if os_name == "windows" and self.windows_image:
            return self.windows_image
        return self.image


class Pinning(NamedTuple):
    normalizes_name: bool
    source: str


class Loading(NamedTuple):
    """How one containerd release loads its config files (``containerd.loading``).

    ``merge``: "replace-plugin" (1.x: an import's ``[plugins.X]`` replaces the whole
    table) or "deep"; ``glob_base``: "cwd" or "config" (what a relative glob import is
    matched against); ``plugin_key_rule``: "four-parts", "io.containerd-prefix" or
    "none"; ``max_version``: the highest config version it loads, None where it loads
    any (1.6 before 1.6.32 reads 3, 4, 5 as 2).
    """

    version: Version
    merge: str
    glob_base: str
    plugin_key_rule: str
    max_version: int | None
    decoder: str  # "go-toml-v1" or "go-toml-v2"
    keeps_empty: bool  # an empty sandbox image stays empty (else: the default is used)
    sources: tuple[str, ...]

    @property
    def major(self) -> int:
        return self.version.major


class ConfigVersionInfo(NamedTuple):
    version: int
    min_containerd: str
    sandbox_key: str
    source: str


class Support(NamedTuple):
    """containerd minimums for one Kubernetes minor (RELEASES.md)."""

    kubernetes: str
    minimums: tuple[str, ...]
    source: str


# --- validation helpers --------------------------------------------------------


def _check_keys(where: str, entry: Any, allowed: Iterable[str], required: Iterable[str]) -> dict:
    if not isinstance(entry, dict):
        raise CompatError(f"{where}: expected a mapping, got {type(entry).__name__}")
    # str(): a YAML key may be null or a number, and such keys neither sort nor join.
    unknown = sorted(str(key) for key in set(entry) - set(allowed))
    if unknown:
        raise CompatError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = [k for k in required if k not in entry]
    if missing:
        raise CompatError(f"{where}: missing key(s) {', '.join(missing)}")
    status = entry.get("status")
    if status is not None and status not in STATUSES:
        raise CompatError(f"{where}: status must be one of {sorted(STATUSES)}, got {status!r}")
    src = entry.get("source")
    if "source" in required and (not isinstance(src, str) or not src.strip()):
        raise CompatError(f"{where}: every entry needs a non-empty source")
    return entry


def _version(where: str, text: Any) -> Version:
    if not isinstance(text, str):
        raise CompatError(f"{where}: versions must be quoted strings, got {text!r}")
    try:
        return Version(text)
    except InvalidVersion:
        raise CompatError(f"{where}: malformed version {text!r}") from None


_COMPARATORS = {
    ">=": Version.__ge__, ">": Version.__gt__, "<=": Version.__le__, "<": Version.__lt__,
    "==": Version.__eq__,
}
_BOUND = LazyPattern(r"^\s*(>=|<=|==|>|<)\s*([0-9][0-9A-Za-z.+-]*)\s*$")


class VersionRange(NamedTuple):
    """A conjunction of bounds such as ``>=1.6.22,<1.7``.

    The table only needs these five operators, and packaging.specifiers costs
    ~12 ms of import on every pre-commit run, so ranges are parsed here.
    Pre-releases compare as PEP 440 orders them.
    """

    bounds: tuple[tuple[str, Version], ...]

    def __contains__(self, version: Version) -> bool:
        return all(_COMPARATORS[op](version, bound) for op, bound in self.bounds)

    @property
    def floor(self) -> Version:
        floors = [v for op, v in self.bounds if op in (">=", ">", "==")]
        return min(floors) if floors else Version("0")


def _specifier(where: str, text: Any) -> VersionRange:
    bounds = []
    for part in str(text).split(","):
        match = _BOUND.match(part)
        if match is None:
            raise CompatError(f"{where}: malformed version range {text!r}")
        try:
            bounds.append((match.group(1), Version(match.group(2))))
        except InvalidVersion:
            raise CompatError(f"{where}: malformed version range {text!r}") from None
    return VersionRange(tuple(bounds))


def _image_default(ranges: Sequence[tuple[VersionRange, Mapping[str, Any]]],
                   runtime: Version) -> RuntimeDefault | None:
    """The first row of a runtime's ``defaults`` whose range holds ``runtime``."""
    for spec, entry in ranges:
        if runtime in spec:
            return RuntimeDefault(entry["image"], None, entry["source"])
    return None


def _sorted(where: str, versions: Sequence[Version]) -> None:
    for earlier, later in itertools.pairwise(versions):
        if not earlier < later:
            raise CompatError(f"{where}: versions not strictly ascending ({earlier} then {later})")


def _entries(where: str, data: Any) -> list[Any]:
    """A list of entries; anything else (a number, a mapping) is named, not iterated."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise CompatError(f"{where}: expected a list of entries, got {type(data).__name__}")
    return data


def _optional(where: str, entry: Mapping[str, Any], key: str, kind: type | tuple[type, ...],
              words: str) -> Any:
    """``entry[key]`` when it is absent, null or of ``kind``; a CompatError otherwise.

    Overlays are user files: a value of the wrong type must be a message at load, not a
    TypeError when a rule first touches it.
    """
    value = entry.get(key)
    if value is not None and not isinstance(value, kind):
        raise CompatError(f"{where}: {key} must be {words}, got {value!r}")
    return value


_DATE_ANYWHERE = LazyPattern(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


def _dates_in(data: Any) -> Iterator[str]:
    """Every YYYY-MM-DD date written anywhere in ``data`` (values and source texts)."""
    if isinstance(data, str):
        yield from _DATE_ANYWHERE.findall(data)
    elif isinstance(data, dict):
        for value in data.values():
            yield from _dates_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from _dates_in(value)


def _date(where: str, text: Any) -> str:
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        raise CompatError(f"{where}: dates are quoted YYYY-MM-DD strings, got {text!r}")
    return text


_TOP_KEYS = {
    "table", "kubeadm", "kubelet", "pause_tags", "windows_versions", "repositories",
    "mirrors", "vendor_repositories", "containerd", "crio", "rke2", "k3s", "cri_dockerd",
}


class CompatTable:
    """The validated table. Build with :func:`load_table`; queries are cheap."""

    def __init__(self, raw: Mapping[str, Any], origin: str = "data/compat.yaml") -> None:
        self.origin = origin
        if not isinstance(raw, dict):
            raise CompatError(f"{origin}: top level must be a mapping")
        _check_keys(origin, raw, _TOP_KEYS, _TOP_KEYS)
        self._load_table_meta(raw["table"])
        self._load_kubeadm(raw["kubeadm"])
        self._load_kubelet(raw["kubelet"])
        self._load_tags(raw["pause_tags"])
        self._load_windows(raw["windows_versions"])
        self._load_repositories(raw["repositories"], raw["vendor_repositories"])
        self._load_mirrors(raw["mirrors"])
        self._load_containerd(raw["containerd"])
        self._load_crio(raw["crio"])
        self._load_distributions(raw["rke2"], raw["k3s"], raw["cri_dockerd"])
        self._raw = raw  # for newest_fact_date, asked only by `pauselint table` and tests

    # -- loading ---------------------------------------------------------------

    def _load_table_meta(self, meta: Any) -> None:
        keys = ("date", "kubernetes_through", "containerd_through", "crio_through", "source")
        _check_keys("table", meta, keys, keys)
        self.date = _date("table.date", meta["date"])
        self.kubernetes_through = _version("table.kubernetes_through", meta["kubernetes_through"])
        self.containerd_through = _version("table.containerd_through", meta["containerd_through"])
        self.crio_through = _version("table.crio_through", meta["crio_through"])

    def _load_kubeadm(self, data: Any) -> None:
        keys = ("default_image_repository", "pause_image_name", "pause_versions",
                "sandbox_warning_from", "sandbox_warning_source")
        _check_keys("kubeadm", data, keys, keys)
        self.kubeadm_pause_name: str = data["pause_image_name"]
        self.kubeadm_warning_from = _version("kubeadm.sandbox_warning_from",
                                             data["sandbox_warning_from"])
        repos = []
        for i, e in enumerate(data["default_image_repository"]):
            where = f"kubeadm.default_image_repository[{i}]"
            _check_keys(where, e, ("kubernetes", "repository", "source", "status"),
                        ("kubernetes", "repository", "source"))
            repos.append((_version(where, e["kubernetes"]), e["repository"], e["source"]))
        _sorted("kubeadm.default_image_repository", [r[0] for r in repos])
        self._kubeadm_repos = repos
        pauses = []
        for i, e in enumerate(data["pause_versions"]):
            where = f"kubeadm.pause_versions[{i}]"
            _check_keys(where, e, ("kubernetes", "pause", "source", "status"),
                        ("kubernetes", "pause", "source"))
            pauses.append((_version(where, e["kubernetes"]), str(e["pause"]), e["source"]))
        _sorted("kubeadm.pause_versions", [p[0] for p in pauses])
        self._kubeadm_pauses = pauses
        # kubeadm_expectation's answers, a function of these facts alone: asked by two
        # rules for every node (a copy made by extended() shares them, as it may).
        self._expectation_memo: dict[tuple[Version, bool, str | None],
                                     Expectation | None] = {}

    def _load_kubelet(self, data: Any) -> None:
        keys = ("pod_infra_flag", "pod_infra_flag_deprecated", "pod_infra_flag_deprecated_source",
                "pod_infra_flag_removed", "pod_infra_flag_removed_source", "pins_via_cri_from",
                "pins_via_cri_source", "skew")
        _check_keys("kubelet", data, keys, keys)
        self.pod_infra_flag: str = data["pod_infra_flag"]
        self.pod_infra_deprecated = _version("kubelet", data["pod_infra_flag_deprecated"])
        self.pod_infra_removed = _version("kubelet", data["pod_infra_flag_removed"])
        self.kubelet_pins_via_cri_from = _version("kubelet", data["pins_via_cri_from"])
        self.kubelet_sources = {
            "deprecated": data["pod_infra_flag_deprecated_source"],
            "removed": data["pod_infra_flag_removed_source"],
            "pins": data["pins_via_cri_source"],
        }
        skew = []
        for i, e in enumerate(data["skew"]):
            where = f"kubelet.skew[{i}]"
            _check_keys(where, e, ("kubernetes", "older_minors", "source"),
                        ("kubernetes", "older_minors", "source"))
            skew.append((_version(where, e["kubernetes"]), int(e["older_minors"]), e["source"]))
        _sorted("kubelet.skew", [s[0] for s in skew])
        self._skew = skew

    def _load_tags(self, data: Any) -> None:
        tags: dict[str, PauseTag] = {}
        order = []
        allowed = ("tag", "promoted", "digest", "linux", "windows", "windows_unverified",
                   "source", "status", "note")
        for i, e in enumerate(data):
            where = f"pause_tags[{i}]"
            _check_keys(where, e, allowed, ("tag", "linux", "windows", "source"))
            order.append(_version(where, e["tag"]))
            digest = e.get("digest")
            if digest is not None and not _DIGEST.fullmatch(digest):
                raise CompatError(f"{where}: malformed digest {digest!r}")
            promoted = _date(where, e["promoted"]) if "promoted" in e else None
            tags[e["tag"]] = PauseTag(
                tag=e["tag"], digest=digest, linux=tuple(e["linux"]),
                windows=tuple(str(w) for w in e["windows"]), promoted=promoted,
                source=e["source"], status=e.get("status"),
                windows_unverified=tuple(str(w) for w in e.get("windows_unverified") or ()),
            )
            overlap = sorted(set(tags[e["tag"]].windows) & set(tags[e["tag"]].windows_unverified))
            if overlap:
                raise CompatError(f"{where}: {', '.join(overlap)} both in windows and "
                                  "windows_unverified")
        _sorted("pause_tags", order)
        self._tags = tags

    def _load_windows(self, data: Any) -> None:
        self._windows: dict[str, str] = {}
        self._windows_aliases: dict[str, tuple[str, ...]] = {}
        self._windows_builds: dict[str, str] = {}
        for i, e in enumerate(data):
            where = f"windows_versions[{i}]"
            _check_keys(where, e, ("name", "aliases", "build", "source", "status"),
                        ("name", "aliases", "source"))
            name = str(e["name"])
            self._windows_aliases[name] = tuple(str(a) for a in e["aliases"])
            for alias in (name, *e["aliases"]):
                self._windows[str(alias).lower()] = name
            if "build" in e:
                self._windows_builds[str(e["build"])] = name

    def _load_repositories(self, data: Any, vendor: Any) -> None:
        repos: dict[str, Repository] = {}
        allowed = ("name", "upstream", "digests", "tags", "frozen", "successor", "arch",
                   "source", "status", "tags_complete")
        entries = [*_entries("repositories", data), *_entries("vendor_repositories", vendor)]
        for i, e in enumerate(entries):
            where = f"repositories[{i}]"
            _check_keys(where, e, allowed, ("name", "tags", "source"))
            if e.get("digests") not in (None, "upstream"):
                raise CompatError(f"{where}: digests must be 'upstream' when set")
            tags = _optional(where, e, "tags", list, "a list of tags")
            if tags is not None:
                if any(isinstance(t, (list, dict)) or t is None for t in tags):
                    raise CompatError(f"{where}: tags must be a list of tags, got {tags!r}")
                tags = tuple(str(t) for t in tags)
            name = _optional(where, e, "name", str, "a repository name")
            if not name:
                raise CompatError(f"{where}: name must be a repository name, got {name!r}")
            for key in ("successor", "arch"):
                _optional(where, e, key, str, "a string")
            _optional(where, e, "tags_complete", bool, "true or false")
            if name in repos:
                raise CompatError(f"{where}: repository {name} listed twice")
            repos[name] = Repository(
                name=name, tags=tags, upstream_digests=e.get("digests") == "upstream",
                frozen=_date(where, e["frozen"]) if "frozen" in e else None,
                successor=e.get("successor"), arch=e.get("arch"), source=e["source"],
                status=e.get("status"), tags_complete=e.get("tags_complete", True),
            )
        self._repos = repos

    def _load_mirrors(self, data: Any) -> None:
        """Load mirrors, normalizing each prefix now: a bad prefix (a user's mirror
        included) is a CompatError naming the entry at load, not an error at match time."""
        mirrors = []
        allowed = ("prefix", "upstream", "tag_suffixes", "digests", "source", "status")
        for i, e in enumerate(_entries("mirrors", data)):
            where = f"mirrors[{i}]"
            _check_keys(where, e, allowed, ("prefix", "upstream", "source"))
            suffixes = _optional(where, e, "tag_suffixes", dict, "a mapping of suffix: arch")
            if suffixes and not all(isinstance(k, str) and isinstance(v, str)
                                    for k, v in suffixes.items()):
                raise CompatError(f"{where}: tag_suffixes must map suffix strings to "
                                  f"architectures, got {suffixes!r}")
            for key in ("prefix", "upstream"):
                try:
                    normalize_prefix(e[key])
                except ImageRefError as err:
                    raise CompatError(f"{where}: {key} {e[key]!r} is not an image name "
                                      f"prefix ({err})") from None
            mirrors.append(Mirror(
                prefix=e["prefix"].strip().rstrip("/"), upstream=e["upstream"].strip().rstrip("/"),
                tag_suffixes=dict(e.get("tag_suffixes") or {}),
                upstream_digests=e.get("digests") == "upstream",
                source=e["source"], status=e.get("status"),
            ))
        self._set_mirrors(mirrors)

    def _set_mirrors(self, mirrors: list[Mirror]) -> None:
        """Keep the mirrors and their normalized prefixes, longest first, for mirror_of."""
        self._mirrors = mirrors
        pairs = [(normalize_prefix(m.prefix), m) for m in mirrors]
        pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
        self._mirror_prefixes = pairs
        self._mirror_by_name: dict[str, Mirror | None] = {}  # mirror_of's answers

    def _ranges(self, where: str, data: Any, extra: tuple[str, ...]) -> list[tuple]:
        out = []
        allowed = ("versions", "source", "status", *extra)
        for i, e in enumerate(data):
            w = f"{where}[{i}]"
            _check_keys(w, e, allowed, ("versions", "source"))
            out.append((_specifier(w, e["versions"]), e))
        _sorted(where, [spec.floor for spec, _ in out])
        return out

    def _load_containerd(self, data: Any) -> None:
        keys = ("config_versions", "refuses_newer_config", "loading", "defaults", "pins_sandbox",
                "kubernetes_support", "cri_v1_required_from", "cri_v1_floor", "cri_v1_source",
                "v1_unsupported_from", "v1_unsupported_source")
        _check_keys("containerd", data, keys, keys)
        versions = {}
        for i, e in enumerate(data["config_versions"]):
            where = f"containerd.config_versions[{i}]"
            _check_keys(where, e, ("version", "min_containerd", "sandbox_key", "source"),
                        ("version", "min_containerd", "sandbox_key", "source"))
            versions[int(e["version"])] = ConfigVersionInfo(
                int(e["version"]), str(_version(where, e["min_containerd"])),
                e["sandbox_key"], e["source"])
        self._config_versions = versions
        # Answers that depend on these facts alone, kept once worked out (a copy made
        # by extended() shares them: it changes repositories and mirrors, not these).
        self._containerd_memo: dict[Version, Loading | None] = {}
        self._lines: tuple[Version, ...] | None = None
        self._line_loadings: tuple[Loading, ...] | None = None
        self._refuses = self._ranges("containerd.refuses_newer_config",
                                     data["refuses_newer_config"], ("max_version",))
        loading = data["loading"]
        facts = {"import_merge": "merge", "relative_glob_base": "base",
                 "plugin_key_rule": "rule", "toml_decoder": "decoder",
                 "empty_sandbox": "keeps_empty", "max_config_version": "max_version"}
        _check_keys("containerd.loading", loading, tuple(facts), tuple(facts))
        self._loading = {name: self._ranges(f"containerd.loading.{name}", loading[name], (key,))
                         for name, key in facts.items()}
        self._cd_defaults = self._ranges("containerd.defaults", data["defaults"],
                                         ("image", "windows_image"))
        self._pins = self._ranges("containerd.pins_sandbox", data["pins_sandbox"],
                                  ("normalizes_name",))
        support = []
        for i, e in enumerate(data["kubernetes_support"]):
            where = f"containerd.kubernetes_support[{i}]"
            _check_keys(where, e, ("kubernetes", "minimums", "source"),
                        ("kubernetes", "minimums", "source"))
            mins = [_version(where, m) for m in e["minimums"]]
            _sorted(where, mins)
            support.append((_version(where, e["kubernetes"]),
                            Support(e["kubernetes"], tuple(e["minimums"]), e["source"])))
        _sorted("containerd.kubernetes_support", [s[0] for s in support])
        self._support = support
        self.cri_v1_required_from = _version("containerd", data["cri_v1_required_from"])
        self.cri_v1_floor = tuple(_version("containerd", v) for v in data["cri_v1_floor"])
        self.cri_v1_source: str = data["cri_v1_source"]
        self.containerd_v1_unsupported_from = _version("containerd", data["v1_unsupported_from"])
        self.containerd_v1_unsupported_source: str = data["v1_unsupported_source"]

    def _load_crio(self, data: Any) -> None:
        keys = ("sandbox_key", "minor_follows_kubernetes", "minor_policy_source", "defaults",
                "pins_pause_from", "pins_pause_source")
        _check_keys("crio", data, keys, keys)
        self._crio_sandbox_key: str = data["sandbox_key"]
        self.crio_pins_pause_from = _version("crio.pins_pause_from", data["pins_pause_from"])
        self.crio_pins_pause_source: str = data["pins_pause_source"]
        self.crio_minor_follows_kubernetes = bool(data["minor_follows_kubernetes"])
        self.crio_policy_source: str = data["minor_policy_source"]
        self._crio_defaults = self._ranges("crio.defaults", data["defaults"], ("image",))

    def _load_distributions(self, rke2: Any, k3s: Any, cri_dockerd: Any) -> None:
        _check_keys("rke2", rke2, ("default_repository", "defaults"),
                    ("default_repository", "defaults"))
        self.rke2_default_repository: str = rke2["default_repository"]
        self._rke2_defaults = self._ranges("rke2.defaults", rke2["defaults"], ("tag",))
        _check_keys("k3s", k3s, ("defaults",), ("defaults",))
        self._k3s_defaults = self._ranges("k3s.defaults", k3s["defaults"], ("image",))
        _check_keys("cri_dockerd", cri_dockerd, ("defaults",), ("defaults",))
        self._cri_dockerd_defaults = self._ranges("cri_dockerd.defaults", cri_dockerd["defaults"],
                                                  ("image",))

    # -- kubeadm / Kubernetes --------------------------------------------------

    def known_kubernetes(self, version: Version) -> bool:
        """Whether the table describes this Kubernetes minor (else PL001 applies)."""
        return minor_of(version) <= minor_of(self.kubernetes_through)

    def oldest_kubernetes(self) -> Version:
        return self._kubeadm_pauses[0][0]

    def newest_fact_date(self) -> str | None:
        """The newest date any fact or its source names, outside ``table`` itself.

        ``table.date`` must not be older: a row added without bumping the date would
        make the table claim less than it knows, or a stale date look current.
        """
        dates = list(_dates_in({k: v for k, v in self._raw.items() if k != "table"}))
        return max(dates) if dates else None

    def kubeadm_minors(self) -> tuple[Expectation, ...]:
        """kubeadm's expectation for every minor the table knows, oldest first."""
        found = (self.kubeadm_expectation(since) for since, _pause, _src in self._kubeadm_pauses)
        return tuple(e for e in found if e is not None)

    def kubeadm_image_repository(self, kubernetes: Version) -> str | None:
        """kubeadm's default imageRepository for this release.

        Rows may start at a patch release (1.22.17 moved to registry.k8s.io within
        1.22). A version given without its patch (``1.24``) means the minor as it is
        now, its newest patch: the row that applies is the last one of that minor.
        """
        patch_known = len(kubernetes.release) >= 3
        found = None
        for since, repo, _src in self._kubeadm_repos:
            if since <= kubernetes if patch_known else minor_of(since) <= minor_of(kubernetes):
                found = repo
        return found

    def kubeadm_expectation(self, kubernetes: Version,
                            image_repository: str | None = None) -> Expectation | None:
        """The image kubeadm expects for this minor, or None when the table lacks it."""
        # Version("1.22") == Version("1.22.0"), but only the second has its patch known,
        # and kubeadm_image_repository() answers them apart: the key says which it is.
        key = (kubernetes, len(kubernetes.release) >= 3, image_repository)
        memo = self._expectation_memo
        if key not in memo:
            memo[key] = self._work_out_expectation(kubernetes, image_repository)
        return memo[key]

    def _work_out_expectation(self, kubernetes: Version,
                              image_repository: str | None) -> Expectation | None:
        for since, pause, source in self._kubeadm_pauses:
            if minor_of(since) == minor_of(kubernetes):
                repo = image_repository or self.kubeadm_image_repository(kubernetes)
                if repo is None:
                    return None
                return Expectation(f"{since.major}.{since.minor}", pause,
                                   repo.rstrip("/"), source, self.kubeadm_pause_name)
        return None

    def kubeadm_warns_on_mismatch(self, kubernetes: Version) -> bool:
        return minor_of(kubernetes) >= minor_of(self.kubeadm_warning_from)

    def skew_older_minors(self, apiserver: Version) -> int | None:
        found = None
        for since, minors, _src in self._skew:
            if minor_of(since) <= minor_of(apiserver):
                found = minors
        return found

    # -- tags, repositories, mirrors ------------------------------------------

    def pause_tag(self, tag: str) -> PauseTag | None:
        return self._tags.get(tag)

    def pause_tags(self) -> tuple[PauseTag, ...]:
        return tuple(self._tags.values())

    def repository(self, name: str) -> Repository | None:
        return self._repos.get(name)

    def repositories(self) -> tuple[Repository, ...]:
        return tuple(self._repos.values())

    def extended(self, overlay: Mapping[str, Any], origin: str) -> "CompatTable":
        """A copy with a user's additions (a compat overlay, or config `mirrors`).

        An overlay adds repositories and mirrors (a private registry and the tags it
        carries, an extra mirror); naming one the table already has is an error,
        never a silent override, because a shipped fact would then quietly change.
        """
        _check_keys(origin, overlay, ("repositories", "mirrors"), ())
        import copy  # only here: no run without an overlay or mirrors gets this far

        clone = copy.copy(self)
        added = CompatTable.__new__(CompatTable)
        try:
            added._load_repositories(overlay.get("repositories") or [], [])
            added._load_mirrors(overlay.get("mirrors") or [])
        except CompatError as err:
            raise CompatError(f"{origin}: {err}") from None
        clashes = sorted(set(added._repos) & set(self._repos))
        shipped = {prefix for prefix, _ in self._mirror_prefixes}
        clashes += sorted(m.prefix for prefix, m in added._mirror_prefixes if prefix in shipped)
        if clashes:
            raise CompatError(f"{origin}: {', '.join(clashes)} already in the shipped table; "
                              "an overlay adds entries, it does not replace them")
        clone._repos = {**self._repos, **added._repos}
        clone._set_mirrors([*self._mirrors, *added._mirrors])
        return clone

    def mirrors(self) -> tuple[Mirror, ...]:
        return tuple(self._mirrors)

    def mirror_of(self, ref: ImageRef) -> Mirror | None:
        """The table's mirror whose prefix matches this reference (longest wins).

        Prefixes are normalized once and matched on whole path components; a live
        fleet asks this for every image of every node, and the rules ask it again of
        each (~9 times a node), so each name's answer is kept: a fleet names few
        images, and past :data:`MIRROR_ANSWERS_KEPT` names the rest are looked up.
        """
        name = ref.name
        answers = self._mirror_by_name
        if name in answers:
            return answers[name]
        found = next((mirror for prefix, mirror in self._mirror_prefixes
                      if name == prefix or name.startswith(prefix + "/")), None)
        if len(answers) < MIRROR_ANSWERS_KEPT:
            answers[name] = found
        return found

    def resolve(self, ref: ImageRef) -> tuple[ImageRef, Mirror | None]:
        """Map a mirror reference onto the upstream it copies; identity otherwise."""
        mirror = self.mirror_of(ref)
        if mirror is None:
            return ref, None
        upstream = map_to_upstream(ref, [(mirror.prefix, mirror.upstream)])
        return (upstream or ref), mirror

    def windows_version(self, text: str) -> str | None:
        """Canonical Windows OS version name (``ltsc2019`` -> ``1809``), or None."""
        return self._windows.get(text.strip().lower())

    def windows_aliases(self, name: str) -> tuple[str, ...]:
        """Other names of a canonical Windows version (``1809`` -> ``("ltsc2019",)``)."""
        return self._windows_aliases.get(name, ())

    def windows_version_for_build(self, build: str) -> str | None:
        """``10.0.20348`` or ``10.0.20348.2227`` -> ``ltsc2022``."""
        parts = build.strip().split(".")
        return self._windows_builds.get(".".join(parts[:3]))

    def knows_registry(self, host: str) -> bool:
        """Whether any repository or mirror in the table lives on this registry host."""
        names = [*self._repos, *(m.prefix for m in self._mirrors)]
        return any(name.split("/", 1)[0] == host for name in names)

    def is_floating_tag(self, tag: str | None) -> bool:
        """Whether a tag names no fixed image: none at all, or the runtime's default tag.

        ``latest`` is what distribution/reference (normalize.go) assumes when no tag is
        given; the pause repositories never published it, so both mean "unpinned".
        """
        return tag is None or tag == "latest"

    def is_pause_image(self, ref: ImageRef) -> bool:
        """Whether a reference names a Kubernetes pause image this table knows about."""
        upstream, _ = self.resolve(ref)
        if upstream.name in self._repos:
            return True
        return upstream.base_name.startswith(self.kubeadm_pause_name)

    # -- containerd ------------------------------------------------------------

    def containerd_config_version(self, version: int) -> ConfigVersionInfo | None:
        return self._config_versions.get(version)

    def containerd_max_config_version(self, runtime: Version) -> int | None:
        """The highest config version this containerd accepts, when it refuses newer."""
        for spec, e in self._refuses:
            if runtime in spec:
                return int(e["max_version"])
        return None

    def containerd_loading(self, runtime: Version) -> Loading | None:
        """How this containerd loads its config, or None where the table does not say
        (a release older than every fact, or a fact missing for it).

        Asked for every containerd file (once per release line), and a function of the
        table alone: worked out once per release and kept (a Loading is immutable)."""
        memo = self._containerd_memo
        if runtime not in memo:
            memo[runtime] = self._work_out_loading(runtime)
        return memo[runtime]

    def containerd_line_loadings(self) -> tuple[Loading, ...]:
        """How each of ``containerd_lines()`` loads its config, where the table says."""
        if self._line_loadings is None:
            self._line_loadings = tuple(
                loading for v in self.containerd_lines()
                if (loading := self.containerd_loading(v)) is not None)
        return self._line_loadings

    def _work_out_loading(self, runtime: Version) -> Loading | None:
        found: dict[str, Any] = {}
        sources = []
        for name, entries in self._loading.items():
            entry = next((e for spec, e in entries if runtime in spec), None)
            # 1.x has no max_config_version fact (refuses_newer_config says it); 2.x must.
            if entry is None and (name != "max_config_version" or runtime.major >= 2):
                return None
            if entry is not None:
                sources.append(entry["source"])
            found[name] = entry
        highest = self.containerd_max_config_version(runtime)
        if found["max_config_version"] is not None:
            highest = int(found["max_config_version"]["max_version"])
        return Loading(runtime, found["import_merge"]["merge"],
                       found["relative_glob_base"]["base"], found["plugin_key_rule"]["rule"],
                       highest, found["toml_decoder"]["decoder"],
                       bool(found["empty_sandbox"]["keeps_empty"]), tuple(sources))

    def containerd_lines(self) -> list[Version]:
        """One release per containerd line (1.6, 1.7, 2.0, ...) standing for the whole line
        where the version is unknown: the newest behaviour the table knows in it (the
        highest floor of any fact within the line), never an invented release."""
        if self._lines is None:
            self._lines = tuple(self._work_out_lines())
        return list(self._lines)

    def _work_out_lines(self) -> list[Version]:
        # The lines Kubernetes still supports: from the oldest in the support matrix.
        oldest = min((Version(m) for _, row in self._support for m in row.minimums),
                     key=minor_of)
        floors: dict[tuple[int, int], Version] = {}
        ranges = [*self._refuses, *self._cd_defaults,
                  *(entry for entries in self._loading.values() for entry in entries)]
        for spec, _ in ranges:
            floor = spec.floor
            if minor_of(floor) < minor_of(oldest):
                continue
            line = (floor.major, floor.minor)
            floors[line] = max(floors.get(line, floor), floor)
        return [floors[line] for line in sorted(floors)]

    def containerd_default(self, runtime: Version) -> RuntimeDefault | None:
        for spec, e in self._cd_defaults:
            if runtime in spec:
                return RuntimeDefault(e["image"], e.get("windows_image"), e["source"])
        return None

    def containerd_pinning(self, runtime: Version) -> Pinning | None:
        """None when this containerd does not pin the sandbox image at all."""
        for spec, e in self._pins:
            if runtime in spec:
                return Pinning(bool(e["normalizes_name"]), e["source"])
        return None

    def containerd_pinning_from(self, runtime: Version) -> Version | None:
        """The first containerd release after ``runtime`` that pins the sandbox image."""
        floors = [spec.floor for spec, _ in self._pins if spec.floor > runtime]
        return min(floors) if floors else None

    def containerd_support(self, kubernetes: Version) -> Support | None:
        for since, support in self._support:
            if minor_of(since) == minor_of(kubernetes):
                return support
        return None

    def known_containerd(self, runtime: Version) -> bool:
        return minor_of(runtime) <= minor_of(self.containerd_through)

    def containerd_implied_config_version(self) -> int:
        """The version containerd assumes for a file without a ``version`` line (the oldest)."""
        return min(self._config_versions)

    def containerd_is_v1(self, runtime: Version) -> bool:
        """Whether this containerd is a 1.x release (the lines Kubernetes drops support for)."""
        return runtime.major < 2

    # -- CRI-O ---------------------------------------------------------------------

    def crio_default(self, runtime: Version) -> RuntimeDefault | None:
        return _image_default(self._crio_defaults, runtime)

    def rke2_default(self, runtime: Version, system_default_registry: str | None = None,
                     ) -> RuntimeDefault | None:
        """RKE2's built-in pause image; system-default-registry replaces its registry."""
        for spec, e in self._rke2_defaults:
            if runtime in spec:
                repository = self.rke2_default_repository
                if system_default_registry:
                    _, _, path = repository.partition("/")
                    repository = f"{system_default_registry.rstrip('/')}/{path}"
                return RuntimeDefault(f"{repository}:{e['tag']}", None, e["source"])
        return None

    def cri_dockerd_default(self, runtime: Version) -> RuntimeDefault | None:
        return _image_default(self._cri_dockerd_defaults, runtime)

    def runtime_default_rows(self) -> list[dict[str, Any]]:
        """Every built-in default the table holds, per runtime and release range, as
        written in the table (``pauselint table``)."""
        rke2 = [(spec, {**e, "image": f"{self.rke2_default_repository}:{e['tag']}"})
                for spec, e in self._rke2_defaults]
        rows = []
        for runtime, ranges in (("containerd", self._cd_defaults), ("cri-o", self._crio_defaults),
                                ("rke2", rke2), ("k3s", self._k3s_defaults),
                                ("cri-dockerd", self._cri_dockerd_defaults)):
            rows += [{"runtime": runtime, "versions": e["versions"], "image": e["image"],
                      "status": e.get("status"), "source": e["source"]} for _spec, e in ranges]
        return rows

    def k3s_default(self, runtime: Version) -> RuntimeDefault | None:
        return _image_default(self._k3s_defaults, runtime)

    def runtime_default(self, runtime: str, version: Version, *, os_name: str | None = None,
                        default_registry: str | None = None) -> RuntimeDefault | None:
        """The sandbox image a runtime uses when none is configured, or None when the
        table does not know it (k3s's is known for some releases only)."""
        if runtime == "containerd":
            found = self.containerd_default(version)
        elif runtime == "cri-o":
            found = self.crio_default(version)
        elif runtime == "rke2":
            found = self.rke2_default(version, default_registry)
        elif runtime == "cri-dockerd":
            found = self.cri_dockerd_default(version)
        elif runtime == "k3s":
            found = self.k3s_default(version)
        else:
            return None
        if found is not None and os_name == "windows" and found.windows_image:
            return found._replace(image=found.windows_image)
        return found

    def known_crio(self, runtime: Version) -> bool:
        return minor_of(runtime) <= minor_of(self.crio_through)

    def crio_sandbox_key(self) -> str:
        """Where CRI-O reads its pause image (``crio.image.pause_image``)."""
        return self._crio_sandbox_key

    def crio_pins_pause(self, runtime: Version) -> bool:
        """Whether this CRI-O reports its pause image pinned (``pinned_images``, §6)."""
        return runtime >= self.crio_pins_pause_from

    # -- convenience ---------------------------------------------------------------

    def parse(self, text: str) -> ImageRef | None:
        """Parse an image reference; None when it is not a valid reference."""
        try:
            return parse_image(text)
        except ImageRefError:
            return None


def table_path() -> "Path":
    """The shipped table: inside the installed package, else the checkout's data/."""
    from pathlib import Path

    return Path(_shipped_table())


def _shipped_table() -> str:
    # os.path, not pathlib: a run that reads only the shipped table never imports
    # pathlib (~16 M instructions with the urllib.parse and ipaddress it pulls in).
    here = os.path.dirname(os.path.realpath(__file__))
    packaged = os.path.join(here, "data", "compat.yaml")
    if os.path.isfile(packaged):
        return packaged
    return os.path.join(os.path.dirname(os.path.dirname(here)), "data", "compat.yaml")


def built_copy(target: str) -> str:
    """Where the build puts the parsed copy of the table at ``target``: beside it,
    its suffix replaced by ``.marshal`` (setup.py writes compat.marshal)."""
    return os.path.splitext(target)[0] + ".marshal"


def _read_raw(target: str) -> Any:
    """The table's data.

    An installed wheel carries the parsed table, written at build time (setup.py)
    with the bytes of the YAML it came from; it is used only while they are the
    file's bytes, so an edited YAML always wins. The copy is in ``marshal``'s format
    (version 4, read by every Python 3 pauselint supports), the one .pyc files use:
    loading it costs ~1 M instructions, where ``json`` cost 7 M with its import, and
    YAML over 90 M (importing it alone), on every pre-commit run. It is a build
    product inside the package, trusted as its .pyc files are; anything unreadable
    in it (another interpreter's format, a damaged file) falls back to the YAML.
    (The bytes themselves, 40 KB compared in one step, not a checksum: exact, and
    needing no module; zlib's CRC-32 loaded a shared library on every run, and
    hashlib's OpenSSL start-up alone costs ~2 ms.)
    """
    with open(target, "rb") as file:
        text = file.read()
    try:
        with open(built_copy(target), "rb") as file:
            cached = marshal.loads(file.read())
        if cached.get("source") == text:
            return cached["table"]
    except (OSError, ValueError, EOFError, TypeError, AttributeError, KeyError):
        pass  # no usable copy: the YAML is the source of truth
    import yaml  # only here: an installed wheel reads the built copy and never needs it

    # libyaml's loader when present: the pure-Python one costs ~100 ms here.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text.decode("utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        raise CompatError(f"compat table {target} is not valid YAML: {exc}") from None


@functools.lru_cache(maxsize=4)
def load_table(path: str | None = None) -> CompatTable:
    """Load and validate the table once per process (rules call this freely)."""
    if path:
        from pathlib import Path

        target = str(Path(path))  # named as the user's path is shown everywhere else
    else:
        target = _shipped_table()
    try:
        raw = _read_raw(target)
    except OSError as exc:
        raise CompatError(f"cannot read compat table {target}: {exc.strerror}") from None
    return CompatTable(raw, origin=target)
