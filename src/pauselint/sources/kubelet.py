"""Read ``--pod-infra-container-image`` from kubelet (and cri-dockerd) command lines.

The flag is never in a config file of its own: it reaches the program through a
systemd unit's ``ExecStart=``, either written there or expanded from a variable set
by ``Environment=`` or by an ``EnvironmentFile=`` such as kubeadm's
``/var/lib/kubelet/kubeadm-flags.env`` or ``/etc/default/kubelet``. So this module
knows three formats -- env files, systemd units and KubeletConfiguration -- and
follows every value back to the character where it was written, because a finding
that says "somewhere in your kubelet flags" does not get fixed.

Quoting is undone in two steps, as systemd does: an assignment's quotes first
(``KUBELET_KUBEADM_ARGS="--a --b"`` sets ``--a --b``), then ``$VAR`` in
``ExecStart=`` splits the value into words, unquoting again. Both steps use POSIX
shell word rules (those of :func:`shlex.split`), tracked character by character so
each image keeps its line and column. Template expressions (``{{ x }}``,
``{% if %}``) are kept whole inside a word, so a templated path still names its
program; a templated image is reported as an error instead of a value.

The same flag means two things: the kubelet's pod-infra flag, or cri-dockerd's
sandbox image. The program decides, never the flag: the basename of the first
``ExecStart=`` word.
"""


import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import yaml

from pauselint.model import Component, ConfigFile, InputError, Location, NodeFacts, Role, Setting
from pauselint.records import NamedTuple
from pauselint.sources.kinds import InputType
from pauselint.sources.layering import LayerContext, Layered, runtime_node
from pauselint.sources.places import Places, PlacesBuilder
from pauselint.sources.source_text import (
    TEXTS_REMEMBERED,
    RepeatsRemembered,
    SourceText,
    at_paths,
    keep_newest,
)

FLAG = "--pod-infra-container-image"

# Program basename -> the component its --pod-infra-container-image configures.
_FLAG_READERS: dict[str, Component] = {
    "kubelet": Component.KUBELET,
    "kubelet-wrapper": Component.KUBELET,  # CoreOS: passes its arguments to the kubelet
    "cri-dockerd": Component.CRI_DOCKERD,
    "crio": Component.CRIO,
}
# The flag each program names its pause image with: CRI-O's own --pause-image, which
# overrides crio.conf's pause_image (cri-o internal/criocli/criocli.go @v1.36.3,
# mergeConfig: `if ctx.IsSet("pause-image") { config.PauseImage = ... }` after the
# files are read).
PROGRAM_FLAGS: dict[Component, str] = {Component.CRIO: "--pause-image"}
# Programs recognised (so the unit is not "unknown") but whose flags name no pause
# image this module reads: their own pause flags belong to the k3s reader.
_OTHER_PROGRAMS: dict[str, Component] = {"rke2": Component.RKE2, "k3s": Component.K3S}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\$")
_WHOLE_WORD_REFERENCE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_TEMPLATE_LINE = re.compile(r"\{\{.*\}\}|\{%.*%\}|\{#.*#\}")
_TEMPLATE_SPANS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_EXEC_PREFIXES = "-@:+!"
_SPACE = " \t\r\n"
# What _split_words copies as it is, in one step: no space (when splitting), quote,
# backslash or brace (a brace may open a template span, which is copied whole).
_PLAIN_RUN = re.compile(r"[^ \t\r\n'\"\\{]+")
_PLAIN_RUN_KEEPING_SPACE = re.compile(r"[^'\"\\{]+")
_PLAIN_QUOTED_RUN = re.compile(r'[^"\\]+')

# systemd (unit files, EnvironmentFile=) and shells split lines at LF only: a file
# whose lines end in CR alone is one long line to them.
CR_ONLY_LINE_ENDS = (
    "lines end in CR alone (old Mac): systemd and shells split lines at LF only, so they "
    "read this file as one line and none of its settings apply; settings are located as "
    "if the line ends were LF"
)


class TracedText(NamedTuple):
    """A decoded string whose every character remembers where it was written.

    Unquoting and variable expansion move characters around; keeping a Location
    per character is the simple way to still point at the image in the file. They
    are kept as runs (``places.Places``), built only when one is asked for.
    """

    text: str
    locations: Sequence[Location]

    def tail(self, start: int) -> "TracedText":
        return TracedText(self.text[start:], self.locations[start:])


# An env file's ConfigFile carries its variables (ConfigFile.variables), so a unit
# can expand them; every assignment in file order, repeats included (the last one
# wins, as when systemd or a shell reads the file).
KubeletEnvFile = ConfigFile


