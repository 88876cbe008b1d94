"""Read each input with the reader its format's registry entry names.

Which format a file is, how it is read and whether its program splits lines at LF
only is the registry's to say (``sources/registry.py``); this module only routes
files there, groups those a format reads together (a systemd service), and turns
what cannot be read into located errors. Readers are imported on first use, so a
pre-commit run over containerd configs does not pay for the YAML and systemd readers.
"""


from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pauselint.inputs import InputFile, read_path
from pauselint.model import ConfigFile, InputError
from pauselint.records import NamedTuple
from pauselint.sources import registry
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import SourceText, relocate_among

if TYPE_CHECKING:
    from pathlib import Path

READABLE = registry.READABLE

__all__ = ["READABLE", "ReadConfig", "ReadResult", "detect", "group_root", "line_end_error",
           "load_referenced", "read_inputs", "reader_for"]


def reader_for(kind: InputType) -> Callable[[str, str], ConfigFile]:
    """A (path, text) reader for ``kind``: the registry entry that fits the text."""

    def read(path: str, text: str) -> ConfigFile:
        return registry.format_for(kind, text).read_source(SourceText(text, path))

    return read


def line_end_error(item: InputFile, kind: InputType) -> InputError | None:
    """Why ``item``'s CR-only line ends matter to the program reading its kind, or None."""
    entry = registry.format_for(kind, item.text or "")
    if not item.cr_line_ends or not entry.lf_only:
        return None
    return InputError(item.path, 1, entry.cr_only_line_ends)


def load_referenced(path: "Path", kind: InputType) -> ConfigFile | None:
    """Read a file another one references (an import) that was not among the inputs.

    Unreadable, it is a ConfigFile that could not be parsed: what it sets is unknown,
    never "nothing".
    """
    item = read_path(str(path), explicit=False)
    entry = registry.format_for(kind, item.text or "")
    if item.text is None:
        error = item.error or InputError(str(path), None, "could not be read")
        return ConfigFile(str(path), entry.component, errors=(error,), parsed=False)
    return entry.read_source(SourceText(text_for(entry, item), str(path)))


def text_for(entry: registry.Format, item: InputFile) -> str:
    """The text ``entry``'s reader gets: with the file's BOM and CR-only line ends back
    where the format's program decides what they mean (``Format.sees_raw``)."""
    text = item.text or ""
    if not entry.sees_raw:
        return text
    if item.cr_line_ends:  # decode() made every CR an LF, and the file had no LF
        text = text.replace("\n", "\r")
    return "\ufeff" + text if item.bom else text


class ReadConfig(NamedTuple):
    """A read file, its kind, and the node group it belongs to."""

    config: ConfigFile
    kind: InputType
    group: str


class ReadResult(NamedTuple):
    configs: list[ReadConfig]
    errors: list[InputError]
    checked: int
    # (place, why) of what a wrapper holds but pauselint does not check (a command that
    # writes the sandbox image): reported under "not read", never silently passed over.
    notes: tuple[tuple[str, str], ...] = ()
    # The groups that are one wrapper each (their group is the wrapper's path): the node
    # has only the files the wrapper writes (``ConfigFile.node_path``), nothing on disk.
    wrappers: frozenset[str] = frozenset()
    # The paths of the inputs read as a config of some kind (detected, or --type), so
    # that the engine's list of sources does not detect every file a second time.
    recognised: frozenset[str] = frozenset()
    # The groups whose first config came from a format read a group at a time (a
    # folder holding only a kubelet unit): they follow every other group, in the order
    # their files came. Read in chunks, a run keeps that order (engine.input_chunks).
    late: frozenset[str] = frozenset()
    # How many of ``errors``, at its end, come from reading formats a group at a time:
    # a run read in chunks puts every chunk's of those after every chunk's others, as
    # one read of everything does.
    late_errors: int = 0


