"""PL408 empty-sandbox-image: the sandbox image is set to the empty string.

What it finds
    ``sandbox_image = ""`` (or ``pinned_images.sandbox = ""``, ``pause_image = ""``)
    as the effective value, on a runtime release that keeps it.

Why it breaks
    No default applies: containerd 1.x keeps the empty name, and every pod sandbox
    fails with 'failed to get sandbox image "": failed to pull image "": failed to parse
    image reference "": invalid reference format' -- no pod starts on the node.
    (containerd 2.x uses its built-in default instead, at sandbox creation, though
    ``containerd config dump`` shows the empty value; PL404 then names that default.)

How to fix
    Set the image kubeadm expects for your Kubernetes version, or remove the line.

Facts and sources
    ``containerd.loading.empty_sandbox`` in data/compat.yaml: verified with Debian's
    containerd 1.6.20 and 1.7.24 daemons (CRI Status and RunPodSandbox) and 2.1.9's
    (getSandboxImageName in containerd/containerd
    internal/cri/server/podsandbox/sandbox_run.go @v2.1.9).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from pauselint.model import Component, Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding

ID = "PL408"
NAME = "empty-sandbox-image"
SEVERITY = Severity.ERROR
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """One error per node whose effective sandbox image is the empty string -- or, the
    release not known, that a line which starts with the files keeps empty."""
    known = ctx.runtime_for(Component.CONTAINERD) is not None
    for node in ctx.nodes:
        setting = node.effective_sandbox
        if node.refusal is not None:
            continue
        keeping = [release for release, ok, image in node.by_release if ok and image == ""]
        if (setting is None or setting.value != "") and not known and keeping:
            empty = [s for s in node.sandbox_settings if s.value == "" and not s.ignored]
            if empty:
                yield finding(
                    _RULE,
                    f"`{empty[-1].key}` is empty: containerd {', '.join(keeping)} keep it (no "
                    "default applies), so every pod sandbox fails there ('failed to pull "
                    "image \"\": ... invalid reference format'); 2.x uses its built-in "
                    "default instead",
                    location=empty[-1].location, image="", node=node.name,
                    fix="set the pause image kubeadm expects, or remove the line")
            continue
        if setting is None or setting.value != "":
            continue
        runtime = node.runtime.value if node.runtime else "the runtime"
        release = f" {node.read_as}" if node.read_as else ""
        yield finding(
            _RULE,
            f"`{setting.key}` is empty: {runtime}{release} keeps it (no default applies), "
            "so every pod sandbox fails ('failed to pull image \"\": ... invalid reference "
            "format')",
            location=setting.location, image="", node=node.name,
            fix="set the pause image kubeadm expects, or remove the line")
