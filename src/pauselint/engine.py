"""Read inputs, build the context, run every enabled rule, and produce a Report.

The engine is the only place that knows the whole flow; it holds no policy of its
own beyond "a rule that cannot run is listed, never guessed".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from packaging.version import Version

from pauselint import rules as rule_registry
from pauselint.compat import CompatTable, minor_of, parse_version
from pauselint.display import shown
from pauselint.imageref import ImageRefError, parse_image
from pauselint.inputs import InputFile, read_path
from pauselint.model import (
    RUNTIME_NAMES,
    Component,
    ConfigFile,
    Finding,
    InputError,
    Location,
    NodeFacts,
    Platform,
    Report,
    Role,
    Setting,
    Severity,
    Skip,
)
from pauselint.nodes import assemble_group
from pauselint.reading import ReadResult, detect, group_root, read_inputs
from pauselint.rules.framework import ImageUse, Policy, RuleContext, RuntimeInfo
from pauselint.sources.detect import InputType


class UsageError(ValueError):
    """A bad option value: the CLI turns it into a message and exit code 2."""


# How rules word a skip for want of a target version; the engine adds why.
KUBERNETES_UNKNOWN = "Kubernetes version unknown"


class Options(NamedTuple):
    """What the user asked for, already parsed by the CLI."""

    kubernetes: str | None = None
    kubernetes_from: str = "flag"
    platform: Platform | None = None
    runtimes: tuple[tuple[Component, str], ...] = ()
    input_type: InputType | None = None
    enable: frozenset[str] = frozenset()
    disable: frozenset[str] = frozenset()
    allowed_registries: tuple[str, ...] = ()
    root: Path | None = None
    severity: tuple[tuple[str, Severity], ...] = ()  # per-rule overrides
    inline_suppressions: bool = True
    # Where each --runtime-version came from: (runtime, "flag" | "config").
    runtime_from: tuple[tuple[Component, str], ...] = ()


def parse_platform(text: str, table: CompatTable) -> Platform:
    """``linux/arm64`` or ``windows/amd64:ltsc2022`` (Windows version names canonicalized)."""
    os_arch, _, os_version = text.strip().partition(":")
    os_name, sep, arch = os_arch.partition("/")
    if not sep or not os_name or not arch:
        raise UsageError(f"--platform {text!r}: use os/arch[:osversion], e.g. linux/arm64 "
                         "or windows/amd64:ltsc2022")
    version = None
    if os_version:
        if os_name != "windows":
            raise UsageError(f"--platform {text!r}: an OS version is only meaningful for windows")
        version = table.windows_version(os_version)
        if version is None:
            raise UsageError(f"--platform {text!r}: unknown Windows version {os_version!r}")
    return Platform(os_name.lower(), arch.lower(), version)


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


def _load_import(path: Path) -> ConfigFile | None:
    from pauselint.sources.containerd import read_containerd

    item = read_path(str(path), explicit=False)
    if item.text is None:  # unreadable: what it sets is unknown, never "nothing"
        error = item.error or InputError(str(path), None, "could not be read")
        return ConfigFile(str(path), Component.CONTAINERD, errors=(error,), parsed=False)
    return read_containerd(str(path), item.text)


def build_groups(read: ReadResult, root: Path | None,
                 ) -> tuple[dict[str, list[NodeFacts]], list[InputError]]:
    """The nodes of every group (each node folder, and the loose files together)."""
    configs_by_group: dict[str, list[tuple[ConfigFile, str]]] = {}
    for item in read.configs:
        configs_by_group.setdefault(item.group, []).append((item.config, item.kind.value))
    groups: dict[str, list[NodeFacts]] = {}
    errors: list[InputError] = []
    for group, configs in configs_by_group.items():
        groups[group], group_errors = assemble_group(configs, _load_import,
                                                     group_root(group, root))
        errors.extend(group_errors)
    return groups, errors


class KubeadmContext(NamedTuple):
    """What kubeadm ClusterConfigurations among the inputs say about the cluster."""

    version: Setting | None
    image_repository: Setting | None


def kubeadm_context(read: ReadResult, group: str) -> KubeadmContext:
    """The first kubernetesVersion and imageRepository a group's kubeadm inputs set:
    one node's kubeadm config says nothing about another node folder's cluster."""
    settings = [s for item in read.configs if item.kind is InputType.KUBEADM
                and item.group == group for s in item.config.settings]
    version = next((s for s in settings if s.role is Role.KUBERNETES_VERSION), None)
    repository = next((s for s in settings if s.role is Role.IMAGE_REPOSITORY and s.value), None)
    return KubeadmContext(version, repository)


def _kubeadm_version(setting: Setting, table: CompatTable) -> tuple[Version | None, str | None]:
    """A kubeadm kubernetesVersion as a version, or why it cannot be one offline."""
    where = f"{setting.location.path}:{setting.location.line}"
    try:
        return resolve_kubernetes(setting.value, table), None
    except UsageError as exc:
        try:
            parse_version(setting.value)
        except ValueError:
            return None, (f"kubeadm kubernetesVersion {shown(setting.value)} ({where}) is a label "
                          "or placeholder that cannot be resolved offline")
        return None, f"kubeadm kubernetesVersion at {where}: {exc}"


def _default_for(node: NodeFacts, runtime: RuntimeInfo, table: CompatTable,
                 platform: Platform | None) -> tuple[str | None, Setting | None]:
    """The runtime's built-in sandbox image for this node, and the setting (RKE2's
    system-default-registry) that rewrote its registry, if one did."""
    registry = next((s for s in node.other_settings
                     if s.role is Role.DEFAULT_REGISTRY and s.effective), None)
    default = table.runtime_default(runtime.name.value, runtime.version,
                                    os_name=platform.os if platform else None,
                                    default_registry=registry.value if registry else None)
    return (default.image if default else None), registry


def _default_use(node: NodeFacts, runtime: RuntimeInfo, table: CompatTable,
                 platform: Platform | None) -> ImageUse | InputError | None:
    """The built-in default as a use where it applies: nothing set, and nothing unknown.

    A config that could not be read may set the image, so no default is assumed for
    it. A default that is no image reference (a system-default-registry written as a
    URL or a placeholder) is an error at the value that made it so.
    """
    if node.effective_sandbox is not None or node.unread_config is not None:
        return None
    image, registry = _default_for(node, runtime, table, platform)
    if image is None:
        return None
    try:
        ref = parse_image(image)
    except ImageRefError as exc:
        where = registry.location if registry else Location(node.runtime_config_path)
        what = registry.key if registry else "the compat table"
        return InputError(where.path, where.line,
                          f"{what} makes the built-in sandbox image of {runtime.name.value} "
                          f"{runtime.text} invalid: {exc}", where.column)
    upstream, mirror = table.resolve(ref)
    return ImageUse(ref, upstream, mirror, Location(node.runtime_config_path), node.runtime,
                    Role.SANDBOX_IMAGE, "default", None, node, node.name)


def image_uses(nodes: Sequence[NodeFacts], table: CompatTable, runtimes: Sequence[RuntimeInfo],
               platform: Platform | None) -> tuple[list[ImageUse], list[InputError]]:
    """Parse every pause image setting once; add the runtime default where it applies.

    A value that is no image reference is an input error at the value, never a crash.
    On a node whose runtime config could not be read, no sandbox value is effective:
    the unread file may override it.
    """
    uses: list[ImageUse] = []
    errors: list[InputError] = []
    by_name = {r.name: r for r in runtimes}
    for node in nodes:
        unknown = node.unread_config is not None
        for setting in (*node.sandbox_settings, *node.other_settings):
            if setting.ignored or setting.role not in (Role.SANDBOX_IMAGE, Role.POD_INFRA_FLAG):
                continue
            if not setting.value:
                continue
            try:
                ref = parse_image(setting.value)
            except ImageRefError as exc:
                loc = setting.location
                errors.append(InputError(loc.path, loc.line,
                                         f"{setting.key} is not an image reference: {exc}",
                                         loc.column))
                continue
            upstream, mirror = table.resolve(ref)
            effective = setting.effective and not (unknown and setting.role is Role.SANDBOX_IMAGE)
            uses.append(ImageUse(ref, upstream, mirror, setting.location, setting.component,
                                 setting.role, "setting", setting, node, node.name,
                                 effective=effective))
        runtime = by_name.get(node.runtime) if node.runtime else None
        default = _default_use(node, runtime, table, platform) if runtime else None
        if isinstance(default, InputError):
            errors.append(default)
        elif default is not None:
            uses.append(default)
    return uses, errors


def enabled_rules(enable: Iterable[str], disable: Iterable[str]) -> list:
    """Rule modules to run: on by default, plus ``enable``, minus ``disable``."""
    enable, disable = set(enable), set(disable)
    unknown = sorted((enable | disable) - set(rule_registry.RULES))
    if unknown:
        raise UsageError(f"unknown rule id(s): {', '.join(unknown)} (see `pauselint rules`)")
    return [m for rid, m in rule_registry.RULES.items()
            if (m.DEFAULT_ENABLED or rid in enable) and rid not in disable]


def run_rules(ctx: RuleContext, modules: Sequence) -> tuple[list[Finding], list[Skip]]:
    findings: list[Finding] = []
    skipped: list[Skip] = []
    for module in modules:
        for item in module.check(ctx):
            (findings if isinstance(item, Finding) else skipped).append(item)
    unique_skips = list(dict.fromkeys(skipped))
    return sorted(set(findings), key=Finding.sort_key), unique_skips


def check_files(files: Sequence[InputFile], options: Options, table: CompatTable) -> Report:
    """The whole `pauselint check` run over already-collected input files.

    Each node group is judged with its own context (its kubeadm ClusterConfiguration,
    if any); the flag or config file's Kubernetes version applies to all of them.
    """
    modules = enabled_rules(options.enable, options.disable)
    given = resolve_kubernetes(options.kubernetes, table) if options.kubernetes else None
    runtimes = runtime_infos(options.runtimes)
    read = read_inputs(files, options.input_type, options.root)
    groups, errors = build_groups(read, options.root)
    errors = [*read.errors, *errors]
    findings: list[Finding] = []
    skipped: list[Skip] = []
    context: dict[str, str | None] = {
        "kubernetes_version": str(given) if given else None,
        "kubernetes_version_from": options.kubernetes_from if given else None,
    }
    for group, nodes in groups.items():
        uses, use_errors = image_uses(nodes, table, runtimes, options.platform)
        errors.extend(use_errors)
        ctx, unresolved = _group_context(table, read, group, given, options, runtimes)
        ctx = ctx._replace(nodes=tuple(nodes), images=tuple(uses))
        group_findings, group_skipped = run_rules(ctx, modules)
        findings.extend(group_findings)
        if unresolved:
            group_skipped = [s._replace(reason=f"{s.reason}: {unresolved}")
                             if s.reason.startswith(KUBERNETES_UNKNOWN) else s
                             for s in group_skipped]
        skipped.extend(group_skipped)
        if context["kubernetes_version"] is None and ctx.kubernetes is not None:
            context["kubernetes_version"] = str(ctx.kubernetes)
            context["kubernetes_version_from"] = ctx.kubernetes_from
        if ctx.image_repository and "image_repository" not in context:
            context["image_repository"] = ctx.image_repository
    findings = sorted(set(findings), key=Finding.sort_key)
    if options.inline_suppressions:
        all_nodes = [node for nodes in groups.values() for node in nodes]
        findings = suppress(findings, [*files, *_files_reached(all_nodes, files)],
                            "PL002" in {m.ID for m in modules})
    # After suppress(): the PL002 findings it adds are re-graded like any other.
    findings = override_severity(findings, dict(options.severity))
    if options.platform:
        context["platform"] = str(options.platform)
    for info in runtimes:
        context[f"{info.name.value}_version"] = info.text
    return Report(
        findings=findings,
        skipped=list(dict.fromkeys(skipped)),
        errors=errors,
        inputs=read.checked,
        sources=_sources(files, read, groups, options.input_type),
        context=context,
    )


def _sources(files: Sequence[InputFile], read: ReadResult,
             groups: dict[str, list[NodeFacts]], forced: InputType | None) -> list[str]:
    """The files the run read as configs: every input named on the command line, every
    walked file recognised as a config of any kind (or --type) or that could not be
    read, every file a reader produced, and what they reached (imports, drop-ins, env
    files). A walked file skipped as unrecognised is not one: it was never read as a
    config, so a report written into the walked folder (``check . -o report.json``) is
    not an input on the next run."""
    paths = {item.path for item in files
             if item.explicit or item.error is not None or (forced or detect(item))}
    paths.update(c.config.path for c in read.configs)
    paths.update(c.path for nodes in groups.values() for n in nodes for c in n.files)
    return sorted(paths)


def _group_context(table: CompatTable, read: ReadResult, group: str, given: Version | None,
                   options: Options, runtimes: tuple[RuntimeInfo, ...],
                   ) -> tuple[RuleContext, str | None]:
    """One group's rule context, and why its kubeadm version could not be used."""
    kubeadm = kubeadm_context(read, group)
    kubernetes, origin, unresolved = given, options.kubernetes_from if given else None, None
    if kubernetes is None and kubeadm.version is not None:
        kubernetes, unresolved = _kubeadm_version(kubeadm.version, table)
        if kubernetes is not None:
            origin = f"kubeadm:{kubeadm.version.location.path}"
    repository = kubeadm.image_repository
    return RuleContext(
        table=table,
        kubernetes=kubernetes,
        kubernetes_from=origin,
        platform=options.platform,
        runtimes=runtimes,
        policy=Policy(allowed_registries=options.allowed_registries),
        image_repository=repository.value if repository else None,
        image_repository_location=repository.location if repository else None,
    ), unresolved


