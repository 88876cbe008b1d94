"""The command line: the `pauselint` group and its entry point.

Each verb lives in `pauselint.commands`; this module only assembles them and is
the last line of defence that turns an unexpected fault into exit code 2 with
one line on stderr, never a traceback (PAUSELINT_DEBUG=1 shows one).
"""

from __future__ import annotations

import gc
import os
import sys

import click

from pauselint import __version__
from pauselint.commands.errors import EXIT_ERROR

# Each verb's module, imported only when that verb runs (or help lists them): a
# pre-commit hook runs `pauselint check` on every commit and pays for check alone,
# not for node's CRI options, cluster's client or table's JSON.
COMMANDS = {
    "check": "pauselint.commands.check:check_command",
    "show": "pauselint.commands.show:show_command",
    "rules": "pauselint.commands.rules:rules_command",
    "explain": "pauselint.commands.rules:explain_command",
    "recommend": "pauselint.commands.recommend:recommend_command",
    "cluster": "pauselint.commands.cluster:cluster_command",
    "node": "pauselint.commands.node:node_command",
    "table": "pauselint.commands.table:table_command",
    "registry": "pauselint.commands.registry_cmd:registry_command",
}


class LazyGroup(click.Group):
    """A group whose subcommands (:data:`COMMANDS`) are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            import importlib

            module, _, name = COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: the program's and what its compat table knows, which is what
    decides whether a finding about a new release can be trusted."""
    if not value or ctx.resilient_parsing:
        return
    from pauselint.commands.output import say  # a closed pipe still exits 0
    from pauselint.compat import CompatError, load_table

    try:
        table = load_table()
    except CompatError as exc:
        say(f"pauselint {__version__} (compat table unreadable: {exc})")
        ctx.exit(EXIT_ERROR)
    say(f"pauselint {__version__}\ncompat table {table.date}: Kubernetes through "
        f"{table.kubernetes_through}, containerd through {table.containerd_through}, "
        f"CRI-O through {table.crio_through}")
    ctx.exit(0)


@click.group(cls=LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version,
              help="Show the version and what the compat table knows, and exit.")
def main() -> None:
    """Find broken or drifting Kubernetes pause (sandbox) images before they break a node.

    \b
    Start with `pauselint check PATH`; `pauselint show PATH` prints what was read
    and derived per node, `pauselint rules` lists what is checked,
    `pauselint explain PL101` explains one rule, `pauselint recommend -k 1.31`
    prints the image and config snippet to use, and `pauselint table` what the
    compat table behind every verdict knows.

    \b
    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error,
    unreadable input or internal fault.
    """




def run() -> None:
    """Entry point that turns any unexpected fault into exit code 2 without a traceback.

    The process ends when this returns, so what the run made is frozen out of the
    collector first: the interpreter's shutdown otherwise walks every object in one
    last collection (~19 M instructions, a sixteenth of a one-file check) to free
    cycles the OS frees anyway. Nothing else changes at exit: objects are still
    released by reference count, standard streams flushed, and atexit handlers (the
    kubernetes client's temporary certificate files) run.
    """
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
    finally:
        gc.freeze()