class _Word(NamedTuple):
    value: TracedText
    start: Location  # the word's first character in the file, an opening quote included


class _Unclosed(NamedTuple):
    message: str
    where: Location


class _Command:
    """One ``ExecStart=`` command line: its words and whether a later reset cleared it.

    A plain class, not a dataclass: making one costs ~0.7 ms at import (exec'd methods),
    and this one needs nothing but its fields (``cleared`` is set later).
    """

    __slots__ = ("cleared", "line", "part", "words")

    def __init__(self, part: int, line: int, words: list[_Word], cleared: bool = False) -> None:
        self.part = part
        self.line = line
        self.words = words
        self.cleared = cleared


def read_kubelet_env(path: str, text: str) -> KubeletEnvFile:
    """Read a kubelet env file: kubeadm-flags.env, /etc/default/kubelet, /etc/sysconfig/kubelet.

    Every ``NAME=value`` line is read (``export`` allowed, ``#``/``;`` comments
    skipped), because the unit decides which variables reach the kubelet
    (``KUBELET_KUBEADM_ARGS``, ``KUBELET_EXTRA_ARGS``, ``KUBELET_ARGS``, AKS's
    ``KUBELET_FLAGS``...). A value is the rest of the line with its quotes removed,
    as systemd reads it (kubeadm 1.11 wrote ``KUBELET_KUBEADM_ARGS=--a --b``
    unquoted). Lines starting with ``-`` are flags themselves (MicroK8s' args
    files). Each flag found is a kubelet setting; one overwritten by a later
    assignment of its variable, or repeated later in the file, is not effective.

    Never raises: a line with an unterminated quote becomes an InputError naming
    that line, and the other lines are still read.
    """
    errors: list[InputError] = []
    variables: list[tuple[str, TracedText]] = []
    found: list[tuple[int | None, _Word]] = []  # (index in variables, flag value word)
    lines, template_lines = _logical_lines(text)
    if template_lines:
        errors.append(_template_error(path, template_lines[0]))
    for segments in lines:
        line = _trace(path, segments, join_with="")
        body = line.text.lstrip(" \t")
        line = line.tail(len(line.text) - len(body))
        if not body or body[0] in "#;":
            continue
        if body.startswith("-"):
            words, unclosed = _split_words(line)
            if unclosed is not None:
                errors.append(_unclosed_error(unclosed))
                continue
            found += [(None, w) for w in _flag_values(words, errors)]
            continue
        match = _ASSIGNMENT.match(body)
        if match is None:
            errors.append(
                InputError(
                    path, segments[0][0], "not a NAME=value assignment, a comment or flags: skipped"
                )
            )
            continue
        words, unclosed = _split_words(line.tail(match.end()), split=False)
        if unclosed is not None:
            errors.append(_unclosed_error(unclosed))
            continue
        value = words[0].value if words else TracedText("", ())
        variables.append((match.group(1), value))
        index = len(variables) - 1
        value_words = _split_words(value, relaxed=True)[0]
        found += [(index, w) for w in _flag_values(value_words, errors)]

    last_assignment = {name: index for index, (name, _) in enumerate(variables)}
    settings = []
    for index, word in found:
        setting = _setting(word, Component.KUBELET, errors)
        if setting is None:
            continue
        if index is not None and last_assignment[variables[index][0]] != index:
            setting = setting._replace(effective=False)
        settings.append(setting)
    return KubeletEnvFile(
        path=path,
        component=Component.KUBELET,
        settings=tuple(s for _, s in _last_wins(settings)),
        errors=tuple(sorted(errors, key=lambda e: e.line or 0)),
        variables=tuple(variables),
    )


def read_systemd_unit(
    path: str, text: str, *, environment_files: Mapping[str, ConfigFile] | None = None
) -> ConfigFile:
    """Read one unit file or drop-in alone; see :func:`read_systemd_service`.

    A drop-in read alone cannot see the ExecStart= of the unit it extends: read the
    unit and its drop-ins together with :func:`read_systemd_service` when you have them.
    """
    return read_systemd_service([(path, text)], environment_files=environment_files)[0]


