"""``--format sarif``: SARIF 2.1.0 for code-scanning services (GitHub, GitLab, Azure).

It carries the same findings as ``--format json``, plus what those services need to
show and track them: every rule's documentation (so an alert explains itself without
a trip to the README), a ``helpUri`` to the rule's row in the README, and a
fingerprint per finding so an alert keeps its identity across runs even when a
message is reworded. Inputs that could not be read and rules that could not run are
tool notifications, never silently dropped: a run over a broken file must not look
clean in the code-scanning UI either.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import textwrap
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any
from urllib.parse import quote

from pauselint.model import Finding, InputError, Report, Severity
from pauselint.report import judged_nodes, name_nodes, skips_by_reason
from pauselint.report.escaping import dump_json_chunks
from pauselint.rules import doc_summary

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "pauselint"
INFORMATION_URI = "https://github.com/pauselint/pauselint"
README_URL = "https://github.com/pauselint/pauselint/blob/main/README.md"
# Bump the suffix only if the fingerprint recipe changes: every alert would reopen.
FINGERPRINT_KEY = "pauselintFinding/v1"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# The rule families of the design's rule catalogue, by the ID's first digit.
_FAMILY = {
    "0": "meta",
    "1": "image",
    "2": "version",
    "3": "kubelet",
    "4": "runtime-config",
    "5": "cluster",
}
_SECTION_HEADING = re.compile(r"^\S.*$")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def render_sarif(
    report: Report, *, tool_version: str, table_date: str, rules: Mapping[str, ModuleType]
) -> str:
    """Render ``report`` as one SARIF 2.1.0 run (indent 2, trailing newline)."""
    return "".join(sarif_chunks(report, tool_version=tool_version, table_date=table_date,
                                rules=rules))


def sarif_chunks(
    report: Report, *, tool_version: str, table_date: str, rules: Mapping[str, ModuleType]
) -> Iterator[str]:
    """:func:`render_sarif`'s text a result at a time (they are four levels down).

    ``rules`` is the whole registry, not only the rules that fired: code-scanning
    services show a rule's help from ``driver.rules``, and listing every rule lets
    them tell "fixed" from "no longer checked". Output is sorted like the JSON report,
    so two runs over the same inputs give byte-identical documents.
    """
    descriptors = [_rule_descriptor(module) for module in rules.values()]
    index = {descriptor["id"]: i for i, descriptor in enumerate(descriptors)}
    findings = sorted(report.findings, key=Finding.sort_key)
    several = len(judged_nodes(report)) > 1
    # A finding from a rule outside the registry (a plugin, a test) still needs a
    # descriptor for its ruleIndex to point at; build a minimal one from the finding.
    for finding in findings:
        if finding.rule not in index:
            index[finding.rule] = len(descriptors)
            descriptors.append(_bare_descriptor(finding))

    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": tool_version,
                "informationUri": INFORMATION_URI,
                "properties": {"compatTable": table_date},
                "rules": descriptors,
            }
        },
        "invocations": [_invocation(report, index, several)],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule], several) for f in findings],
    }
    document = {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    # Names that are not UTF-8 are shown escaped in messages, as in every format
    # (artifact URIs carry their real bytes, percent-encoded: see artifact_uri).
    return dump_json_chunks(document, levels=4)


def help_uri(rule_id: str) -> str:
    """The README anchor of a rule's row in the rule table (``#pl101``)."""
    return f"{README_URL}#{rule_id.lower()}"


def artifact_uri(path: str) -> str:
    """``path`` as a URI reference: relative stays relative, separators become ``/``.

    Percent-encoding everything but unreserved characters and ``/`` also encodes a
    ``:`` in a relative path, which would otherwise read as a URI scheme. A Windows
    drive path has no relative-reference form, so it becomes a ``file:`` URI.
    A name that is not UTF-8 is encoded from its real bytes (``caf%E9.toml``), so
    the URI still names the file on disk.
    """
    posix = path.replace("\\", "/")
    if _WINDOWS_DRIVE.match(path):
        return "file:///" + posix[:2] + quote(_path_bytes(posix[2:]), safe="/")
    return quote(_path_bytes(posix), safe="/")


def _path_bytes(path: str) -> bytes:
    # surrogateescape gives back the bytes os.fsdecode made the name from; any other
    # lone surrogate (never from a file system) is encoded as is, never an exception.
    try:
        return path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogatepass")


def _rule_descriptor(module: ModuleType) -> dict[str, Any]:
    doc = inspect.cleandoc(module.__doc__ or "")
    sections = _sections(doc)
    how_to_fix = sections.get("How to fix", "")
    # Help leads with the fix, the part a reader of an alert wants first; the other
    # sections follow with their titles, indented as in the source.
    others = [
        f"{title}\n{textwrap.indent(body, '    ')}"
        for title, body in sections.items()
        if title != "How to fix"
    ]
    help_text = "\n\n".join([how_to_fix, *others]) if how_to_fix else doc
    severity: Severity = module.SEVERITY
    return {
        "id": module.ID,
        "name": module.NAME,
        "shortDescription": {"text": doc_summary(module)},
        "fullDescription": {"text": doc},
        "help": {"text": help_text, "markdown": _markdown(doc)},
        "helpUri": help_uri(module.ID),
        "defaultConfiguration": {
            "enabled": bool(module.DEFAULT_ENABLED),
            "level": _LEVEL[severity],
        },
        "properties": {"tags": _tags(module.ID, severity)},
    }


def _bare_descriptor(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.rule,
        "name": finding.name,
        "defaultConfiguration": {"level": _LEVEL[finding.severity]},
    }