def describe_files(files: Sequence[InputFile], options: Options,
                   table: CompatTable) -> list[dict]:
    """What pauselint read and derived, per node, without judging (`pauselint show`):
    the JSON-ready node entries that `check --format json` also carries as ``nodes``."""
    raise NotImplementedError("describe_files: being built (issue 9)")


def override_severity(findings: list[Finding], overrides: dict[str, Severity]) -> list[Finding]:
    """Apply the config file's per-rule severities."""
    if not overrides:
        return findings
    return [f._replace(severity=overrides.get(f.rule, f.severity)) for f in findings]


def _files_reached(nodes: Sequence[NodeFacts], inputs: Sequence[InputFile]) -> list[InputFile]:
    """Files read through containerd `imports` or systemd `EnvironmentFile=` that were
    not inputs: their findings are reported, so their suppression comments count too."""
    given = {item.path for item in inputs}
    reached = {config.path for node in nodes for config in node.files} - given
    return [read_path(path, explicit=False) for path in sorted(reached)]


def suppress(findings: list[Finding], files: Sequence[InputFile], report_unused: bool,
             ) -> list[Finding]:
    """Drop findings an inline comment suppresses; report comments that suppress nothing."""
    from pauselint.suppressions import apply_suppressions, find_suppressions

    found = [s for item in files if item.text and "pauselint" in item.text
             for s in find_suppressions(item.path, item.text)]
    if not found:
        return findings
    kept, unused = apply_suppressions(findings, found)
    if report_unused:
        from pauselint.rules.pl002_unused_suppression import findings_for

        kept = sorted([*kept, *findings_for(unused)], key=Finding.sort_key)
    return kept


def fails(report: Report, threshold: Severity | None) -> bool:
    """Whether any finding is at or above the failure threshold (None: never)."""
    return threshold is not None and any(f.severity >= threshold for f in report.findings)


__all__ = [
    "Options",
    "UsageError",
    "check_files",
    "fails",
    "parse_platform",
    "parse_runtime",
    "resolve_kubernetes",
]
