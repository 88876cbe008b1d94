"""`pauselint show`: what pauselint read and derived per node, without judging it.

It reads exactly what `check` would (the same input and context options, through
the same decorator), so a surprising finding can be traced to the file, the runtime
version or the kubeadm setting it came from.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click

from pauselint.commands.errors import EXIT_ERROR, EXIT_OK, Fatal
from pauselint.commands.inputs_options import InputArgs, gather_inputs, input_options
from pauselint.commands.output import ECHO_STEP, batched, file_option, format_option, to_stdout

SHOW_HELP = """Show what pauselint read and derived for each node, without judging it.

\b
PATHS and the context options are those of `check`: the same files are read
and grouped into the same nodes. For each node: its files and their kinds, the
Kubernetes version and where it came from, and per runtime its version, its
config files in the order the runtime reads them, whether it would accept
them, the effective sandbox image and where it was set (or that the built-in
default applies), and every value overridden or ignored, with why.

\b
Examples:
  pauselint show examples/kubeadm-mirror-node
  pauselint show nodes/ -o json --output-file nodes.json
  pauselint show /etc/containerd/config.toml --runtime-version containerd=1.7.24

\b
Exit codes: 0 shown, 2 usage error, or a named input that could not be read
or is no config pauselint reads (the nodes that could be shown still are).
"""


@click.command("show", help=SHOW_HELP)
@input_options
@format_option(("text", "json"))
@file_option()
def show_command(inputs: InputArgs, output_format: str, output_path: str | None) -> None:
    from pauselint import engine

    gathered = gather_inputs(inputs)
    try:
        entries = engine.describe_files(gathered.files, gathered.options, gathered.table)
    except engine.UsageError as exc:
        raise Fatal(str(exc)) from None
    problems = _unshown(gathered)
    for problem in problems:
        click.echo(f"pauselint: {problem}", err=True)
    if not entries:
        click.echo("pauselint: error: no input was recognised as a config pauselint reads",
                   err=True)
        sys.exit(EXIT_ERROR)
    from pauselint.report.show import show_chunks

    _write(show_chunks(entries, output_format), output_path, gathered, entries)
    sys.exit(EXIT_ERROR if problems else EXIT_OK)


def _unshown(gathered) -> list[str]:
    """What `check` reports as input errors about the files themselves: a file given
    or of a node shown that could not be read (its node is shown with it unknown), or
    a named file of no kind pauselint reads."""
    from pauselint.reading import READABLE, detect

    problems = []
    for item in gathered.files:
        if item.error is not None:
            where = f"{item.error.path}:{item.error.line}" if item.error.line else item.error.path
            problems.append(f"{where}: error: {item.error.message}")
        elif item.explicit and gathered.options.input_type is None and detect(item) is None:
            problems.append(f"{item.path}: error: cannot tell what kind of file this is; "
                            f"use --type ({', '.join(t.value for t in READABLE)})")
    return problems


def _write(pieces: Iterable[str], output_path: str | None, gathered,
           entries: list[dict]) -> None:
    """To stdout, or to ``output_path`` unless that is one of the files collected
    (named, walked, a node's other files, readable or not) or reached through imports
    and drop-ins: every node's files. Written as it is made, 64 KiB at a time; every
    format ends its text with a newline."""
    batches = batched(pieces, ECHO_STEP)
    if not output_path:
        for text in batches:
            if not to_stdout(text):
                return  # the reader has gone (`show ... | head`): that ends the output
        return
    from pauselint.report.output_file import input_named_by, write_report

    read = [f.path for f in gathered.files]
    read += [item["path"] for node in entries for item in node.get("files", ())
             if isinstance(item, dict) and item.get("path")]
    if gathered.config is not None:
        read += [str(p) for p in (gathered.config.path, gathered.config.compat_overlay) if p]
    overwritten = input_named_by(output_path, read)
    if overwritten is not None:
        same = "" if overwritten == output_path else f" (the same file as {overwritten})"
        raise Fatal(f"--output-file {output_path}{same} is one of the inputs: not written, "
                    f"choose another file")
    try:
        write_report(output_path, (text.encode("utf-8") for text in batches))
    except OSError as exc:
        raise Fatal(f"cannot write {output_path}: {exc.strerror or exc}") from None