def read_systemd_service(
    parts: Sequence[tuple[str, str]],
    *,
    environment_files: Mapping[str, ConfigFile] | None = None,
    load_environment: Callable[[str, str], ConfigFile | None] | None = None,
) -> tuple[ConfigFile, ...]:
    """Read a service's unit file and drop-ins, given as (path, text) in systemd's order.

    systemd merges them into one service before it runs anything: a drop-in's
    ``ExecStart=`` (empty) clears the unit's command, its ``Environment=`` feeds the
    unit's ``$VAR``. So they are read together and one ConfigFile comes back per
    part. A flag belongs to the part whose ``ExecStart=`` passes it; its location is
    where the image is written, which may be an ``Environment=`` line or an env file.

    ``EnvironmentFile=`` paths are recorded in ``imports`` as written (a leading
    ``-`` stripped, ``%`` specifiers left alone). ``environment_files`` maps those
    written paths to :func:`read_kubelet_env` results; their variables then expand
    in ``ExecStart=``, overriding ``Environment=`` as systemd does. A file not in
    ``environment_files`` is asked of ``load_environment`` (written path, path of the
    part naming it), so a caller reads only the files still named once the service is
    parsed, and parses the service once. Variables of files neither gives expand to
    nothing. Flags passed by a command that was cleared
    by a later empty ``ExecStart=`` are kept with ``effective=False``. A service
    with no ``ExecStart=`` at all (a drop-in read alone) reports the flags in its
    ``Environment=`` values as the kubelet's. Never raises.
    """
    if environment_files is None:
        return _remembered_service(parts, load_environment)
    return _read_service(parts, environment_files, load_environment)


def _read_service(
    parts: Sequence[tuple[str, str]],
    environment_files: Mapping[str, ConfigFile] | None,
    load_environment: Callable[[str, str], ConfigFile | None] | None,
) -> tuple[ConfigFile, ...]:
    """:func:`read_systemd_service`, read from the texts."""
    environment: dict[str, TracedText] = {}
    assignments: list[tuple[int, str, TracedText]] = []
    written_files: list[str] = []
    commands: list[_Command] = []
    errors: list[list[InputError]] = [[] for _ in parts]
    imports: list[list[str]] = [[] for _ in parts]
    named_in: dict[str, str] = {}  # env file as written -> the last part naming it

    for index, (path, text) in enumerate(parts):
        part_errors = errors[index]
        lines, template_lines = _logical_lines(text)
        if template_lines:
            part_errors.append(_template_error(path, template_lines[0]))
        section: str | None = None
        for segments in lines:
            first_line = segments[0][0]
            line = _trace(path, segments, join_with=" ")
            body = line.text.strip()
            if not body or body[0] in "#;":
                continue
            if body.startswith("["):
                section = body[1:].partition("]")[0]
                continue
            key, equals, _ = line.text.partition("=")
            if not equals:
                part_errors.append(
                    InputError(
                        path,
                        first_line,
                        "not a Key=Value line, a [Section] or a comment: systemd ignores it",
                    )
                )
                continue
            key = key.strip()
            if section != "Service" or key not in ("Environment", "EnvironmentFile", "ExecStart"):
                continue
            value = _strip(line.tail(line.text.index("=") + 1))
            if key == "EnvironmentFile":
                if not value.text:
                    written_files.clear()
                    continue
                written = value.text.removeprefix("-").strip()
                imports[index].append(written)
                written_files.append(written)
                named_in[written] = path
                continue
            if not value.text:  # an empty assignment resets the list, for both keys
                if key == "Environment":
                    environment.clear()
                    assignments.clear()
                else:
                    for command in commands:
                        command.cleared = True
                continue
            words, unclosed = _split_words(value)
            if unclosed is not None:
                part_errors.append(_unclosed_error(unclosed))
                continue
            if key == "ExecStart":
                if words:
                    commands.append(_Command(index, first_line, words))
                continue
            for word in words:
                name, equals, _ = word.value.text.partition("=")
                if not equals or not _NAME.fullmatch(name):
                    part_errors.append(
                        InputError(
                            path,
                            word.start.line,
                            # The word itself is not quoted: it may be a secret's
                            # value split off its name by an unquoted space.
                            f"systemd ignores the word at column {word.start.column} of "
                            "Environment=: not a NAME=VALUE assignment (quote the whole "
                            "assignment to keep spaces)",
                        )
                    )
                    continue
                environment[name] = word.value.tail(len(name) + 1)
                assignments.append((index, name, environment[name]))

    variables = dict(environment)
    for written in written_files:
        env_file = (environment_files or {}).get(written)
        if env_file is None and load_environment is not None:
            env_file = load_environment(written, named_in[written])
        if env_file is not None:
            variables.update(env_file.variables)

    found: list[tuple[int, Setting]] = []
    for command in commands:
        component, reads_flag, args = _program(command.words)
        part_errors = errors[command.part]
        values = list(_flag_values(_expand(args, variables), part_errors,
                                   PROGRAM_FLAGS.get(component, FLAG)))
        if values and not reads_flag:
            part_errors.append(
                InputError(
                    parts[command.part][0],
                    command.line,
                    f"`{FLAG}` is passed to `{_program_name(command.words)}`, which is neither "
                    "the kubelet nor cri-dockerd: not read",
                )
            )
            continue
        for value in values:
            setting = _setting(value, component or Component.KUBELET, part_errors)
            if setting is not None:
                found.append(
                    (command.part, setting._replace(effective=not command.cleared))
                )
    if not commands:
        for index, name, value in assignments:
            for word in _flag_values(_split_words(value, relaxed=True)[0], errors[index]):
                setting = _setting(word, Component.KUBELET, errors[index])
                if setting is not None:
                    current = environment.get(name) is value
                    found.append((index, setting._replace(effective=current)))

    live = [c for c in commands if not c.cleared] or commands
    component = _program(live[-1].words)[0] if live else Component.KUBELET
    kept = dict(_last_wins([s for _, s in found]))  # index in `found` -> settled setting
    return tuple(
        ConfigFile(
            path=path,
            component=component,
            settings=tuple(
                kept[i] for i, (part, _) in enumerate(found) if part == index and i in kept
            ),
            errors=tuple(sorted(errors[index], key=lambda e: e.line or 0)),
            imports=tuple(imports[index]),
        )
        for index, (path, _) in enumerate(parts)
    )


