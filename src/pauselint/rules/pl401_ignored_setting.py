"""PL401 ignored-setting: a sandbox-image key the runtime never reads.

What it finds
    A sandbox (pause) image written where this file's format version does not read it:

    * containerd ``sandbox_image`` under ``io.containerd.grpc.v1.cri`` in a
      ``version = 3`` file (containerd 2.x reads ``pinned_images.sandbox``);
    * containerd ``pinned_images.sandbox`` in a version 1 or 2 file;
    * ``[plugins.cri]`` (a version 1 key) in a version 2 file;
    * CRI-O ``pause_image`` outside ``[crio.image]``;
    * misspelled keys such as ``sandbox-image`` or ``pauseImage``.

Why it breaks
    The runtime silently uses its built-in default instead of your image. On an
    air-gapped node or behind a private registry that default cannot be pulled, and
    every new pod hangs in ContainerCreating; elsewhere the node quietly runs a pause
    image nobody chose.

How to fix
    Move the value to the key this file's version reads (the finding names it), or
    change the file's ``version`` to the one the key belongs to -- if your runtime
    supports it (see PL402).

Facts and sources
    ``containerd.config_versions`` (``sandbox_key`` per version) and
    ``crio.sandbox_key`` in data/compat.yaml: the config versions table in
    containerd/containerd RELEASES.md @301026e58c61; where the key lives per version,
    https://github.com/containerd/containerd/blob/v1.7.0/docs/cri/config.md and
    https://github.com/containerd/containerd/blob/v2.0.0/docs/cri/config.md (2.0-2.2
    migrate no version-3 file: ``ConfigVersion = 3`` in containerd/containerd
    version/version.go @v2.1.9); CRI-O's ``[crio.image]`` ``pause_image`` (cri-o/cri-o
    docs/crio.conf.5.md). Which keys are ignored is decided by the readers, which know
    the formats.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.display import cut
from pauselint.model import Component, Finding, NodeFacts, Setting, Severity, Skip
from pauselint.rules.framework import RuleContext, finding

ID = "PL401"
NAME = "ignored-setting"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
# A value the runtime never reads: nothing else about it matters until it is moved.
SUPERSEDES = ("*",)
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """One error per ignored sandbox-image key, at the key."""
    seen: set[tuple[object, ...]] = set()
    for node in ctx.nodes:
        for setting in node.sandbox_settings:
            if not setting.ignored:
                continue
            if node.refusal_kind == "plugin-key" and setting.key.startswith("plugins.cri."):
                continue  # the release refuses the whole table: PL406 says so once
            key = (setting.location, setting.key, node.name)
            if key in seen:
                continue
            seen.add(key)
            reason = setting.ignored_reason or "the runtime does not read this key"
            target = _key_that_is_read(ctx, node, setting)
            fix = f"move the value to `{target}`" if target else None
            if target == setting.key:
                # The file's own version reads this key; the release does not read the
                # file as that version (a version 1 file on the 2.2 line): moving it
                # within the file changes nothing, the file's version must change.
                fix = _migration(ctx, node)
            yield finding(
                _RULE,
                f"`{setting.key}` = \"{cut(setting.value)}\" is ignored: {reason}",
                location=setting.location,
                image=setting.value,
                fix=fix,
                node=node.name,
            )


def _key_that_is_read(ctx: RuleContext, node: NodeFacts, setting: Setting) -> str | None:
    """The sandbox key this file's format version reads, from the compat table."""
    table = ctx.table
    if setting.component is Component.CRIO:
        return table.crio_sandbox_key()
    if setting.component is not Component.CONTAINERD:
        return None
    version = _file_version(node, setting)
    if version is None:
        version = table.containerd_implied_config_version()
    info = table.containerd_config_version(version)
    return info.sandbox_key if info is not None else None


def _migration(ctx: RuleContext, node: NodeFacts) -> str | None:
    """Where the release reads the sandbox image, for a file it reads as another
    version than the file's own: the file must be written in that version."""
    version = node.loaded_version
    info = ctx.table.containerd_config_version(version) if version is not None else None
    if info is None:
        return None
    return (f"write the file as a version {version} config (containerd config migrate) with "
            f"the value at `{info.sandbox_key}`")


def _file_version(node: NodeFacts, setting: Setting) -> int | None:
    """The ``version`` of the file holding the setting (imports carry their own)."""
    for config in node.files:
        if config.path == setting.location.path:
            return config.config_version
    return node.config_version
