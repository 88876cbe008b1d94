"""The rule registry: rule ID to rule module, in ID order, imported on first use.

Adding a rule is adding its line to ``INFO``; nothing discovers rules by magic, so
what runs is exactly what this table says. ``INFO`` also holds what callers ask of a
rule before running it (its name, severity, whether it is on by default, whether it
needs the network), so choosing rules imports none: a rule that is off, or online
without ``--online``, is never loaded.
tests/rules/test_rule_registry.py checks each line against the module's own constants,
so the two cannot drift apart.
"""


import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any

from pauselint.model import Severity
from pauselint.records import NamedTuple


class RuleInfo(NamedTuple):
    """A rule's constants, known without importing its module."""

    name: str
    severity: Severity
    default_enabled: bool
    online: bool = False


INFO: dict[str, RuleInfo] = {
    "PL001": RuleInfo("table-too-old", Severity.WARNING, True),
    "PL002": RuleInfo("unused-suppression", Severity.INFO, True),
    "PL101": RuleInfo("unknown-tag", Severity.ERROR, True),
    "PL102": RuleInfo("tag-not-on-registry", Severity.ERROR, True),
    "PL103": RuleInfo("frozen-registry", Severity.WARNING, True),
    "PL104": RuleInfo("floating-tag", Severity.ERROR, True),
    "PL105": RuleInfo("arch-mismatch", Severity.ERROR, True),
    "PL106": RuleInfo("arch-pinned-image", Severity.WARNING, True),
    "PL107": RuleInfo("platform-not-in-image", Severity.ERROR, True),
    "PL108": RuleInfo("digest-mismatch", Severity.ERROR, True),
    "PL109": RuleInfo("unpinned-digest", Severity.INFO, False),
    "PL110": RuleInfo("registry-not-allowed", Severity.ERROR, True),
    "PL111": RuleInfo("short-name", Severity.WARNING, True),
    "PL112": RuleInfo("tag-missing-on-registry", Severity.ERROR, True, online=True),
    "PL113": RuleInfo("platform-missing-on-registry", Severity.ERROR, True, online=True),
    "PL114": RuleInfo("digest-differs-from-upstream", Severity.WARNING, True, online=True),
    "PL201": RuleInfo("pause-older-than-expected", Severity.WARNING, True),
    "PL202": RuleInfo("pause-differs-from-kubeadm", Severity.INFO, True),
    "PL203": RuleInfo("registry-differs-from-image-repository", Severity.WARNING, True),
    "PL301": RuleInfo("pod-infra-flag-removed", Severity.ERROR, True),
    "PL302": RuleInfo("pod-infra-flag-deprecated", Severity.WARNING, True),
    "PL303": RuleInfo("pod-infra-flag-mismatch", Severity.WARNING, True),
    "PL304": RuleInfo("sandbox-not-pinned", Severity.WARNING, True),
    "PL401": RuleInfo("ignored-setting", Severity.ERROR, True),
    "PL402": RuleInfo("config-version-unsupported", Severity.ERROR, True),
    "PL403": RuleInfo("shadowed-setting", Severity.WARNING, True),
    "PL404": RuleInfo("runtime-default-used", Severity.INFO, True),
    "PL405": RuleInfo("runtime-unsupported", Severity.ERROR, True),
    "PL406": RuleInfo("runtime-refuses-config", Severity.ERROR, True),
    "PL407": RuleInfo("import-replaces-section", Severity.WARNING, True),
    "PL408": RuleInfo("empty-sandbox-image", Severity.ERROR, True),
    "PL409": RuleInfo("sandbox-changes-with-runtime", Severity.WARNING, True),
    "PL410": RuleInfo("runtime-config-not-applied", Severity.WARNING, True),
    "PL501": RuleInfo("node-drift", Severity.WARNING, True),
    "PL502": RuleInfo("kubelet-version-skew", Severity.ERROR, True),
}


def module_name(rule_id: str) -> str:
    """The rule's module: ``pauselint.rules.pl<nnn>_<name with underscores>``."""
    return f"{__name__}.{rule_id.lower()}_{INFO[rule_id].name.replace('-', '_')}"


class _Registry(Mapping[str, ModuleType]):
    """``INFO``'s rules as modules, each imported the first time it is looked up.

    A module once found is kept here: every node's findings look rules up again (the
    fix checks), and ``import_module`` of a loaded module still costs ~5 µs, which at
    1,000 nodes of one config each was a twentieth of the run.
    """

    def __init__(self) -> None:
        self._loaded: dict[str, ModuleType] = {}

    def __getitem__(self, rule_id: str) -> ModuleType:
        module = self._loaded.get(rule_id)
        if module is None:
            if rule_id not in INFO:
                raise KeyError(rule_id)
            module = self._loaded[rule_id] = importlib.import_module(module_name(rule_id))
        return module

    def __iter__(self) -> Iterator[str]:
        return iter(INFO)

    def __len__(self) -> int:
        return len(INFO)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in INFO


RULES: Mapping[str, ModuleType] = _Registry()


class Rule:
    """A rule as the engine runs it: its ID, and a check() that imports the module
    when the rule has something to look at. ``speaks`` (``framework.SILENT_WITHOUT``)
    tells from the context alone whether it has; a rule without one always runs.
    Anything else asked of a Rule is asked of its module. The module's check() is
    kept once looked up: the engine calls it for every node (31 rules, 1,000 nodes:
    31,000 look-ups through the registry otherwise)."""

    __slots__ = ("ID", "_check", "_speaks")

    def __init__(self, rule_id: str, speaks: "Callable[[Any], bool] | None" = None) -> None:
        self.ID = rule_id
        self._speaks = speaks
        self._check: Callable[[Any], Iterable[Any]] | None = None

    def check(self, ctx: Any) -> "Iterable[Any]":
        if self._speaks is not None and not self._speaks(ctx):
            return ()
        check = self._check
        if check is None:
            check = self._check = RULES[self.ID].check
        return check(ctx)

    def __getattr__(self, name: str) -> Any:
        if name in Rule.__slots__ or name.startswith("__"):  # not set yet; copy's probes
            raise AttributeError(name)
        return getattr(RULES[self.ID], name)

    def __repr__(self) -> str:
        return f"Rule({self.ID!r})"


def doc_summary(module: ModuleType) -> str:
    """The first line of a rule's docstring, without the leading ``ID name:``."""
    first = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
    return first.split(":", 1)[1].strip() if ":" in first else first
