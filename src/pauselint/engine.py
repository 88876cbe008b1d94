"""Read inputs, build the context, run every enabled rule, and produce a Report.

The engine is the only place that knows the whole flow; it holds no policy of its
own beyond "a rule that cannot run is listed, never guessed".
"""


from collections.abc import Callable, MutableSequence, Sequence
from typing import TYPE_CHECKING

from packaging.version import Version

from pauselint.compat import CompatTable, parse_version
from pauselint.display import shown
from pauselint.imageref import ImageRefError, parse_image
from pauselint.inputs import InputFile, read_path
from pauselint.lazy_re import LazyPattern
from pauselint.model import (
    Component,
    ConfigFile,
    Finding,
    InputError,
    LiveRuntime,
    Location,
    NodeFacts,
    NodeView,
    Platform,
    Report,
    Role,
    Setting,
    Severity,
    Skip,
    Suppression,
)
from pauselint.nodes import assemble_group
from pauselint.reading import ReadConfig, ReadResult, group_root, read_inputs
from pauselint.records import NamedTuple
from pauselint.rules.framework import (
    ImageUse,
    Policy,
    RuleContext,
    RuntimeInfo,
    location_text,
)
from pauselint.selection import (
    UsageError,
    enabled_rules,
    fails,
    override_severity,
    parse_platform,
    parse_runtime,
    resolve_kubernetes,
    runtime_infos,
)
from pauselint.sources.detect import InputType
from pauselint.sources.layering import path_key
from pauselint.verdicts import FixTrials, compose

if TYPE_CHECKING:
    from pathlib import Path

    from pauselint.online.lookups import OnlineSettings


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
    root: "Path | None" = None
    severity: tuple[tuple[str, Severity], ...] = ()  # per-rule overrides
    inline_suppressions: bool = True
    # Where each --runtime-version came from: (runtime, "flag" | "config").
    runtime_from: tuple[tuple[Component, str], ...] = ()
    # pauselint node: the running runtime over CRI, or why it could not be asked.
    live: LiveRuntime | None = None
    live_unread: str | None = None
    # --online: ask the registries each node pulls from (pauselint.online.lookups),
    # with these bounds; None keeps the run offline.
    online: "OnlineSettings | None" = None
    # Each node's whole entry in Report.nodes (describe.py), for the formats that print
    # it (json, openmetrics, show); False gives each node's name only, all a text,
    # GitHub or SARIF report shows of it (7.5 MB and 1% of a 10,000-file run).
    describe_nodes: bool = True


def build_groups(read: ReadResult, root: "Path | None",
                 runtimes: Sequence[RuntimeInfo] = (), table: CompatTable | None = None,
                 late_errors: list[InputError] | None = None,
                 ) -> tuple[dict[str, list[NodeFacts]], list[InputError]]:
    """The nodes of every group (each node folder, and the loose files together), each
    runtime read as its given release reads its files. The errors of the groups in
    ``read.late`` go to ``late_errors`` if given (see :func:`check_files`)."""
    versions = {info.name: info.version for info in runtimes}
    configs_by_group: dict[str, list[tuple[ConfigFile, str]]] = {}
    for item in read.configs:
        configs_by_group.setdefault(item.group, []).append((item.config, item.kind.value))
    groups: dict[str, list[NodeFacts]] = {}
    errors: list[InputError] = []
    for group, configs in configs_by_group.items():
        # A wrapper's node has only the files it writes, at the paths it writes them.
        present = frozenset(c.node_path for c, _ in configs if c.node_path) if (
            group in read.wrappers) else None
        groups[group], group_errors = assemble_group(configs, root=group_root(group, root),
                                                     versions=versions, table=table,
                                                     present=present)
        if late_errors is not None and group in read.late:
            late_errors.extend(group_errors)
        else:
            errors.extend(group_errors)
    return groups, errors


class KubeadmContext(NamedTuple):
    """What kubeadm ClusterConfigurations among the inputs say about the cluster."""

    version: Setting | None
    image_repository: Setting | None


