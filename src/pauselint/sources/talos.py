"""Talos machine configs: the CRI config part and kubelet flag a ``v1alpha1`` config gives a node.

A Talos node has no ``/etc/containerd/config.toml`` to edit: its CRI containerd reads
``/etc/cri/containerd.toml``, which imports ``/etc/cri/conf.d/cri.toml``, a file Talos
writes by merging every ``/etc/cri/conf.d/*.part`` in name order (``00-base.part``
from the OS image, ``01-registries.part`` it generates, ``20-customization.part``
from the machine config). Facts from siderolabs/talos (tag v1.13.9 unless named):

* Merge: ``internal/app/machined/pkg/controllers/files/cri_config_parts.go`` globs
  ``*.part``, sorts them and calls ``internal/pkg/toml/merge.go`` ``Merge``: each part
  decoded to a map and merged over the previous ones (tables key by key, a later
  scalar wins), written with one ``## <part> (sha256:...)`` line per part.
* Base part: ``hack/cri-plugin.part`` (copied to ``00-base.part`` by the
  ``Dockerfile``) sets no sandbox image in any release; its ``version`` is 2 up to
  v1.7.7 and 3 from v1.8.0. ``01-registries.part``
  (``internal/pkg/containers/cri/containerd/containerd.go`` ``GenerateCRIConfig``)
  holds registry ``config_path``/auth only, no ``version`` and no sandbox image. So
  the merged config's sandbox image is the one the user's part sets (else
  containerd's built-in default: ``pkg/images/list.go`` ``DefaultSandboxImage``,
  from v1.8.0, only mirrors containerd's constant), and its ``version`` is the
  part's own, or the base part's when the part writes none.
* Which ``machine.files`` reach the merge: ``WriteUserFiles`` in
  ``internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer_tasks.go`` hands
  ``/etc/cri/conf.d/20-customization.part`` to the merge whatever ``op`` says (its
  ``content`` alone: ``append`` adds nothing to it); this special case exists from
  v1.2.9 (``append``/``overwrite`` also need the file, which the OS image has from
  v1.3.0). Any other path outside ``/var`` with ``op: create`` stops the task
  ("create operation not allowed outside of /var"); ``overwrite``/``append`` need the
  file to exist and bind-mount a copy over it. Before v1.3.0,
  ``hack/cri-containerd.toml`` also imported ``/var/cri/conf.d/*.toml``.
* Kubelet: ``internal/app/machined/pkg/controllers/k8s/kubelet_spec.go`` passes no
  ``--pod-infra-container-image`` of its own; ``machine.kubelet.extraArgs`` is merged
  into its flags (a map of strings through v1.12; from v1.13 a value may also be a
  list, ``v1alpha1_types.go`` ``Args``/``ArgValue``, each value one ``--flag=value``
  in order, ``pkg/argsbuilder/argsbuilder_args.go``), and the kubelet's version is
  the tag of ``machine.kubelet.image`` (``compatibility.VersionFromImageRef``).
* ``machine.install.image`` (``ghcr.io/siderolabs/installer:vX.Y.Z``) names the
  Talos release, which decides the base part's ``version``.
  ``machine.registries`` mirrors are not read here.
* Tag v1.14.0-rc.1 adds ``kind: CRICustomizationConfig`` documents (``name``,
  ``content``; ``pkg/machinery/config/types/cri/customization.go``), each merged as
  part ``20-<name>.part`` with the others in name order, the legacy file as
  ``20-customization.part`` (``internal/app/machined/pkg/controllers/files/cri_config.go``).

So :func:`unwrap` reads ``20-customization.part`` as the containerd config the merge
makes (a part without ``version`` gets the base part's, placed at its ``content``
key), ``extraArgs.pod-infra-container-image`` as the kubelet flag at its value, and
the kubelet image's tag as the Kubernetes version (else ``cluster.apiServer.image``'s,
the cluster's); other CRI parts, a second ``20-customization.part`` (Talos creates
it once) and several customizations (their merge is not modelled), as notes. A single
``CRICustomizationConfig`` is read as that one part. A strategic-merge patch
(``machine:`` keys, no ``version: v1alpha1``) is not a whole config and is not
detected; ``--type talos`` reads one the same way.
"""

from __future__ import annotations

import re

