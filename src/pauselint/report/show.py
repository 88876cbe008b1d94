"""`pauselint show`'s output: what was read and derived per node, in text or JSON.

The entries come from :mod:`pauselint.describe`; this module only lays them out.
JSON is the contract (``{"schema": 1, "nodes": [...]}``, see
tests/schemas/show.schema.json); text is for a person checking a node by eye, so it
says in words where each value came from and why a value does not count.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pauselint.report.escaping import dump_json_chunks, escape_strings, printable

SCHEMA_VERSION = 1


def render_show(entries: list[dict], fmt: str) -> str:
    """``entries`` as ``fmt`` ("json" or "text"); every input string shown escaped."""
    return "".join(show_chunks(entries, fmt))


def show_chunks(entries: list[dict], fmt: str) -> Iterator[str]:
    """:func:`render_show`'s text a node at a time, JSON or text, so it is written as
    it is made (as check's report is): 10,000 nodes' page is 2 MB of text."""
    if fmt == "json":
        return dump_json_chunks({"schema": SCHEMA_VERSION, "nodes": entries})
    if fmt != "text":
        raise ValueError(f"unknown show format {fmt!r}")
    return _text_chunks(entries)


def _text_chunks(entries: list[dict]) -> Iterator[str]:
    """Each node's block, a blank line between two, and a newline at the end."""
    for index, entry in enumerate(entries):
        block = _node_text(escape_strings(entry, printable))
        yield f"\n\n{block}" if index else block
    yield "\n"


def _node_text(node: dict[str, Any]) -> str:
    lines = [f"node {node['name']}"]
    lines.append("  files:")
    lines += [f"    {_written(f['path'], f.get('written_to'))}  "
              f"({f['kind']}, {f.get('role', f['kind'])})" for f in node["files"]]
    version = node["kubernetes_version"]
    lines.append(f"  Kubernetes: {version} (from {node['kubernetes_version_from']})"
                 if version else "  Kubernetes: unknown (give --kubernetes-version)")
    if node["platform"]:
        lines.append(f"  platform: {node['platform']}")
    for runtime in node["runtimes"]:
        lines += _runtime_lines(runtime)
    if not node["runtimes"]:
        lines.append("  runtime: none among these files")
    lines.append("  kubelet --pod-infra-container-image: "
                 + _valued(node["kubelet"], "pod_infra_container_image", "not set"))
    kubeadm = node["kubeadm"]
    lines.append("  kubeadm kubernetesVersion: "
                 + _valued(kubeadm, "kubernetes_version", "not set"))
    lines.append("  kubeadm imageRepository: " + _valued(kubeadm, "image_repository", "not set"))
    return "\n".join(lines)


def _runtime_lines(runtime: dict[str, Any]) -> list[str]:
    version = runtime["version"]
    said = f"{version} (from {runtime['version_from']})" if version else "version unknown"
    head = f"  {runtime['name']} {said}"
    if runtime["config_version"] is not None:
        head += f", config version {runtime['config_version']}"
    lines = [head]
    if runtime.get("read_as") and not version:
        lines.append(f"    read as containerd {runtime['read_as']} (the newest line that "
                     "starts with these files; give --runtime-version to pick one)")
    for release in runtime.get("releases", ()):
        image = release["sandbox_image"]
        said = ("no sandbox image" if image is None else image or '"" (empty)') \
            if release["accepted"] else "refuses these files"
        lines.append(f"      containerd {release['version']} line: {said}")
    lines.append("    reads, in order:")
    written = runtime.get("written_to") or [None] * len(runtime["files"])
    lines += [f"      {_written(path, to)}"
              for path, to in zip(runtime["files"], written, strict=True)]
    lines.append("    accepts this configuration" if runtime["accepted"]
                 else f"    refuses this configuration: {runtime['refusal']}")
    lines.append("    sandbox image: " + _sandbox_text(runtime["sandbox_image"]))
    live = runtime.get("live")
    if live is not None:  # pauselint node: what the running runtime says over CRI
        lines.append("    running: " + _live_text(live))
    for value in runtime["overridden"]:
        where = f"{value['path']}:{value['line']}" if value["line"] else value["path"]
        lines.append(f"    not used: \"{value['value']}\" at {where}: {value['why']}")
    pull = _pull_text(runtime)
    if pull is not None:
        lines.append("    pull path: " + pull)
    return lines


def _pull_text(runtime: dict[str, Any]) -> str | None:
    """Where the sandbox image is pulled from (``pullpath.render``'s line, then its
    notes), or None where no image would be pulled or it is not known which."""
    if "pull_path" not in runtime:  # an entry from before pull paths (pauselint node)
        return None
    pull = runtime["pull_path"]
    image = (runtime["sandbox_image"] or {}).get("value")
    if pull is None:
        if not image or not runtime["accepted"]:
            return None
        return f"{image} → its own registry ({runtime['name']}'s mirror configuration is " \
               "not read)"
    lines = [pull["text"]]
    lines += [f"      passed over: {p['what']}{_at_text(p)}: {p['why']}"
              for p in pull["passed_over"]]
    lines += [f"      note: {note}" for note in pull["notes"]]
    return "\n".join(lines)


def _at_text(place: dict[str, Any]) -> str:
    if not place.get("file"):
        return ""
    return f" ({place['file']}:{place['line']})" if place.get("line") else f" ({place['file']})"


def _written(path: str, written_to: str | None) -> str:
    """A file as show names it: a wrapper's file with the path it writes."""
    return f"{path}: {written_to}" if written_to else path


def _live_text(live: dict[str, Any]) -> str:
    head = f"{live['name']} {live['version']} on {live['endpoint']}"
    if live["sandbox_image"]:
        return f"{head}: sandbox image {live['sandbox_image']} ({live['sandbox_image_from']})"
    pinned = ", ".join(live["pinned_images"]) or "none"
    said = "; ".join(live["not_reported"]) or "no sandbox image reported"
    return f"{head}: {said}; pinned images: {pinned}"


def _sandbox_text(sandbox: dict[str, Any] | None) -> str:
    if sandbox is None:
        return "none (this runtime starts no pod sandboxes)"
    origin, value = sandbox["origin"], sandbox["value"]
    if origin == "set":
        return f"{value} (set at {_at(sandbox)})"
    if origin == "default" and value:
        return f"{value} (built-in default: nothing is set)"
    return f"unknown: {sandbox.get('why') or 'not known'}"


def _valued(section: dict[str, Any], key: str, absent: str) -> str:
    value = section.get(key)
    if value is None:
        return absent
    place = section.get(f"{key}_at")
    return f"{value} (at {_at(place)})" if place else str(value)


def _at(place: dict[str, Any]) -> str:
    where = str(place["path"])
    if place.get("line"):
        where += f":{place['line']}"
        if place.get("column"):
            where += f":{place['column']}"
    return where
