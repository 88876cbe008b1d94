"""`pauselint recommend`: the pause image to use and the exact snippet that sets it."""

from __future__ import annotations

import click

from pauselint.commands.errors import Fatal
from pauselint.commands.output import say, to_stdout

RECOMMEND_HELP = """Print the pause image for a Kubernetes version and the config that sets it.

\b
The image is the one kubeadm expects (<imageRepository>/pause:<tag>); the
snippet is written for the runtime and its config version (containerd 1.x:
version 2 sandbox_image; containerd 2.x: version 3 pinned_images.sandbox), and
passes `pauselint check` as it stands.

\b
Examples:
  pauselint recommend -k 1.31
  pauselint recommend -k 1.34 --runtime containerd --runtime-version 2.1.4
  pauselint recommend -k 1.33 --registry registry.example.com/k8s --runtime cri-o
"""


@click.command("recommend", help=RECOMMEND_HELP)
@click.option("--kubernetes-version", "-k", required=True, metavar="1.MINOR[.PATCH]",
              help="Target Kubernetes version.")
@click.option("--registry", metavar="HOST[/PATH]",
              help="A mirror or private registry that serves the Kubernetes images "
                   "(kubeadm's imageRepository).")
@click.option("--runtime", type=click.Choice(("containerd", "cri-o", "k3s")),
              default="containerd", show_default=True, help="Container runtime to configure.")
@click.option("--runtime-version", metavar="VERSION",
              help="The runtime's version (picks the config syntax); the newest supported "
                   "line for the target is assumed when omitted.")
def recommend_command(kubernetes_version: str, registry: str | None, runtime: str,
                      runtime_version: str | None) -> None:
    from pauselint import engine
    from pauselint.compat import CompatError, load_table, parse_version
    from pauselint.recommend import containerd_choices, recommend, render

    try:
        table = load_table()
        kubernetes = engine.resolve_kubernetes(kubernetes_version, table)
        version = None
        if runtime_version:
            try:
                version = parse_version(runtime_version)
            except ValueError:
                raise engine.UsageError(
                    f"--runtime-version {runtime_version!r} is not a version") from None
        choices = containerd_choices(table, kubernetes) if runtime == "containerd" else []
        if version is None and len(choices) > 1:
            # The config syntax depends on the line: a snippet per line the target
            # supports, each headed by the nodes it is for.
            recs = [(head, recommend(table, kubernetes, registry=registry, runtime=runtime,
                                     runtime_version=release))
                    for head, release in choices]
        else:
            recs = [("", recommend(table, kubernetes, registry=registry, runtime=runtime,
                                   runtime_version=version))]
    except (engine.UsageError, CompatError, ValueError) as exc:
        raise Fatal(str(exc)) from None
    if len(recs) > 1:
        say("No --runtime-version given: one snippet per containerd line "
            f"Kubernetes {kubernetes} supports.\n")
    for index, (head, rec) in enumerate(recs):
        if index:
            say()
        if len(recs) > 1:
            say(f"== {head} ==\n")
        to_stdout(render(rec))