def kubeadm_context(configs: Sequence[ReadConfig]) -> KubeadmContext:
    """The first kubernetesVersion and imageRepository a group's kubeadm inputs set
    (``configs`` are one group's): one node's kubeadm config says nothing about another
    node folder's cluster."""
    settings = [s for item in configs if item.kind is InputType.KUBEADM
                for s in item.config.settings]
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
    if (node.effective_sandbox is not None or node.unread_config is not None
            or node.no_sandbox or node.refusal is not None):
        return None  # set, unknown, none at all, or a runtime that does not start
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


# A value a template fills in: Jinja/Go/Handlebars `{{ }}`, `{% %}`, shell `${VAR}` or
# a whole `$VAR`. It is what the file says before rendering, not an image to judge.
_PLACEHOLDER = LazyPattern(r"\{\{|\{%|\$\{[^}]*\}|\A\$[A-Za-z_][A-Za-z0-9_]*\Z")


def _is_placeholder(value: str) -> bool:
    # Every placeholder holds a "{" or starts with "$"; most values do neither, and
    # the pattern is then never compiled.
    return ("{" in value or value.startswith("$")) and _PLACEHOLDER.search(value) is not None


def image_uses(nodes: Sequence[NodeFacts], table: CompatTable, runtimes: Sequence[RuntimeInfo],
               platform: Platform | None, templated: list[tuple[str, str]] | None = None,
               ) -> tuple[list[ImageUse], list[InputError]]:
    """Parse every pause image setting once; add the runtime default where it applies.

    A value that is no image reference is an input error at the value, never a crash
    -- unless it is a template placeholder, which goes to ``templated`` as a place and
    why it is not checked (a template is checked once rendered). On a node whose
    runtime config could not be read, no sandbox value is effective: the unread file
    may override it.
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
            if _is_placeholder(setting.value):
                if templated is not None:
                    templated.append((location_text(setting.location),
                                      f"{setting.key} = {shown(setting.value)} is a template "
                                      f"placeholder: not checked (check the rendered file)"))
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


def run_rules(ctx: RuleContext, modules: Sequence) -> tuple[list[Finding], list[Skip]]:
    findings: list[Finding] = []
    skipped: list[Skip] = []
    for module in modules:
        for item in module.check(ctx):
            (findings if isinstance(item, Finding) else skipped).append(item)
    unique_skips = list(dict.fromkeys(skipped))
    return sorted(set(findings), key=Finding.sort_key), unique_skips


class _Run(NamedTuple):
    """What check and show share: the inputs read, grouped into nodes, with context."""

    read: ReadResult
    groups: dict[str, list[NodeFacts]]
    views: list[NodeView]
    contexts: list[tuple[RuleContext, str | None]]  # per view: its context, unresolved why
    errors: list[InputError]
    runtimes: tuple[RuntimeInfo, ...]
    given: Version | None
    # Per view: whether its group follows every other (ReadResult.late).
    late: list[bool]
    # ``errors`` in the parts one read of everything orders them by: read alone, read a
    # group at a time, layering the groups not late, layering the late ones.
    error_parts: tuple[list[InputError], ...] = ()


def _prepare(files: Sequence[InputFile], options: Options, table: CompatTable) -> _Run:
    """Read every input, layer it into nodes, and give each node its context."""
    given = resolve_kubernetes(options.kubernetes, table) if options.kubernetes else None
    runtimes = runtime_infos(options.runtimes)
    read = read_inputs(files, options.input_type, options.root)
    late_layering: list[InputError] = []
    groups, layering = build_groups(read, options.root, runtimes, table, late_layering)
    alone = len(read.errors) - read.late_errors
    error_parts = (read.errors[:alone], read.errors[alone:], layering, late_layering)
    errors = [*read.errors, *layering, *late_layering]
    views: list[NodeView] = []
    contexts: list[tuple[RuleContext, str | None]] = []
    late: list[bool] = []
    # Indexed once: scanning every config per group is quadratic in node folders.
    by_group: dict[str, list[ReadConfig]] = {}
    for item in read.configs:
        by_group.setdefault(item.group, []).append(item)
    for group, nodes in groups.items():
        group_configs = by_group.get(group, [])
        kubeadm = kubeadm_context(group_configs)
        ctx, unresolved = _group_context(table, kubeadm, given, options, runtimes)
        configs = [(c.config, c.kind.value) for c in group_configs]
        for name, facts, own in node_split(group, nodes, configs):
            facts = tuple(f._replace(name=name) for f in facts)
            views.append(NodeView(
                name=name, facts=facts, configs=tuple(own),
                kubernetes=str(ctx.kubernetes) if ctx.kubernetes else None,
                kubernetes_from=ctx.kubernetes_from,
                kubeadm_version=kubeadm.version, image_repository=kubeadm.image_repository))
            contexts.append((ctx, unresolved))
            late.append(group in read.late)
    return _Run(read, groups, views, contexts, errors, runtimes, given, late, error_parts)


# How many input files a check reads before judging their nodes and letting their
# read files go: a run holds one chunk's (issue 16: memory flat in the number of files).
CHUNK_FILES = 512


def input_chunks(files: Sequence[InputFile], size: int | None = None,
                 ) -> list[tuple[int, int]]:
    """Where to cut ``files`` into runs of whole groups (node folders), in order: the
    (start, end) of each, of at least ``size`` files (default :data:`CHUNK_FILES`) but
    the last.

    A group is read and layered from its own files alone, so reading a chunk at a time
    reads each node as reading everything at once does. The one order that differs,
    groups placed by a format read a group at a time (``ReadResult.late``), the caller
    restores. Where some group's files are not all together (loose files named
    between folders), it is one chunk: the order the files came in is kept as it is.
    Bounds, not slices, so that a chunk not read yet holds nothing.
    """
    size = CHUNK_FILES if size is None else size
    bounds: list[tuple[int, int]] = []
    seen: set[str] = set()
    start, previous = 0, None
    for index, item in enumerate(files):
        if item.group == previous:
            continue
        if item.group in seen:
            return [(0, len(files))]
        seen.add(item.group)
        previous = item.group
        if index - start >= size:
            bounds.append((start, index))
            start = index
    bounds.append((start, len(files)))
    return bounds


def _let_texts_go(files: MutableSequence[InputFile], start: int, end: int) -> None:
    """Drop the texts of ``files[start:end]``, read by now, from the list: all a check
    needs of them afterwards is their path, that they were read (``""``, never None),
    and the text of each that holds a ``pauselint`` comment (``suppress``)."""
    for index in range(start, end):
        item = files[index]
        if item.text and "pauselint" not in item.text:
            files[index] = item._replace(text="")


def node_split(group: str, nodes: Sequence[NodeFacts],
               configs: Sequence[tuple[ConfigFile, str]],
               ) -> list[tuple[str, list[NodeFacts], list[tuple[ConfigFile, str]]]]:
    """The nodes of one group: (name, facts, input files).

    A node folder (``nodes/node1``, ``.``, ``/``) is one node, named as given. Loose
    files named on the command line (group "") are one node too, named after its
    runtime's main file -- unless they hold several runtime configurations: a node has
    one main config per runtime, so each is a node of its own, named after its main
    file, and the kubelet flags that could belong to any of them are a node of their
    own (rules that compare flag and runtime then say they cannot). A kubeadm
    ClusterConfiguration among loose files applies to each of them (its context is the
    group's).
    """
    if group:
        return [(group, list(nodes), list(configs))]
    runtimes = [n for n in nodes if n.runtime is not None]
    if len(runtimes) <= 1:
        main = runtimes[0].runtime_config_path if runtimes else None
        name = main or (configs[0][0].path if configs else "-")
        return [(name, list(nodes), list(configs))]
    # Indexed by path once: a pre-commit run names thousands of loose files, each a
    # runtime of its own, and scanning them all per node is quadratic.
    by_path: dict[str, list[int]] = {}
    for index, (config, _) in enumerate(configs):
        by_path.setdefault(config.path, []).append(index)
    kubeadm = [i for i, (_, kind) in enumerate(configs) if kind == "kubeadm"]
    split = []
    for node in nodes:
        wanted = {i for config in node.files for i in by_path.get(config.path, ())}
        own = [configs[i] for i in sorted(wanted.union(kubeadm))]
        name = node.runtime_config_path or (node.files[0].path if node.files else "-")
        split.append((name, [node], own))
    covered = {c.path for node in nodes for c in node.files}
    leftover = [(c, k) for c, k in configs if c.path not in covered and k != "kubeadm"]
    if leftover:  # files no runtime layers (a KubeletConfiguration): judged on their own
        split.append((leftover[0][0].path, [], leftover))
    return split


def check_files(files: Sequence[InputFile], options: Options, table: CompatTable, *,
                pull_paths: bool | None = None, release_texts: bool = False) -> Report:
    """The whole `pauselint check` run over already-collected input files.

    Each node is judged alone, with its own context (its kubeadm ClusterConfiguration,
    if any): nothing is ever compared across nodes. The flag or config file's
    Kubernetes version applies to all of them. The report's ``context`` holds only what
    the command line and config file set; what a node's own files say is in its entry
    under ``nodes``; each runtime's ``pull_path`` there is worked out with ``--online``
    or ``pull_paths=True``, else left null.

    The inputs are read a chunk of whole node folders at a time (:func:`input_chunks`),
    and a node's read files are let go once it is judged and described: the report
    keeps what it needs of them (paths, suppression comments), so the run holds one
    chunk's files, never every node's (issue 16: memory). An online run is one chunk:
    its look-ups are batched across every node. With ``release_texts``, the caller
    hands a list over whose texts it no longer needs: where there is more than one
    chunk, each chunk's are dropped from it once read (see :func:`_let_texts_go`).
    """
    online = options.online is not None
    modules = enabled_rules(options.enable, options.disable, online=online)
    tally = _Tally(pull_paths=online if pull_paths is None else pull_paths)
    given, runtimes = None, ()
    bounds = [(0, len(files))] if online else input_chunks(files)
    # One chunk is judged with every text still needed: dropping them then saves nothing.
    release = release_texts and len(bounds) > 1 and isinstance(files, MutableSequence)
    tally.chunk_of = _chunk_of(files, bounds)
    run = None
    for index, (start, end) in enumerate(bounds):
        chunk = files[start:end]
        run = _prepare(chunk, options, table)
        tally.chunk = index
        _judge(run, chunk, options, table, modules, tally)
        given, runtimes = run.given, run.runtimes
        if release:
            _let_texts_go(files, start, end)
    judged = [*tally.early, *tally.late]
    if run is not None and any(node.view is not None for node in judged):
        # Nodes that layered another chunk's input, described now that every error
        # about it is known, in the order one read of everything gives.
        describe = _describer(run, options, table, [e for part in tally.error_parts
                                                   for e in part],
                              pull_paths=tally.pull_paths)
        judged = [node if node.view is None else node._replace(entry=describe(node.view))
                  for node in judged]
    findings = sorted(set(tally.findings), key=Finding.sort_key)
    if options.inline_suppressions:
        findings = suppress(findings, [*files, *_files_reached(tally.layered, files)],
                            "PL002" in {m.ID for m in modules}, tally.embedded)
    # After suppress(): the PL002 findings it adds are re-graded like any other.
    findings = override_severity(findings, dict(options.severity))
    return Report(
        findings=findings,
        skipped=list(dict.fromkeys(s for node in judged for s in node.skipped)),
        errors=list(dict.fromkeys(_named_as_inputs(
            [*(e for part in tally.error_parts for e in part),
             *(e for node in judged for e in node.use_errors), *tally.online_errors], files))),
        inputs=tally.checked,
        sources=sorted(tally.sources),
        context=_given_context(given, options, runtimes),
        # Where pulls go is show's (and --online's) to work out, not every commit's.
        nodes=[node.entry for node in judged],
        rules_run=len(modules),
        not_read=list(dict.fromkeys([*tally.notes,
                                     *(t for node in judged for t in node.templated)])),
    )


def _named_as_inputs(errors: list[InputError], files: Sequence[InputFile]) -> list[InputError]:
    """``errors``, each about an input named as the input is. A node that imports a file
    another group holds reads it again, by the path its import writes (absolute, where
    the input was named relative): one file, one spelling, so its error is said once."""
    named = {item.path for item in files}
    if all(e.path is None or e.path in named for e in errors):
        return errors
    by_key = {path_key(path): path for path in named}
    return [e._replace(path=by_key.get(path_key(e.path), e.path))
            if e.path is not None and e.path not in named else e for e in errors]


class _Judged(NamedTuple):
    """What the report keeps of one node once it is judged."""

    entry: dict
    skipped: list[Skip]
    templated: list[tuple[str, str]]
    use_errors: list[InputError]
    # A node that layered an input of another chunk, kept to be described at the end
    # (its entry is a placeholder until then): that input's errors are its refusal.
    view: NodeView | None = None


def _chunk_of(files: Sequence[InputFile], bounds: Sequence[tuple[int, int]],
              ) -> dict[str, int]:
    """Which chunk each input is read in, where there are several (else empty)."""
    if len(bounds) < 2:
        return {}
    return {files[i].path: index for index, (start, end) in enumerate(bounds)
            for i in range(start, end)}


def _layers_other_chunks(view: NodeView, chunk_of: dict[str, int], chunk: int) -> bool:
    """Whether ``view``'s node layered a file that is an input of another chunk (a
    loose file importing a path inside a node folder): that file's read errors come
    with its own chunk, and the node's entry needs them."""
    return bool(chunk_of) and any(chunk_of.get(config.path, chunk) != chunk
                                  for facts in view.facts for config in facts.files)


