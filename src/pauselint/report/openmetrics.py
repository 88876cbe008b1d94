"""`-o openmetrics`: the report as metrics for Prometheus, through node-exporter's
textfile collector (``--output-file /var/lib/node_exporter/textfile_collector/pauselint.prom``).

The format is what that collector parses, which is the Prometheus text format 0.0.4
and not OpenMetrics 1.0 (the option keeps the name users search for): node_exporter's
collector/textfile.go reads each ``*.prom`` file with ``expfmt.NewTextParser`` and
legacy name validation. So the output has no ``# EOF`` line, no ``info`` or
``stateset`` types and no ``_created`` series (OpenMetrics-only), and no sample
timestamps (the collector refuses a file that has any and exports it as
``node_textfile_scrape_error 1``); the time of the run is a gauge of its own instead.
Every family has HELP and TYPE: a file without HELP gets "Metric read from ..." as
its help, and a help that differs between files is an error of the scrape.

Metrics::

    pauselint_findings{rule,severity,node,cluster}       findings counted (gauge)
    pauselint_sandbox_image_info{node,runtime,image,origin,source}   1 (gauge)
    pauselint_input_errors                               inputs not (fully) read
    pauselint_rules_skipped                              rules that could not run
    pauselint_last_run_timestamp_seconds                 when the run was made
    pauselint_info{version,compat_table}                 1

``pauselint_sandbox_image_info`` has one series per runtime per node: ``source`` says
where the image was learnt -- ``configured`` (the config files on disk, read by
``check``) today, ``live`` (the running runtime, asked over CRI) from ``pauselint
node`` -- so a PromQL join on ``node, runtime`` compares the two. ``origin`` is the
configured value's: ``set`` in a file, the runtime's ``default``, or ``unknown``
(``image=""``: the default depends on a runtime version the run was not given).

Only findings that are reported are counted (those a composed verdict superseded are
carried under it, not counted, as in every format). A rule/severity/node with no
finding has no series: ``sum by (node) (pauselint_findings) > 0`` and
``absent()``-free alerts resolve when the series goes, as node-exporter drops it.

Every label value comes from input files (node names are folder paths, images are
config values), so each is escaped for the format (backslash, double quote, line
feed) after the escaping every reporter applies (escaping.py): a byte that is not
UTF-8 would make the parser refuse the whole file, and a control character would act
on the terminal of whoever runs ``cat`` on it; both are shown as ``\\xNN``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from pauselint.model import Report
from pauselint.report.escaping import printable_but_line_breaks

PREFIX = "pauselint_"
# Which source the configured image comes from; the live one is "live" (PL410's pair).
CONFIGURED = "configured"
LIVE = "live"

_Labels = tuple[tuple[str, str], ...]


def render_openmetrics(report: Report, *, tool_version: str, table_date: str,
                       now: float | None = None) -> str:
    """``report`` in the Prometheus text format node-exporter's textfile collector reads.

    ``now`` is the run's time in seconds since the epoch (the current time when None):
    given by tests, so the output is the same on every run.
    """
    when = time.time() if now is None else now
    findings: Counter[_Labels] = Counter(
        (("rule", f.rule), ("severity", f.severity.label), ("node", f.node or ""),
         ("cluster", f.cluster or ""))
        for f in report.findings)
    families = [
        _family("findings", "Findings of a rule at a severity on a node (a cluster's "
                "node for pauselint cluster).", sorted(findings.items())),
        _family("sandbox_image_info", "The sandbox (pause) image a node's runtime uses, "
                "by where it was learnt (source) and how it was chosen (origin); always 1.",
                [(labels, 1) for labels in sorted({*sandbox_images(report.nodes, CONFIGURED),
                                                    *live_images(report.nodes)})]),
        _family("input_errors", "Inputs that could not be read, or only partly.",
                [((), len(report.errors))]),
        _family("rules_skipped", "Rules that could not run for want of context "
                "(Kubernetes version, platform, runtime version).",
                [((), len({skip.rule for skip in report.skipped}))]),
        _family("last_run_timestamp_seconds", "When pauselint made this report, in "
                "seconds since the epoch.", [((), when)]),
        _family("info", "The pauselint version and the date of its compatibility "
                "table; always 1.",
                [((("version", tool_version), ("compat_table", table_date)), 1)]),
    ]
    return "".join(families)


def sandbox_images(nodes: Iterable[Mapping], source: str) -> list[_Labels]:
    """One label set per runtime of each node entry (``Report.nodes``, describe.py's
    shape), sorted and each once: two identical series would fail the whole scrape."""
    def configured(runtime: Mapping) -> tuple[str, str] | None:
        sandbox = runtime.get("sandbox_image") or {}
        return str(sandbox.get("value") or ""), str(sandbox.get("origin") or "unknown")

    return _series(nodes, source, configured)


def live_images(nodes: Iterable[Mapping]) -> list[_Labels]:
    """``pauselint node``: what the running runtime reports over CRI, beside the
    configured series (same labels, ``source="live"``); nothing where it reports no
    image (containerd 2.x)."""
    def running(runtime: Mapping) -> tuple[str, str] | None:
        image = (runtime.get("live") or {}).get("sandbox_image")
        return (image, "running") if isinstance(image, str) and image else None

    return _series(nodes, LIVE, running)


def _series(nodes: Iterable[Mapping], source: str,
            image_of: Callable[[Mapping], tuple[str, str] | None]) -> list[_Labels]:
    """The sandbox-image label sets of every runtime of every node entry, each once."""
    found: set[_Labels] = set()
    for entry in nodes:
        if not isinstance(entry, Mapping):
            continue
        name = entry.get("name")
        for runtime in entry.get("runtimes") or ():
            image = image_of(runtime)
            if image is None:
                continue
            found.add((("node", name if isinstance(name, str) else ""),
                       ("runtime", str(runtime.get("name") or "")),
                       ("image", image[0]), ("origin", image[1]), ("source", source)))
    return sorted(found)


def label_value(text: str) -> str:
    """``text`` as a label value between double quotes: the shown form of every
    reporter (no undecodable byte, no control character), then the format's escapes."""
    shown = printable_but_line_breaks(text).replace("\r", "\\r")
    return shown.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, help_text: str, samples: list[tuple[_Labels, float]]) -> str:
    full = PREFIX + name
    lines = [f"# HELP {full} {_help(help_text)}", f"# TYPE {full} gauge"]
    lines += [f"{full}{_labels(labels)} {_number(value)}" for labels, value in samples]
    return "\n".join(lines) + "\n"


def _labels(labels: _Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{label_value(value)}"' for key, value in labels) + "}"


def _help(text: str) -> str:
    # HELP escapes backslash and line feed only (a double quote stands as it is).
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))
