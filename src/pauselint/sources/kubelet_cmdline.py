"""Read a running kubelet's flags from its ``/proc/PID/cmdline``.

A unit file and an env file say what the kubelet *would* be started with; the process
says what it *was* started with, which differs after an edit without a restart, or
when something other than systemd (a wrapper, a k8s distribution's supervisor) starts
it. The kernel keeps the argv as written, each argument ended by a NUL: there are no
quotes to undo and no variables to expand, so unlike ``sources/kubelet.py`` this
reader only splits at NULs. It then hands each argument to that module's flag parser
(``_flag_values``, ``_setting``, ``_last_wins``), so a flag read here is exactly the
Setting a unit or env file gives for it: ``Component.KUBELET``, ``Role.POD_INFRA_FLAG``,
``key="--pod-infra-container-image"``, and for cri-dockerd its sandbox image.

Positions: the file is one "line". A value's column is its 1-based character offset in
the decoded text, NULs counted as one character each -- what an editor shows when NULs
are drawn as spaces (``tr '\\0' ' ' < /proc/PID/cmdline``), so findings point at the
value.

``--config`` and ``--container-runtime-endpoint`` have no Setting role (no rule judges
them), but ``pauselint node`` needs both to know which KubeletConfiguration and which
CRI socket this kubelet really uses: :func:`read_kubelet_flags` gives them, located.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pauselint.model import Component, ConfigFile, InputError, Location, Setting
from pauselint.records import NamedTuple
from pauselint.sources.kubelet import (
    _FLAG_READERS,
    _OTHER_PROGRAMS,
    FLAG,
    TracedText,
    _flag_values,
    _last_wins,
    _setting,
    _Word,
)
from pauselint.sources.places import Places
from pauselint.sources.source_text import SourceText

CONFIG_FLAG = "--config"
ENDPOINT_FLAG = "--container-runtime-endpoint"
# Linux caps a process's argv at ARG_MAX (2 MiB by default); reading more than that
# from a path that is not really /proc would only fill memory.
MAX_CMDLINE_BYTES = 4 * 1024 * 1024

# Not an lf_only format (the registry asks only those); kept for the protocol's sake.
CR_ONLY_LINE_ENDS = "a command line has no lines"


class FlagValue(NamedTuple):
    """One flag's value as the running program took it, and where it sits in the file."""

    value: str
    location: Location


class KubeletFlags(NamedTuple):
    """What a kubelet's command line says that ``pauselint node`` uses.

    ``program`` is the component whose flags these are (the kubelet, cri-dockerd), or
    None when argv[0] names neither. ``config`` and ``runtime_endpoint`` are the values
    pflag keeps (the last occurrence), None when the flag is absent.
    """

    path: str
    program: Component | None
    settings: tuple[Setting, ...] = ()
    config: FlagValue | None = None
    runtime_endpoint: FlagValue | None = None
    errors: tuple[InputError, ...] = ()


def decode_cmdline(data: bytes) -> str:
    """The text of a cmdline file: UTF-8, an undecodable byte shown as U+FFFD.

    A path in argv may be any bytes; replacing keeps one character per bad byte, so
    the columns of the arguments after it do not move much and never fail.
    """
    return data.decode("utf-8", "replace")


def split_argv(text: str) -> tuple[str, ...]:
    """argv from a cmdline text: NUL-ended arguments (a missing last NUL tolerated)."""
    if not text:
        return ()
    return tuple(text.removesuffix("\x00").split("\x00"))


def _words(path: str, text: str) -> list[_Word]:
    """Each argument as a traced word: its characters at line 1, column offset + 1."""
    words: list[_Word] = []
    start = 0
    for argument in split_argv(text):
        locations = Places.run(path, 1, start + 1, len(argument))
        words.append(_Word(TracedText(argument, locations), Location(path, 1, start + 1)))
        start += len(argument) + 1
    return words


