"""`pauselint rules` and `pauselint explain`: the rule catalogue, from the rule modules."""

from __future__ import annotations

import textwrap

import click

from pauselint.commands.errors import Fatal
from pauselint.commands.output import say


@click.command("rules")
@click.option("--format", "output_format", type=click.Choice(("text", "markdown", "json")),
              default="text", show_default=True,
              help="markdown prints the table the README carries; json a list of "
                   "{id, name, severity, enabled, summary} for tools.")
def rules_command(output_format: str) -> None:
    """List every rule: ID, name, severity, and whether it is on by default."""
    from pauselint.rules import RULES, doc_summary

    if output_format == "json":
        import json

        say(json.dumps([{"id": rule_id, "name": module.NAME,
                         "severity": module.SEVERITY.label,
                         "enabled": bool(module.DEFAULT_ENABLED),
                         "summary": doc_summary(module)}
                        for rule_id, module in RULES.items()], indent=2))
        return
    if output_format == "markdown":
        say("| ID | name | severity | default | what it finds |")
        say("|---|---|---|---|---|")
    for rule_id, module in RULES.items():
        state = "on" if module.DEFAULT_ENABLED else "off"
        if output_format == "markdown":
            say(f"| <a id=\"{rule_id.lower()}\"></a>{rule_id} | {module.NAME} | "
                f"{module.SEVERITY.label} | {state} | {doc_summary(module)} |")
        else:
            say(f"{rule_id}  {module.NAME:<40} {module.SEVERITY.label:<8} {state:<3}  "
                f"{doc_summary(module)}")


@click.command("explain")
@click.argument("rule_id")
def explain_command(rule_id: str) -> None:
    """Print a rule's full documentation: what, why it breaks, how to fix, sources."""
    from pauselint.rules import RULES

    module = RULES.get(rule_id.upper())
    if module is None:
        raise Fatal(f"unknown rule {rule_id!r} (see `pauselint rules`)")
    state = "on" if module.DEFAULT_ENABLED else "off by default"
    say(f"{module.ID} {module.NAME} ({module.SEVERITY.label}, {state})\n")
    say(textwrap.dedent(module.__doc__ or "").strip())
