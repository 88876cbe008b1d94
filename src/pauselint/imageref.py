"""Container image references, parsed and normalized once for the whole tool.

Every rule compares images, and two spellings of one image must compare equal:
``pause:3.9`` *is* ``docker.io/library/pause:3.9``, ``Registry.Example.com/app`` *is*
``registry.example.com/app``. So readers keep the text as written and rules call
:func:`parse_image` to get one canonical :class:`ImageRef`.

The grammar and the Docker Hub defaults are those of ``github.com/distribution/reference``
(``regexp.go`` and ``normalize.go``), which containerd, CRI-O and the kubelet all use, so
pauselint reads a name the way the runtime that pulls it will. Deliberate differences:

* host names are lowercased (DNS is case-insensitive), except a dot-less, colon-less
  host such as ``MyPrivateRegistry`` that is only a host *because* of its capitals
  (distribution's rule): lowercasing it would turn it into a Docker Hub namespace;
* ``index.docker.io`` is folded into ``docker.io`` after lowercasing;
* digests are checked as go-digest checks them (sha256/sha384/sha512, lowercase hex of
  the exact length) here rather than at pull time.

Nothing Kubernetes-specific lives here: which registries mirror which, and which tags
exist, is data (``data/compat.yaml``); this module only knows how names are built.
"""


import functools
import re
from collections.abc import Sequence

from pauselint.display import LIMIT, shown
from pauselint.lazy_re import LazyPattern
from pauselint.records import NamedTuple

__all__ = [
    "ARCHITECTURES",
    "DEFAULT_REGISTRY",
    "ImageRef",
    "ImageRefError",
    "TagSuffix",
    "arch_of_repository",
    "arch_of_tag",
    "map_to_upstream",
    "normalize_prefix",
    "parse_image",
    "tag_suffix",
]

# Docker Hub defaults, as the reference grammar defines them (normalize.go).
DEFAULT_REGISTRY = "docker.io"
_LEGACY_DEFAULT_REGISTRY = "index.docker.io"
_OFFICIAL_PREFIX = "library/"
_LOCALHOST = "localhost"
_NAME_TOTAL_LENGTH_MAX = 255