class _Tally:
    """What a check gathers for its report, chunk by chunk.

    Nodes are kept in two lists because that is the order reading everything at once
    gives: every group placed by its first file read alone, then those placed by a
    format read a group at a time (``ReadResult.late``), each in the order they came.
    """

    def __init__(self, *, pull_paths: bool) -> None:
        self.pull_paths = pull_paths
        self.trials = FixTrials()
        # The chunks' errors by part (``_Run.error_parts``), each part in chunk order.
        self.error_parts: tuple[list[InputError], ...] = ([], [], [], [])
        self.online_errors: list[InputError] = []
        self.chunk_of: dict[str, int] = {}
        self.chunk = 0
        self.findings: list[Finding] = []
        self.early: list[_Judged] = []
        self.late: list[_Judged] = []
        self.sources: set[str] = set()
        self.layered: set[str] = set()
        self.embedded: list[Suppression] = []
        self.notes: list[tuple[str, str]] = []
        self.checked = 0


def _judge(run: _Run, chunk: Sequence[InputFile], options: Options, table: CompatTable,
           modules: Sequence, tally: _Tally) -> None:
    """Judge and describe one chunk's nodes into ``tally``, letting each node's read
    files go once it is done."""
    for part, errors in zip(tally.error_parts, run.error_parts, strict=True):
        part.extend(errors)
    tally.checked += run.read.checked
    tally.notes.extend(run.read.notes)
    uses_by_view: list[list[ImageUse] | None] = []
    templated_by_view: list[list[tuple[str, str]]] = []
    errors_by_view: list[list[InputError]] = []
    for view in run.views:
        templated: list[tuple[str, str]] = []
        uses, use_errors = image_uses(view.facts, table, run.runtimes, options.platform,
                                      templated)
        uses_by_view.append(uses)
        templated_by_view.append(templated)
        errors_by_view.append(use_errors)
    online = None
    if options.online is not None:
        from pauselint.online_phase import look_up_views

        online, online_errors = look_up_views(run.views, uses_by_view, options, chunk)
        tally.online_errors.extend(online_errors)
    layered = _paths_read(run.groups)
    tally.sources.update(_sources(chunk, run.read, layered))
    tally.layered.update(layered)
    # Comments inside a wrapper's encoded contents (base64, gzip, a data: URL) are in
    # no file's text: their reader found them, at the string's place.
    tally.embedded.extend(s for item in run.read.configs if item.config.node_path
                          for s in item.config.suppressions)
    describe = _describer(run, options, table, run.errors, pull_paths=tally.pull_paths,
                          ) if options.describe_nodes else None
    # From here the views (and the uses made of them) are all that hold the files read,
    # and each is let go once judged and described.
    run.read.configs.clear()
    run.groups.clear()
    views: list[NodeView | None] = list(run.views)
    run.views.clear()
    for index, ((ctx, unresolved), uses) in enumerate(zip(run.contexts, uses_by_view,
                                                          strict=True)):
        view = views[index]
        assert view is not None
        node_ctx = ctx._replace(nodes=view.facts, images=tuple(uses), online=online)
        node_findings, node_skipped = run_rules(node_ctx, modules)
        node_findings = [f if f.node else f._replace(node=view.name) for f in node_findings]
        tally.findings.extend(compose(node_findings, node_ctx, modules, tally.trials))
        if unresolved:
            node_skipped = [s._replace(reason=f"{s.reason}: {unresolved}")
                            if s.reason.startswith(KUBERNETES_UNKNOWN) else s
                            for s in node_skipped]
        later = describe is not None and _layers_other_chunks(view, tally.chunk_of,
                                                              tally.chunk)
        entry = describe(view) if describe is not None and not later else {"name": view.name}
        judged = _Judged(entry, [s._replace(node=view.name) for s in node_skipped],
                         templated_by_view[index], errors_by_view[index],
                         view if later else None)
        (tally.late if run.late[index] else tally.early).append(judged)
        views[index] = uses_by_view[index] = None


