"""EKS nodeadm ``NodeConfig``: the containerd config and kubelet flags it gives a node.

``spec.kubelet.flags`` are the kubelet's command-line flags, each read where it is
written (the last ``--pod-infra-container-image`` wins, as pflag's does).
``spec.containerd.config`` is not the node's config.toml as written: nodeadm merges it
over a base config of its own and writes the result to ``/etc/containerd/config.toml``
(not a ``config.d`` drop-in). This module reads the text containerd will read, as far
as the sandbox image goes, with every line the user wrote where they wrote it.

Facts, from awslabs/amazon-eks-ami at tag v20260724 (``nodeadm/internal/containerd/``):

* ``config.go`` ``writeContainerdConfig``/``combineContainerdConfigs``: the base is a
  Go template rendered first; the user's TOML is merged over it with ``util.Merge``
  (``nodeadm/internal/util/merge.go``: go-toml/v2 into ``map[string]any``, then
  ``mergo.Merge(..., mergo.WithOverride)``, dario.cat/mergo v1.0.2): tables are merged
  key by key at every depth, a user's scalar or array replaces the base's (an empty
  string too: maps take any value under WithOverride), and nodeadm, not containerd's
  own ``imports``, does it (containerd's import merge "would completely overwrite
  entire sections"). The result goes to ``/etc/containerd/config.toml``.
* Which base (``getConfigTemplateVersion``, ``Version3configInNodeConfig``): the user
  text containing ``io.containerd.cri.v1.images`` or ``io.containerd.cri.v1.runtime``
  anywhere (a substring test: a comment counts) selects ``config2.template.toml``
  (``version = 3``, ``[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox``); any other non-empty text selects ``config.template.toml`` (``version =
  2``, ``[plugins."io.containerd.grpc.v1.cri"] sandbox_image``), which on containerd 2
  is merged and then rewritten by ``containerd config migrate``. On containerd 1.x a
  text with those markers makes nodeadm fail. Releases before v20250807 (containerd
  2 support, #2252) have only the version 2 base.
* The base's image is ``{{.SandboxImage}}``, ``cfg.Status.Defaults.SandboxImage``
  (``cmd/nodeadm/init/init.go``): ``localhost/kubernetes/pause:latest`` since
  v20260625 (``localhost/kubernetes/pause`` from v20241115, #2000), the pause image
  the AMI build cached and retagged (``templates/al2023/runtime/bin/
  cache-pause-container``, ``pause_container_image``); before v20241115 the ECR
  ``eks/pause:3.5`` of the node's region and partition (``internal/aws/ecr``).
  nodeadm passes no ``--pod-infra-container-image`` to the kubelet.

So the merged file's ``version`` is the user's, else the base's, and its sandbox key
is the user's where they set the base's key, else the base's. Which image the base's
is depends on the AMI release and region, neither in this file: it is "set by nodeadm
at boot: not checked" (a note), never containerd's built-in default. Both base keys are
put into the text read, reported at the ``config`` key: so a user's ``version = 3``
over version 2 keys (no v3 marker: the version 2 base, whose own ``sandbox_image`` a
version 3 file ignores) is read as containerd will read it. Several NodeConfigs
(MIME parts, a config folder) nodeadm merges the same way; each document here is read
on its own. Shape: ``nodeadm/api/v1alpha1`` (``ContainerdOptions.Config``,
``KubeletOptions.Flags``).
"""

from __future__ import annotations

import copy
import re

from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.records import NamedTuple
from pauselint.sources.containerd import CRI_V2, PINNED_IMAGES, format_key
from pauselint.sources.embedded import Unwrapped, embedded_file, invalid_yaml
from pauselint.sources.kinds import InputType
from pauselint.sources.kubelet import FLAG
from pauselint.sources.source_text import SourceText
from pauselint.sources.toml_locator import check_toml_limits
from pauselint.sources.yaml_locator import (
    OUTER,
    Node,
    compose_documents,
    elements,
    get_path,
    items,
    scalar,
)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