# Pieces of distribution's regexp.go. ASCII-only: Python's \w is Unicode otherwise.
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT_RE = re.compile(rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_HOST_RE = re.compile(rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?")
_TAG_RE = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_DIGEST_ALGO_RE = LazyPattern(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*")
_IDENTIFIER_RE = re.compile(r"[a-f0-9]{64}")
# go-digest's registered algorithms and the length of their lowercase hex encoding.
_DIGEST_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}


class ImageRefError(ValueError):
    """An image reference that the runtime would refuse to pull; the message says why."""


class ImageRef(NamedTuple):
    """One image reference, split into its parts and normalized.

    ``original`` is the text as written (stripped) so findings can quote the user;
    every other field is canonical, so refs compare by meaning.
    """

    original: str
    registry: str
    repository: str
    tag: str | None
    digest: str | None
    explicit_registry: bool

    @property
    def name(self) -> str:
        """``registry/repository``: the key a runtime stores and pins the image under."""
        return f"{self.registry}/{self.repository}"

    def normalized(self) -> str:
        """The fully qualified reference, e.g. ``docker.io/library/pause:3.9``.

        No ``:latest`` is invented when there is neither tag nor digest: "no tag" is
        itself something a rule reports, so it must survive normalization.
        """
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    @property
    def base_name(self) -> str:
        """The last path component (``pause``, ``pause-amd64``, ``mirrored-pause``)."""
        return self.repository.rsplit("/", 1)[-1]


# A fleet repeats the same few names on every node; references are immutable, so
# parsing each distinct text once is safe. Errors are not cached (they raise).
@functools.lru_cache(maxsize=4096)
def parse_image(text: str) -> ImageRef:
    """Parse an image reference the way containerd and CRI-O normalize it.

    Raises :class:`ImageRefError` (and nothing else) with a one-line, human message for
    anything a runtime would reject, because readers hand raw config values here and a
    malformed value is a finding, never a crash.
    """
    if not isinstance(text, str):
        raise ImageRefError(f"image reference must be text, not {type(text).__name__}")
    original = text.strip()
    if not original:
        raise ImageRefError("empty image reference")
    for char in original:
        if char.isspace():
            raise ImageRefError(f"image reference {shown(original)} contains whitespace")
        if not char.isascii() or not char.isprintable():
            raise ImageRefError(
                f"image reference {shown(original)} contains the character {char!r}"
            )
    if _IDENTIFIER_RE.fullmatch(original):
        raise ImageRefError(
            f"{shown(original)} is a bare 64-character hex identifier, not an image name"
        )

    rest, digest = _split_digest(original)
    name, tag = _split_tag(original, rest)
    registry, repository, explicit = _split_name(original, name)

    full_name = f"{registry}/{repository}"
    if len(full_name) > _NAME_TOTAL_LENGTH_MAX:
        raise ImageRefError(
            f"image name {full_name[:40]}... is {len(full_name)} characters long "
            f"(at most {_NAME_TOTAL_LENGTH_MAX})"
        )
    return ImageRef(
        original=original,
        registry=registry,
        repository=repository,
        tag=tag,
        digest=digest,
        explicit_registry=explicit,
    )


def _in(original: str) -> str:
    """``in 'reference'`` after the part of it a message names; a long reference is
    not quoted again (the part already shows the bad text), only measured."""
    if len(original) <= LIMIT:
        return f"in {shown(original)}"
    return f"in a {len(original)}-character reference"


def _split_digest(original: str) -> tuple[str, str | None]:
    rest, at, digest = original.partition("@")
    if not at:
        return original, None
    if not rest:
        raise ImageRefError(f"image reference {shown(original)} has a digest but no name")
    algo, colon, hex_part = digest.partition(":")
    if not colon or not _DIGEST_ALGO_RE.fullmatch(algo) or not hex_part:
        raise ImageRefError(
            f"invalid digest {shown(digest)} {_in(original)} (expected algorithm:hex, "
            "e.g. sha256:<64 hex digits>)"
        )
    expected = _DIGEST_HEX_LENGTH.get(algo)
    if expected is None:
        raise ImageRefError(f"unsupported digest algorithm {shown(algo)} {_in(original)}")
    if len(hex_part) != expected or not re.fullmatch(r"[0-9a-f]+", hex_part):
        raise ImageRefError(
            f"invalid {algo} digest {_in(original)}: expected {expected} lowercase hex digits"
        )
    return rest, digest


def _split_tag(original: str, rest: str) -> tuple[str, str | None]:
    # A ':' before the last '/' belongs to a host's port, never to a tag.
    colon = rest.rfind(":")
    if colon <= rest.rfind("/"):
        return rest, None
    name, tag = rest[:colon], rest[colon + 1 :]
    if not tag:
        raise ImageRefError(f"image reference {shown(original)} has an empty tag")
    if not _TAG_RE.fullmatch(tag):
        raise ImageRefError(
            f"invalid tag {shown(tag)} {_in(original)} (letters, digits, '_', '.', '-'; "
            "not starting with '.' or '-'; at most 128 characters)"
        )
    return name, tag


def _split_name(original: str, name: str) -> tuple[str, str, bool]:
    """Split ``[host/]path`` with distribution's rule for "is the first part a host"."""
    if not name:
        raise ImageRefError(f"image reference {shown(original)} has no repository name")
    scheme, sep, _ = name.partition("://")
    if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        # A registry written as a URL (`https://host:5000`): the runtime pulls names,
        # and a name starts with the bare host.
        raise ImageRefError(f"image reference {shown(original)} starts with the URL scheme "
                            f"{shown(scheme + sep)}: an image name starts with the registry "
                            "host, e.g. registry.example.com:5000/pause:3.10")
    first, slash, remainder = name.partition("/")
    if slash and _looks_like_host(first):
        if not _HOST_RE.fullmatch(first):
            raise ImageRefError(f"invalid registry host {shown(first)} {_in(original)}")
        registry, explicit = _normalize_host(first), True
    else:
        registry, remainder, explicit = DEFAULT_REGISTRY, name, False
    _check_path(original, remainder)
    if registry == DEFAULT_REGISTRY and "/" not in remainder:
        remainder = _OFFICIAL_PREFIX + remainder
    return registry, remainder, explicit


def _looks_like_host(first: str) -> bool:
    # normalize.go: a host has a '.' or ':', is "localhost", or has capitals (which a
    # repository path may not have). Anything else is a Docker Hub namespace.
    return "." in first or ":" in first or first == _LOCALHOST or first.lower() != first


def _normalize_host(host: str) -> str:
    lowered = host.lower()
    if not _looks_like_host(lowered):
        # Only its capitals make it a host: keep them, or it would re-parse as a path.
        return host
    return DEFAULT_REGISTRY if lowered == _LEGACY_DEFAULT_REGISTRY else lowered


def _check_path(original: str, path: str) -> None:
    if not path:
        raise ImageRefError(f"image reference {shown(original)} has no repository name")
    if path.lower() != path:
        raise ImageRefError(f"repository name {shown(path)} {_in(original)} must be lowercase")
    for component in path.split("/"):
        if not component:
            raise ImageRefError(f"repository name {shown(path)} {_in(original)} has an empty part")
        if not _PATH_COMPONENT_RE.fullmatch(component):
            raise ImageRefError(
                f"invalid repository name component {shown(component)} {_in(original)} "
                "(lowercase letters and digits, separated by '.', '_', '__' or dashes)"
            )


# --------------------------------------------------------------------------- per-arch names

#: Architecture names as they appear in image tags and repositories (GOARCH spelling).
ARCHITECTURES = ("amd64", "arm64", "arm", "ppc64le", "s390x", "riscv64", "386")
_ARCH_ALT = "|".join(sorted(ARCHITECTURES, key=len, reverse=True))
# arm32v7/arm32v6 (Docker Hub's org spelling) and armv7/armv6 are arm with a variant.
_ARCH_TOKEN = rf"(?:(?P<arch>{_ARCH_ALT})(?:-?(?P<variant>v[5-8]))?|arm(?:32)?(?P<armv>v[5-8]))"
_OS_ALT = "linux|windows"
# Windows releases as tags spell them: 1809, 20H2, ltsc2022.
_OS_VERSION = r"(?:ltsc)?[0-9]{4}|[0-9]{2}H[0-9]"
# Each of the three needs a "-", which most tags and repositories (`pause:3.10`) do not
# have: they are compiled only when one does (~4 M instructions of every start-up).
_TAG_SUFFIX_RE = LazyPattern(
    rf"(?P<base>.+?)-"
    rf"(?:(?P<os>{_OS_ALT})(?:-(?P<osver>{_OS_VERSION})-|-?))?"
    rf"{_ARCH_TOKEN}"
)
_TAG_OS_ONLY_RE = LazyPattern(rf"(?P<base>.+?)-(?P<os>{_OS_ALT})(?:-(?P<osver>{_OS_VERSION}))?")
_REPO_ARCH_RE = LazyPattern(rf"(?P<base>.*[^/])-{_ARCH_TOKEN}")


class TagSuffix(NamedTuple):
    """A platform suffix found on a tag: ``3.5-windows-1809-amd64`` ->
    ``TagSuffix("3.5", "windows", "amd64", "1809", None)``.

    ``os``/``arch``/``os_version``/``variant`` are None when the tag does not say;
    ``arch`` is always a GOARCH name (``arm32v7`` -> ``arch="arm", variant="v7"``).
    """

    base: str
    os: str | None
    arch: str | None
    os_version: str | None = None
    variant: str | None = None


def tag_suffix(tag: str) -> TagSuffix | None:
    """Split a per-platform tag into its multi-arch base and its platform.

    Mirrors invent such tags (``3.9-linuxarm64``) and MCR publishes per-OS ones
    (``3.5-windows-1809-amd64``); a rule needs the base tag to look it up and the
    platform to compare with the node. Only real architecture names count, so version
    suffixes such as ``3.10.2-0`` or ``3.6-hotfix.20220114`` return None.
    """
    if "-" not in tag:
        return None
    match = _TAG_SUFFIX_RE.fullmatch(tag)
    if match:
        arch, variant = _arch_and_variant(match)
        return TagSuffix(match["base"], match["os"], arch, match["osver"], variant)
    match = _TAG_OS_ONLY_RE.fullmatch(tag)
    if match:
        return TagSuffix(match["base"], match["os"], None, match["osver"])
    return None


def arch_of_tag(tag: str) -> tuple[str, str | None] | None:
    """``(base tag, arch)`` for a per-platform tag, or None for a multi-arch one.

    ``"3.9-linuxarm64"`` -> ``("3.9", "arm64")``; ``"3.5-windows-1809"`` ->
    ``("3.5", None)`` (per-OS, arch unsaid); ``"3.9"`` -> None. See :func:`tag_suffix`
    for the OS, OS version and arm variant.
    """
    suffix = tag_suffix(tag)
    return None if suffix is None else (suffix.base, suffix.arch)


def arch_of_repository(repository: str) -> tuple[str, str] | None:
    """``(repository without the arch, arch)`` for a per-arch repository, else None.

    The old Kubernetes Makefile published ``pause-<arch>`` next to the manifest list
    ``pause``: ``"google_containers/pause-arm64"`` -> ``("google_containers/pause",
    "arm64")``. Only the last path component is looked at.
    """
    match = _REPO_ARCH_RE.fullmatch(repository) if "-" in repository else None
    if not match:
        return None
    arch, _variant = _arch_and_variant(match)
    return match["base"], arch


def _arch_and_variant(match: re.Match[str]) -> tuple[str, str | None]:
    if match["armv"]:
        return "arm", match["armv"]
    return match["arch"], match["variant"]


# --------------------------------------------------------------------------- mirrors


def normalize_prefix(text: str) -> str:
    """Normalize a mirror prefix (``host[/path]`` or a Docker Hub ``namespace[/path]``).

    A prefix is a name *prefix*, not an image: a bare host stays a host
    (``registry.example.com``) and no ``library/`` is added (``docker.io/acme`` is the
    ``acme`` namespace). Raises :class:`ImageRefError` for anything that cannot
    start an image name, so a bad ``mirrors`` entry is reported when config loads.
    """
    stripped = text.strip() if isinstance(text, str) else ""
    cleaned = stripped.rstrip("/")
    if not cleaned:
        raise ImageRefError(f"empty mirror prefix {shown(text)}")
    if any(char.isspace() or not char.isascii() for char in cleaned):
        raise ImageRefError(f"invalid mirror prefix {shown(stripped)}")
    first, slash, remainder = cleaned.partition("/")
    if not slash and ("." in first or ":" in first or first == _LOCALHOST):
        host, remainder = first, ""
    elif slash and _looks_like_host(first):
        host = first
    else:
        host, remainder = DEFAULT_REGISTRY, cleaned
    if not _HOST_RE.fullmatch(host):
        raise ImageRefError(
            f"invalid registry host {shown(host)} in mirror prefix {shown(stripped)}"
        )
    host = _normalize_host(host)
    if not remainder:
        return host
    try:
        _check_path(stripped, remainder)
    except ImageRefError as err:
        raise ImageRefError(f"invalid mirror prefix: {err}") from None
    return f"{host}/{remainder}"


def map_to_upstream(ref: ImageRef, mirrors: Sequence[tuple[str, str]]) -> ImageRef | None:
    """Rewrite ``ref`` onto the upstream its registry mirrors, or None if none matches.

    ``mirrors`` are ``(prefix, upstream_prefix)`` pairs. A prefix matches whole path
    components of ``ref.name`` (``.../mirrored-pause`` does not match
    ``.../mirrored-pause2``); the longest match wins, the first listed on a tie. The
    result keeps tag, digest and ``original`` so findings still quote the user's text.

    Raises :class:`ImageRefError` only for an invalid prefix (a bad ``mirrors`` entry,
    reported when config loads). A reference the mirror cannot map -- the namespace
    a whole registry is mirrored under, used as a repository itself
    (``registry.aliyuncs.com/google_containers:3.9``), or a name too long once
    rewritten -- names nothing upstream, so it maps to None: it is a user's value,
    and a value is a finding, never a crash.
    """
    best: tuple[str, str] | None = None
    for prefix, upstream in mirrors:
        normal = normalize_prefix(prefix)
        matches = ref.name == normal or ref.name.startswith(normal + "/")
        if matches and (best is None or len(normal) > len(best[0])):
            best = (normal, upstream)
    if best is None:
        return None
    prefix, upstream = best
    upstream_prefix = normalize_prefix(upstream)
    rest = ref.name[len(prefix) :]
    if "/" not in upstream_prefix and not rest:
        return None  # a whole registry's namespace is no repository of that registry
    suffix = ref.normalized()[len(ref.name) :]  # ":tag", "@digest", both or nothing
    try:
        mapped = parse_image(upstream_prefix + rest + suffix)
    except ImageRefError:
        return None
    return mapped._replace(original=ref.original, explicit_registry=True)
