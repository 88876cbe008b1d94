"""Fuzz targets: one ``fuzz_<reader>(data: bytes) -> None`` per reader entry point.

Each target takes raw bytes, decodes them as the CLI does (``inputs.decode``), hands the
text to one reader and asserts that reader's written contract: it never raises (a bad
input is an ``InputError`` on the result, never an exception), and every line and
column it reports points inside the text it was given. A target returns quietly when
the contract holds and fails with an ``AssertionError`` (or the reader's own exception)
when it does not, so the same functions serve hypothesis (``test_fuzz_readers.py``)
and atheris (``run_atheris.py``).

Targets only call public entry points, with the paths the CLI would give them, so a
crash found here is a crash a user can reach.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from pauselint.inputs import decode
from pauselint.model import ConfigFile, InputError, Location, Setting, Suppression

# Paths the readers are given, as they would be named under a node folder; some
# readers look at the path (k3s vs RKE2, registries.yaml, drop-in folders).
CONTAINERD_PATH = "node/etc/containerd/config.toml"
CRIO_PATH = "node/etc/crio/crio.conf"
KUBELET_ENV_PATH = "node/var/lib/kubelet/kubeadm-flags.env"
UNIT_PATH = "node/etc/systemd/system/kubelet.service"
DROPIN_DIR = "node/etc/systemd/system/kubelet.service.d"
KUBELET_CONFIG_PATH = "node/var/lib/kubelet/config.yaml"
KUBEADM_PATH = "node/etc/kubernetes/kubeadm-config.yaml"
K3S_PATH = "node/etc/rancher/k3s/config.yaml"
RKE2_PATH = "node/etc/rancher/rke2/config.yaml.d/50-pause.yaml"

# Inputs made of several files (a systemd service, a path plus content) are joined
# with this line, so one byte string still describes them for atheris.
PART_SEPARATOR = b"\n%%pauselint-part%%\n"

# Every character some reader or editor counts as a line break (str.splitlines' set):
# a reported line may be counted by any of them, but never beyond the most generous.
_ANY_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Lines as editors count them, and as findings and suppressions must agree on. The
# YAML readers count so too (U+2028 and friends are YAML breaks, not editors').
_EDITOR_BREAK = re.compile("\r\n|\r|\n")
_YAML_BREAK = _EDITOR_BREAK
# The TOML and env readers (CR-only files are errors or read as LF by them).
_LF_BREAK = re.compile("\r?\n")
# Characters a located value may legitimately start with other than its own first
# character: an opening quote, an escape, a block scalar header.
_VALUE_OPENERS = "\"'\\|>"


class ContractError(AssertionError):
    """A reader broke its contract; the message says which promise and where."""


# --- contract checks ------------------------------------------------------------------


def _text_of(data: bytes, path: str) -> str | None:
    """The text the CLI would hand a reader, or None when the CLI stops at decoding."""
    text, error = decode(path, data)
    if text is None:
        _check(isinstance(error, InputError), f"decode gave neither text nor error: {error!r}")
        _check(error.path == path, f"decode error names {error.path!r}, not {path!r}")
        lines = data.count(b"\n") + 1
        _check(error.line is None or 1 <= error.line <= lines,
               f"decode error line {error.line} outside 1..{lines}")
        return None
    _check(error is None, f"decode gave text and an error: {error!r}")
    return text


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ContractError(message)


def _line_count(text: str) -> int:
    """Lines counted as generously as any reader may (position after a last break included)."""
    return len(_ANY_BREAK.split(text))


def _check_line(what: str, line: int | None, text: str, *, required: bool) -> None:
    if line is None:
        _check(not required, f"{what} has no line")
        return
    _check(isinstance(line, int) and not isinstance(line, bool),
           f"{what} line {line!r} is not an int")
    _check(1 <= line <= _line_count(text),
           f"{what} line {line} outside 1..{_line_count(text)}")


def _check_location(what: str, location: Location, texts: dict[str, str],
                    breaks: re.Pattern[str] | None) -> None:
    _check(isinstance(location, Location), f"{what} location is {location!r}")
    _check(location.path in texts, f"{what} names {location.path!r}, not one of {list(texts)}")
    text = texts[location.path]
    _check_line(what, location.line, text, required=True)
    column = location.column
    _check(column is not None and column >= 1, f"{what} column {column!r} is not >= 1")
    if breaks is None:
        return
    lines = breaks.split(text.removeprefix("\ufeff"))
    _check(location.line <= len(lines),
           f"{what} line {location.line} beyond the {len(lines)} lines of its own format")
    line = lines[location.line - 1]
    _check(column <= len(line) + 1,
           f"{what} column {column} beyond line {location.line} ({len(line)} characters)")


def _check_setting(setting: Setting, texts: dict[str, str],
                   breaks: re.Pattern[str] | None) -> None:
    what = f"setting {setting.key}={setting.value!r}"
    _check(isinstance(setting, Setting), f"not a Setting: {setting!r}")
    _check(isinstance(setting.value, str), f"{what}: value is {type(setting.value).__name__}")
    _check(isinstance(setting.key, str) and setting.key, f"{what}: empty key")
    _check(isinstance(setting.effective, bool) and isinstance(setting.ignored, bool),
           f"{what}: effective/ignored not booleans")
    _check(not setting.ignored or bool(setting.ignored_reason),
           f"{what}: ignored without a reason")
    _check_location(what, setting.location, texts, breaks)
    if breaks is None or not setting.value:
        return
    # The location points at the value as written: its first character, or the
    # quote, escape or block header that opens it.
    loc = setting.location
    line = breaks.split(texts[loc.path].removeprefix("\ufeff"))[loc.line - 1]
    found = line[loc.column - 1: loc.column]
    _check(found in (setting.value[0], *_VALUE_OPENERS) and found != "",
           f"{what}: points at {found!r} (line {loc.line}, column {loc.column}: {line[:80]!r})")


def _check_error(error: InputError, texts: dict[str, str]) -> None:
    _check(isinstance(error, InputError), f"not an InputError: {error!r}")
    _check(error.path in texts, f"error names {error.path!r}, not one of {list(texts)}")
    _check(isinstance(error.message, str) and error.message.strip() != "",
           f"error with an empty message: {error!r}")
    _check_line(f"error {error.message[:60]!r}", error.line, texts[error.path], required=False)


def _check_suppression(suppression: Suppression, texts: dict[str, str]) -> None:
    _check(isinstance(suppression, Suppression), f"not a Suppression: {suppression!r}")
    _check(suppression.path in texts, f"suppression names {suppression.path!r}")
    _check_line("suppression", suppression.line, texts[suppression.path], required=True)
    _check(all(isinstance(rule, str) and rule for rule in suppression.rules),
           f"suppression rules {suppression.rules!r}")


def check_config_file(config: object, path: str, texts: dict[str, str],
                      breaks: re.Pattern[str] | None) -> None:
    """Everything a reader promises about one ConfigFile it returns."""
    _check(isinstance(config, ConfigFile), f"reader returned {type(config).__name__}")
    assert isinstance(config, ConfigFile)
    _check(config.path == path, f"result path {config.path!r}, not {path!r}")
    for setting in config.settings:
        _check_setting(setting, texts, breaks)
    for error in config.errors:
        _check_error(error, texts)
    for suppression in config.suppressions:
        _check_suppression(suppression, texts)
    _check(all(isinstance(item, str) for item in config.imports),
           f"imports not strings: {config.imports!r}")
    _check(config.config_version is None or isinstance(config.config_version, int),
           f"config_version {config.config_version!r}")


# --- one target per reader ------------------------------------------------------------


def _single_file(reader: Callable[[str, str], ConfigFile], path: str,
                 breaks: re.Pattern[str] | None) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        text = _text_of(data, path)
        if text is None:
            return
        check_config_file(reader(path, text), path, {path: text}, breaks)
    return target


def fuzz_containerd(data: bytes) -> None:
    """containerd config.toml (and its imports: one format)."""
    from pauselint.sources.containerd import read_containerd

    _single_file(read_containerd, CONTAINERD_PATH, _LF_BREAK)(data)


def fuzz_crio(data: bytes) -> None:
    """CRI-O crio.conf and crio.conf.d drop-ins."""
    from pauselint.sources.crio import read_crio

    _single_file(read_crio, CRIO_PATH, _LF_BREAK)(data)


def fuzz_kubelet_env(data: bytes) -> None:
    """kubeadm-flags.env, /etc/default/kubelet, /etc/sysconfig/kubelet."""
    from pauselint.sources.kubelet import read_kubelet_env

    _single_file(read_kubelet_env, KUBELET_ENV_PATH, _LF_BREAK)(data)


def fuzz_kubelet_config(data: bytes) -> None:
    """KubeletConfiguration YAML/JSON: parses or says where it does not."""
    from pauselint.sources.kubelet import read_kubelet_config

    _single_file(read_kubelet_config, KUBELET_CONFIG_PATH, _YAML_BREAK)(data)
    # It holds no pause image, whatever the text: a setting here would be invented.
    text = _text_of(data, KUBELET_CONFIG_PATH)
    if text is not None:
        _check(read_kubelet_config(KUBELET_CONFIG_PATH, text).settings == (),
               "KubeletConfiguration produced settings")


def fuzz_kubeadm(data: bytes) -> None:
    """kubeadm Init/Cluster/JoinConfiguration and the kubeadm-config ConfigMap."""
    from pauselint.sources.kubeadm import read_kubeadm

    # Embedded documents (a quoted ClusterConfiguration) are located at the string:
    # only line and column bounds are asserted, not what the column points at.
    _single_file(read_kubeadm, KUBEADM_PATH, _YAML_BREAK)(data)
    # The kubeadm-config ConfigMap dump is its own format now, wrapping the kubeadm
    # reader: its position mapping must keep every location inside the file too.
    from pauselint.sources.kubeadm_configmap import read_kubeadm_configmap

    _single_file(read_kubeadm_configmap, KUBEADM_PATH, _YAML_BREAK)(data)


def fuzz_k3s(data: bytes) -> None:
    """k3s/RKE2 config.yaml and config.yaml.d drop-ins, as either distribution."""
    from pauselint.sources.k3s import read_k3s

    _single_file(read_k3s, K3S_PATH, _YAML_BREAK)(data)
    _single_file(read_k3s, RKE2_PATH, _YAML_BREAK)(data)


def split_parts(data: bytes) -> list[bytes]:
    """The files one fuzz input describes (see PART_SEPARATOR)."""
    return data.split(PART_SEPARATOR)


def fuzz_systemd(data: bytes) -> None:
    """A systemd service: its unit, drop-ins and the env files ``EnvironmentFile=`` names.

    Part 0 is the unit, the next parts its drop-ins; with three parts or more the last
    one is the env file every ``EnvironmentFile=`` resolves to. Read in two passes, as
    ``reading.py`` does: once to learn the env files, then with them.
    """
    from pauselint.sources.kubelet import read_kubelet_env, read_systemd_service

    chunks = split_parts(data)
    env_chunk = chunks.pop() if len(chunks) >= 3 else None
    paths = [UNIT_PATH, *(f"{DROPIN_DIR}/{index:02d}-fuzz.conf" for index in range(1, 99))]
    parts: list[tuple[str, str]] = []
    for path, chunk in zip(paths, chunks, strict=False):
        text = _text_of(chunk, path)
        if text is not None:
            parts.append((path, text))
    if not parts:
        return
    texts = dict(parts)
    first = read_systemd_service(parts)
    _check(len(first) == len(parts), f"{len(first)} results for {len(parts)} parts")
    for (path, _), config in zip(parts, first, strict=True):
        check_config_file(config, path, texts, _LF_BREAK)
    environment: dict[str, ConfigFile] = {}
    env_path = "node/etc/default/kubelet"
    env_text = _text_of(env_chunk, env_path) if env_chunk is not None else None
    if env_text is not None:
        env = read_kubelet_env(env_path, env_text)
        check_config_file(env, env_path, {env_path: env_text}, _LF_BREAK)
        environment = {written: env for config in first for written in config.imports}
        texts[env_path] = env_text
    final = read_systemd_service(parts, environment_files=environment)
    _check(len(final) == len(parts), f"{len(final)} results for {len(parts)} parts")
    for (path, _), config in zip(parts, final, strict=True):
        check_config_file(config, path, texts, _LF_BREAK)


def fuzz_detect(data: bytes) -> None:
    """Detection, then the reader it picks, as ``reading.read_inputs`` dispatches.

    The first line is the file's path (any bytes, as a file name can be), the rest its
    content. Detection never raises; whatever it picks must honour its contract.
    """
    from pauselint.reading import reader_for
    from pauselint.sources.detect import InputType, detect_type

    name, _, content = data.partition(b"\n")
    path = name.decode("utf-8", "surrogateescape") or "config"
    text = _text_of(content, path)
    if text is None:
        return
    kind = detect_type(path, text)
    _check(kind is None or isinstance(kind, InputType), f"detect_type gave {kind!r}")
    if kind is None:
        return
    if kind is InputType.SYSTEMD:
        from pauselint.sources.kubelet import read_systemd_service

        (config,) = read_systemd_service([(path, text)])
    else:
        config = reader_for(kind)(path, text)
    yaml_kinds = (InputType.KUBEADM, InputType.K3S, InputType.KUBELET_CONFIG)
    check_config_file(config, path, {path: text}, _YAML_BREAK if kind in yaml_kinds else None)


def fuzz_imageref(data: bytes) -> None:
    """The image reference parser: ImageRefError or a reference that re-parses to itself."""
    from pauselint.compat import load_table
    from pauselint.imageref import (
        ImageRef,
        ImageRefError,
        arch_of_repository,
        arch_of_tag,
        normalize_prefix,
        parse_image,
        tag_suffix,
    )

    text = data.decode("utf-8", "replace")
    with contextlib.suppress(ImageRefError):
        normalize_prefix(text)
    try:
        ref = parse_image(text)
    except ImageRefError as err:
        _check(str(err).strip() != "" and "\n" not in str(err), f"bad message {err!r}")
        return
    _check(isinstance(ref, ImageRef), f"parse_image gave {ref!r}")
    again = parse_image(ref.normalized())
    _check(again.normalized() == ref.normalized(),
           f"{text!r} normalizes to {ref.normalized()!r}, which normalizes to "
           f"{again.normalized()!r}")
    # Everything but the text as written and whether the registry was written out.
    _check(again[1:5] == ref[1:5], f"{ref!r} re-parses as {again!r}")
    if ref.tag is not None:
        tag_suffix(ref.tag)
        arch_of_tag(ref.tag)
    arch_of_repository(ref.repository)
    table = load_table()
    table.resolve(ref)
    table.is_pause_image(ref)
    table.knows_registry(ref.registry)


def fuzz_config(data: bytes) -> None:
    """The project config loader: a Config, or a ConfigError naming the file and line.

    The same bytes are tried as ``.pauselint.yaml`` and as a ``pyproject.toml``; the
    nearest-config search runs over them too.
    """
    from pauselint.config import Config, ConfigError, load_config
    from pauselint.config_files import find_config

    with tempfile.TemporaryDirectory(prefix="pauselint-fuzz-") as folder:
        for name in (".pauselint.yaml", "pyproject.toml"):
            target = Path(folder) / name
            target.write_bytes(data)
            found = find_config(Path(folder))
            _check(found is None or found == target, f"find_config found {found}")
            try:
                config = load_config(target)
            except ConfigError as err:
                _check(str(err).startswith(str(target)), f"error does not name the file: {err}")
                text = data.decode("utf-8", "replace")
                _check_line("config error", err.line, text, required=False)
                continue
            finally:
                target.unlink()
            _check(isinstance(config, Config), f"load_config gave {config!r}")


def fuzz_compat_overlay(data: bytes) -> None:
    """A compat overlay file as ``check`` loads it: a CompatError, or a bigger table."""
    from pauselint.commands.check import table_with_user_data
    from pauselint.compat import CompatError, load_table
    from pauselint.config import Config

    with tempfile.TemporaryDirectory(prefix="pauselint-fuzz-") as folder:
        overlay = Path(folder) / "overlay.yaml"
        overlay.write_bytes(data)
        config = Config(path=str(Path(folder) / ".pauselint.yaml"), compat_overlay=str(overlay))
        try:
            table_with_user_data(load_table(), config)
        except CompatError as err:
            _check(str(overlay) in str(err), f"error does not name the overlay: {err}")
        except UnicodeDecodeError:
            raise ContractError("a non-UTF-8 overlay raised UnicodeDecodeError") from None


def fuzz_suppressions(data: bytes) -> None:
    """Inline ``# pauselint: disable=`` comments, found and applied."""
    from pauselint.model import Finding, Severity
    from pauselint.suppressions import apply_suppressions, find_suppressions

    path = CONTAINERD_PATH
    text = _text_of(data, path)
    if text is None:
        return
    found = find_suppressions(path, text)
    texts = {path: text}
    lines = _EDITOR_BREAK.split(text)
    for suppression in found:
        _check_suppression(suppression, texts)
        # The line it names is the line holding the comment, counted as readers do.
        _check(suppression.line <= len(lines)
               and "pauselint" in lines[suppression.line - 1].lower(),
               f"suppression on line {suppression.line}, which holds no pauselint comment")
    lines = {s.line for s in found} | {s.line + 1 for s in found}
    findings = [Finding(rule, "fuzz", Severity.ERROR, "m", Location(path, line, 1))
                for line in sorted(lines) for rule in ("PL101", "PL302")]
    kept, unused = apply_suppressions(findings, found)
    _check(all(f in findings for f in kept), "apply_suppressions invented a finding")
    _check(all(s.path == path for s in unused), "unused suppression with another path")