def _tags(rule_id: str, severity: Severity) -> list[str]:
    # Code-scanning UIs filter by tag; family and severity are the useful cuts.
    family = _FAMILY.get(rule_id[2:3]) if rule_id.startswith("PL") else None
    return [tag for tag in ("pause-image", family, severity.label) if tag]


def _sections(doc: str) -> dict[str, str]:
    """A rule docstring's sections: unindented title lines over 4-space bodies.

    The first line (``ID name: summary``) is not a section and is left out.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in doc.splitlines()[1:]:
        if _SECTION_HEADING.match(line):
            current = sections.setdefault(line.strip(), [])
        elif current is not None:
            current.append(line[4:] if line.startswith("    ") else line.strip())
    return {title: "\n".join(lines).strip() for title, lines in sections.items()}


def _markdown(doc: str) -> str:
    """The whole rule doc as Markdown: sections become headings, ``x`` becomes `x`.

    Bodies are dedented because Markdown reads a 4-space indent as a code block.
    """
    first = doc.splitlines()[0] if doc else ""
    rule, colon, summary = first.partition(":")
    parts = [f"**{rule}**:{_code(summary)}" if colon else _code(first)]
    for title, body in _sections(doc).items():
        parts.append(f"## {title}\n\n{_code(body)}")
    return "\n\n".join(parts)


def _code(text: str) -> str:
    # reStructuredText literals (``x``) to Markdown code spans (`x`).
    return text.replace("``", "`")


def _message(finding: Finding, several: bool) -> str:
    message = finding.message
    if several and finding.node and finding.cluster is None and finding.location.path:
        # Loose files of several nodes can share one file (a kubeadm config): the
        # alert must say which node's verdict it is. One node: the message as is.
        message += f" [node {finding.node}]"
    if finding.fix:
        return f"{message} Fix: {finding.fix}"
    return message


def _result(finding: Finding, rule_index: int, several: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": _message(finding, several)},
    }
    location = _finding_location(finding)
    if location is not None:
        result["locations"] = [location]
    # A file finding's place is its file, line and image; the node it names joins
    # the place only where several nodes were judged (one file, two nodes' verdicts),
    # so the alerts of a one-node repository keep the identity they always had.
    identity = finding
    if finding.location.path and finding.cluster is None and not several:
        identity = finding._replace(node=None)
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(identity)}
    properties = {
        key: value
        for key, value in (
            ("image", finding.image),
            ("expected", finding.expected),
            ("node", finding.node),
            ("cluster", finding.cluster),
        )
        if value is not None
    }
    if properties:
        result["properties"] = properties
    return result


def fingerprint(finding: Finding) -> str:
    """A stable identity for a finding: rule, place and image, never the message.

    Messages get reworded between releases; an alert should not reopen for that.
    Node and cluster are part of the place for findings that have no file.
    """
    loc = finding.location
    parts = [
        finding.rule,
        loc.path or "",
        str(loc.line) if loc.line is not None else "",
        finding.image or "",
        finding.cluster or "",
        finding.node or "",
    ]
    # surrogatepass: a name that is not UTF-8 has a fingerprint too (the same as
    # "utf-8" for every other name, so no existing alert changes identity).
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _finding_location(finding: Finding) -> dict[str, Any] | None:
    loc = finding.location
    if loc.path:
        return _physical_location(loc.path, loc.line, loc.column)
    logical = []
    if finding.cluster:
        logical.append({"name": finding.cluster, "kind": "cluster"})
    if finding.node:
        qualified = f"{finding.cluster}/{finding.node}" if finding.cluster else finding.node
        logical.append({"name": finding.node, "fullyQualifiedName": qualified, "kind": "node"})
    return {"logicalLocations": logical} if logical else None


def _physical_location(path: str, line: int | None, column: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path)}}
    # A column without a line points nowhere, so it goes with the line.
    if line is not None:
        region = {"startLine": line}
        if column is not None:
            region["startColumn"] = column
        physical["region"] = region
    return {"physicalLocation": physical}


def _invocation(report: Report, index: Mapping[str, int], several: bool = False
                ) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    errors = sorted(report.errors, key=lambda e: (e.path or "", e.line or 0))
    if errors:
        invocation["toolExecutionNotifications"] = [_error_notification(e) for e in errors]
    skips = skips_by_reason(report.skipped)
    if skips:
        invocation["toolConfigurationNotifications"] = [
            _skip_notification(rule, reason, nodes if several else [], index)
            for (rule, reason), nodes in skips.items()
        ]
    if report.context:
        invocation["properties"] = {"context": dict(sorted(report.context.items()))}
    return invocation


def _error_notification(error: InputError) -> dict[str, Any]:
    notification: dict[str, Any] = {"level": "error", "message": {"text": error.message}}
    if error.path:
        notification["locations"] = [_physical_location(error.path, error.line, error.column)]
    return notification


def _skip_notification(rule: str, reason: str, nodes: list[str | None],
                       index: Mapping[str, int]) -> dict[str, Any]:
    """One notification per rule and reason; ``nodes`` (given only where several
    were judged) are named in the message, unless the skip is about the whole run."""
    text = reason
    named = [node for node in nodes if node is not None]
    if named and len(named) == len(nodes):
        text += f" [on {name_nodes(named)}]"
    notification: dict[str, Any] = {
        "level": "note",
        "message": {"text": text},
        "descriptor": {"id": rule},
    }
    # ``descriptor`` names the notification; ``associatedRule`` is SARIF's link to
    # the rule that was skipped, for viewers that follow it.
    if rule in index:
        notification["associatedRule"] = {"id": rule, "index": index[rule]}
    return notification
