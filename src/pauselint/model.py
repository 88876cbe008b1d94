"""The facts pauselint passes between layers: readers produce them, rules consume them.

Everything here is an immutable record so that a rule can never change what a reader
found, and so that findings can be sorted, deduplicated and compared in tests.
"""

# No ``from __future__ import annotations`` here, on purpose: under it every NamedTuple
# field's annotation is a string that typing compiles into a ForwardRef when the class is
# made (~15 us a field; this module has ninety), paid by every `pauselint check` a
# pre-commit hook runs. The few forward references are quoted instead.

import enum

from pauselint.records import NamedTuple


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= threshold`` means "fails the run"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None


class Location(NamedTuple):
    """Where a value was found. ``path`` is as the user gave it; line/column are 1-based."""

    path: str | None
    line: int | None = None
    column: int | None = None

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path or "", self.line or 0, self.column or 0)


class Component(str, enum.Enum):
    """The program a setting configures."""

    CONTAINERD = "containerd"
    CRIO = "cri-o"
    KUBELET = "kubelet"
    KUBEADM = "kubeadm"
    K3S = "k3s"
    RKE2 = "rke2"
    CRI_DOCKERD = "cri-dockerd"


# Names users give runtimes (--runtime-version, config files), for every command.
RUNTIME_NAMES = {
    "containerd": Component.CONTAINERD, "cri-o": Component.CRIO, "crio": Component.CRIO,
    "k3s": Component.K3S, "rke2": Component.RKE2, "cri-dockerd": Component.CRI_DOCKERD,
}

# --fail-on choices: a severity, or never.
FAIL_ON = ("error", "warning", "info", "never")

# What standard input (`-`) is called as an input: in reports, and to the config
# file's `exclude`, which never leaves it out.
STDIN_NAME = "<stdin>"


class Role(str, enum.Enum):
    """What a setting means, independent of the file format it came from."""

    SANDBOX_IMAGE = "sandbox-image"  # the image the runtime uses for pod sandboxes
    POD_INFRA_FLAG = "pod-infra-flag"  # kubelet --pod-infra-container-image
    IMAGE_REPOSITORY = "image-repository"  # kubeadm imageRepository
    KUBERNETES_VERSION = "kubernetes-version"  # kubeadm kubernetesVersion
    CONFIG_VERSION = "config-version"  # containerd `version = N`
    DEFAULT_REGISTRY = "default-registry"  # RKE2 system-default-registry
    KUBELET_VERSION = "kubelet-version"  # a version a kubelet config or unit reveals


class Setting(NamedTuple):
    """One pause-related value found in an input, with where it was found.

    ``effective`` is False when a later drop-in, import or flag overrides it;
    ``ignored`` is True when the format version the file declares does not read
    this key at all (``ignored_reason`` says why) -- the one judgement a reader makes,
    because only the reader knows the format.
    """

    component: Component
    role: Role
    key: str
    value: str
    location: Location
    effective: bool = True
    ignored: bool = False
    ignored_reason: str | None = None


class InputError(NamedTuple):
    """An input that could not be read (or only partly): reported, never raised."""

    path: str | None
    line: int | None
    message: str
    # The value's column, where the error is about one value (1-based).
    column: int | None = None


class ConfigFile(NamedTuple):
    """What one reader found in one input file."""

    path: str
    component: Component | None
    settings: tuple[Setting, ...] = ()
    errors: tuple[InputError, ...] = ()
    # Absolute/relative paths this file imports (containerd `imports`), as written.
    imports: tuple[str, ...] = ()
    # containerd `version = N` (None when absent: containerd then assumes 1).
    config_version: int | None = None
    # Inline `# pauselint: disable=...` comments found in the file.
    suppressions: tuple["Suppression", ...] = ()
    # Variables the file assigns (env files), in order, for units that expand them;
    # each value is the reader's own traced text, opaque to everyone else.
    variables: tuple[tuple[str, object], ...] = ()
    # False when the reader could not parse the file at all (invalid TOML or YAML, a
    # template): what it sets is then unknown, which is not the same as setting
    # nothing -- no runtime default may be assumed for it.
    parsed: bool = True
    # What the format's own layering needs beyond settings (containerd: the file's
    # plugin tables, disabled plugins and raw version, to load it as each release
    # does); opaque to everyone else.
    structure: object = None
    # Where the file sits on its node when that is not ``path``: a file held inside
    # another one (a cloud-init ``write_files`` entry, a Cluster API ``files[]``) is
    # reported in the file the user owns but ordered, grouped and resolved (drop-in
    # order, containerd imports, a unit's drop-ins) by the path it is written to.
    node_path: str | None = None


class Suppression(NamedTuple):
    """An inline ``# pauselint: disable=PL302 -- reason`` comment.

    ``standalone`` is True for a comment alone on its line, which covers the next
    line too; a comment after a value covers only its own line.
    """

    path: str
    line: int
    rules: tuple[str, ...]
    reason: str | None = None
    standalone: bool = False