class _ServiceReading(NamedTuple):
    """A service read once, as of its parts' paths, and what it asked of env files."""

    paths: tuple[str, ...]
    # Each env file the service expanded: (as written, the index of the part naming
    # it, the file read -- None when there was none to read).
    asked: tuple[tuple[str, int, ConfigFile | None], ...]
    result: tuple[ConfigFile, ...]


def _remembered_service(parts: Sequence[tuple[str, str]],
                        load: Callable[[str, str], ConfigFile | None] | None,
                        ) -> tuple[ConfigFile, ...]:
    """:func:`_read_service` of a service whose texts repeat, read once, not per node.

    A fleet's nodes run one unit and drop-in, byte for byte (a tenth of a check of
    1,000 nodes was their reading). What a service says depends on its parts' texts
    and on the variables of the env files it names, and which env files it names
    depends on the texts alone. So the texts are remembered with the env files they
    ask for; this node's env files are asked for the same way, and a reading is
    remembered for the texts with those files' variables, where they are written but
    for the path: a node whose env files say the same at the same places gets that
    reading, every place moved to its own files; any other difference is another
    reading, read afresh.
    """
    key = (tuple(text for _, text in parts), load is not None)
    paths = tuple(path for path, _ in parts)
    asks = _SERVICE_ASKS.get(key)
    if asks is None:
        reading = _read_recording(parts, load)
        keep_newest(_SERVICE_ASKS, key, tuple((w, part) for w, part, _ in reading.asked),
                    TEXTS_REMEMBERED * 4)
        # Seen once, as the same texts with the same files' variables.
        _SERVICES.lookup((key, _variables_of(f for _, _, f in reading.asked)), lambda: reading)
        return reading.result
    assert load is not None or not asks  # a reading with no loader asked for nothing
    found = [load(written, paths[part]) for written, part in asks] if load else []
    kept = _SERVICES.lookup((key, _variables_of(found)), _read_recording, parts, load)
    moves: dict[str | None, str | None] = dict(zip(kept.paths, paths, strict=True))
    for (_, _, was), now in zip(kept.asked, found, strict=True):
        if was is not None and now is not None:
            moves[was.path] = now.path
    return tuple(_at_paths(config, moves) for config in kept.result)


def _variables_of(env_files: "Iterable[ConfigFile | None]") -> tuple:
    """What a service reads of its env files: each one's variables with their places,
    the path left out (None for a file not there), to key a reading by."""
    return tuple(None if f is None else _at_paths(f, {f.path: None}).variables
                 for f in env_files)


def _read_recording(parts: Sequence[tuple[str, str]],
                    load: Callable[[str, str], ConfigFile | None] | None) -> _ServiceReading:
    index = {path: i for i, (path, _) in enumerate(parts)}
    asked: list[tuple[str, int, ConfigFile | None]] = []

    def recording(written: str, named_in: str) -> ConfigFile | None:
        assert load is not None
        found = load(written, named_in)
        asked.append((written, index[named_in], found))
        return found

    result = _read_service(parts, None, recording if load is not None else None)
    return _ServiceReading(tuple(path for path, _ in parts), tuple(asked), result)