def _program(words: Sequence[_Word]) -> tuple[Component | None, str, list[_Word]]:
    """The component argv[0] names, its name, and the arguments its flags are in.

    As ``sources/kubelet.py`` decides for ``ExecStart=``: the basename of argv[0], and
    ``hyperkube kubelet`` is the kubelet. No systemd prefixes (``-@:+!``): the kernel's
    argv[0] is the program as it was run.
    """
    if not words:
        return None, "", []
    name = words[0].value.text.rsplit("/", 1)[-1]
    args = list(words[1:])
    if name == "hyperkube" and args and args[0].value.text == "kubelet":
        return Component.KUBELET, "hyperkube kubelet", args[1:]
    if name in _FLAG_READERS:
        return _FLAG_READERS[name], name, args
    return _OTHER_PROGRAMS.get(name), name, args


def _last_value(words: Sequence[_Word], flag: str, errors: list[InputError]) -> FlagValue | None:
    """The last value of ``flag`` in ``words`` (pflag keeps the last), both spellings,
    found as the kubelet readers find the pause flag (kubelet._flag_values)."""
    values = list(_flag_values(words, errors, flag))
    if not values:
        return None
    last = values[-1]
    return FlagValue(last.value.text, last.value.locations[0] if last.value.text else last.start)


def read_kubelet_flags(path: str, text: str) -> KubeletFlags:
    """Read a process command line (NUL-separated argv) as the kubelet's flags.

    ``--pod-infra-container-image`` becomes the same Setting the unit and env readers
    make, ``effective`` on its last occurrence only (pflag). A command line whose
    program is neither the kubelet nor cri-dockerd yields no settings; when it passes
    the flag anyway, an InputError says whose flag it is. Never raises.
    """
    errors: list[InputError] = []
    words = _words(path, text)
    if not words:
        errors.append(InputError(path, None, "empty command line (a kernel thread, or the "
                                 "process has exited): no flags to read"))
        return KubeletFlags(path, None, errors=tuple(errors))
    component, name, args = _program(words)
    reads_flag = component in (Component.KUBELET, Component.CRI_DOCKERD)
    values = list(_flag_values(args, errors))
    settings: list[Setting] = []
    if values and not reads_flag:
        first = values[0].start
        errors.append(InputError(path, 1, f"`{FLAG}` is passed to `{name}`, which is neither "
                                 "the kubelet nor cri-dockerd: not read", first.column))
    elif reads_flag:
        for value in values:
            setting = _setting(value, component or Component.KUBELET, errors)
            if setting is not None:
                settings.append(setting)
    config = endpoint = None
    if component is Component.KUBELET:
        config = _last_value(args, CONFIG_FLAG, errors)
        endpoint = _last_value(args, ENDPOINT_FLAG, errors)
    # InputErrors carry line and column; the traced reader's errors carry the line only.
    return KubeletFlags(
        path=path,
        program=component,
        settings=tuple(s for _, s in _last_wins(settings)),
        config=config,
        runtime_endpoint=endpoint,
        errors=tuple(errors),
    )


def read_kubelet_cmdline(path: str, text: str) -> ConfigFile:
    """The command line as a ConfigFile: the kubelet's flag settings and any errors."""
    flags = read_kubelet_flags(path, text)
    return ConfigFile(path=path, component=flags.program or Component.KUBELET,
                      settings=flags.settings, errors=flags.errors)


def read_cmdline_file(path: str | Path) -> ConfigFile:
    """Read a ``/proc/PID/cmdline`` (or a copy of one) from disk.

    ``pauselint check``'s own input layer refuses files with NUL bytes as binary, so a
    caller that has a cmdline path reads it here. A file that cannot be read is a
    ConfigFile that was not parsed, with the reason: its flags are unknown, not absent.
    """
    shown = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CMDLINE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return ConfigFile(shown, Component.KUBELET, parsed=False,
                          errors=(InputError(shown, None, f"cannot read: {reason.lower()}"),))
    if len(data) > MAX_CMDLINE_BYTES:
        return ConfigFile(shown, Component.KUBELET, parsed=False, errors=(InputError(
            shown, None, f"larger than {MAX_CMDLINE_BYTES} bytes: not a command line"),))
    return read_kubelet_cmdline(shown, decode_cmdline(data))


# --- the reader protocol (sources/registry.py) ------------------------------------


def read_source(source: SourceText) -> ConfigFile:
    """:func:`read_kubelet_cmdline` on a SourceText, positions in the file to report."""
    return source.relocate(read_kubelet_cmdline(source.path, source.text))
