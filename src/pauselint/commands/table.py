"""`pauselint table`: what the compat table knows, so a finding can be weighed.

Every verdict is as good as the table behind it. An operator who is told "tag 3.4
was never published" or "Kubernetes 1.38 is newer than the table" needs to see, in
one place, how current the table is, which kubeadm expectations and pause tags it
holds, which repositories and mirrors it describes, and how much of it rests on
secondary evidence. The JSON form is for tools that pin or diff the table.
"""

from __future__ import annotations

import json
from typing import Any

import click

from pauselint.commands.errors import Fatal
from pauselint.commands.output import say


@click.command("table")
@click.option("-o", "--output", "--format", "output_format", type=click.Choice(("text", "json")),
              default="text", show_default=True, help="json for tools.")
def table_command(output_format: str) -> None:
    """Show what the compat table knows: its date, the newest releases, kubeadm's pause
    per Kubernetes minor, every pause tag, repository and mirror, each runtime's
    built-in sandbox image per release, and how much is secondary evidence.

    \b
    Examples:
      pauselint table
      pauselint table -o json | jq '.repositories[] | select(.name == "registry.k8s.io/pause")'
    """
    from pauselint.compat import CompatError, load_table

    try:
        table = load_table()
    except CompatError as exc:
        raise Fatal(str(exc)) from None
    summary = table_summary(table)
    if output_format == "json":
        say(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        say(render_summary(summary))


def table_summary(table: Any) -> dict[str, Any]:
    """The table as one JSON-ready document (the keys are the JSON output's)."""
    tags = table.pause_tags()
    repositories = table.repositories()
    mirrors = table.mirrors()
    return {
        "date": table.date,
        "newest_fact_date": table.newest_fact_date(),
        "kubernetes_through": str(table.kubernetes_through),
        "containerd_through": str(table.containerd_through),
        "crio_through": str(table.crio_through),
        "kubeadm": [{"kubernetes": e.kubernetes, "pause": e.pause, "image": e.image,
                     "source": e.source} for e in table.kubeadm_minors()],
        "pause_tags": [{"tag": t.tag, "digest": t.digest, "promoted": t.promoted,
                        "linux": list(t.linux), "windows": list(t.windows),
                        "status": t.status, "source": t.source} for t in tags],
        "repositories": [{"name": r.name, "tags": list(r.tags) if r.tags is not None else None,
                          "tags_complete": r.tags_complete, "frozen": r.frozen,
                          "successor": r.successor, "arch": r.arch,
                          "upstream_digests": r.upstream_digests, "status": r.status,
                          "source": r.source} for r in repositories],
        "runtime_defaults": table.runtime_default_rows(),
        "mirrors": [{"prefix": m.prefix, "upstream": m.upstream,
                     "upstream_digests": m.upstream_digests, "status": m.status,
                     "source": m.source} for m in mirrors],
        # How many tags, repositories and mirrors rest on weaker evidence, by status.
        "status_counts": _status_counts((*tags, *repositories, *mirrors)),
    }


def _status_counts(entries: tuple[Any, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        if entry.status is not None:
            counts[entry.status] = counts.get(entry.status, 0) + 1
    return dict(sorted(counts.items()))


def render_summary(summary: dict[str, Any]) -> str:
    """The text form: one screen of what matters, every list one line per entry."""
    lines = [
        f"compat table {summary['date']} (newest fact {summary['newest_fact_date']}): "
        f"Kubernetes through {summary['kubernetes_through']}, containerd through "
        f"{summary['containerd_through']}, CRI-O through {summary['crio_through']}",
        "",
        "kubeadm's pause image per Kubernetes minor:",
    ]
    lines += [f"  {e['kubernetes']:<6} {e['image']}" for e in summary["kubeadm"]]
    lines += ["", "pause tags (upstream, oldest first):"]
    for tag in summary["pause_tags"]:
        promoted = tag["promoted"] or "date unknown"
        windows = f"; Windows {', '.join(tag['windows'])}" if tag["windows"] else ""
        mark = f" [{tag['status']}]" if tag["status"] else ""
        lines.append(f"  {tag['tag']:<8} {promoted:<12} linux {', '.join(tag['linux'])}"
                     f"{windows}{mark}")
    lines += ["", "repositories:"]
    for repo in summary["repositories"]:
        facts = []
        if repo["frozen"]:
            facts.append(f"frozen {repo['frozen']}")
        if repo["arch"]:
            facts.append(f"{repo['arch']} only")
        if repo["tags"] is None:
            facts.append("tags unknown")
        else:
            listed = ", ".join(repo["tags"]) or "none"
            facts.append(f"tags {listed}" + ("" if repo["tags_complete"] else " (and others)"))
        mark = f" [{repo['status']}]" if repo["status"] else ""
        lines.append(f"  {repo['name']}: {'; '.join(facts)}{mark}")
    lines += ["", "built-in sandbox image when none is set:"]
    for row in summary["runtime_defaults"]:
        mark = f" [{row['status']}]" if row["status"] else ""
        lines.append(f"  {row['runtime']:<12} {row['versions']:<34} {row['image']}{mark}")
    lines += ["", "mirrors:"]
    lines += [f"  {m['prefix']} -> {m['upstream']}" + (f" [{m['status']}]" if m["status"] else "")
              for m in summary["mirrors"]]
    weak = ", ".join(f"{n} {status}" for status, n in summary["status_counts"].items())
    lines += ["", f"marked: {weak or 'none'}; `pauselint table -o json` has every source."]
    return "\n".join(lines)
