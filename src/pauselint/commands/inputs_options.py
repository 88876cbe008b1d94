"""What `check` and `show` share: which inputs to read and the node context around them.

One decorator declares the options and one function turns them into collected files
and engine options, so `show` always reads exactly what `check` would judge: the
two commands cannot drift apart.
"""


import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from pauselint.commands.errors import Fatal
from pauselint.records import NamedTuple
from pauselint.sources.kinds import InputType

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Gathered", "InputArgs", "gather_inputs", "input_options", "load_user_config"]


def _path(text: str) -> "Path":
    """A path given by flag. pathlib is imported only then: with the urllib.parse and
    ipaddress it pulls in, it costs ~16 M instructions, which a one-file check of the
    working folder never needs (tests/test_startup_modules.py keeps it off)."""
    from pathlib import Path

    return Path(text)


class InputArgs(NamedTuple):
    """The input and context options as given on the command line."""

    paths: tuple[str, ...]
    kubernetes_version: str | None = None
    platform: str | None = None
    runtime_versions: tuple[str, ...] = ()
    input_type: str | None = None
    root: str | None = None
    config_path: str | None = None
    no_config: bool = False
    exclude: tuple[str, ...] = ()
    ignore_unknown: bool = False


_OPTIONS = (
    click.argument("paths", nargs=-1, required=True),
    click.option("--kubernetes-version", "-k", metavar="1.MINOR[.PATCH]",
                 help="Target Kubernetes version (e.g. 1.31)."),
    click.option("--platform", metavar="OS/ARCH[:OSVERSION]",
                 help="Node platform, e.g. linux/arm64 or windows/amd64:ltsc2022."),
    click.option("--runtime-version", "runtime_versions", multiple=True, metavar="NAME=VERSION",
                 help="Runtime version: containerd=1.7.20, cri-o=1.30.4, rke2=v1.33.13+rke2r2, "
                      "cri-dockerd=0.3.17 (repeatable)."),
    click.option("--type", "input_type", metavar="TYPE",
                 help="Read every input as this type instead of detecting it: "
                      f"{', '.join(t.value for t in InputType)}."),
    click.option("--root", type=click.Path(file_okay=False, exists=True),
                 help="Resolve absolute paths inside configs (containerd imports, systemd "
                      "EnvironmentFile=) under this folder, instead of each node's root."),
    click.option("--config", "config_path", type=click.Path(dir_okay=False),
                 help="Config file to use instead of searching for .pauselint.yaml or "
                      "[tool.pauselint] in pyproject.toml from the working folder up."),
    click.option("--no-config", is_flag=True, help="Use no config file."),
    click.option("--exclude", multiple=True, metavar="GLOB",
                 help="Skip inputs matching GLOB, relative to the working folder, or "
                      "absolute when it starts with / (repeatable; adds to the config "
                      "file's `exclude`). `**` crosses folders; a "
                      "pattern without `/` matches a name at any depth; a symlink is "
                      "matched by its own path."),
    click.option("--ignore-unknown", is_flag=True,
                 help="Skip files of a kind pauselint does not read instead of failing "
                      "(the pre-commit hook uses this)."),
)
_NAMES = InputArgs._fields