def group_root(group: str, root: "Path | None") -> "str | Path | None":
    """Where absolute paths inside a group's configs resolve: --root, else the folder
    the group was found in (a folder laid out like a node's filesystem).

    The folder comes back as the string it was found as, not a Path: the readers take
    either (node_paths works with os.path), and making a Path imports pathlib, with the
    urllib.parse and ipaddress it pulls in (~16 M instructions), for every check of a
    node folder, where one that names no import never uses it.
    """
    if root is not None:
        return root
    return group or None


def read_inputs(files: Iterable[InputFile], forced: InputType | None,
                root: "Path | None") -> ReadResult:
    """Read every input; unrecognised files named explicitly are errors, others skipped."""
    configs: list[ReadConfig] = []
    errors: list[InputError] = []
    notes: list[tuple[str, str]] = []
    wrappers: set[str] = set()
    checked = 0
    together: dict[tuple[str, str], list[InputFile]] = {}
    texts: dict[str, list[InputFile]] = {}
    recognised: set[str] = set()
    for item in files:
        texts.setdefault(item.group, []).append(item)
        if item.error is not None:
            errors.append(item.error)
            checked += 1
            unread = _unread_config(item, forced)
            if unread is not None:
                configs.append(unread)
            continue
        kind = forced or item.kind or detect(item)
        if kind is None:
            if item.explicit:
                errors.append(InputError(item.path, None, "cannot tell what kind of file this is; "
                                         f"use --type ({', '.join(t.value for t in READABLE)})"))
                checked += 1
            continue
        checked += 1
        recognised.add(item.path)
        entry = registry.format_for(kind, item.text or "")
        line_ends = line_end_error(item, kind)
        if line_ends is not None:
            errors.append(line_ends)
        if entry.read_together is not None:
            together.setdefault((entry.name, item.group), []).append(item)
            continue
        if entry.unwrap is not None:
            # A wrapper is a node of its own: a Cluster API template makes machines.
            wrapped = _unwrapped(entry, SourceText(text_for(entry, item), item.path), notes)
            configs.extend(ReadConfig(config, kind, item.path) for config, kind in wrapped)
            errors.extend(e for config, _ in wrapped for e in config.errors)
            wrappers.add(item.path)
            continue
        config = entry.read_source(SourceText(text_for(entry, item), item.path))
        configs.append(ReadConfig(config, kind, item.group))
        errors.extend(config.errors)
    early = {item.group for item in configs}
    first_late = len(configs)
    alone = len(_unique(errors))
    for (name, group), members in together.items():
        entry = next(e for e in registry.FORMATS if e.name == name)
        context = registry.ReadContext(group_root(group, root), texts.get(group, []),
                                       lambda path: read_path(path, explicit=False))
        read, read_errors = entry.function(entry.read_together)(members, context)
        configs.extend(ReadConfig(c, entry.kind, group) for c in read)
        errors.extend(read_errors)
    late = frozenset(item.group for item in configs[first_late:]) - early
    unique = _unique(errors)
    return ReadResult(configs, unique, checked, tuple(dict.fromkeys(notes)),
                      frozenset(wrappers), frozenset(recognised), late, len(unique) - alone)


def _unwrapped(entry: registry.Format, source: SourceText, notes: list[tuple[str, str]],
               ) -> list[tuple[ConfigFile, InputType]]:
    """What a wrapper holds, read: its own settings, and each embedded file read by
    the format its path and text say (one no format reads is passed over), knowing
    the path it is written to (``ConfigFile.node_path``); what it holds but is not
    checked goes to ``notes``."""
    out: list[tuple[ConfigFile, InputType]] = []
    embedded: list[tuple[str, SourceText, registry.Format]] = []
    for part in entry.function(entry.unwrap or "")(source):
        if part.note is not None:
            notes.append(part.note)
            continue
        if part.config is not None and part.kind is not None:
            out.append((part.config, part.kind))
            continue
        node_path = part.node_path or ""
        found = registry.detect(node_path, part.source.text)
        if found is None or found.unwrap is not None:
            continue  # what no format reads, or a wrapper inside a wrapper
        embedded.append((node_path, part.source, found))
    # A path written twice holds what was written last (cloud-init's write_files, and
    # Ignition's files, write in order); an earlier copy is never read on the node.
    last = {node_path: index for index, (node_path, _, _) in enumerate(embedded)}
    embedded = [item for index, item in enumerate(embedded) if last[item[0]] == index]
    for node_path, text, found in embedded:
        if found.read_together is None:
            config = found.read_source(text)._replace(node_path=node_path)
            out.append((_with_comments(config, text), found.kind))
    out.extend(_read_together_embedded(source.path, embedded))
    return out