WRAPPER_PATH = "node/user-data.yaml"


def _check_wrapped(config: ConfigFile, path: str, texts: dict[str, str]) -> None:
    """A config read from a wrapper: everything in it is in the wrapper, inside its
    lines. What a location points at is not asserted: a decoded file's positions are
    all its string's start, and nodeadm's base lines the ``config`` key."""
    check_config_file(config, path, texts, None)
    for setting in config.settings:
        _check_location(f"setting {setting.key}", setting.location, texts, _EDITOR_BREAK)
    for error in config.errors:
        if error.line is not None and error.column is not None:
            _check_location(f"error {error.message[:60]!r}",
                            Location(error.path, error.line, error.column), texts, _EDITOR_BREAK)


def fuzz_wrappers(data: bytes) -> None:
    """Cluster API objects, cloud-init, Ignition/Butane, kOps, EKS NodeConfig, Talos...

    Every format with an ``unwrap`` (``sources/registry.py``) is given the text, as
    ``--type`` would, and the text is read as detection routes it: no unwrap raises,
    every file it embeds is read at positions inside the wrapper, and what it says is
    not checked names a place in it.
    """
    from pauselint.inputs import InputFile
    from pauselint.reading import read_inputs
    from pauselint.sources import registry
    from pauselint.sources.source_text import SourceText

    path = WRAPPER_PATH
    text = _text_of(data, path)
    if text is None:
        return
    texts = {path: text}
    wrappers = [entry for entry in registry.FORMATS if entry.unwrap is not None]
    for entry in wrappers:
        for part in entry.function(entry.unwrap)(SourceText(text, path)):
            if part.note is not None:
                place, why = part.note
                _check(isinstance(why, str) and why.strip() != "", f"{entry.name}: empty note")
                name, _, line = place.rpartition(":")
                _check(name == path and line.isdigit(), f"{entry.name}: note at {place!r}")
                _check_line(f"{entry.name} note", int(line), text, required=True)
            if part.config is not None:
                _check_wrapped(part.config, path, texts)
            if part.source is not None:
                _check(part.source.path == path, f"{entry.name}: embedded file names "
                       f"{part.source.path!r}")
                # Its first and last lines are lines of the wrapper (columns are not
                # asserted: a blank line of a block scalar has no indentation).
                for line in (1, part.source.text.count("\n") + 1):
                    _check_line(f"{entry.name} {part.node_path} line {line}",
                                part.source.position(line, 1)[0], text, required=True)
    item = InputFile(path, text, True)
    for forced in (None, *dict.fromkeys(entry.kind for entry in wrappers)):
        read = read_inputs([item], forced, None)
        for config in read.configs:
            _check_wrapped(config.config, path, texts)
        for error in read.errors:
            _check_error(error, texts)