from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.records import NamedTuple
from pauselint.sources.embedded import Unwrapped, embedded_file, invalid_yaml
from pauselint.sources.kinds import InputType
from pauselint.sources.kubelet import FLAG
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import (
    OUTER,
    Node,
    compose_documents,
    elements,
    get,
    get_path,
    items,
    scalar,
)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CRI_PARTS = "/etc/cri/conf.d/"
CUSTOMIZATION_PART = "/etc/cri/conf.d/20-customization.part"
# v1.14.0-rc.1 pkg/machinery/config/types/cri/customization.go: `name`, `content`.
CUSTOMIZATION_KIND = "CRICustomizationConfig"
CUSTOMIZATION_KIND_SINCE = (14, 0)
OLD_IMPORTS = "/var/cri/conf.d/"
# (first Talos 1.x release, the base part's `version`) -- hack/cri-plugin.part per tag.
BASE_PART_VERSIONS = (((0, 0), 2), ((8, 0), 3))
NEWEST_BASE_VERSION = BASE_PART_VERSIONS[-1][1]
# The first Talos 1.x release whose WriteUserFiles hands 20-customization.part to the merge.
CUSTOMIZATION_SINCE = (2, 9)
_VERSION_KEY = "version = "
_VERSION_TAG = re.compile(r":v?(\d+)\.(\d+)(?:\.(\d+))?[^:/@]*(?:@|$)")
_K8S_TAG = re.compile(r":(v?\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?)(?:@|$)")


def unwrap(source: SourceText) -> list[Unwrapped]:
    """The CRI part, kubelet flag and Kubernetes version of each Talos v1alpha1
    document (or patch) in ``source``."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, Component.KUBELET, InputType.TALOS)
    errors: list[InputError] = []
    parts: list[Unwrapped] = []
    flags: list[Setting] = []
    versions: list[Setting] = []
    release = next((found for document in documents if (found := _talos_release(
        scalar(get_path(document, "machine", "install", "image")))) is not None), None)
    customizations: list[Customization] = []
    for document in documents:
        if scalar(get(document, "kind")) == CUSTOMIZATION_KIND:
            name = get(document, "name")
            if release is not None and release < CUSTOMIZATION_KIND_SINCE:
                parts.append(Unwrapped(note=(_where(source, document), (
                    f"Talos v1.{release[0]} has no {CUSTOMIZATION_KIND} document "
                    "(v1.14 has): not checked"))))
                continue
            customizations.append(Customization(f"{CRI_PARTS}20-{scalar(name) or ''}.part",
                                                name, get(document, "content")))
            continue
        machine = get(document, "machine")
        if machine is None:
            continue  # another document of a multi-document config (kind: ...)
        for entry in elements(get(machine, "files")):
            found = _file(source, entry, release, customizations)
            if isinstance(found, Customization):
                customizations.append(found)
            elif found is not None:
                parts.append(found)
        flags.extend(_flags(source, get_path(machine, "kubelet", "extraArgs")))
        # The node's kubelet says its version; a control plane's API server, the
        # cluster's, where the kubelet image is not written.
        for key, image in (("machine.kubelet.image", get_path(machine, "kubelet", "image")),
                           ("cluster.apiServer.image",
                            get_path(document, "cluster", "apiServer", "image"))):
            version = _image_version(source, key, image)
            if version is not None:
                versions.append(version)
    if len(customizations) == 1:
        parts.extend(_part(source, customizations[0], release, errors))
    else:
        # Talos v1.14 merges each as its own part; one config is read per part here.
        names = ", ".join(sorted(c.path for c in customizations))
        parts.extend(Unwrapped(note=(_where(source, c.named), (
            f"{c.path}: Talos merges several CRI customizations ({names}) in name order: "
            "not checked"))) for c in customizations)
    # The last value given wins, as on a command line.
    flags = [f._replace(effective=i == len(flags) - 1) for i, f in enumerate(flags)]
    own = ConfigFile(source.path, Component.KUBELET, settings=tuple(flags), errors=tuple(errors))
    out = [Unwrapped(config=own, kind=InputType.KUBELET_ENV), *parts]
    if versions:
        out.append(Unwrapped(config=ConfigFile(source.path, Component.KUBEADM,
                                               settings=(versions[0],)),
                             kind=InputType.KUBEADM))
    return out


def read_source(source: SourceText) -> ConfigFile:
    """For callers that read one file as one config: the kubelet flags it sets."""
    return next(p.config for p in unwrap(source) if p.config is not None)


def _image_version(source: SourceText, key: str, image: Node | None) -> Setting | None:
    """The Kubernetes version an image's tag names (``...:v1.36.3``), at the tag."""
    tag = _K8S_TAG.search(scalar(image) or "")
    if image is None or tag is None:
        return None
    line, column = OUTER.position(image)
    column += 1 if image.style in ("'", '"') else 0
    return Setting(Component.KUBEADM, Role.KUBERNETES_VERSION, key, tag.group(1),
                   Location(source.path, line, column + tag.start(1)))


def _talos_release(image: str | None) -> tuple[int, int] | None:
    """The Talos 1.x (minor, patch) an installer image's tag names, or None."""
    found = _VERSION_TAG.search(image or "")
    if found is None or found.group(1) != "1":
        return None
    return int(found.group(2)), int(found.group(3) or 0)


def _base_version(release: tuple[int, int] | None) -> int:
    if release is None:
        return NEWEST_BASE_VERSION
    return next(version for since, version in reversed(BASE_PART_VERSIONS) if release >= since)