# The env files each service's texts ask for, by the texts (and whether env files
# could be read); the services' readings by those and their env files' variables. The
# oldest forgotten first; see source_text.RepeatsRemembered.
_SERVICE_ASKS: dict[tuple, tuple[tuple[str, int], ...]] = {}
_SERVICES = RepeatsRemembered()


def _at_paths(config: ConfigFile, paths: Mapping[str | None, str | None]) -> ConfigFile:
    """``source_text.at_paths``, the traced variables' places moved too."""
    if all(old == new for old, new in paths.items()):
        return config

    def traced(value: object) -> object:
        if not isinstance(value, TracedText):
            return value
        where = value.locations
        if isinstance(where, Places):
            return TracedText(value.text, where.moved(paths))
        return TracedText(value.text, tuple(
            w._replace(path=paths[w.path]) if w.path in paths else w for w in where))

    return at_paths(config, paths)._replace(
        variables=tuple((name, traced(value)) for name, value in config.variables))


# Texts found valid YAML, the oldest forgotten first (``TEXTS_REMEMBERED``): a fleet
# has one kubelet config for many nodes. Only the verdict "valid" is kept, so what an
# invalid text says (PyYAML's message, at PyYAML's recursion depth) is never a
# remembered answer.
_VALID_YAML: dict[str, None] = {}


def read_kubelet_config(path: str, text: str) -> ConfigFile:
    """Check that a KubeletConfiguration file (YAML or JSON) parses; it holds no pause image.

    KubeletConfiguration (kubelet.config.k8s.io/v1beta1) has no sandbox-image
    field: the kubelet takes the pause image only as ``--pod-infra-container-image``.
    So the result never has settings; it only tells the user when the file is not
    even YAML (an InputError with the line), since the kubelet would not start.
    """
    problem = None if text in _VALID_YAML else _yaml_syntax_problem(text)
    if problem is None:
        keep_newest(_VALID_YAML, text, None, TEXTS_REMEMBERED)
        return ConfigFile(path=path, component=Component.KUBELET)
    line, message = problem
    return ConfigFile(
        path=path,
        component=Component.KUBELET,
        errors=(InputError(path, line, f"invalid YAML: {message}"),),
    )


_CLoader: type | None = getattr(yaml, "CSafeLoader", None)
# Nesting PyYAML's recursive composer takes without nearing Python's recursion limit.
_SHALLOW = 100
# Where libyaml takes what PyYAML refuses (found by fuzzing the two against each
# other): tabs, `?` in flow plain scalars, tags, YAML-only line breaks and byte-order
# marks, a comment right after a block scalar header. A text with any of them is
# left to PyYAML alone.
_PYYAML_STRICTER = re.compile("[\t?!\x85\u2028\u2029\ufeff]|[|>][-+0-9]*#")


def _yaml_syntax_problem(text: str) -> tuple[int | None, str] | None:
    """Where and why ``text`` is not YAML, as PyYAML's pure-Python composer says it;
    None when it is.

    Composing checks the syntax without building values, so a bad date or a deep
    nesting cannot raise something other than YAMLError. libyaml composes ~10x
    faster, so it goes first; PyYAML's answer is the one reported, so a text libyaml
    does not take whole, or nests deeper than PyYAML's recursion may reach, is
    composed again by PyYAML (its messages and its depth limit are not libyaml's).
    """
    if _CLoader is not None and not _PYYAML_STRICTER.search(text):
        try:
            documents = list(yaml.compose_all(text, Loader=_CLoader))
        except Exception:  # whatever libyaml says, PyYAML's answer stands
            pass
        else:
            if all(_nests_at_most(document, _SHALLOW) for document in documents):
                return None
    try:
        for _ in yaml.compose_all(text, Loader=yaml.SafeLoader):
            pass
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return line, getattr(exc, "problem", None) or str(exc)
    return None