def _with_comments(config: ConfigFile, text: SourceText) -> ConfigFile:
    """``config`` with the ``# pauselint:`` comments of its embedded text, placed in the
    wrapper: an encoded text's are in no file's text for the engine to find."""
    if "pauselint" not in text.text:
        return config
    from pauselint.suppressions import find_suppressions

    found = find_suppressions(text.path, text.text)
    placed = text.relocate(ConfigFile(text.path, None, suppressions=found)).suppressions
    return config._replace(suppressions=tuple(dict.fromkeys((*config.suppressions, *placed))))


def _read_together_embedded(wrapper: str,
                            embedded: list[tuple[str, SourceText, registry.Format]],
                            ) -> list[tuple[ConfigFile, InputType]]:
    """The wrapper's files of formats read a group at a time (a systemd unit with its
    drop-ins and the env files they name), read together at their node paths, as the
    wrapper's node has them; a file the wrapper does not write is not read."""
    sources: dict[str, SourceText] = {}
    items: list[InputFile] = []
    for node_path, text, _ in embedded:
        sources[node_path] = text
        items.append(InputFile(node_path, text.text, explicit=False, group=wrapper))
    out: list[tuple[ConfigFile, InputType]] = []
    for found in dict.fromkeys(f for _, _, f in embedded if f.read_together is not None):
        members = [item for item, (_, _, f) in zip(items, embedded, strict=True) if f is found]
        context = registry.ReadContext(None, items, _not_in_wrapper)
        # The group's own errors beside its files' are about env files on disk (a
        # symlink out of the root, an unreadable file): with no root and a loader
        # that reads nothing, a wrapper's node has none; its files carry the rest.
        read, _ = found.function(found.read_together or "")(members, context)
        out.extend((_with_comments(relocate_among(config, sources), sources[config.path]),
                    found.kind) for config in read if config.path in sources)
    return out


def _not_in_wrapper(path: str) -> InputFile:
    """A file a wrapper's unit names but does not write: not read, not said missing
    (the machine's image may have it)."""
    return InputFile(path, None, explicit=False)


def _unread_config(item: InputFile, forced: InputType | None) -> ReadConfig | None:
    """A file that could not be read but whose name says what it is (a binary
    etc/containerd/config.toml) as a config of that kind that was not parsed: its
    runtime then exists with an unknown sandbox image, never "no runtime here"."""
    kind = forced or detect(item._replace(text=""))  # by its name alone
    if kind is None:
        return None
    entry = registry.format_for(kind)
    if entry.read_together is not None:  # read with its companions, which report it
        return None
    error = item.error or InputError(item.path, None, "could not be read")
    return ReadConfig(ConfigFile(item.path, entry.component, errors=(error,), parsed=False),
                      kind, item.group)


def detect(item: InputFile) -> InputType | None:
    """The kind of ``item`` by its content and name (see ``sources/registry.py``)."""
    found = registry.detect(item.path, item.text or "")
    return found.kind if found is not None else None


def _unique(errors: list[InputError]) -> list[InputError]:
    """An env file read alone and through its unit reports a problem once."""
    return list(dict.fromkeys(errors))