API_GROUP = "node.eks.aws/"
CONTAINERD_CONFIG = "/etc/containerd/config.toml"
# Version3configInNodeConfig: either name anywhere in the user's text picks the v3 base.
V3_MARKERS = ("io.containerd.cri.v1.images", "io.containerd.cri.v1.runtime")
# Each base's sandbox key: (table, key), from config.template.toml / config2.template.toml.
BASE_SANDBOX_KEY: dict[int, tuple[tuple[str, ...], str]] = {
    2: (CRI_V2, "sandbox_image"),
    3: (PINNED_IMAGES, "sandbox"),
}
# The base template's own text for the image: a placeholder, so no reader judges it
# and no runtime default is assumed where it is the one containerd reads.
BASE_SANDBOX_VALUE = "{{.SandboxImage}}"
BASE_IMAGE = ("localhost/kubernetes/pause:latest on AMIs since v20241115 (the pause image "
              "cached at AMI build), the ECR eks/pause:3.5 of the node's region before")
_TABLE_HEADER = re.compile(r"[ \t]*\[(?!\[)")


def base_version(user_toml: str) -> int:
    """The ``version`` of the base nodeadm merges ``user_toml`` over (containerd 2)."""
    return 3 if any(marker in user_toml for marker in V3_MARKERS) else 2


class MergedText(NamedTuple):
    """The user's containerd text with nodeadm's base lines put in: those lines
    (``base_lines``, 1-based in this text) are reported at ``base_at`` (the ``config``
    key, where the merge happens), every other line where the user wrote it.

    A SourceText with two more fields (a NamedTuple takes no subclass that adds
    fields): its own ``position``, SourceText's every other method."""

    text: str
    path: str
    node_path: str | None = None
    outer: SourceText | None = None
    line_offset: int = 0
    column_offset: int = 0
    column_offsets: tuple[int, ...] = ()
    fixed: tuple[int, int] | None = None
    base_lines: tuple[int, ...] = ()
    base_at: tuple[int, int] = (1, 1)

    is_embedded = SourceText.is_embedded
    where_on_node = SourceText.where_on_node
    embedded = SourceText.embedded
    location = SourceText.location
    relocate = SourceText.relocate
    _setting = SourceText._setting
    _error = SourceText._error
    _suppression = SourceText._suppression

    def position(self, line: int, column: int | None = None) -> tuple[int, int | None]:
        if line in self.base_lines and self.outer is not None:
            return self.outer.position(*self.base_at)
        own = line - sum(1 for base in self.base_lines if base < line)
        return SourceText.position(self, own, column)  # type: ignore[arg-type]


def unwrap(source: SourceText) -> list[Unwrapped]:
    """The containerd config and kubelet flags of every NodeConfig in ``source``."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, Component.KUBELET, InputType.EKS)
    errors: list[InputError] = []
    parts: list[Unwrapped] = []
    flags: list[Setting] = []
    for document in documents:
        if not (scalar(get_path(document, "apiVersion")) or "").startswith(API_GROUP):
            continue
        parts.extend(_containerd(source, document, errors))
        for node in elements(get_path(document, "spec", "kubelet", "flags")):
            text = scalar(node) or ""
            name, equals, value = text.partition("=")
            if name.strip() != FLAG or not equals:
                continue
            line, column = OUTER.position(node)
            # A plain scalar starts at its first character; quoted ones one later.
            start = column + (1 if node.style in ("'", '"') else 0) + len(name) + 1
            flags.append(Setting(Component.KUBELET, Role.POD_INFRA_FLAG, FLAG, value.strip(),
                                 Location(source.path, line, start)))
    # The last flag given wins, as on a command line.
    flags = [f._replace(effective=i == len(flags) - 1) for i, f in enumerate(flags)]
    own = ConfigFile(source.path, Component.KUBELET, settings=tuple(flags), errors=tuple(errors))
    return [Unwrapped(config=own, kind=InputType.KUBELET_ENV), *parts]


def _containerd(source: SourceText, document: Node, errors: list[InputError]) -> list[Unwrapped]:
    """The config.toml nodeadm writes from this NodeConfig, and a note when its sandbox
    image is the base's."""
    containerd = get_path(document, "spec", "containerd")
    key = next((k for k, _ in items(containerd) if scalar(k) == "config"), None)
    where = OUTER.position(key if key is not None else document)
    place = f"{source.path}:{where[0]}"
    part = embedded_file(source, CONTAINERD_CONFIG, get_path(containerd, "config"), "", errors)
    if part is None or part.source is None or not part.source.text.strip():
        # No config of the user's: the base alone, its version (2 or 3) as the AMI's
        # containerd is 1.x or 2.x, which this file does not say.
        return [Unwrapped(note=(place, _note(f"nodeadm writes its base config as "
                                             f"{CONTAINERD_CONFIG}")))]
    merged, sets_image = merged_config(part.source, where)
    if sets_image:
        return [part._replace(source=merged)]
    version = base_version(part.source.text)
    table, name = BASE_SANDBOX_KEY[version]
    what = (f"nodeadm's version {version} base sets {format_key((*table, name))}, "
            "which this config does not")
    written = _written_version(part.source.text)
    if written is not None and written != version:
        # The user's `version` replaces the base's: containerd reads the base's key as
        # that version does, and says so at the `config` key (PL401, ...).
        what += (f"; this config's `version = {written}` replaces the base's "
                 f"`version = {version}`, and containerd reads that key as a version "
                 f"{written} file does")
    return [part._replace(source=merged), Unwrapped(note=(place, _note(what)))]


