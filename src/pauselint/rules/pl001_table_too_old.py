"""PL001 table-too-old: a version in the input is newer than pauselint's compat table.

What it finds
    The target Kubernetes version (``--kubernetes-version``, a kubeadm config, the
    live cluster), or a containerd / CRI-O version given with ``--runtime-version``,
    is newer than the newest one ``data/compat.yaml`` describes.

Why it breaks
    Nothing breaks on the node because of this finding. But every verdict pauselint
    gives about that version would be a guess: which pause image kubeadm expects,
    which built-in default the runtime uses, which containerd releases are
    supported. pauselint does not guess, so the rules that need the unknown version
    are skipped for it (they are listed under ``skipped``) and this finding tells you
    that the report is incomplete.

How to fix
    Upgrade pauselint to a release with a newer compat table, or add the new minor to
    a compat overlay (``compat-overlay:`` in ``.pauselint.yaml``) with its source.

Facts and sources
    ``table.date``, ``table.kubernetes_through``, ``table.containerd_through`` and
    ``table.crio_through`` in data/compat.yaml: the table's own stamp (every entry of
    the table names its upstream source in its ``source`` field).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from packaging.version import Version

from pauselint.compat import CompatTable
from pauselint.model import Component, Finding, Severity, Skip
from pauselint.rules.framework import RuleContext, finding

ID = "PL001"
NAME = "table-too-old"
SEVERITY = Severity.WARNING
DEFAULT_ENABLED = True
_RULE = sys.modules[__name__]

_HOW_TO_UPDATE = "upgrade pauselint or add the new version to a compat overlay (compat-overlay)"


def check(ctx: RuleContext) -> Iterator[Finding | Skip]:
    """One finding per version the table does not describe."""
    table = ctx.table
    if ctx.kubernetes is not None and not table.known_kubernetes(ctx.kubernetes):
        yield _too_new(table, f"Kubernetes {ctx.kubernetes}", table.kubernetes_through)
    seen: set[str] = set()
    for info in ctx.runtimes:
        through = _runtime_through(table, info.name, info.version)
        if through is None or info.text in seen:
            continue
        seen.add(info.text)
        yield _too_new(table, f"{info.name.value} {info.text}", through)


def _runtime_through(table: CompatTable, name: Component, version: Version) -> Version | None:
    """The table's newest line for this runtime, when ``version`` is beyond it."""
    if name is Component.CONTAINERD and not table.known_containerd(version):
        return table.containerd_through
    if name is Component.CRIO and not table.known_crio(version):
        return table.crio_through
    return None


def _too_new(table: CompatTable, what: str, through: Version) -> Finding:
    return finding(
        _RULE,
        f"{what} is newer than the compat table ({table.date}), which describes up to "
        f"{through}: rules that need it are skipped; {_HOW_TO_UPDATE}",
    )
