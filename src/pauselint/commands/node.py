"""`pauselint node`: check a live node from the inside (a DaemonSet pod, or a shell on it).

`check` sees files and `cluster` sees what the API server says; neither sees what a
running node does. Here the node's known config locations under ``--root`` are read
(never a walk of the whole root), and beside them what is running: the container
runtime over its CRI socket (its version, so ``--runtime-version`` is not needed,
and the sandbox image it really uses), the running kubelet's flags from its process,
and the kubelet's version from the node's own Node object when in a cluster. Each of
those that cannot be had is said, with why, and the rest is still checked.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from pauselint.commands.errors import Fatal
from pauselint.commands.inputs_options import InputArgs, gather_inputs
from pauselint.commands.online_options import online_options, online_settings
from pauselint.commands.output import emit, exit_for, output_options, to_stdout
from pauselint.records import NamedTuple

# Where the runtimes listen, relative to the node's root, tried in this order.
RUNTIME_SOCKETS = ("run/containerd/containerd.sock", "var/run/crio/crio.sock",
                   "run/crio/crio.sock")
# Seconds for each request to the runtime and the API server.
REQUEST_TIMEOUT = 5.0
# The one API read `pauselint node` makes (GET its own Node), as RBAC rules:
# deploy/daemonset.yaml grants exactly these (tests/test_deploy.py).
NODE_RBAC_RULES = ({"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]},)

NODE_HELP = """Check this node: its configs and what its runtime and kubelet really run.

\b
Reads the node's known config locations under --root (default /; /host in a
pod, where the host's folders are mounted), never a walk of the whole root.
Beside them, what is running:
  - the container runtime over its CRI socket (--runtime-endpoint, else the
    first of ROOT/run/containerd/containerd.sock, ROOT/var/run/crio/crio.sock
    that exists): its name and version, and the sandbox image it runs with,
    compared with its files (PL410);
  - the kubelet's flags from its process (ROOT/proc/PID/cmdline: the host's
    /proc, so in a pod hostPID or a mounted host /proc), found by name or given
    with --kubelet-pid;
  - the kubelet's version from this node's Node object, when NODE_NAME is set
    and the pod has in-cluster credentials (one GET of that node).
What cannot be read is said, with why; the rest is still checked.

\b
Examples:
  pauselint node
  pauselint node --root /host -o json
  pauselint node --root /host -o openmetrics \\
      --output-file /var/lib/node_exporter/textfile_collector/pauselint.prom

