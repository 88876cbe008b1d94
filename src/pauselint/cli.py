"""The command line: the one place where user errors become messages and exit codes.

Exit codes (documented in the README and --help):
  0  no finding at or above --fail-on (default: error)
  1  findings at or above --fail-on
  2  usage error, unreadable input, or a fault in pauselint itself
"""

from __future__ import annotations

import os
import sys
import textwrap

import click

from pauselint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("error", "warning", "info", "never")
FORMATS = ("text", "json")


class Fatal(click.ClickException):
    """A user-facing error: one clear line, exit code 2, never a traceback."""

    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:
        click.echo(f"pauselint: error: {self.format_message()}", err=True)


def _use_color(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


CHECK_HELP = """Check container-runtime config files for pause (sandbox) image problems.

\b
PATHS are files or folders; `-` reads standard input. Folders are walked and
every file pauselint recognises is checked. A containerd config and the files
it `imports`, and a crio.conf with its sibling crio.conf.d/ drop-ins, are
judged together, as the runtime would layer them.

\b
Examples:
  pauselint check /etc/containerd/config.toml --kubernetes-version 1.31
  pauselint check etc/crio/ --runtime-version cri-o=1.30.4 --format json
  pauselint check config.toml --platform linux/arm64 --fail-on warning
  cat config.toml | pauselint check - --type containerd

\b
Rules that need context you did not give (Kubernetes version, platform,
runtime version) are skipped and listed, never guessed.

\b
Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error,
unreadable input or internal fault.
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="pauselint")
def main() -> None:
    """Find broken or drifting Kubernetes pause (sandbox) images before they break a node.

    Start with `pauselint check PATH`; `pauselint rules` lists what is checked and
    `pauselint explain PL101` explains one rule.
    """


@main.command("check", help=CHECK_HELP)
@click.argument("paths", nargs=-1, required=True)
@click.option("--kubernetes-version", "-k", metavar="1.MINOR[.PATCH]",
              help="Target Kubernetes version (e.g. 1.31).")
@click.option("--platform", metavar="OS/ARCH[:OSVERSION]",
              help="Node platform, e.g. linux/arm64 or windows/amd64:ltsc2022.")
@click.option("--runtime-version", "runtime_versions", multiple=True, metavar="NAME=VERSION",
              help="Runtime version, e.g. containerd=1.7.20 or cri-o=1.30.4 (repeatable).")
@click.option("--type", "input_type", metavar="TYPE",
              help="Read every input as this type instead of detecting it: containerd, "
                   "cri-o, kubelet-env, kubelet-config, kubeadm, k3s, systemd.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@click.option("--enable", multiple=True, metavar="RULE",
              help="Turn on a rule that is off by default, e.g. PL109 (repeatable).")
@click.option("--disable", multiple=True, metavar="RULE", help="Turn a rule off (repeatable).")
@click.option("--allowed-registry", "allowed_registries", multiple=True, metavar="HOST[/PATH]",
              help="Only these registries are allowed (PL110); repeatable.")
@click.option("--root", type=click.Path(file_okay=False, exists=True),
              help="Resolve absolute paths inside configs (containerd imports) under this folder.")
def check_command(paths: tuple[str, ...], kubernetes_version: str | None, platform: str | None,
                  runtime_versions: tuple[str, ...], input_type: str | None, output_format: str,
                  fail_on: str, enable: tuple[str, ...], disable: tuple[str, ...],
                  allowed_registries: tuple[str, ...], root: str | None) -> None:
    from pathlib import Path

    from pauselint import engine
    from pauselint.compat import CompatError, load_table
    from pauselint.inputs import collect
    from pauselint.model import Severity
    from pauselint.sources.detect import InputType

    try:
        table = load_table()
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
        options = engine.Options(
            kubernetes=kubernetes_version,
            platform=engine.parse_platform(platform, table) if platform else None,
            runtimes=tuple(engine.parse_runtime(r) for r in runtime_versions),
            input_type=forced,
            enable=frozenset(r.upper() for r in enable),
            disable=frozenset(r.upper() for r in disable),
            allowed_registries=allowed_registries,
            root=Path(root) if root else None,
        )
        stdin_text = sys.stdin.read() if "-" in paths else None
        files = collect(paths, stdin_text)
        report = engine.check_files(files, options, table)
    except engine.UsageError as exc:
        raise Fatal(str(exc)) from None

    out = sys.stdout
    if output_format == "json":
        from pauselint.report.json_report import render_json

        click.echo(render_json(report, tool_version=__version__, table_date=table.date), nl=False)
    else:
        from pauselint.report.text import render_text

        click.echo(render_text(report, color=_use_color(out)), nl=False)

    if report.inputs == 0:
        click.echo("pauselint: error: no input was recognised as a config pauselint reads",
                   err=True)
        sys.exit(EXIT_ERROR)
    if report.errors:
        sys.exit(EXIT_ERROR)
    threshold = None if fail_on == "never" else Severity.parse(fail_on)
    sys.exit(EXIT_FINDINGS if engine.fails(report, threshold) else EXIT_OK)


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(("text", "markdown")),
              default="text", show_default=True,
              help="markdown prints the table the README carries.")
def rules_command(output_format: str) -> None:
    """List every rule: ID, name, severity, and whether it is on by default."""
    from pauselint.rules import RULES, doc_summary

    if output_format == "markdown":
        click.echo("| ID | name | severity | default | what it finds |")
        click.echo("|---|---|---|---|---|")
    for rule_id, module in RULES.items():
        state = "on" if module.DEFAULT_ENABLED else "off"
        if output_format == "markdown":
            click.echo(f"| <a id=\"{rule_id.lower()}\"></a>{rule_id} | {module.NAME} | "
                       f"{module.SEVERITY.label} | {state} | {doc_summary(module)} |")
        else:
            click.echo(f"{rule_id}  {module.NAME:<40} {module.SEVERITY.label:<8} {state:<3}  "
                       f"{doc_summary(module)}")


@main.command("explain")
@click.argument("rule_id")
def explain_command(rule_id: str) -> None:
    """Print a rule's full documentation (what, why it breaks, how to fix, sources)."""
    from pauselint.rules import RULES

    module = RULES.get(rule_id.upper())
    if module is None:
        raise Fatal(f"unknown rule {rule_id!r} (see `pauselint rules`)")
    state = "on" if module.DEFAULT_ENABLED else "off by default"
    click.echo(f"{module.ID} {module.NAME} ({module.SEVERITY.label}, {state})\n")
    click.echo(textwrap.dedent(module.__doc__ or "").strip())


def run() -> None:
    """Entry point that turns any unexpected fault into exit code 2 without a traceback."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("PAUSELINT_DEBUG"):
            raise
        click.echo(f"pauselint: internal error: {type(exc).__name__}: {exc} "
                   "(set PAUSELINT_DEBUG=1 for a traceback, and please report it)", err=True)
        sys.exit(EXIT_ERROR)
