"""The rule registry: a plain dict from rule ID to rule module, in ID order.

Adding a rule is adding its module name here; nothing discovers rules by magic,
so what runs is exactly what this list says.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = (
    "pl001_table_too_old",
    "pl002_unused_suppression",
    "pl101_unknown_tag",
    "pl102_tag_not_on_registry",
    "pl103_frozen_registry",
    "pl104_floating_tag",
    "pl105_arch_mismatch",
    "pl106_arch_pinned_image",
    "pl107_platform_not_in_image",
    "pl108_digest_mismatch",
    "pl109_unpinned_digest",
    "pl110_registry_not_allowed",
    "pl111_short_name",
    "pl112_tag_missing_on_registry",
    "pl113_platform_missing_on_registry",
    "pl114_digest_differs_from_upstream",
    "pl201_pause_older_than_expected",
    "pl202_pause_differs_from_kubeadm",
    "pl203_registry_differs_from_image_repository",
    "pl301_pod_infra_flag_removed",
    "pl302_pod_infra_flag_deprecated",
    "pl303_pod_infra_flag_mismatch",
    "pl304_sandbox_not_pinned",
    "pl401_ignored_setting",
    "pl402_config_version_unsupported",
    "pl403_shadowed_setting",
    "pl404_runtime_default_used",
    "pl405_runtime_unsupported",
    "pl406_runtime_refuses_config",
    "pl407_import_replaces_section",
    "pl408_empty_sandbox_image",
    "pl409_sandbox_changes_with_runtime",
    "pl410_runtime_config_not_applied",
    "pl501_node_drift",
    "pl502_kubelet_version_skew",
)


def _load() -> dict[str, ModuleType]:
    registry: dict[str, ModuleType] = {}
    for name in _MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        registry[module.ID] = module
    return dict(sorted(registry.items()))


RULES: dict[str, ModuleType] = _load()


def doc_summary(module: ModuleType) -> str:
    """The first line of a rule's docstring, without the leading ``ID name:``."""
    first = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
    return first.split(":", 1)[1].strip() if ":" in first else first