class Customization(NamedTuple):
    """A CRI part the machine config gives Talos's merge: its path among the parts,
    the node naming it (where notes point) and its ``content``."""

    path: str
    named: Node | None
    content: Node | None


def _where(source: SourceText, node: Node | None) -> str:
    return f"{source.path}:{OUTER.position(node)[0]}" if node is not None else source.path


def _file(source: SourceText, entry: Node, release: tuple[int, int] | None,
          earlier: list[Customization]) -> Customization | Unwrapped | None:
    """One ``machine.files`` entry as the CRI part it makes, a note on why it makes
    none, or None (no CRI file). ``earlier``: the customizations before it."""
    path = scalar(get(entry, "path")) or ""
    op = scalar(get(entry, "op")) or ""
    path_node = get(entry, "path")
    where = _where(source, path_node)
    if path.startswith(OLD_IMPORTS) and path.endswith(".toml"):
        return Unwrapped(note=(where, f"{path}: containerd imported /var/cri/conf.d/*.toml "
                                      "only before Talos v1.3: not checked"))
    if not (path.startswith(CRI_PARTS) and path.endswith(".part")):
        return None
    if path != CUSTOMIZATION_PART:
        why = ("Talos refuses op: create outside /var, so it is never written"
               if op == "create" else
               f"op: {op or '(none)'} on a part Talos's merge does not take from the "
               "machine config (only 20-customization.part is)")
        return Unwrapped(note=(where, f"{path}: {why}: not checked"))
    if any(c.path == CUSTOMIZATION_PART for c in earlier):
        # injectCRIConfigPatch creates its resource once: a second entry fails the task.
        return Unwrapped(note=(where, f"{path} is given twice: Talos writes the first one "
                                      "and fails on this one: not checked"))
    if release is not None and release < CUSTOMIZATION_SINCE:
        return Unwrapped(note=(where, f"{path}: Talos v1.{release[0]}.{release[1]} does not "
                                      "merge it from the machine config (v1.2.9 and later "
                                      "do): not checked"))
    return Customization(path, path_node, get(entry, "content"))


def _part(source: SourceText, customization: Customization, release: tuple[int, int] | None,
          errors: list[InputError]) -> list[Unwrapped]:
    """A customization's ``content`` as the part Talos merges, the merged config's
    version where it writes none."""
    path, named, content = customization
    where = _where(source, named)
    part = embedded_file(source, path, content, "", errors)
    if part is None or part.source is None or content is None:
        return []
    out = [_with_base_version(part.source, path, content, _base_version(release))]
    if release is None and _writes_no_version(part.source.text):
        out.append(Unwrapped(note=(where, (
            f"{path}: the Talos release is not known (no vX.Y tag on machine.install.image): "
            f"a part without `version` is read with the base part's version "
            f"{NEWEST_BASE_VERSION} of Talos v1.8 and later (version 2 before)"))))
    return out


def _writes_no_version(text: str) -> bool:
    """Whether ``text`` is TOML without a top-level ``version`` (invalid TOML: False,
    so that its reader reports it where it is)."""
    try:
        return "version" not in tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return False


def _with_base_version(text: SourceText, path: str, content: Node, version: int) -> Unwrapped:
    """The part as the merged config reads it: with the base part's ``version`` line
    when it writes none, that line placed at the ``content`` key it stands for."""
    if not _writes_no_version(text.text):
        return Unwrapped(path, text)
    merged = f"{_VERSION_KEY}{version}\n{text.text}"
    if text.fixed is not None:
        return Unwrapped(path, SourceText(merged, text.path, path, text.outer, fixed=text.fixed))
    # Line 1 (the base's version) maps to the line above the block, the `content:`
    # line, its value to the `content` key that stands for it.
    line, _column = OUTER.position(content)
    key_column = _key_column(text.outer, line)
    return Unwrapped(path, SourceText(merged, text.path, path, text.outer,
                                      line_offset=text.line_offset - 1,
                                      column_offset=text.column_offset,
                                      column_offsets=(key_column - 1 - len(_VERSION_KEY),)))


def _key_column(outer: SourceText | None, line: int) -> int:
    """The column where the key on ``line`` of ``outer`` starts (1-based)."""
    lines = (outer.text if outer is not None else "").splitlines()
    if not 0 < line <= len(lines):
        return 1
    text = lines[line - 1]
    stripped = text.lstrip(" ")
    return len(text) - len(stripped) + (3 if stripped.startswith("- ") else 1)


def _flags(source: SourceText, args: Node | None) -> list[Setting]:
    """``--pod-infra-container-image`` from ``extraArgs``: a string, or (v1.13) a list."""
    found: list[Setting] = []
    for key, value in items(args):
        if scalar(key) != FLAG.lstrip("-"):
            continue
        for node in (elements(value) or [value]):
            text = scalar(node)
            if text is None:
                continue
            found.append(Setting(Component.KUBELET, Role.POD_INFRA_FLAG, FLAG, text,
                                 Location(source.path, *OUTER.position(node))))
    return found