def _given_context(given: Version | None, options: Options,
                   runtimes: Sequence[RuntimeInfo]) -> dict[str, str | None]:
    """What the command line and config file set, and nothing the inputs said."""
    context: dict[str, str | None] = {
        "kubernetes_version": str(given) if given else None,
        "kubernetes_version_from": options.kubernetes_from if given else None,
    }
    if options.platform:
        context["platform"] = str(options.platform)
    for info in runtimes:
        context[f"{info.name.value}_version"] = info.text
    return context


def _describer(run: _Run, options: Options, table: CompatTable,
               errors: Sequence[InputError], *, pull_paths: bool,
               ) -> Callable[[NodeView], dict]:
    """What makes one node's entry. ``errors`` are reading and layering errors only: a
    sandbox value that is no image reference is the pull's failure, not the runtime's
    refusal of its configuration (containerd starts with any string there)."""
    from pauselint.describe import RuntimeVersion, SandboxDefault, describe_node

    origins = dict(options.runtime_from)
    versions = {info.name: RuntimeVersion(info.text, origins.get(info.name, "flag"))
                for info in run.runtimes}
    by_name = {info.name: info for info in run.runtimes}

    def describe(view: NodeView) -> dict:
        defaults = {}
        for facts in view.facts:
            info = by_name.get(facts.runtime) if facts.runtime else None
            if info is None or facts.effective_sandbox is not None:
                continue
            image, _ = _default_for(facts, info, table, options.platform)
            defaults[id(facts)] = SandboxDefault(
                image, None if image else f"the compat table has no built-in sandbox image "
                f"for {info.name.value} {info.text}")
        return describe_node(view, errors, options.platform, versions, defaults,
                             pull_paths=pull_paths)

    return describe


