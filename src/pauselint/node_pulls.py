"""The pull path of one node's runtime for one image: the endpoints it really asks.

``pauselint.pullpath`` knows each runtime's rules given its registry configuration;
this module finds that configuration among a node's files -- the registry table of
the containerd config the runtime loads, the ``hosts.toml`` files its ``config_path``
names, CRI-O's ``registries.conf`` and drop-ins -- so that ``show`` prints, and the
online check asks, the endpoints the node would use, not the registry the image
names. A file held in a wrapper counts at the path it is written to.

Under a node root (a node folder, ``--root``) containerd looks hosts folders up by
name, so a folder the inputs do not hold is looked up on disk too: naming only
``etc/containerd/config.toml`` still finds its ``certs.d``. A wrapper's node has no
disk: only its own files count.
"""

from __future__ import annotations

import dataclasses
import functools
import posixpath
from collections.abc import Sequence
from pathlib import Path

from pauselint.imageref import ImageRef
from pauselint.model import Component, ConfigFile, Location, NodeFacts
from pauselint.pullpath import (
    DEFAULT_CONFIG_PATH_22,
    PullPath,
    containerd_pull_path,
    containers_pull_path,
    hosts_by_node_path,
    registries_of,
)
from pauselint.sources.containerd_hosts import (
    HOSTS_FILE,
    LOCAL_PULL_KEYS,
    HostsFile,
    RegistrySection,
    host_folders,
    registry_section_source,
)
from pauselint.sources.kinds import InputType
from pauselint.sources.node_paths import escapes_root

__all__ = ["pull_path_for"]

# Where containers/image reads its registries when nothing else is said
# (sysregistriesv2 ``systemRegistriesConfPath``, ``systemRegistriesConfDirPath``).
REGISTRIES_CONF = "etc/containers/registries.conf"
REGISTRIES_CONF_D = "etc/containers/registries.conf.d"


def pull_path_for(node: NodeFacts, image: ImageRef, group: Sequence[ConfigFile],
                  root: str | Path | None, *, release: str | None = None) -> PullPath | None:
    """The endpoints ``node``'s runtime tries for ``image``, in order, or None.

    ``group`` is every file read for the node's group (hosts.toml, registries.conf and
    the runtime's own files among them); ``root`` is the node root ``config_path``
    folders resolve under, None for loose files and a wrapper's node. ``release`` is
    containerd's (``--runtime-version``); without it, the release the node's facts
    were read as (``NodeFacts.read_as``).

    None where the pull path is not modelled -- k3s/RKE2 ``registries.yaml``,
    cri-dockerd, a node without a runtime, a containerd whose release is not known --
    then the image's own registry is the one to ask. A runtime that refuses its
    configuration pulls nothing: a PullPath with ``refusal`` says so.
    """
    if node.runtime not in (Component.CONTAINERD, Component.CRIO) or _talos(node):
        return None
    refused = _refused(node, image)
    if refused is not None:
        return refused
    if node.runtime is Component.CRIO:
        return _crio(image, group, _disk_root(node, group, root))
    release = release or _read_as(node)
    if release is None:
        return None
    return _containerd(node, image, group, _disk_root(node, group, root), release)


def _talos(node: NodeFacts) -> bool:
    """A Talos node's containerd (its files are /etc/cri/conf.d parts): Talos writes
    its own config_path and mirrors from ``machine.registries``, which are not read
    here, so where its pulls go is not modelled rather than guessed."""
    return any((config.node_path or "").startswith("/etc/cri/") for config in node.files)


def _read_as(node: NodeFacts) -> str | None:
    """The release in ``read_as`` ("1.7.24", or "2.2.0 line" where none was given)."""
    if not node.read_as:
        return None
    return node.read_as.split(" ", 1)[0]


def _refused(node: NodeFacts, image: ImageRef) -> PullPath | None:
    """A runtime that does not start with its files pulls nothing."""
    if node.refusal is not None:
        error = node.refusal
        return PullPath(image, refusal=f"the runtime refuses its configuration "
                        f"({error.message}): no image is pulled",
                        refusal_location=Location(error.path, error.line, error.column))
    unread = node.unread_config
    if unread is not None:
        return PullPath(image, refusal=f"{unread} could not be read: where pulls go is not "
                        "known", refusal_location=Location(unread))
    return None


def _disk_root(node: NodeFacts, group: Sequence[ConfigFile],
               root: str | Path | None) -> Path | None:
    """``root`` as a Path, unless the files are a wrapper's: those are all its node has."""
    if root is None or any(config.node_path for config in (*node.files, *group)):
        return None
    return Path(root)


# --- containerd -----------------------------------------------------------------------


def _containerd(node: NodeFacts, image: ImageRef, group: Sequence[ConfigFile],
                root: Path | None, release: str) -> PullPath:
    section, notes = _registry_section(node)
    hosts = hosts_by_node_path(group, str(root) if root is not None else None)
    folders: list[str] = []
    if root is not None:
        _from_disk(image, section, root, hosts, folders)
    if section is None and not hosts and not folders:
        return _unconfigured_containerd(image, release)
    path = containerd_pull_path(image, release, section, hosts, folders)
    return dataclasses.replace(path, notes=(*notes, *path.notes)) if notes else path