def node_files(data: bytes) -> list[tuple[str, bytes]]:
    """The (relative path, content) files of one node a ``fuzz_check`` input describes.

    Each part is a path line then the file's bytes; paths are kept inside the node
    folder (no absolute paths, no ``..``), since the harness writes them to disk.
    """
    files: dict[str, bytes] = {}
    for part in split_parts(data):
        name, _, content = part.partition(b"\n")
        words = [w for w in name.decode("utf-8", "replace").replace("\\", "/").split("/")
                 if w not in ("", ".", "..") and "\x00" not in w]
        relative = "/".join(w[:60] for w in words[:8]) or "config"
        files.setdefault(relative, content)
    return list(files.items())


def fuzz_check(data: bytes) -> None:
    """The whole ``pauselint check`` pipeline over one node folder, in process.

    Reading, node building, every rule and suppressions: whatever the files hold, the
    run ends with a report whose findings and errors point inside the files given.
    """
    from pauselint.compat import load_table
    from pauselint.engine import Options, check_files
    from pauselint.inputs import collect
    from pauselint.model import Component, Platform

    with tempfile.TemporaryDirectory(prefix="pauselint-fuzz-") as folder:
        root = Path(folder) / "node"
        written: dict[str, bytes] = {}
        for relative, content in node_files(data):
            target = root / relative
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            except OSError:  # a path that is a file and a folder at once: drop it
                continue
            written[str(target)] = content
        if not written:
            return
        files = collect([str(root)])
        texts = {item.path: item.text for item in files if item.text is not None}
        table = load_table()
        for options in (
            Options(),
            Options(kubernetes="1.35", platform=Platform("linux", "arm64"),
                    runtimes=((Component.CONTAINERD, "1.7.2"), (Component.CRIO, "1.29.1"))),
            # Versions the table knows defaults for, so default images are built too.
            Options(kubernetes="1.32", platform=Platform("windows", "amd64", "ltsc2022"),
                    runtimes=((Component.RKE2, "1.32.4"), (Component.CONTAINERD, "2.1.0"),
                              (Component.CRIO, "1.32.0"))),
        ):
            report = check_files(files, options, table)
            for finding in report.findings:
                loc = finding.location
                if loc.path is None:
                    continue
                _check(loc.path in texts or loc.path in written,
                       f"{finding.rule} names {loc.path!r}, not a file of the node")
                if loc.path in texts:
                    _check_line(f"{finding.rule} finding", loc.line, texts[loc.path],
                                required=False)
            for error in report.errors:
                _check(error.path is None or error.path.startswith(str(root)),
                       f"error names {error.path!r}, outside the node")
                if error.path in texts:
                    _check_line("error", error.line, texts[error.path], required=False)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "containerd": fuzz_containerd,
    "crio": fuzz_crio,
    "kubelet_env": fuzz_kubelet_env,
    "systemd": fuzz_systemd,
    "kubelet_config": fuzz_kubelet_config,
    "kubeadm": fuzz_kubeadm,
    "k3s": fuzz_k3s,
    "detect": fuzz_detect,
    "imageref": fuzz_imageref,
    "config": fuzz_config,
    "compat_overlay": fuzz_compat_overlay,
    "suppressions": fuzz_suppressions,
    "wrappers": fuzz_wrappers,
    "check": fuzz_check,
}


def names() -> Iterable[str]:
    return TARGETS.keys()