def _sources(files: Sequence[InputFile], read: ReadResult, layered: set[str]) -> list[str]:
    """The files the run read as configs: every input named on the command line, every
    walked file recognised as a config of any kind (or --type) or that could not be
    read, every file a reader produced, and what they reached (imports, drop-ins, env
    files: ``layered``, from :func:`_paths_read`). A walked file skipped as
    unrecognised is not one: it was never read as a config, so a report written into
    the walked folder (``check . -o report.json``) is not an input on the next run."""
    paths = {item.path for item in files
             if item.explicit or item.error is not None or item.path in read.recognised}
    paths.update(c.config.path for c in read.configs)
    paths.update(layered)
    return sorted(paths)


def _group_context(table: CompatTable, kubeadm: KubeadmContext, given: Version | None,
                   options: Options, runtimes: tuple[RuntimeInfo, ...],
                   ) -> tuple[RuleContext, str | None]:
    """One group's rule context, and why its kubeadm version could not be used."""
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
        live=options.live,
        live_unread=options.live_unread,
    ), unresolved


def describe_files(files: Sequence[InputFile], options: Options,
                   table: CompatTable) -> list[dict]:
    """What pauselint read and derived, per node, without judging (`pauselint show`):
    the JSON-ready node entries that `check --format json` also carries as ``nodes``."""
    early: list[dict | NodeView] = []
    late: list[dict | NodeView] = []
    bounds = input_chunks(files)  # as check reads them, for the same reason
    chunk_of = _chunk_of(files, bounds)
    parts: tuple[list[InputError], ...] = ([], [], [], [])
    run = None
    for index, (start, end) in enumerate(bounds):
        run = _prepare(files[start:end], options, table)
        for part, errors in zip(parts, run.error_parts, strict=True):
            part.extend(errors)
        describe = _describer(run, options, table, run.errors, pull_paths=True)
        for view, placed_late in zip(run.views, run.late, strict=True):
            # A node that layered another chunk's input is described at the end, with
            # every error (see check_files).
            later = _layers_other_chunks(view, chunk_of, index)
            (late if placed_late else early).append(view if later else describe(view))
    entries = [*early, *late]
    if run is None or not any(isinstance(entry, NodeView) for entry in entries):
        return [entry for entry in entries if isinstance(entry, dict)]
    describe = _describer(run, options, table, [e for part in parts for e in part],
                          pull_paths=True)
    return [describe(entry) if isinstance(entry, NodeView) else entry for entry in entries]


