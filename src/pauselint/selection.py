"""What a run is judged against, as the command line and the config file choose it.

The target Kubernetes version, the runtimes' versions and the node's platform as
given, the rules that run, the severities the config file sets and what fails the
run: every command takes them the same way. They are apart from the engine so
that ``pauselint cluster``, which reads no files, does not import the engine's
file-reading half (inputs, nodes, reading: ~16 M instructions of a 5,000-node
scan); the engine imports them from here and still names them.
"""

from collections.abc import Collection, Iterable, Sequence

from packaging.version import Version

from pauselint import platforms
from pauselint import rules as rule_registry
from pauselint.compat import CompatTable, minor_of, parse_version
from pauselint.display import shown
from pauselint.model import RUNTIME_NAMES, Component, Finding, Platform, Report, Severity
from pauselint.rules.framework import SILENT_WITHOUT, RuntimeInfo


class UsageError(ValueError):
    """A bad option value: the CLI turns it into a message and exit code 2."""


def parse_platform(text: str, table: CompatTable) -> Platform:
    """``--platform``: ``linux/x86_64``, ``linux/arm/v7`` or ``windows/amd64:ltsc2022``.

    Read by :func:`pauselint.platforms.parse_platform`, as the config file's is.
    """
    try:
        return platforms.parse_platform(text, table)
    except platforms.PlatformError as exc:
        raise UsageError(f"--platform {exc}") from None


def parse_runtime(text: str) -> tuple[Component, str]:
    """``containerd=1.7.20`` or ``cri-o=1.30.4`` (``crio`` is accepted for CRI-O)."""
    name, sep, version = text.partition("=")
    component = RUNTIME_NAMES.get(name.strip().lower())
    if not sep or component is None:
        raise UsageError(f"--runtime-version {text!r}: use containerd=X.Y.Z, cri-o=X.Y.Z, "
                         "rke2=v1.33.13+rke2r2, k3s=... or cri-dockerd=X.Y.Z")
    try:
        parse_version(version)
    except ValueError:
        raise UsageError(
            f"--runtime-version {shown(text)}: {shown(version)} is not a version") from None
    return component, version.strip().lstrip("v")


def resolve_kubernetes(text: str, table: CompatTable) -> Version:
    """Validate a target version: malformed or older than the table is a usage error.

    Newer than the table is allowed: PL001 says so and the rules that need the
    table skip, rather than refusing to check anything.
    """
    try:
        version = parse_version(text)
    except ValueError:
        raise UsageError(
            f"Kubernetes version {shown(text)} is not a version (use e.g. 1.29)") from None
    if len(version.release) < 2 or version.release[0] != 1:
        raise UsageError(f"Kubernetes version {shown(text)}: expected 1.MINOR[.PATCH]")
    oldest = table.oldest_kubernetes()
    if minor_of(version) < minor_of(oldest):
        raise UsageError(f"Kubernetes {text} is older than anything pauselint knows "
                         f"(it knows {oldest.major}.{oldest.minor} and later)")
    return version


def runtime_infos(given: Sequence[tuple[Component, str]]) -> tuple[RuntimeInfo, ...]:
    """One version per runtime: the same runtime twice is a usage error, not a guess."""
    seen: dict[Component, str] = {}
    for name, text in given:
        if name in seen and seen[name] != text:
            raise UsageError(f"--runtime-version gives {name.value} twice ({seen[name]} and "
                             f"{text}); a node runs one version")
        seen[name] = text
    return tuple(RuntimeInfo(name, parse_version(text), text) for name, text in seen.items())


def enabled_rules(enable: Iterable[str], disable: Iterable[str], *, online: bool = True,
                  only: Collection[str] | None = None) -> list:
    """Rules to run: on by default, plus ``enable``, minus ``disable``; the online
    ones only when ``online``; of those, only the IDs in ``only`` if given. Chosen
    from the registry's table, and each imported only when a context gives it
    something to look at (rules.Rule), so a rule that does not run is never imported."""
    enable, disable = set(enable), set(disable)
    unknown = sorted((enable | disable) - set(rule_registry.INFO))
    if unknown:
        raise UsageError(f"unknown rule id(s): {', '.join(unknown)} (see `pauselint rules`)")
    return [rule_registry.Rule(rid, SILENT_WITHOUT.get(rid))
            for rid, info in rule_registry.INFO.items()
            if (info.default_enabled or rid in enable) and rid not in disable
            and (online or not info.online) and (only is None or rid in only)]


def override_severity(findings: list[Finding], overrides: dict[str, Severity]) -> list[Finding]:
    """Apply the config file's per-rule severities."""
    if not overrides:
        return findings
    return [f._replace(severity=overrides.get(f.rule, f.severity)) for f in findings]


def fails(report: Report, threshold: Severity | None) -> bool:
    """Whether any finding is at or above the failure threshold (None: never)."""
    return threshold is not None and any(f.severity >= threshold for f in report.findings)


__all__ = [
    "UsageError",
    "enabled_rules",
    "fails",
    "override_severity",
    "parse_platform",
    "parse_runtime",
    "resolve_kubernetes",
    "runtime_infos",
]
