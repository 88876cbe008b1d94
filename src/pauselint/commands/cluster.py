"""`pauselint cluster`: check live clusters through a kubeconfig, read-only.

This is the only command that needs the `kubernetes` package, and only
`pauselint.sources.cluster` imports it, on first use.
"""

from __future__ import annotations

import sys

import click

from pauselint.commands.check import load_user_config, rule_sets, table_with_user_data
from pauselint.commands.errors import Fatal
from pauselint.commands.online_options import Seconds, online_options, online_settings
from pauselint.commands.output import emit, exit_for, output_options
from pauselint.sources.cluster_nodes import CONTEXT_TIMEOUT, MAX_NODES, MAX_RESPONSE_BYTES

CLUSTER_HELP = f"""Check live clusters: their nodes' pause images, runtimes and kubelets.

\b
Read-only and least-privilege: it sends GET requests only (the server version,
nodes page by page, and the kube-system ConfigMaps kubeadm-config and
kubelet-config when allowed), keeps TLS verification on unless the kubeconfig
turns it off, never follows a redirect, bounds every request (body included)
with --request-timeout and every context with --context-timeout, caps each
answer at {MAX_RESPONSE_BYTES >> 20} MiB and each context at --max-nodes nodes, and never
prints credentials. The RBAC it needs is in deploy/rbac.yaml.

\b
Examples:
  pauselint cluster                                  # current context
  pauselint cluster --context prod --context staging
  pauselint cluster --all-contexts -o json --output-file fleet.json
  pauselint cluster --in-cluster --format json       # as the deploy/ CronJob runs it

\b
Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or any
context that could not be checked (DNS, TLS, 401, 403, timeout: the others
are still checked and reported).
"""


@click.command("cluster", help=CLUSTER_HELP)
@click.option("--kubeconfig", type=click.Path(dir_okay=False),
              help="kubeconfig file (default: $KUBECONFIG, colon-separated, else ~/.kube/config).")
@click.option("--context", "contexts", multiple=True, metavar="NAME",
              help="Context to check (repeatable; default: the current context).")
@click.option("--all-contexts", is_flag=True, help="Check every context of the kubeconfig.")
@click.option("--in-cluster", is_flag=True,
              help="Use the pod's service account (when running inside a cluster).")
@click.option("--request-timeout", type=Seconds(min=0.1), default=10.0,
              show_default=True, metavar="SECONDS",
              help="Timeout of each API request, from connecting to the body's last byte.")
@click.option("--context-timeout", type=Seconds(min=0.1), default=CONTEXT_TIMEOUT,
              show_default=True, metavar="SECONDS",
              help="Timeout of each context as a whole (all its requests together).")
@click.option("--max-nodes", type=click.IntRange(min=1), default=MAX_NODES, show_default=True,
              metavar="N",
              help="Most nodes read from one context; past it the first N are checked and "
                   "the context is an error (Kubernetes supports 5,000; some providers more).")
@click.option("--kubernetes-version", "-k", metavar="1.MINOR[.PATCH]",
              help="Judge against this version instead of each API server's own.")
@output_options
@click.option("--enable", multiple=True, metavar="RULE", help="Turn on an off-by-default rule.")
@click.option("--disable", multiple=True, metavar="RULE", help="Turn a rule off (repeatable).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: .pauselint.yaml or [tool.pauselint] found upwards).")
@click.option("--no-config", is_flag=True, help="Use no config file.")
@online_options
def cluster_command(kubeconfig: str | None, contexts: tuple[str, ...], all_contexts: bool,
                    in_cluster: bool, request_timeout: float, context_timeout: float,
                    max_nodes: int, kubernetes_version: str | None,
                    output_format: str, output_path: str | None, quiet: bool,
                    fail_on: str | None, enable: tuple[str, ...], disable: tuple[str, ...],
                    config_path: str | None, no_config: bool, online: bool | None,
                    registry_timeout: float, registry_deadline: float,
                    registry_auth_file: str | None) -> None:
    from pauselint import selection  # not the engine: a cluster scan reads no files
    from pauselint.compat import CompatError, load_table
    from pauselint.fleet import check_clusters
    from pauselint.model import Severity

    if all_contexts and contexts:
        raise Fatal("use --context or --all-contexts, not both")
    if in_cluster and (contexts or all_contexts or kubeconfig):
        raise Fatal("--in-cluster uses the pod's service account; drop --kubeconfig/--context")
    # The same config file as `check` (mirrors, overlay, rules, severities, fail-on).
    config = load_user_config(config_path, no_config)
    rules_on, rules_off = rule_sets(enable, disable, config)
    try:
        table = table_with_user_data(load_table(), config)
        version = kubernetes_version or (config.kubernetes_version if config else None)
        target = selection.resolve_kubernetes(version, table) if version else None
        selection.enabled_rules(rules_on, rules_off)  # validates the ids
    except (CompatError, selection.UsageError) as exc:
        raise Fatal(str(exc)) from None
    try:
        from pauselint.sources.cluster import read_clusters
    except ImportError as exc:
        raise Fatal(f"the kubernetes client, a dependency of pauselint, cannot be imported "
                    f"({exc}): reinstall with `pip install --force-reinstall pauselint`"
                    ) from None

    # The progress line is for people: text output to a terminal, never machine formats.
    interactive = output_path is None and output_format == "text" and sys.stderr.isatty()
    progress = _progress_printer() if interactive else None
    results = read_clusters(kubeconfig=kubeconfig, contexts=contexts, all_contexts=all_contexts,
                            in_cluster=in_cluster, request_timeout=request_timeout,
                            context_timeout=context_timeout, progress=progress,
                            is_pause=_pause_filter(table), max_nodes=max_nodes)
    if progress is not None:
        click.echo("\r\x1b[K", nl=False, err=True)
    report = check_clusters(results, table, kubernetes=target, enable=rules_on,
                            disable=rules_off,
                            online=online_settings(online, registry_timeout,
                                                   registry_deadline, registry_auth_file,
                                                   config))
    if config is not None and config.severity:
        report.findings = selection.override_severity(
            report.findings, {rule: Severity.parse(level) for rule, level in config.severity})
    from pauselint.commands.run_inputs import cluster_inputs

    emit(report, output_format, output_path, quiet, table.date,
         inputs=cluster_inputs(kubeconfig, in_cluster, config))
    exit_for(report, fail_on, config)


def _pause_filter(table):
    """Which image names on a node are pause images, by the table (overlay included)."""
    from pauselint.imageref import ImageRefError, parse_image

    def is_pause(image_name: str) -> bool:
        try:
            return table.is_pause_image(parse_image(image_name))
        except ImageRefError:
            return False

    return is_pause


def _progress_printer():
    """A one-line progress display on stderr (TTY only; never in machine formats)."""
    import threading

    from pauselint.report.text import progress_line

    lock = threading.Lock()  # contexts are read concurrently, each reports its pages

    def show(context: str, nodes: int) -> None:
        with lock:
            click.echo(f"\r\x1b[K{progress_line(context, nodes)}", nl=False, err=True)

    return show