def _written_version(text: str) -> object:
    if check_toml_limits(text.removeprefix("\ufeff")) is not None:
        return None
    try:
        return tomllib.loads(text.removeprefix("\ufeff")).get("version")
    except (tomllib.TOMLDecodeError, RecursionError):
        return None


def _note(what: str) -> str:
    return (f"{what}: its sandbox image is {BASE_IMAGE}, which this file does not say: "
            "set by nodeadm at boot: not checked")


def merged_config(user: SourceText, base_at: tuple[int, int],
                  ) -> tuple[SourceText | MergedText, bool]:
    """``user`` as nodeadm writes it, for the sandbox image: with the base's ``version``
    where the user sets none and the base's sandbox key where the user does not set
    it, and whether the user sets it. A text that is not TOML is left as it is:
    nodeadm's merge fails on it too, and the reader says why."""
    text = user.text
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text.removeprefix("\ufeff")
    if check_toml_limits(body) is not None:
        return user, True  # the reader refuses it, before a parse that could blow up
    try:
        data = tomllib.loads(body)
    except (tomllib.TOMLDecodeError, RecursionError):
        return user, True
    version = base_version(body)
    table, name = BASE_SANDBOX_KEY[version]
    sets_image = _has(data, (*table, name))
    lines = body.split("\n")
    base_lines: list[int] = []
    if "version" not in data:
        lines.insert(0, f"version = {version}")
        base_lines.append(1)
        data = {**data, "version": version}
    if not sets_image:
        injected = _with_sandbox_key(lines, data, table, name)
        if injected is not None:
            lines, added = injected
            base_lines.extend(added)
    if not base_lines:
        return user, sets_image
    merged = MergedText(bom + "\n".join(lines), user.path, user.node_path, user.outer,
                        user.line_offset, user.column_offset, user.column_offsets, user.fixed,
                        base_lines=tuple(base_lines), base_at=base_at)
    return merged, sets_image


def _has(data: object, path: tuple[str, ...]) -> bool:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def _with_sandbox_key(lines: list[str], data: dict, table: tuple[str, ...],
                      name: str) -> tuple[list[str], tuple[int, ...]] | None:
    """``lines`` with the base's sandbox key put where TOML allows (under the user's own
    header of its table, or in a table of its own at the end), and the lines added;
    None where no place gives the merged data (the table is an inline table, or a
    user's value is no table)."""
    expected = copy.deepcopy(data)
    node = expected
    for part in table:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return None
    node[name] = BASE_SANDBOX_VALUE
    line = f'{name} = "{BASE_SANDBOX_VALUE}"'
    headers = [i for i, text in enumerate(lines) if _header_path(text) == table]
    tail = [*lines] if lines and lines[-1] == "" else [*lines, ""]
    candidates = [([*lines[:i + 1], line, *lines[i + 1:]], (i + 2,)) for i in headers[:1]]
    header = "[" + ".".join(_toml_key(part) for part in table) + "]"
    candidates.append(([*tail[:-1], header, line, ""], (len(tail), len(tail) + 1)))
    for candidate, at in candidates:
        try:
            if tomllib.loads("\n".join(candidate)) == expected:
                return candidate, at
        except (tomllib.TOMLDecodeError, RecursionError):
            continue
    return None


def _header_path(line: str) -> tuple[str, ...] | None:
    """The table a ``[table]`` header line names, or None for any other line."""
    if not _TABLE_HEADER.match(line):
        return None
    try:
        node: object = tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(node, dict) and len(node) == 1:
        (key, node), = node.items()
        path.append(key)
    return tuple(path) if node == {} else None


def _toml_key(part: str) -> str:
    return part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else '"' + part + '"'


def read_source(source: SourceText) -> ConfigFile:
    """For callers that read one file as one config: the kubelet flags it sets."""
    parts = unwrap(source)
    return next(p.config for p in parts if p.config is not None)