def input_options(command: Callable) -> Callable:
    """Add PATHS and the input/context options; the command receives them as one
    ``inputs: InputArgs`` keyword argument."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = InputArgs(**{name: kwargs.pop(name) for name in _NAMES})
        return command(*args, inputs=given, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


class Gathered(NamedTuple):
    """Everything a command needs before judging or describing: the config file in
    force, the compat table, the context options, and the inputs read."""

    config: Any
    table: Any
    options: Any  # engine.Options, context fields only (the caller adds rules)
    files: list
    not_read: list[tuple[str, str]]
    files_skipped: dict[str, int]
    # Each collected file's identity (inputs.file_identity), by path: pre-commit's
    # batch bookkeeping keys on it, and collect() has worked every one out already.
    identities: dict[str, tuple[str, str]] | None = None


def gather_inputs(given: InputArgs, *, keep_identities: bool = False) -> Gathered:
    """Load the config file and table, parse the context options, collect the inputs.

    ``keep_identities``: keep each file's identity (``Gathered.identities``) for a
    pre-commit batch's bookkeeping; otherwise it is not kept (~170 bytes a file).

    Bad values are usage errors (Fatal, exit 2). Precedence, highest first: flags, the
    config file, then what the inputs say (kubeadm), which the engine decides per node.
    """
    from pauselint import engine
    from pauselint.compat import CompatError, load_table
    from pauselint.inputs import WalkNote, collect, read_stream
    from pauselint.sources.detect import InputType

    config = load_user_config(given.config_path, given.no_config)
    try:
        table = table_with_user_data(load_table(), config)
    except CompatError as exc:
        raise Fatal(str(exc)) from None
    try:
        forced = None
        if given.input_type:
            try:
                forced = InputType(given.input_type)
            except ValueError:
                from pauselint.reading import READABLE

                names = ", ".join(t.value for t in READABLE)
                raise engine.UsageError(
                    f"--type {given.input_type!r}: choose one of {names}") from None
        kubernetes = given.kubernetes_version or (config.kubernetes_version if config else None)
        runtimes, runtime_from = _runtimes(given.runtime_versions, config)
        platform_text = given.platform or (config.platform if config else None)
        parsed_runtimes = tuple(engine.parse_runtime(r) for r in runtimes)
        # Checked here, before any input is read, so both commands refuse alike.
        if kubernetes:
            engine.resolve_kubernetes(kubernetes, table)
        engine.runtime_infos(parsed_runtimes)
        options = engine.Options(
            kubernetes=kubernetes,
            kubernetes_from="flag" if given.kubernetes_version else "config",
            platform=engine.parse_platform(platform_text, table) if platform_text else None,
            runtimes=parsed_runtimes,
            input_type=forced,
            root=_path(given.root) if given.root else None,
            runtime_from=tuple((component, origin) for (component, _), origin
                               in zip(parsed_runtimes, runtime_from, strict=True)),
        )
    except engine.UsageError as exc:
        raise Fatal(str(exc)) from None
    stdin = read_stream(sys.stdin.buffer) if "-" in given.paths else None
    notes: list[WalkNote] = []
    skipped: dict[str, int] = {}
    identities: dict[str, tuple[str, str]] | None = {} if keep_identities else None
    files = collect(given.paths, stdin, exclusion(config, given.exclude), notes, skipped,
                    read_all=forced is not None, identities=identities)
    if given.ignore_unknown:
        files = [f._replace(explicit=False) for f in files]
    return Gathered(config, table, options, files, [(n.path, n.reason) for n in notes],
                    skipped, identities)


def exclusion(config: Any, flags: tuple[str, ...]) -> Callable[[str], bool] | None:
    """The inputs to skip: the config file's ``exclude`` (relative to its folder) and
    ``--exclude`` (relative to the working folder), added up; None when neither is set."""
    if (config is None or not config.exclude) and not flags:
        return None  # nothing to skip, nor the config reader to import to say so
    from pauselint.config import Config, is_excluded

    # A relative flag pattern is anchored at the working folder (a Config with no path);
    # an absolute one (`--exclude /srv/backups`) at the filesystem root, wherever the
    # command runs: a Config "at" / makes its leading slash mean just that.
    relative = tuple(p for p in flags if not p.startswith("/"))
    absolute = tuple(p for p in flags if p.startswith("/"))
    rules = [c for c in (config, Config(path=None, exclude=relative),
                         Config(path="/.pauselint-exclude-flag", exclude=absolute))
             if c is not None and c.exclude]
    if not rules:
        return None

    def skip(path: str) -> bool:
        return any(is_excluded(rule, path) for rule in rules)

    return skip


def load_user_config(config_path: str | None, no_config: bool):
    """The config file in force, or None; its errors are usage errors (exit 2)."""
    if no_config:
        return None
    from pauselint.config_files import find_config

    path = _path(config_path) if config_path else find_config(os.getcwd())
    if path is None:
        return None
    from pauselint.config import ConfigError, load_config  # only with a file to read

    try:
        if config_path and not path.is_file():
            raise Fatal(f"--config {config_path}: no such file")
        return load_config(path)
    except ConfigError as exc:
        raise Fatal(str(exc)) from None


def table_with_user_data(table, config):
    """The shipped table plus the config's `mirrors` and `compat-overlay` additions."""
    if config is None:
        return table
    if config.compat_overlay:
        import yaml

        from pauselint.compat import CompatError
        from pauselint.inputs import read_path

        # Read like any input (a regular file, size-capped, UTF-8): the overlay is the
        # user's file, and a bad one must be a clear error, never a traceback.
        item = read_path(config.compat_overlay, explicit=True)
        if item.error is not None:
            where = f":{item.error.line}" if item.error.line else ""
            raise CompatError(f"compat-overlay {config.compat_overlay}{where}: "
                              f"{item.error.message}")
        try:
            overlay = yaml.safe_load(item.text or "") or {}
        except yaml.YAMLError as exc:
            raise CompatError(f"compat-overlay {config.compat_overlay}: invalid YAML: "
                              f"{exc}") from None
        except RecursionError:  # the composer recurses once per nesting level
            raise CompatError(f"compat-overlay {config.compat_overlay}: invalid YAML: "
                              "nested too deeply to read") from None
        table = table.extended(overlay, config.compat_overlay)
    if config.mirrors:
        mirrors = [{"prefix": prefix, "upstream": upstream, "source": f"{config.path}"}
                   for prefix, upstream in config.mirrors]
        table = table.extended({"mirrors": mirrors}, f"{config.path}: mirrors")
    return table


def _runtimes(flags: tuple[str, ...], config) -> tuple[list[str], list[str]]:
    """Runtime versions, and where each came from ("flag" or "config"): the flags win
    per runtime over the config file (``crio`` and ``cri-o`` name one runtime)."""
    from pauselint.model import RUNTIME_NAMES

    def runtime(text: str) -> object:
        name = text.partition("=")[0].strip().lower()
        return RUNTIME_NAMES.get(name, name)

    given = {runtime(flag) for flag in flags}
    from_config = [r for r in (config.runtime_versions if config else ())
                   if runtime(r) not in given]
    return [*flags, *from_config], ["flag"] * len(flags) + ["config"] * len(from_config)
