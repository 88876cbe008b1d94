"""One verdict per value: which findings make others moot, and the one fix for a value.

Each rule answers one question, so one bad value draws several findings, and read
together they can contradict: a kubelet flag that 1.35 refuses is also "older than
kubeadm expects" (change its image? it must go), a per-arch image is told to become
``pause:3.3`` by one rule and ``pause:3.10`` by another. This module composes the
findings on each value (``Finding.value_key``):

* A finding may *supersede* others on its value (``Finding.supersedes``, declared by
  its rule: a refused flag, an ignored key, a shadowed value make the image questions
  moot). Superseded findings move under the one that made them moot, as ``related``:
  still in the JSON report, no longer counted or fixed.
* The findings that remain get **one** fix. An action that removes or moves the value
  wins outright; otherwise the image to use is composed from every image the findings
  propose (the name one wants, the tag another wants) and checked by running the image
  rules on it, so a fix never names an image that a rule would flag -- a frozen
  registry, an untagged or floating reference, a tag its repository lacks, a tag older
  than kubeadm's. The rules that guard against those (PL101-PL104) are asked even when
  disabled: a fix is advice, and advice must not be a pull failure. When no image
  passes, the value has no image fix, and the findings say so by having none.

A finding's message loses its own "; use X" advice when the value's fix names another
image, so no line contradicts its fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from types import ModuleType

from packaging.version import InvalidVersion, Version

from pauselint import rules as rule_registry
from pauselint.imageref import ImageRefError, parse_image
from pauselint.model import Finding
from pauselint.rules.framework import IMAGE_VALUE_RULES, ImageUse, RuleContext, sandbox_unknown
from pauselint.rules.images import known_digest, written_name

# Rules a fix must pass even where the run disabled them (see the module docstring).
_ALWAYS_ASKED = ("PL101", "PL102", "PL103", "PL104")
# Fixes that take the value away: nothing about its image matters beside them.
_REMOVING = ("remove ", "move ", "delete ")
_USE = "use "


class FixTrials:
    """What trying a candidate fix found, kept for one run.

    Fleets and config repositories repeat a few values thousands of times; trying the
    same candidate on the same kind of value in the same context gives the same
    answer, so it is asked once. The key holds everything the image rules read: the
    candidate, how the value is used (role, origin, whether it is the one in effect --
    framework.is_effective_sandbox's inputs), and the context they judge it by.
    """

    def __init__(self) -> None:
        self.answers: dict[tuple, tuple[bool, str | None]] = {}


def compose(findings: Sequence[Finding], ctx: RuleContext, modules: Sequence[ModuleType],
            trials: FixTrials | None = None) -> list[Finding]:
    """The findings of one node (``ctx`` is that node's context, ``modules`` the rules
    that ran), one verdict per value: superseded findings under the one that
    supersedes them, one fix for every finding on a value that has a fix. Give one
    ``trials`` to every call of a run to try each candidate once."""
    trials = trials if trials is not None else FixTrials()
    groups: dict[tuple, list[Finding]] = {}
    composed: list[Finding] = []
    for item in findings:
        key = item.value_key()
        if key is None:
            composed.append(item)
        else:
            groups.setdefault(key, []).append(item)
    if not groups:
        return composed
    checks = _fix_checks(modules)
    # The use each value is about, found once: a folder of 10,000 loose files is one
    # group whose context holds every use, and a scan per value would be quadratic.
    uses: dict[tuple, ImageUse] = {}
    for use in ctx.images:
        uses.setdefault((use.location, use.ref.original), use)
        uses.setdefault((None, use.ref.original), use)
    for group in groups.values():
        survivors = _supersede(group)
        composed.extend(_one_fix(survivors, ctx, checks, trials, uses))
    return composed


def _rank(item: Finding) -> tuple[int, str]:
    """Most severe first, then rule order: the finding a value's line leads with."""
    return (-item.severity, item.rule)


def _moots(by: Finding, other: Finding) -> bool:
    return by is not other and any(fnmatchcase(other.rule, p) for p in by.supersedes)


def _supersede(group: list[Finding]) -> list[Finding]:
    """The group's surviving findings, each carrying the ones it made moot.

    A finding is superseded by another on the value that names its rule, unless it
    names that one back (then neither is). Chains collapse: what a superseded finding
    superseded goes under the survivor at the top.
    """
    ranked = sorted(group, key=_rank)
    parent: dict[int, Finding] = {}
    for item in ranked:
        for by in ranked:
            if _moots(by, item) and not _moots(item, by):
                parent[id(item)] = by
                break
    tops: dict[int, Finding] = {}
    for item in ranked:
        top, seen = item, set()
        while id(top) in parent and id(top) not in seen:
            seen.add(id(top))
            top = parent[id(top)]
        # A cycle (A moots B moots C moots A) has no top: its findings all stay.
        tops[id(item)] = item if id(top) in parent else top
    survivors = [item for item in ranked if tops[id(item)] is item]
    related: dict[int, list[Finding]] = {id(s): [] for s in survivors}
    for item in ranked:
        if tops[id(item)] is not item:
            related[id(tops[id(item)])].append(item._replace(related=(), supersedes=()))
    return [s._replace(related=(*s.related, *related[id(s)])) if related[id(s)] else s
            for s in survivors]


def _fix_checks(modules: Sequence[ModuleType]) -> list[ModuleType]:
    ran = {m.ID for m in modules}
    return [rule_registry.RULES[rid] for rid in rule_registry.INFO
            if rid in IMAGE_VALUE_RULES and (rid in ran or rid in _ALWAYS_ASKED)]


def _image_of(fix: str | None) -> str | None:
    return fix[len(_USE):] if fix is not None and fix.startswith(_USE) else None


def _one_fix(survivors: list[Finding], ctx: RuleContext, checks: Sequence[ModuleType],
             trials: FixTrials, uses: dict[tuple, ImageUse]) -> list[Finding]:
    fixes = [s.fix for s in survivors if s.fix]
    if not fixes:
        return survivors
    removing = [fix for fix in fixes if fix.startswith(_REMOVING)]
    image: str | None = None
    if removing:
        fix: str | None = removing[0]
    else:
        proposals = list(dict.fromkeys(i for i in map(_image_of, fixes) if i is not None))
        actions = list(dict.fromkeys(f for f in fixes if _image_of(f) is None))
        step = None
        if proposals:
            use = _use_for(survivors[0], uses)
            needs_exact = any(s.rule == "PL304" and _image_of(s.fix) for s in survivors)
            if use is None:  # nothing to try fixes on: the leading finding's stands
                image = proposals[0]
            else:
                image, step = _choose(use, proposals, ctx, checks, needs_exact, trials)
        parts = [*([f"{_USE}{image}"] if image else []), *([step] if step else []), *actions]
        fix = "; ".join(parts) or None
    return [_with_fix(s, fix, image) for s in survivors]


def _with_fix(item: Finding, fix: str | None, image: str | None) -> Finding:
    if item.fix is None or item.fix == fix:
        return item
    own = _image_of(item.fix)
    message, expected = item.message, item.expected
    if own is not None:
        if own != image:
            for advice in (f"; use the multi-arch {own}", f"; use {own}"):
                message = message.removesuffix(advice)
        expected = image
    return item._replace(message=message, expected=expected, fix=fix,
                         fixable=fix is not None and expected is not None)


def _use_for(item: Finding, uses: dict[tuple, ImageUse]) -> ImageUse | None:
    """The image use the finding is about, to try fixes on: at its place, or (no line:
    a built-in default, a live node's image) by the image alone."""
    place = item.location if item.location.line is not None else None
    return uses.get((place, item.image or ""))


def _choose(use: ImageUse, proposals: Sequence[str], ctx: RuleContext,
            checks: Sequence[ModuleType], needs_exact: bool, trials: FixTrials,
            ) -> tuple[str | None, str | None]:
    """The first candidate no check flags and the further step it needs (or None,
    None). Candidates, best first: each proposed name, in its proposer's rank, at the
    highest proposed tag first; then the proposals as written."""
    for candidate in _candidates(use, proposals, ctx, needs_exact):
        ok, step = _tried(candidate, use, ctx, checks, trials)
        if ok:
            return candidate, step
    return None, None


def _candidates(use: ImageUse, proposals: Sequence[str], ctx: RuleContext,
                needs_exact: bool) -> list[str]:
    parsed = []
    for text in proposals:
        try:
            parsed.append(parse_image(text))
        except ImageRefError:
            continue
    # Names in the order of the findings that propose them, most severe first: a rule
    # that moves the value off its name (frozen, per-arch, not under imageRepository)
    # knows why; a name no finding proposes is not tried.
    names = list(dict.fromkeys(written_name(p) for p in parsed))
    tags = list(dict.fromkeys(p.tag for p in parsed if p.tag))
    tags.sort(key=_tag_order, reverse=True)
    pin = use.ref.digest is not None or any(p.digest for p in parsed)
    out: list[str] = []
    for name in names:
        for tag in tags:
            plain = f"{name}:{tag}"
            if pin:
                digest = _digest_for(plain, use, ctx)
                if digest:
                    out.append(f"{plain}@{digest}")
            out.append(plain)
    out.extend(proposals)  # as proposed, digests and all
    if needs_exact:  # PL304: containerd pins only the name exactly as it stores it
        out = [c for c in (_normalized(c) for c in out) if c is not None]
    return list(dict.fromkeys(out))


def _tag_order(tag: str) -> tuple[bool, Version]:
    """Sort key, with ``reverse=True``: versions highest first, other tags last."""
    try:
        return (True, Version(tag))
    except InvalidVersion:
        return (False, Version("0"))


def _normalized(text: str) -> str | None:
    try:
        return parse_image(text).normalized()
    except ImageRefError:
        return None


def _digest_for(candidate: str, use: ImageUse, ctx: RuleContext) -> str | None:
    trial = _trial(candidate, use, ctx)
    return None if trial is None else known_digest(trial, ctx.table)


def _trial(candidate: str, use: ImageUse, ctx: RuleContext) -> ImageUse | None:
    """``use`` as if its value were ``candidate``."""
    try:
        ref = parse_image(candidate)
    except ImageRefError:
        return None
    upstream, mirror = ctx.table.resolve(ref)
    setting = use.setting._replace(value=candidate) if use.setting is not None else None
    return use._replace(ref=ref, upstream=upstream, mirror=mirror, setting=setting)


def _tried(candidate: str, use: ImageUse, ctx: RuleContext, checks: Sequence[ModuleType],
           trials: FixTrials) -> tuple[bool, str | None]:
    setting = use.setting
    in_effect = (use.effective and sandbox_unknown(use.node) is None
                 and (setting is None or (setting.effective and not setting.ignored)))
    key = (candidate, use.role, use.origin, in_effect, ctx.kubernetes, ctx.platform,
           ctx.image_repository, ctx.policy, id(ctx.table), tuple(m.ID for m in checks))
    answer = trials.answers.get(key)
    if answer is None:
        answer = trials.answers[key] = _passes(candidate, use, ctx, checks)
    return answer


def _passes(candidate: str, use: ImageUse, ctx: RuleContext,
            checks: Sequence[ModuleType]) -> tuple[bool, str | None]:
    """Whether no check flags ``use`` with ``candidate`` as its value, and the one
    further step the fix then needs, if any.

    The step: kubeadm warns (PL202) when a mirror's image differs from its own only by
    the registry, and no imageRepository is set; a mirror is a deliberate choice, so
    the fix keeps it and says to point kubeadm at it too, rather than moving the node
    to a registry it may not reach.
    """
    trial = _trial(candidate, use, ctx)
    if trial is None:
        return False, None
    trial_ctx = ctx._replace(images=(trial,))
    step = None
    for module in checks:
        for item in module.check(trial_ctx):
            if not isinstance(item, Finding):
                continue
            step = _kubeadm_step(item, trial, ctx) if step is None else step
            if step is None:
                return False, None
    return True, step


def _kubeadm_step(item: Finding, trial: ImageUse, ctx: RuleContext) -> str | None:
    if item.rule != "PL202" or ctx.image_repository is not None or item.expected is None:
        return None
    try:
        wanted = parse_image(item.expected)
    except ImageRefError:
        return None
    repository, _, base = written_name(trial.ref).rpartition("/")
    if trial.ref.tag != wanted.tag or base != ctx.table.kubeadm_pause_name or not repository:
        return None
    return f"set kubeadm imageRepository to {repository}"
