"""A rule the engine does not import for a context (framework.SILENT_WITHOUT) must have
had nothing to say there.

Each entry of SILENT_WITHOUT claims that its rule says nothing -- no finding, no skip --
for a context where the entry is false, so the engine may leave the rule's module
unloaded (a one-file check pays for the rules that can speak). Every context the
engine makes for the examples, the fixtures and the shared corpus (when present),
under several option sets, is kept, and each rule's own check() is run on every one
of them where its entry says "silent".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint import engine
from pauselint.cli import main
from pauselint.rules import RULES
from pauselint.rules.framework import SILENT_WITHOUT, RuleContext

CHECKOUT = Path(__file__).resolve().parents[2]
CORPUS = CHECKOUT.parent / "shared" / "corpus"
INPUTS = [str(CHECKOUT / "examples"), str(CHECKOUT / "tests" / "fixtures"),
          *([str(CORPUS)] if CORPUS.is_dir() else [])]
OPTIONS = (
    ["-k", "1.31"],
    ["-k", "1.24", "--runtime-version", "containerd=1.7.24", "--platform", "linux/arm64"],
    ["--allowed-registry", "registry.k8s.io", "-k", "1.35"],
    [],
)


@pytest.fixture(scope="module")
def contexts() -> list[RuleContext]:
    kept: list[RuleContext] = []
    real = engine.run_rules

    def keeping(ctx: RuleContext, modules):  # type: ignore[no-untyped-def]
        kept.append(ctx)
        return real(ctx, modules)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "run_rules", keeping)
        for options in OPTIONS:
            result = CliRunner().invoke(main, ["check", "--no-config", "--format", "json",
                                               *options, *INPUTS])
            # The fixtures hold unreadable inputs on purpose: exit 2, the rest checked.
            assert result.exit_code in (0, 1, 2) and '"findings"' in result.output, \
                result.output
    return kept


@pytest.mark.parametrize("rule_id", sorted(SILENT_WITHOUT))
def test_a_rule_left_unloaded_had_nothing_to_say(rule_id: str,
                                                  contexts: list[RuleContext]) -> None:
    speaks = SILENT_WITHOUT[rule_id]
    silent = [ctx for ctx in contexts if not speaks(ctx)]
    assert silent, "no context to try the entry on"
    module = RULES[rule_id]
    for ctx in silent:
        assert list(module.check(ctx)) == [], (rule_id, [n.name for n in ctx.nodes])


@pytest.mark.parametrize("rule_id", ["PL110", "PL203", "PL301", "PL302", "PL303"])
def test_the_entries_let_the_rules_speak_where_they_have_something_to_say(
        rule_id: str, contexts: list[RuleContext]) -> None:
    # The first test cannot fail for an entry that is never false; these rules do
    # speak on some of the inputs, where their entries must let them.
    speaking = [ctx for ctx in contexts if list(RULES[rule_id].check(ctx))]
    assert speaking, f"no input makes {rule_id} say anything"
    assert all(SILENT_WITHOUT[rule_id](ctx) for ctx in speaking)