@functools.lru_cache(maxsize=256)
def _unconfigured_containerd(image: ImageRef, release: str) -> PullPath:
    """The pull path of a containerd with no registry configuration at all: the same
    for every node of a release (a folder of many configs asks it once per image)."""
    return containerd_pull_path(image, release, None, {}, ())


def _registry_section(node: NodeFacts) -> tuple[RegistrySection | None, list[str]]:
    """The registry table of the files containerd loads, the last one written in load
    order; several files writing one are said, since how containerd merges them
    (1.x replaces a whole plugin table, 2.x merges keys) is not modelled here."""
    found: list[RegistrySection] = []
    for config in node.files:
        source = getattr(config.structure, "source", None)
        if source is None:
            continue
        if not _may_hold_registry(source.text):
            continue
        section = registry_section_source(source)
        if section is not None:
            found.append(section)
    if len(found) > 1:
        return found[-1], [f"registry settings in {len(found)} files "
                           f"({', '.join(s.path for s in found)}): the last one loaded is "
                           "used, how containerd merges them is not modelled"]
    return (found[0] if found else None), []


# The keys a registry table that changes a pull, or a pull-mode setting, cannot be
# written without ("registry" itself is in nearly every image name; a quoted key with a
# unicode escape could spell any of them: such a file is parsed). A registry table with
# none of them pulls as no table does.
_REGISTRY_WORDS = ("config_path", "mirrors", "configs", "auths", "use_local_image_pull",
                   *(key for key, _ in LOCAL_PULL_KEYS), "\\u", "\\U")


def _may_hold_registry(text: str) -> bool:
    """Whether parsing ``text`` again can find registry settings: most configs hold
    none, and `show` and check's ``nodes`` describe every node, so the plain check
    pays a substring search, not a second parse."""
    return any(word in text for word in _REGISTRY_WORDS)


def _from_disk(image: ImageRef, section: RegistrySection | None, root: Path,
               hosts: dict[str, HostsFile], folders: list[str]) -> None:
    """Add the host folders for ``image``'s registry that exist under ``root`` but are
    not among the inputs: every folder any release could look up (``config_path`` as
    one folder or as a list, the 2.2 default); which is used stays ``pullpath``'s call."""
    from pauselint.reading import load_referenced

    written = section.config_path if section is not None else None
    candidates = [written or "", *(written or "").split(":"), *DEFAULT_CONFIG_PATH_22.split(":")]
    known = {posixpath.dirname(path) for path in hosts}
    for config_root in dict.fromkeys(c for c in candidates if c.startswith("/")):
        for folder in host_folders(config_root, image.registry):
            if folder in known:
                continue
            on_disk = root / folder.lstrip("/")
            # A folder reached through a symlink out of the node root is this
            # machine's, not the node's (node_paths: never read outside the root).
            if not on_disk.is_dir() or escapes_root(on_disk, root):
                continue
            known.add(folder)
            hosts_file = on_disk / HOSTS_FILE
            if not hosts_file.is_file() or escapes_root(hosts_file, root):
                folders.append(folder)
                continue
            config = load_referenced(hosts_file, InputType.CONTAINERD_HOSTS)
            if config is not None and isinstance(config.structure, HostsFile):
                hosts[posixpath.join(folder, HOSTS_FILE)] = config.structure
            else:  # unreadable: containerd falls back to the folder's certificates
                folders.append(folder)


# --- CRI-O ----------------------------------------------------------------------------


def _crio(image: ImageRef, group: Sequence[ConfigFile], root: Path | None) -> PullPath:
    """containers/image's pull sources from the group's registries.conf files, or,
    under a node root holding none of them, from the node's own."""
    configs = [c for c in group if _is_registries(c)]
    if root is not None and not configs:
        configs = _registries_on_disk(root)
    if not configs:
        return _unconfigured_containers(image)
    return containers_pull_path(image, registries_of(configs))


@functools.lru_cache(maxsize=256)
def _unconfigured_containers(image: ImageRef) -> PullPath:
    """containers/image's pull path with no registries.conf at all (its built-in
    default is no mirror, no search list): one per image, however many nodes."""
    return containers_pull_path(image, registries_of(()))


def _is_registries(config: ConfigFile) -> bool:
    from pauselint.sources.registries_conf import RegistriesConf

    return isinstance(config.structure, RegistriesConf)


def _registries_on_disk(root: Path) -> list[ConfigFile]:
    from pauselint.reading import load_referenced

    paths = [root / REGISTRIES_CONF]
    dropins = root / REGISTRIES_CONF_D
    if dropins.is_dir() and not escapes_root(dropins, root):
        paths += sorted(p for p in dropins.iterdir() if p.name.endswith(".conf"))
    return [config for path in paths if path.is_file() and not escapes_root(path, root)
            if (config := load_referenced(path, InputType.REGISTRIES_CONF)) is not None]