\b
Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error,
unreadable input or internal fault.
"""


class LiveSources(NamedTuple):
    """What the running node gave, and why each part it did not give is missing."""

    runtime: object | None  # model.LiveRuntime
    runtime_unread: str | None
    kubelet_cmdline: str | None  # the path of the kubelet's cmdline under the root
    kubelet_unread: str | None
    kubelet_version: str | None
    node_object_unread: str | None
    node_object: object | None = None  # live.node_object.NodeObject


@click.command("node", help=NODE_HELP)
@click.option("--root", default="/", show_default=True, metavar="DIR",
              type=click.Path(file_okay=False),
              help="The node's filesystem: / on the node, /host in a pod.")
@click.option("--runtime-endpoint", metavar="unix:///PATH",
              help="The runtime's CRI socket (default: the first that exists of "
                   "ROOT/run/containerd/containerd.sock, ROOT/var/run/crio/crio.sock).")
@click.option("--kubelet-pid", default="auto", show_default=True, metavar="auto|PID|none",
              help="The kubelet's process: found by name under ROOT/proc (auto), given, or "
                   "not read (none).")
@click.option("--node-name", envvar="NODE_NAME", metavar="NAME",
              help="This node's name (default: $NODE_NAME, else the host name).")
@click.option("--kubernetes-version", "-k", metavar="1.MINOR[.PATCH]",
              help="Target Kubernetes version (default: the kubelet's, from the Node "
                   "object or the node's kubeadm config).")
@click.option("--platform", metavar="OS/ARCH[:OSVERSION]",
              help="Node platform (default: from the Node object when it is read).")
@click.option("--runtime-version", "runtime_versions", multiple=True, metavar="NAME=VERSION",
              help="Runtime version, instead of what the runtime says over CRI.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A pauselint config file (none is searched for on a node).")
@click.option("--show", "show_only", is_flag=True,
              help="Print what was read and is running, as `pauselint show` does, with the "
                   "running runtime's sandbox image beside the configured one; no judging.")
@output_options
@online_options
def node_command(root: str, runtime_endpoint: str | None, kubelet_pid: str,
                 node_name: str | None, kubernetes_version: str | None, platform: str | None,
                 runtime_versions: tuple[str, ...], config_path: str | None,
                 show_only: bool, output_format: str, output_path: str | None, quiet: bool,
                 fail_on: str | None, online: bool | None, registry_timeout: float,
                 registry_deadline: float, registry_auth_file: str | None) -> None:
    from pauselint import engine
    from pauselint.node_layout import known_files

    if not os.path.isdir(root):
        raise Fatal(f"--root {root}: no such folder (in a pod, mount the host's folders "
                    f"there: deploy/daemonset.yaml)")
    name = node_name or _host_name(root)
    live = read_live(root, runtime_endpoint, kubelet_pid, node_name)
    paths = known_files(root)
    if live.kubelet_cmdline is not None:
        paths.append(live.kubelet_cmdline)
    runtimes = list(runtime_versions)
    runtime = live.runtime
    if runtime is not None and not runtimes and runtime.name in ("containerd", "cri-o"):
        runtimes.append(f"{runtime.name}={_release(runtime.version)}")
    kubernetes = kubernetes_version or (_release(live.kubelet_version)
                                        if live.kubelet_version else None)
    if kubernetes and not kubernetes_version:
        kubernetes, live = _usable_version(kubernetes, live)
    if not paths:
        raise Fatal(f"no config pauselint reads was found under {root} (is the node's "
                    f"filesystem mounted there?)")
    gathered = gather_inputs(InputArgs(
        paths=tuple(paths), kubernetes_version=kubernetes, platform=platform,
        runtime_versions=tuple(runtimes), config_path=config_path,
        no_config=config_path is None))
    options = gathered.options._replace(
        live=runtime, live_unread=live.runtime_unread,
        kubernetes_from="flag" if kubernetes_version else "node",
        online=online_settings(online, registry_timeout, registry_deadline,
                               registry_auth_file, gathered.config))
    if options.platform is None and live.node_object is not None:
        from pauselint.fleet import platform_of

        # The Node object says the node's architecture and OS (and Windows build).
        options = options._replace(platform=platform_of(live.node_object.cluster_node(),
                                                        gathered.table))
    try:
        report = engine.check_files(gathered.files, options, gathered.table,
                                    pull_paths=show_only or None)
    except engine.UsageError as exc:
        raise Fatal(str(exc)) from None
    report = _as_node(report, name, live, root)
    if show_only:
        from pauselint.report.show import render_show

        if output_format not in ("text", "json"):
            raise Fatal(f"--show prints text or json, not {output_format}")
        if output_path:
            raise Fatal("--show prints to the terminal; for a file, use `-o json` without "
                        "--show, whose report carries the same node entries")
        to_stdout(render_show(report.nodes, output_format))
        return
    from pauselint.commands.run_inputs import check_inputs

    emit(report, output_format, output_path, quiet, gathered.table.date,
         inputs=check_inputs(gathered.files, report, gathered.config))
    exit_for(report, fail_on, gathered.config)


def read_live(root: str, endpoint: str | None, kubelet_pid: str,
              node_name: str | None) -> LiveSources:
    """Ask the running parts of the node, each on its own: a part that cannot be
    asked gives its reason, never an error for the rest."""
    runtime, runtime_unread = _runtime(root, endpoint)
    cmdline, kubelet_unread = _kubelet(root, kubelet_pid)
    found, node_unread = _node_object(node_name)
    version = found.kubelet_version if found is not None else None
    return LiveSources(runtime, runtime_unread, cmdline, kubelet_unread, version, node_unread,
                       found)


def _runtime(root: str, endpoint: str | None) -> tuple[object | None, str | None]:
    from pauselint.live.cri import LiveError, read_runtime
    from pauselint.model import LiveRuntime

    if endpoint is None:
        found = [os.path.join(root, path) for path in RUNTIME_SOCKETS
                 if os.path.exists(os.path.join(root, path))]
        if not found:
            tried = ", ".join(os.path.join(root, path) for path in RUNTIME_SOCKETS)
            return None, f"no CRI socket at {tried} (give --runtime-endpoint)"
        endpoint = f"unix://{found[0]}"
    answer = read_runtime(endpoint, timeout=REQUEST_TIMEOUT)
    if isinstance(answer, LiveError):
        return None, answer.reason
    return LiveRuntime(endpoint=answer.endpoint, name=answer.name,
                       version=answer.version, sandbox_image=answer.sandbox_image,
                       sandbox_image_from=answer.sandbox_image_from,
                       pinned_images=tuple(answer.pinned_images),
                       not_reported=tuple(answer.not_reported)), None


def _kubelet(root: str, kubelet_pid: str) -> tuple[str | None, str | None]:
    if kubelet_pid == "none":
        return None, "not read (--kubelet-pid none)"
    pid: int | None = None
    if kubelet_pid != "auto":
        try:
            pid = int(kubelet_pid)
        except ValueError:
            raise Fatal(f"--kubelet-pid {kubelet_pid!r}: give auto, a process id or none") \
                from None
    from pauselint.live.kubelet_process import find_kubelet

    found = find_kubelet(Path(root), pid)
    if isinstance(found, str):
        return None, found
    return found.cmdline_path, None


def _node_object(node_name: str | None) -> tuple[object | None, str | None]:
    if not node_name:
        return None, "NODE_NAME is not set: the Node object is not read"
    if not os.environ.get("KUBERNETES_SERVICE_HOST"):
        return None, "not in a cluster (no KUBERNETES_SERVICE_HOST): the Node object is not read"
    from pauselint.live import node_object

    # The pod's service-account files, where the kubelet mounts them.
    found = node_object.read_node(node_name, REQUEST_TIMEOUT,
                                  token_file=node_object.SERVICE_TOKEN_FILE,
                                  ca_file=node_object.SERVICE_CA_FILE)
    if isinstance(found, str):
        return None, found
    return found, None


def _usable_version(kubernetes: str, live: LiveSources) -> tuple[str | None, LiveSources]:
    """The kubelet's version as the target, unless the table cannot judge it (older
    than anything it describes): a node's fact is never a usage error, so the rules
    that need a version skip and the Node object's entry says why."""
    from pauselint import engine
    from pauselint.compat import CompatError, load_table

    try:
        engine.resolve_kubernetes(kubernetes, load_table())
    except (engine.UsageError, CompatError) as exc:
        why = f"the kubelet's version {live.kubelet_version} is not used: {exc}"
        return None, live._replace(node_object_unread=why)
    return kubernetes, live


