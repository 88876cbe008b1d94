"""The command line: the `pauselint` group and its entry point.

Each verb lives in `pauselint.commands`; this module only assembles them and is
the last line of defence that turns an unexpected fault into exit code 2 with
one line on stderr, never a traceback (PAUSELINT_DEBUG=1 shows one).
"""

from __future__ import annotations

import os
import sys

import click

from pauselint import __version__
from pauselint.commands.check import check_command
from pauselint.commands.cluster import cluster_command
from pauselint.commands.errors import EXIT_ERROR
from pauselint.commands.node import node_command
from pauselint.commands.recommend import recommend_command
from pauselint.commands.rules import explain_command, rules_command
from pauselint.commands.show import show_command
from pauselint.commands.table import table_command


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: the program's and what its compat table knows, which is what
    decides whether a finding about a new release can be trusted."""
    if not value or ctx.resilient_parsing:
        return
    from pauselint.compat import CompatError, load_table

    try:
        table = load_table()
    except CompatError as exc:
        click.echo(f"pauselint {__version__} (compat table unreadable: {exc})")
        ctx.exit(EXIT_ERROR)
    click.echo(f"pauselint {__version__}\ncompat table {table.date}: Kubernetes through "
               f"{table.kubernetes_through}, containerd through {table.containerd_through}, "
               f"CRI-O through {table.crio_through}")
    ctx.exit(0)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


main.add_command(check_command)
main.add_command(show_command)
main.add_command(rules_command)
main.add_command(explain_command)
main.add_command(recommend_command)
main.add_command(cluster_command)
main.add_command(node_command)
main.add_command(table_command)


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
