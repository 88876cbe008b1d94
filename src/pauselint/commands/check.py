"""`pauselint check`: options, config file and flags merged, then the engine, then output.

Precedence, highest first: command-line flags, the config file (.pauselint.yaml or
[tool.pauselint] in pyproject.toml, found by walking up from the working folder,
or --config), then what the inputs themselves say (a kubeadm ClusterConfiguration).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pauselint.commands.errors import EXIT_ERROR, Fatal
from pauselint.commands.output import emit, exit_for, output_options

CHECK_HELP = """Check node configs for pause (sandbox) image problems.

\b
PATHS are files or folders; `-` reads standard input. Each folder is one node
(laid out like a node's filesystem: etc/containerd/, etc/crio/, var/lib/kubelet/,
etc/systemd/system/...), and the files named together are one node: the
kubelet's flag is compared with the runtime's sandbox image, a containerd config
with its `imports`, a crio.conf with its crio.conf.d/ drop-ins.

\b
Examples:
  pauselint check /etc/containerd/config.toml --kubernetes-version 1.31
  pauselint check node-root/ --runtime-version containerd=1.7.20
  pauselint check etc/crio/ --format json --output report.json
  pauselint check . --format sarif --output pauselint.sarif
  cat config.toml | pauselint check - --type containerd

\b
Rules that need context you did not give (Kubernetes version, platform,
runtime version) are skipped and listed, never guessed. Silence one finding
with a comment on its line or the line above:
  # pauselint: disable=PL302 -- reason