def _release(version: str) -> str:
    """``v1.31.4+k3s1`` / ``1.6.20~ds1`` -> the leading release, as the engine reads it."""
    from pauselint.compat import leading_release

    found = leading_release(version.lstrip("v"))
    return str(found) if found is not None else version


def _host_name(root: str) -> str:
    """The node's name: its /etc/hostname under the root, else this machine's."""
    import socket

    try:
        text = Path(root, "etc", "hostname").read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or socket.gethostname()


def _as_node(report, name: str, live: LiveSources, root: str):  # type: ignore[no-untyped-def]
    """The report as this node's: findings and skips carry the node's name, the context
    says what was read live, and each live source that was not read is listed under
    "not read" with why (text and JSON alike), never silently left out."""
    renamed = {entry.get("name"): name for entry in report.nodes}
    report.findings = [f._replace(node=name) for f in report.findings]
    report.skipped = list(dict.fromkeys(s._replace(node=name) for s in report.skipped))
    runtime = live.runtime
    for entry in report.nodes:
        entry["name"] = renamed.get(entry.get("name"), name)
        for described in entry.get("runtimes", ()):
            if runtime is not None and described.get("name") == runtime.name:
                described["live"] = runtime._asdict() | {
                    "pinned_images": list(runtime.pinned_images),
                    "not_reported": list(runtime.not_reported)}
    unread = [(where, why) for where, why in (
        ("the container runtime (CRI)", live.runtime_unread),
        (os.path.join(root, "proc"), live.kubelet_unread),
        (f"Node {name}", live.node_object_unread)) if why]
    report.not_read = [*report.not_read, *unread]
    report.context.update({
        "mode": "node",
        "node": name,
        "live_runtime": f"{runtime.name} {runtime.version} on {runtime.endpoint}"
        if runtime is not None else None,
        "live_runtime_unread": live.runtime_unread,
        "kubelet_process": live.kubelet_cmdline,
        "kubelet_process_unread": live.kubelet_unread,
        "kubelet_version": live.kubelet_version,
        "node_object_unread": live.node_object_unread,
    })
    return report