class Platform(NamedTuple):
    """A node's platform: ``linux/arm64`` or ``windows/amd64:ltsc2022``."""

    os: str
    arch: str
    os_version: str | None = None

    def __str__(self) -> str:
        base = f"{self.os}/{self.arch}"
        return f"{base}:{self.os_version}" if self.os_version else base


class NodeFacts(NamedTuple):
    """Every input that describes one node, merged: what the runtime will really use.

    ``sandbox_settings`` holds every sandbox-image setting (effective, shadowed and
    ignored); ``effective_sandbox`` is the one the runtime applies, or None when the
    runtime's built-in default applies -- or when it is unknown: see
    :attr:`unread_config`.
    """

    name: str | None
    runtime: Component | None
    files: tuple[ConfigFile, ...] = ()
    sandbox_settings: tuple[Setting, ...] = ()
    other_settings: tuple[Setting, ...] = ()
    effective_sandbox: Setting | None = None
    config_version: int | None = None
    config_version_location: Location | None = None
    # The file the runtime configuration lives in (for runtime-default findings).
    runtime_config_path: str | None = None
    # Why the runtime refuses to start with these files (a missing import, a config
    # version it does not load, an invalid plugin key), in its own terms, where it is.
    refusal: InputError | None = None
    refusal_kind: str | None = None  # "import", "version", "plugin-key", "bom", ...
    # The runtime release whose reading these facts are ("1.7.24", or a line's release
    # where the version is not known), and what every line that loads the files would
    # use, for rules that compare releases: (release, accepted, sandbox image or None).
    read_as: str | None = None
    by_release: tuple[tuple[str, bool, str | None], ...] = ()
    # The release not known and some lines starting with the files: why the first line
    # that does not start refuses them, and that refusal's kind (``refusal_kind``).
    line_refusal: tuple[InputError, str | None] | None = None
    # The config version the runtime loads the files as (the last non-zero `version` in
    # load order, after 2.x's migrations); None where it refuses them or was not read.
    loaded_version: int | None = None
    # True when the runtime has no sandbox image at all (its CRI plugin is disabled).
    no_sandbox: bool = False
    # Import tables that replaced a whole plugin table of an earlier file (containerd
    # 1.x): (the replaced table's place, the import that replaced it, whether the
    # effective sandbox image changed because of it).
    replaced: tuple[tuple[Location, str, bool], ...] = ()

    @property
    def unread_config(self) -> str | None:
        """The first of this runtime's config files that could not be parsed, if any.

        While one is, the runtime's sandbox image is unknown rather than unset: that
        file (or a file it imports or would have imported) may set it, and a runtime
        that cannot parse its config does not start. So neither a written value nor
        the built-in default is the effective one, and rules that need it skip.
        """
        if self.runtime is None:
            return None
        return next((config.path for config in self.files if not config.parsed), None)


class NodeView(NamedTuple):
    """One node as judged: its name, its facts, and the context it was judged in
    (what the engine hands the rules and describe.describe_node)."""

    name: str
    facts: tuple[NodeFacts, ...]
    # The files read as inputs of this node, with their kind (InputType values).
    configs: tuple[tuple[ConfigFile, str], ...]
    kubernetes: str | None = None
    kubernetes_from: str | None = None
    kubeadm_version: Setting | None = None
    image_repository: Setting | None = None


class LiveRuntime(NamedTuple):
    """What a running container runtime says over CRI (``pauselint node``), as the
    rules see it: no gRPC types, so rules never import the client.

    ``sandbox_image`` is the image the running runtime reports using, None where it
    does not say (containerd 2.x); ``pinned_images`` what it reports pinned;
    ``not_reported`` says, in words, what this runtime does not tell.
    """

    endpoint: str
    name: str
    version: str
    sandbox_image: str | None = None
    sandbox_image_from: str | None = None
    pinned_images: tuple[str, ...] = ()
    not_reported: tuple[str, ...] = ()


class ClusterNode(NamedTuple):
    """The pause-relevant facts of one live node (only what the rules need is kept)."""

    name: str
    kubelet_version: str  # nodeInfo.kubeletVersion, e.g. "v1.29.3"
    container_runtime: str  # nodeInfo.containerRuntimeVersion, e.g. "containerd://1.7.20"
    architecture: str  # nodeInfo.architecture
    operating_system: str  # nodeInfo.operatingSystem
    os_image: str = ""  # nodeInfo.osImage
    windows_build: str | None = None  # label node.kubernetes.io/windows-build
    pause_images: tuple[str, ...] = ()  # status.images names that are pause images


class ClusterFacts(NamedTuple):
    """What one kubeconfig context told us; ``skipped`` names optional reads refused."""

    name: str
    server_version: str | None = None  # /version gitVersion, e.g. "v1.29.3"
    nodes: tuple[ClusterNode, ...] = ()
    kubeadm_version: str | None = None  # kubeadm-config ClusterConfiguration.kubernetesVersion
    image_repository: str | None = None  # kubeadm-config ClusterConfiguration.imageRepository
    skipped: tuple[str, ...] = ()
    # What could not be read while the rest was: a bad node, a bad gitVersion, a cap hit.
    errors: tuple["ClusterError", ...] = ()