def _nests_at_most(document: yaml.Node | None, depth: int) -> bool:
    """Whether ``document`` nests no deeper than ``depth`` as written.

    Depth-first in document order, each node counted where it is first met: an
    anchor comes before its aliases, so that is where it is written, and a
    self-referring alias (``&a [*a]``) or a billion laughs is walked once.
    """
    seen: set[int] = set()
    stack = [(document, 0)] if document is not None else []
    while stack:
        node, level = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if level > depth:
            return False
        if isinstance(node, yaml.MappingNode):
            stack.extend((part, level + 1) for pair in reversed(node.value)
                         for part in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((part, level + 1) for part in reversed(node.value))
    return True


def effective_flags(files: Sequence[ConfigFile]) -> tuple[Setting, ...]:
    """Every ``--pod-infra-container-image`` setting of ``files``, with ``effective`` set.

    The kubelet (pflag) keeps the last occurrence of a repeated flag, so across
    ``files`` in command-line order the last one wins -- for each program on its
    own: a kubelet flag never shadows cri-dockerd's. A setting a reader already
    marked not effective (its command cleared by an empty ``ExecStart=``, its
    variable assigned again) stays so. The same location seen twice (an env file
    given both alone and through its unit) counts once, at its later place.
    """
    keys = {FLAG, *PROGRAM_FLAGS.values()}
    flags = [s for f in files for s in f.settings if s.key in keys]
    return tuple(s for _, s in _last_wins(flags))


def _last_wins(settings: Sequence[Setting]) -> list[tuple[int, Setting]]:
    """(index, setting) of the settings kept, only the last effective one per component."""
    last_at = {s.location: i for i, s in enumerate(settings)}
    kept = [(i, s) for i, s in enumerate(settings) if last_at[s.location] == i]
    winner = {s.component: i for i, s in kept if s.effective}
    return [(i, s._replace(effective=winner.get(s.component) == i)) for i, s in kept]


def _program(words: Sequence[_Word]) -> tuple[Component | None, bool, list[_Word]]:
    """The component a command configures, whether it reads the flag, and its arguments."""
    first = words[0].value.text
    prefixes = first[: len(first) - len(first.lstrip(_EXEC_PREFIXES))]
    # With `@`, the second word is argv[0] and the arguments start after it.
    args = list(words[2:] if "@" in prefixes else words[1:])
    name = _program_name(words)
    if name == "hyperkube" and args and args[0].value.text == "kubelet":
        return Component.KUBELET, True, args[1:]
    # OpenShift runs `kubenswrapper /usr/bin/kubelet FLAGS`: the flags are the kubelet's
    # (openshift/kubernetes openshift-hack/images/hyperkube kubenswrapper).
    if name == "kubenswrapper" and args and args[0].value.text.rsplit("/", 1)[-1] == "kubelet":
        return Component.KUBELET, True, args[1:]
    if name in _FLAG_READERS:
        return _FLAG_READERS[name], True, args
    return _OTHER_PROGRAMS.get(name), False, args


def _program_name(words: Sequence[_Word]) -> str:
    return words[0].value.text.lstrip(_EXEC_PREFIXES).rsplit("/", 1)[-1]


def _expand(words: Sequence[_Word], variables: Mapping[str, TracedText]) -> list[_Word]:
    """systemd's expansion: ``$VAR`` as a word splits into words, ``${VAR}`` stays one."""
    out: list[_Word] = []
    for word in words:
        whole = _WHOLE_WORD_REFERENCE.fullmatch(word.value.text)
        if whole is not None:
            value = variables.get(whole.group(1))
            if value is not None:
                out += _split_words(value, relaxed=True)[0]
            continue
        text: list[str] = []
        locations, done = PlacesBuilder(), 0
        for match in _REFERENCE.finditer(word.value.text):
            text.append(word.value.text[done : match.start()])
            locations.extend_range(word.value.locations, done, match.start())
            if match.group(1) is None:  # `$$` is a literal dollar
                text.append("$")
                locations.append(word.value.locations[match.start()])
            else:
                value = variables.get(match.group(1), TracedText("", ()))
                text.append(value.text)
                locations.extend(value.locations)
            done = match.end()
        text.append(word.value.text[done:])
        locations.extend_range(word.value.locations, done, len(word.value.locations))
        out.append(_Word(TracedText("".join(text), locations.build()), word.start))
    return out


def _flag_values(words: Sequence[_Word], errors: list[InputError],
                 flag: str = FLAG) -> Iterator[_Word]:
    """The value of each ``flag`` (``--pod-infra-container-image``) in ``words``, in order.

    Both pflag spellings: ``--flag=IMG`` and ``--flag IMG``. A bare ``--`` ends the
    flags, as in pflag.
    """
    index = 0
    while index < len(words):
        word = words[index]
        text = word.value.text
        if text == "--":
            return
        if text == flag:
            if index + 1 == len(words):
                errors.append(InputError(word.start.path, word.start.line,
                                         f"`{flag}` has no value", word.start.column))
                return
            yield words[index + 1]
            index += 2
            continue
        if text.startswith(flag + "="):
            equals = word.value.locations[len(flag)]
            after = Location(equals.path, equals.line, (equals.column or 0) + 1)
            value = word.value.tail(len(flag) + 1)
            yield _Word(value, value.locations[0] if value.text else after)
        index += 1


def _setting(word: _Word, component: Component, errors: list[InputError]) -> Setting | None:
    """A setting for one flag value. A template expression is kept as written: the
    engine lists it as not checked, as it does a placeholder in every reader."""
    where = word.value.locations[0] if word.value.text else word.start
    kubelet = component is Component.KUBELET
    return Setting(
        component=component,
        role=Role.POD_INFRA_FLAG if kubelet else Role.SANDBOX_IMAGE,
        key=PROGRAM_FLAGS.get(component, FLAG),
        value=word.value.text,
        location=where,
    )


def _split_words(
    source: TracedText, *, split: bool = True, relaxed: bool = False
) -> tuple[list[_Word], _Unclosed | None]:
    """POSIX shell words (:func:`shlex.split` rules), each character keeping its location.

    ``split=False`` keeps unquoted whitespace (one word: an env-file value);
    ``relaxed`` accepts an unterminated quote, as systemd does when it splits a
    ``$VAR``. A template span (``{{ }}``, ``{% %}``, ``{# #}``) is copied whole.
    """
    text, where = source.text, source.locations
    words: list[_Word] = []
    chars: list[str] = []
    locations = PlacesBuilder()
    start: Location | None = None
    size = len(text)
    index = 0
    plain = _PLAIN_RUN if split else _PLAIN_RUN_KEEPING_SPACE

    def copy(begin: int, end: int) -> None:
        chars.append(text[begin:end])
        locations.extend_range(where, begin, end)

    while index < size:
        char = text[index]
        if split and char in _SPACE:
            if start is not None:
                words.append(_Word(TracedText("".join(chars), locations.build()), start))
                chars, locations, start = [], PlacesBuilder(), None
            index += 1
            continue
        if start is None:
            start = where[index]
        opener = text[index : index + 2]
        if opener in _TEMPLATE_SPANS:
            close = text.find(_TEMPLATE_SPANS[opener], index + 2)
            end = size if close < 0 else close + 2
            copy(index, end)
            index = end
        elif char == "'":
            close = text.find("'", index + 1)
            if close < 0 and not relaxed:
                return words, _Unclosed("unterminated single quote", where[index])
            end = size if close < 0 else close
            copy(index + 1, end)
            index = end + 1
        elif char == '"':
            index += 1
            while index < size and text[index] != '"':
                if text[index] == "\\" and text[index + 1 : index + 2] in ('"', "\\"):
                    chars.append(text[index + 1])
                    locations.append(where[index])
                    index += 2
                else:  # up to the next quote or backslash, at once
                    run = _PLAIN_QUOTED_RUN.match(text, index)
                    end = run.end() if run else index + 1
                    copy(index, end)
                    index = end
            if index >= size and not relaxed:
                return words, _Unclosed("unterminated double quote", start)
            index += 1
        elif char == "\\":
            if index + 1 < size:
                chars.append(text[index + 1])
                locations.append(where[index])
            elif not relaxed:
                return words, _Unclosed("a backslash with nothing to escape", where[index])
            index += 2
        else:  # up to the next space, quote, backslash or brace, at once
            run = plain.match(text, index)
            end = run.end() if run else index + 1
            copy(index, end)
            index = end
    if start is not None:
        words.append(_Word(TracedText("".join(chars), locations.build()), start))
    return words, None


def _logical_lines(text: str) -> tuple[list[list[tuple[int, str]]], list[int]]:
    """Lines joined across trailing backslashes, as (line number, text) segments.

    As in systemd, comment lines inside a continuation are skipped; so are lines
    that are only a template tag (``{% if x %}``, ``{{/if}}``), whose numbers come
    back second so the reader can say it read a template. CRLF is read like LF.
    """
    lines: list[list[tuple[int, str]]] = []
    template_lines: list[int] = []
    pending: list[tuple[int, str]] = []
    for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        content = raw.removesuffix("\r")
        stripped = content.strip()
        if _TEMPLATE_LINE.fullmatch(stripped):
            template_lines.append(number)
            continue
        if pending and stripped[:1] in ("#", ";"):
            continue
        pending.append((number, content))
        if pending[0][1].lstrip()[:1] not in ("#", ";") and content.endswith("\\"):
            continue
        lines.append(pending)
        pending = []
    if pending:
        lines.append(pending)
    return lines, template_lines


def _trace(path: str, segments: Sequence[tuple[int, str]], *, join_with: str) -> TracedText:
    """One logical line as traced text; each joining backslash becomes ``join_with``."""
    chars: list[str] = []
    locations = PlacesBuilder()
    for position, (number, content) in enumerate(segments):
        joined = position < len(segments) - 1
        if joined:
            content = content[:-1]
        chars.append(content)
        locations.add_run(path, number, 1, len(content))
        if joined and join_with:
            chars.append(join_with)
            locations.add_run(path, number, len(content) + 1, 1)
    return TracedText("".join(chars), locations.build())


def _strip(value: TracedText) -> TracedText:
    text = value.text.lstrip(_SPACE)
    start = len(value.text) - len(text)
    end = start + len(text.rstrip(_SPACE))
    return TracedText(value.text[start:end], value.locations[start:end])


def _unclosed_error(unclosed: _Unclosed) -> InputError:
    where = unclosed.where
    return InputError(
        where.path,
        where.line,
        f"{unclosed.message} (column {where.column}): line not read",
    )


def _template_error(path: str, line: int) -> InputError:
    return InputError(
        path,
        line,
        "this looks like a template: template-only lines were skipped -- check the rendered file",
    )


# --- the reader protocol (sources/registry.py) ------------------------------------


@functools.lru_cache(maxsize=4096)
def read_kubelet_env_once(path: str, text: str) -> KubeletEnvFile:
    """:func:`read_kubelet_env`, remembered for the run: an env file is read as an
    input of its own and again by each systemd unit naming it (kubeadm-flags.env by
    10-kubeadm.conf), a tenth of the reading in a pre-commit run. The result is made
    of tuples only, so both uses can share it. A text that repeats at other paths (a
    fleet's /etc/default/kubelet) is read once and moved to each file
    (``source_text.RepeatsRemembered``)."""
    found = _ENV_READINGS.lookup(text, read_kubelet_env, path, text)
    return found if found.path == path else _at_paths(found, {found.path: path})


# Env files' readings by text, each as of the first file that held it.
_ENV_READINGS = RepeatsRemembered()


def read_kubelet_env_source(source: SourceText) -> ConfigFile:
    """:func:`read_kubelet_env` on a SourceText, positions in the file to report."""
    return source.relocate(read_kubelet_env_once(source.path, source.text))


def read_kubelet_config_source(source: SourceText) -> ConfigFile:
    """:func:`read_kubelet_config` on a SourceText, positions in the file to report."""
    return source.relocate(read_kubelet_config(source.path, source.text))


def _kubeadm_flags_first(config: ConfigFile) -> bool:
    # kubeadm-flags.env before /etc/default/kubelet: the kubelet's command line
    # expands $KUBELET_KUBEADM_ARGS before $KUBELET_EXTRA_ARGS.
    return not os.path.basename(config.path).startswith("kubeadm-flags")


def layer_flags(files: Sequence[tuple[ConfigFile, str]], context: LayerContext) -> Layered:
    """The command lines that env files and systemd units make, flags layered as pflag does.

    cri-dockerd's ``--pod-infra-container-image`` is its sandbox image: a runtime node
    of its own. The kubelet's flags attach to the node's runtime.
    """
    env_files = sorted((c for c, kind in files if kind == InputType.KUBELET_ENV.value),
                       key=_kubeadm_flags_first)
    units = [c for c, kind in files if kind == InputType.SYSTEMD.value]
    flags = effective_flags([*env_files, *units])
    sandbox = [s for s in flags if s.component is Component.CRI_DOCKERD]
    dockerd = [u for u in units if u.component is Component.CRI_DOCKERD]
    nodes: list[NodeFacts] = []
    if sandbox or dockerd:
        paths = {s.location.path for s in sandbox}
        dockerd = dockerd or [u for u in units if u.path in paths]
        nodes.append(runtime_node(Component.CRI_DOCKERD, dockerd, sandbox))
    kubelet = tuple(s for s in flags if s.component is Component.KUBELET)
    # A runtime's own pause flag (CRI-O's --pause-image) overrides its files' value:
    # attached as its sandbox image, nodes.assemble_group gives it to that runtime.
    overrides = tuple(s for s in flags if s.component in PROGRAM_FLAGS)
    return Layered(nodes=tuple(nodes), attached=(*kubelet, *overrides),
                   carriers=(*env_files, *units))
