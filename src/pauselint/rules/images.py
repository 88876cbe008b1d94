"""What the image rules share: which uses are the Kubernetes pause image, their tags,
per-arch pins, the names to suggest.

Several rules ask the same questions of a pause image use -- is it the Kubernetes image
or a Docker Hub short name, which tag to look up on a mirror, which platform a per-arch
name pins, which digest its tag has, what to write instead. The answers live here,
once, so that the rules cannot disagree and no rule module imports another.
"""


import functools

from packaging.version import InvalidVersion, Version

from pauselint.compat import CompatTable, Expectation, Repository
from pauselint.imageref import ImageRef, arch_of_repository, tag_suffix
from pauselint.records import NamedTuple
from pauselint.rules.framework import ImageUse, RuleContext


class PinnedPlatform(NamedTuple):
    """The one platform a per-arch image carries, and what pins it."""

    os: str | None
    arch: str | None
    by: str  # "tag" or "repository"

    def __str__(self) -> str:
        return "/".join(part for part in (self.os, self.arch) if part)


# Which uses the table's facts describe.


def kubernetes_pause_uses(ctx: RuleContext) -> tuple[ImageUse, ...]:
    """Pause image uses that name the Kubernetes image (or a copy the table knows).

    Docker Hub short names are PL111's: the table's facts (tags, digests, platforms)
    describe the Kubernetes image, which such a name does not pull.
    """
    return _pause_uses(ctx)[0]


def checked_uses(ctx: RuleContext) -> tuple[ImageUse, ...]:
    """Pause image uses with a fixed tag that name the Kubernetes image (or a copy).

    Floating tags are PL104's and Docker Hub short names PL111's: the tag facts in the
    table do not describe the images those names pull.
    """
    return _pause_uses(ctx)[1]


def _pause_uses(ctx: RuleContext) -> tuple[tuple[ImageUse, ...], tuple[ImageUse, ...]]:
    """Both answers for ``ctx``: seven rules ask them of one node's context in a row,
    so the last context's are kept, by the identity of its images and table (held
    here, so neither identity can be another object's while it is kept)."""
    global _LAST_USES
    last = _LAST_USES
    if last is not None and last[0] is ctx.images and last[1] is ctx.table:
        return last[2]
    table = ctx.table
    pause = tuple(use for use in ctx.images if table.is_pause_image(use.ref)
                  and not is_docker_hub_short_name(use, table))
    answer = (pause, tuple(use for use in pause if not table.is_floating_tag(use.ref.tag)))
    _LAST_USES = (ctx.images, table, answer)
    return answer


# The last context's images and table, and _pause_uses()'s answer for them.
_LAST_USES: tuple[object, object, tuple[tuple[ImageUse, ...], tuple[ImageUse, ...]]] | None = None


def is_docker_hub_short_name(use: ImageUse, table: CompatTable) -> bool:
    """A short name that the table does not know: Docker Hub's, not Kubernetes' image.

    The image rules other than PL111 skip these uses, because their facts (tags,
    digests, platforms) describe the Kubernetes image the short name does not name.
    """
    return is_docker_hub_short_ref(use.ref, table)


def is_docker_hub_short_ref(ref: ImageRef, table: CompatTable) -> bool:
    """:func:`is_docker_hub_short_name` for a bare reference (a setting's value)."""
    if ref.explicit_registry:
        return False
    upstream, mirror = table.resolve(ref)
    return mirror is None and table.repository(upstream.name) is None


# Tags and names as written.


def mirror_suffix(use: ImageUse) -> str | None:
    """The mirror's own per-arch suffix on the tag (``-linuxarm64``), if it has one."""
    tag = use.ref.tag
    if use.mirror is None or tag is None:
        return None
    for suffix in use.mirror.tag_suffixes:
        if tag.endswith(suffix) and len(tag) > len(suffix):
            return suffix
    return None


def lookup_tag(use: ImageUse) -> str | None:
    """The tag to look up in the table: the tag as written, minus a mirror's own suffix.

    Upstream-style per-platform suffixes (``3.9-linux-arm64``) are kept: those tags
    were never promoted, so they must not be mistaken for the multi-arch tag.
    """
    tag = use.upstream.tag
    suffix = mirror_suffix(use)
    if tag is None or suffix is None:
        return tag
    return tag[: -len(suffix)]


def written_name(ref: ImageRef) -> str:
    """The image name as the user wrote it, without tag and digest (keeps their registry)."""
    text = ref.original.partition("@")[0]
    if ref.tag is not None:
        text = text[: -(len(ref.tag) + 1)]
    return text


def pause_version(use: ImageUse) -> tuple[Version, str] | None:
    """The pause version the tag names and the per-platform suffix after it, if any.

    ``3.8-linuxarm64`` -> ``(3.8, "-linuxarm64")``. None for no tag or a tag that is
    not a version (``latest``, vendor schemes): other rules judge those.
    """
    tag = use.ref.tag
    return None if tag is None else _tag_version(tag)


# A fleet's nodes name a few tags, and several rules ask of each node's: each tag (and
# each expected pause version) is parsed once, as parse_image() parses each name.
@functools.lru_cache(maxsize=4096)
def _tag_version(tag: str) -> tuple[Version, str] | None:
    base, suffix = tag, ""
    split = tag_suffix(tag)
    if split is not None:
        base, suffix = split.base, tag[len(split.base):]
    try:
        return Version(base), suffix
    except InvalidVersion:
        return None


@functools.lru_cache(maxsize=64)
def _version(text: str) -> Version:
    return Version(text)