\b
Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error,
unreadable input or internal fault.
"""


@click.command("check", help=CHECK_HELP)
@click.argument("paths", nargs=-1, required=True)
@click.option("--kubernetes-version", "-k", metavar="1.MINOR[.PATCH]",
              help="Target Kubernetes version (e.g. 1.31).")
@click.option("--platform", metavar="OS/ARCH[:OSVERSION]",
              help="Node platform, e.g. linux/arm64 or windows/amd64:ltsc2022.")
@click.option("--runtime-version", "runtime_versions", multiple=True, metavar="NAME=VERSION",
              help="Runtime version: containerd=1.7.20, cri-o=1.30.4, rke2=v1.33.13+rke2r2, "
                   "cri-dockerd=0.3.17 (repeatable).")
@click.option("--type", "input_type", metavar="TYPE",
              help="Read every input as this type instead of detecting it: containerd, "
                   "cri-o, kubelet-env, kubelet-config, kubeadm, k3s, systemd.")
@output_options
@click.option("--enable", multiple=True, metavar="RULE",
              help="Turn on a rule that is off by default, e.g. PL109 (repeatable).")
@click.option("--disable", multiple=True, metavar="RULE", help="Turn a rule off (repeatable).")
@click.option("--allowed-registry", "allowed_registries", multiple=True, metavar="HOST[/PATH]",
              help="Only these registries are allowed (PL110); repeatable.")
@click.option("--root", type=click.Path(file_okay=False, exists=True),
              help="Resolve absolute paths inside configs (containerd imports, systemd "
                   "EnvironmentFile=) under this folder.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file to use instead of searching for .pauselint.yaml or "
                   "[tool.pauselint] in pyproject.toml from the working folder up.")
@click.option("--no-config", is_flag=True, help="Use no config file.")
@click.option("--no-inline-suppressions", is_flag=True,
              help="Ignore `# pauselint: disable=` comments (for CI that must not accept them).")
@click.option("--ignore-unknown", is_flag=True,
              help="Skip files of a kind pauselint does not read instead of failing "
                   "(the pre-commit hook uses this).")
def check_command(paths: tuple[str, ...], kubernetes_version: str | None, platform: str | None,
                  runtime_versions: tuple[str, ...], input_type: str | None, output_format: str,
                  output_path: str | None, quiet: bool, fail_on: str | None,
                  enable: tuple[str, ...], disable: tuple[str, ...],
                  allowed_registries: tuple[str, ...], root: str | None,
                  config_path: str | None, no_config: bool, no_inline_suppressions: bool,
                  ignore_unknown: bool) -> None:
    from pauselint import engine
    from pauselint.compat import CompatError, load_table
    from pauselint.inputs import WalkNote, collect, read_stream
    from pauselint.model import Severity
    from pauselint.sources.detect import InputType

    config = load_user_config(config_path, no_config)
    try:
        table = load_table()
        table = table_with_user_data(table, config)
    except CompatError as exc:
        raise Fatal(str(exc)) from None
    try:
        forced = None
        if input_type:
            try:
                forced = InputType(input_type)
            except ValueError:
                from pauselint.reading import READABLE

                names = ", ".join(t.value for t in READABLE)
                raise engine.UsageError(f"--type {input_type!r}: choose one of {names}") from None
        kubernetes = kubernetes_version or (config.kubernetes_version if config else None)
        runtimes = _runtimes(runtime_versions, config)
        platform_text = platform or (config.platform if config else None)
        rules_on, rules_off = rule_sets(enable, disable, config)
        options = engine.Options(
            kubernetes=kubernetes,
            kubernetes_from="flag" if kubernetes_version else "config",
            platform=engine.parse_platform(platform_text, table) if platform_text else None,
            runtimes=tuple(engine.parse_runtime(r) for r in runtimes),
            input_type=forced,
            enable=rules_on,
            disable=rules_off,
            allowed_registries=(*allowed_registries,
                                *(config.allowed_registries if config else ())),
            root=Path(root) if root else None,
            severity=tuple((rule.upper(), Severity.parse(level))
                           for rule, level in (config.severity if config else ())),
            inline_suppressions=not no_inline_suppressions,
        )
        stdin = read_stream(sys.stdin.buffer) if "-" in paths else None
        skip = None
        if config is not None and config.exclude:
            from pauselint.config import is_excluded

            def skip(path: str) -> bool:
                return is_excluded(config, path)
        not_read: list[WalkNote] = []
        files = collect(paths, stdin, skip, not_read)
        if ignore_unknown:
            files = [f._replace(explicit=False) for f in files]
        report = engine.check_files(files, options, table)
        report.not_read = [(note.path, note.reason) for note in not_read]
    except engine.UsageError as exc:
        raise Fatal(str(exc)) from None

    from pauselint.commands.run_inputs import check_inputs

    emit(report, output_format, output_path, quiet, table.date,
         inputs=check_inputs(files, report, config))
    if report.inputs == 0 and not ignore_unknown:
        click.echo("pauselint: error: no input was recognised as a config pauselint reads",
                   err=True)
        sys.exit(EXIT_ERROR)
    exit_for(report, fail_on, config)


def load_user_config(config_path: str | None, no_config: bool):
    """The config file in force, or None; its errors are usage errors (exit 2)."""
    if no_config:
        return None
    from pauselint.config import ConfigError, find_config, load_config

    try:
        path = Path(config_path) if config_path else find_config(Path.cwd())
        if path is None:
            return None
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


def _runtimes(flags: tuple[str, ...], config) -> list[str]:
    """Runtime versions: the flags win per runtime over the config file (``crio`` and
    ``cri-o`` name one runtime)."""
    from pauselint.model import RUNTIME_NAMES

    def runtime(text: str) -> object:
        name = text.partition("=")[0].strip().lower()
        return RUNTIME_NAMES.get(name, name)

    given = {runtime(flag) for flag in flags}
    from_config = [r for r in (config.runtime_versions if config else ())
                   if runtime(r) not in given]
    return [*flags, *from_config]


def rule_sets(enable: tuple[str, ...], disable: tuple[str, ...], config,
               ) -> tuple[frozenset[str], frozenset[str]]:
    """Rules to turn on and off; a flag wins over the config file for the same rule."""
    flag_on = {r.upper() for r in enable}
    flag_off = {r.upper() for r in disable}
    config_on = {r.upper() for r in (config.enable if config else ())} - flag_off
    config_off = {r.upper() for r in (config.disable if config else ())} - flag_on
    return frozenset(flag_on | config_on), frozenset(flag_off | config_off)