class ClusterError(NamedTuple):
    """A context (or, with ``node``, one node of it) that could not be checked, and why."""

    name: str
    reason: str  # "DNS: ...", "TLS: ...", "401 unauthorized", "403 forbidden", "timeout"
    node: str | None = None  # the node (or "item N" of the list) the reason is about


class Finding(NamedTuple):
    """One problem, located. Sorted by path, line, rule for stable output."""

    rule: str
    name: str
    severity: Severity
    message: str
    location: Location
    image: str | None = None
    expected: str | None = None
    node: str | None = None
    cluster: str | None = None
    fixable: bool = False
    fix: str | None = None
    # Rule ids this finding makes moot on its value (set by the rule, read by
    # verdicts.compose); never printed.
    supersedes: tuple[str, ...] = ()
    # The findings on the same value this one superseded (verdicts.compose): kept,
    # reported under it, not counted.
    related: tuple["Finding", ...] = ()

    def value_key(self) -> tuple | None:
        """Which value the finding is about: its place in a file (path, line, column),
        else the image it names where it has no line (a runtime's built-in default, a
        live node's image), on its node and cluster. None: about no one value."""
        loc = self.location
        if loc.line is not None:
            return (self.cluster, self.node, loc.path, loc.line, loc.column)
        if self.image is not None:
            return (self.cluster, self.node, loc.path, None, self.image)
        return None

    def sort_key(self) -> tuple[str, str, int, int, str, str, str]:
        """Path, line, column, rule (the contract's order); cluster first and node and
        message last, so that output is byte-identical from run to run."""
        loc = self.location
        return (self.cluster or "", loc.path or "", loc.line or 0, loc.column or 0, self.rule,
                self.node or "", self.message)


class Skip(NamedTuple):
    """A rule that could not run for want of context; never a silent pass."""

    rule: str
    reason: str
    # The node (its name as in Report.nodes) the rule was skipped on; None for a run
    # with no nodes (live clusters) or a skip that is about the whole run.
    node: str | None = None


# Report's fields in the order its constructor takes them (and reprs and compares them).
_REPORT_FIELDS = ("findings", "skipped", "errors", "inputs", "sources", "context",
                  "node_counts", "not_read", "nodes", "files_skipped", "rules_run")


class Report:
    """The outcome of one run, handed to a reporter.

    A plain slotted class, not a dataclass: ``dataclasses`` and the class it makes
    cost ~1.7 ms of every `pauselint check`'s start-up, and a report is made once a
    run. It is what ``@dataclass(slots=True)`` made: keyword or positional fields in
    this order, a new list or dict for each one not given, equality by fields.
    """

    __slots__ = _REPORT_FIELDS

    def __init__(
        self,
        findings: list[Finding] | None = None,
        skipped: list[Skip] | None = None,
        errors: list[InputError] | None = None,
        inputs: int = 0,
        # Every file the run read, as named or reached (imports, drop-ins, env files):
        # --output-file refuses to overwrite any of them.
        sources: list[str] | None = None,
        context: dict[str, str | None] | None = None,
        # Live clusters: how many nodes each checked cluster has (for "on 37 of 40 nodes").
        node_counts: dict[str, int] | None = None,
        # (path, why) of what a folder walk passed over unread: special files, broken
        # symlinks, symlinked folders (not followed), so nothing is skipped silently.
        not_read: list[tuple[str, str]] | None = None,
        # Per node judged: the JSON-ready entries `pauselint show` prints (engine.describe).
        nodes: list[dict] | None = None,
        # What a folder walk skipped without reading it as a config, counted by reason
        # ("no known kind", "binary", ...): shown in the summary, never listed one by one.
        files_skipped: dict[str, int] | None = None,
        # How many rules ran (the text summary says how many could judge, how many skipped).
        rules_run: int = 0,
    ) -> None:
        self.findings = [] if findings is None else findings
        self.skipped = [] if skipped is None else skipped
        self.errors = [] if errors is None else errors
        self.inputs = inputs
        self.sources = [] if sources is None else sources
        self.context = {} if context is None else context
        self.node_counts = {} if node_counts is None else node_counts
        self.not_read = [] if not_read is None else not_read
        self.nodes = [] if nodes is None else nodes
        self.files_skipped = {} if files_skipped is None else files_skipped
        self.rules_run = rules_run

    def fields(self) -> dict[str, object]:
        """Every field by name, in order."""
        return {name: getattr(self, name) for name in _REPORT_FIELDS}

    def replace(self, **changes: object) -> "Report":
        """A new report with ``changes`` (as ``dataclasses.replace`` made one)."""
        unknown = set(changes).difference(_REPORT_FIELDS)
        if unknown:
            raise TypeError(f"Report has no field {sorted(unknown)[0]!r}")
        return Report(**{**self.fields(), **changes})  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.fields() == other.fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.fields().items())
        return f"Report({shown})"