def _paths_read(groups: dict[str, list[NodeFacts]]) -> set[str]:
    """The paths of every file the nodes were layered from."""
    return {config.path for nodes in groups.values() for node in nodes
            for config in node.files}


def _files_reached(read: set[str], inputs: Sequence[InputFile]) -> list[InputFile]:
    """Files read through containerd `imports` or systemd `EnvironmentFile=` that were
    not inputs (``read`` holds both): their findings are reported, so their
    suppression comments count too."""
    given = {item.path for item in inputs}
    return [read_path(path, explicit=False) for path in sorted(read - given)]


def suppress(findings: list[Finding], files: Sequence[InputFile], report_unused: bool,
             embedded: Sequence[Suppression] = ()) -> list[Finding]:
    """Drop findings an inline comment suppresses; report comments that suppress nothing.

    ``embedded`` are comments read from files held in others, already placed in the
    outer file (a plain one is also in the outer text: it counts once).
    """
    from pauselint.suppressions import apply_suppressions, find_suppressions

    found = [s for item in files if item.text and "pauselint" in item.text
             for s in find_suppressions(item.path, item.text)]
    found = list(dict.fromkeys([*found, *embedded]))
    if not found:
        return findings
    kept, unused = apply_suppressions(findings, found)
    if report_unused:
        from pauselint.rules.pl002_unused_suppression import findings_for

        kept = sorted([*kept, *findings_for(unused)], key=Finding.sort_key)
    return kept


__all__ = [
    "Options",
    "UsageError",
    "check_files",
    "fails",
    "parse_platform",
    "parse_runtime",
    "resolve_kubernetes",
]