def older_than_expected(use: ImageUse, expectation: Expectation) -> Version | None:
    """The use's pause version when it is older than the expected one, else None."""
    parsed = pause_version(use)
    if parsed is None:
        return None
    version, _suffix = parsed
    return version if version < _version(expectation.pause) else None


# Per-arch images and digests.


def pinned_platform(use: ImageUse, table: CompatTable) -> PinnedPlatform | None:
    """The platform a per-arch tag or per-arch repository pins this image to, if any."""
    tag = use.ref.tag
    if tag is not None:
        split = tag_suffix(tag)
        suffix = mirror_suffix(use)
        if suffix is not None and use.mirror is not None:
            return PinnedPlatform(split.os if split else None, use.mirror.tag_suffixes[suffix],
                                  "tag")
        if split is not None:
            return PinnedPlatform(split.os, split.arch, "tag")
    repository = table.repository(use.upstream.name)
    arch = repository.arch if repository is not None else None
    if arch is None:
        found = arch_of_repository(use.upstream.name)
        arch = found[1] if found else None
    if arch is not None:
        return PinnedPlatform(None, arch, "repository")
    return None


def multi_arch_reference(use: ImageUse, table: CompatTable,
                         pinned: PinnedPlatform) -> str | None:
    """The multi-arch image with the same tag, where the table shows it exists.

    A mirror's own per-arch copies point at the upstream multi-arch image: whether the
    mirror also carries a multi-arch tag is not known. Otherwise the user's registry
    is kept, unless it is frozen (:func:`on_live_registry`).
    """
    tag = lookup_tag(use)
    if tag is None or table.is_floating_tag(tag):
        return None
    if pinned.by == "tag":
        if mirror_suffix(use) is not None:
            upstream = table.repository(use.upstream.name)
            if upstream is not None and tag in (upstream.tags or ()):
                return f"{upstream.name}:{tag}"
            return None
        split = tag_suffix(tag)
        repository = table.repository(use.upstream.name)
        if split is not None and repository is not None and split.base in (repository.tags or ()):
            return f"{written_name(use.ref)}:{split.base}"
        return None
    base_upstream = arch_of_repository(use.upstream.name)
    base_written = arch_of_repository(written_name(use.ref))
    if base_upstream is None or base_written is None:
        return None
    multi_arch = table.repository(base_upstream[0])
    if multi_arch is None or tag not in (multi_arch.tags or ()):
        return None
    return on_live_registry(table, use, multi_arch, base_written[0], tag)


def on_live_registry(table: CompatTable, use: ImageUse, repository: Repository, name: str,
                     tag: str) -> str:
    """``name:tag`` -- or the frozen ``repository``'s successor at ``tag`` when it carries
    it and the user's name is no mirror of the frozen one: a fix never sends a node to a
    registry that gets no new pause images (PL103)."""
    successor = table.repository(repository.successor) if repository.successor else None
    if (use.mirror is None and repository.frozen and successor is not None
            and tag in (successor.tags or ())):
        return f"{successor.name}:{tag}"
    return f"{name}:{tag}"


def known_digest(use: ImageUse, table: CompatTable) -> str | None:
    """The manifest-list digest this image's tag has on its registry, when the table knows.

    Known only where the registry serves upstream's digests (a mirror's own flag wins
    over its upstream repository's) and for multi-arch images: a per-arch image is a
    single manifest with another digest.
    """
    tag = lookup_tag(use)
    repository = table.repository(use.upstream.name)
    if tag is None or repository is None or pinned_platform(use, table) is not None:
        return None
    serves_upstream = (use.mirror.upstream_digests if use.mirror is not None
                       else repository.upstream_digests)
    published = table.pause_tag(tag)
    if not serves_upstream or published is None:
        return None
    return published.digest


# The Kubernetes image to suggest for a short name.


def kubernetes_image(ctx: RuleContext, tag: str | None, digest: str | None) -> str | None:
    """``<kubeadm repository>/pause:<tag>`` for the target version, or None without a tag.

    The repository is kubeadm's ``imageRepository`` when a kubeadm config sets one,
    else kubeadm's default for the target version, else the newest default the table
    knows. A missing or floating tag becomes kubeadm's expected tag when the target
    version is known.
    """
    table = ctx.table
    version = ctx.kubernetes if ctx.kubernetes is not None else table.kubernetes_through
    repository = ctx.image_repository or table.kubeadm_image_repository(version)
    if table.is_floating_tag(tag) and digest is None:
        expectation = (
            table.kubeadm_expectation(ctx.kubernetes, ctx.image_repository)
            if ctx.kubernetes is not None else None
        )
        tag = expectation.pause if expectation is not None else None
    if repository is None or (tag is None and digest is None):
        return None
    text = f"{repository.rstrip('/')}/{table.kubeadm_pause_name}"
    if tag is not None:
        text += f":{tag}"
    if digest is not None:
        text += f"@{digest}"
    return text


def unpublished(ctx: RuleContext, tag: str | None) -> str | None:
    """The Kubernetes repository the short name stands for, when it lacks this tag.

    PL101 is silent on short names, so a rule that suggests the Kubernetes image for
    one (PL111, PL304) must not suggest a tag that was never published (``pause:3.11``).
    """
    if ctx.table.is_floating_tag(tag):
        return None
    image = kubernetes_image(ctx, tag, None)
    ref = ctx.table.parse(image) if image else None
    if ref is None:
        return None
    repository = ctx.table.repository(ref.name)
    if repository is None or repository.tags is None or tag in repository.tags:
        return None
    return repository.name
