"""One verdict per value, as a property of every real input we have.

Over the bundled examples, the test fixtures and (when present) the shared corpus of
public configs, at several Kubernetes versions: no two findings on one value carry
different fixes, and a fix that names an image, written into a copy of the input in
place of the value, leaves that value with no finding from the rules that proposed
the fix nor from any image rule (a fix never names an image a rule would flag).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pauselint.compat import load_table
from pauselint.engine import Options, check_files, parse_platform
from pauselint.inputs import collect
from pauselint.model import Finding
from pauselint.rules.framework import IMAGE_VALUE_RULES

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
VERSIONS = ("1.24", "1.28", "1.31", "1.35")
# No platform (PL105/PL107 skip), and two that make the platform rules judge.
PLATFORMS = (None, "linux/arm64", "windows/amd64:ltsc2022")
# Rules that judge the value itself: after its fix they must be quiet on it.
VALUE_RULES = frozenset(IMAGE_VALUE_RULES) | {"PL304"}
# A message's own closing advice: "...; use IMAGE" or "; use the multi-arch IMAGE".
_ADVICE = re.compile(r"; use (?:the multi-arch )?(\S+)$")


def _inputs() -> Iterator[Path]:
    yield from sorted(p for p in (REPO / "examples").iterdir() if p.is_dir())
    for folder in (REPO / "tests" / "fixtures" / "containerd", REPO / "tests" / "sources" / "data"):
        yield from sorted(p for p in folder.rglob("*") if p.is_file())


def _corpus() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def _check(path: Path, version: str, platform: str | None = None) -> list[Finding]:
    table = load_table()
    options = Options(kubernetes=version,
                      platform=parse_platform(platform, table) if platform else None)
    return check_files(collect([str(path)]), options, table).findings


def _by_value(findings: list[Finding]) -> dict[tuple, list[Finding]]:
    groups: dict[tuple, list[Finding]] = {}
    for item in findings:
        key = item.value_key()
        if key is not None:
            groups.setdefault(key, []).append(item)
    return groups


def _image_fix(fix: str) -> tuple[str | None, list[str]]:
    """The image a fix names and its other steps."""
    parts = fix.split("; ")
    if parts[0].startswith("use "):
        return parts[0][len("use "):], parts[1:]
    return None, parts


def _apply(tmp: Path, source: Path, finding: Finding, image: str) -> Path | None:
    """A copy of the input with ``image`` written over the finding's value, or None
    when the value is not written where the finding points (a built-in default)."""
    loc = finding.location
    if loc.path is None or loc.line is None or finding.image is None:
        return None
    copy = tmp / "copy"
    if copy.exists():
        shutil.rmtree(copy)
    if source.is_dir():
        shutil.copytree(source, copy)
        target = copy / Path(loc.path).relative_to(source)
    else:
        copy.mkdir()
        target = copy / source.name
        shutil.copyfile(source, target)
    lines = target.read_text(encoding="utf-8").split("\n")
    line = lines[loc.line - 1]
    start = line.find(finding.image, (loc.column or 1) - 1)
    if start < 0:
        return None
    lines[loc.line - 1] = line[:start] + image + line[start + len(finding.image):]
    target.write_text("\n".join(lines), encoding="utf-8")
    return copy if source.is_dir() else target


def _same_place(finding: Finding, original: Finding, source: Path, copy: Path) -> bool:
    if finding.location.line != original.location.line:
        return False
    if finding.location.column != original.location.column or finding.location.path is None:
        return False
    here = Path(finding.location.path)
    return here.name == Path(original.location.path or "").name and copy in (here, *here.parents)


def _verify(path: Path, version: str, platform: str | None, tmp: Path) -> list[str]:
    problems = []
    for key, group in _by_value(_check(path, version, platform)).items():
        fixes = {f.fix for f in group if f.fix}
        if len(fixes) > 1:
            problems.append(f"{key}: different fixes {sorted(fixes)}")
            continue
        if not fixes:
            continue
        fix = fixes.pop()
        image, steps = _image_fix(fix)
        for item in group:  # no line's own advice contradicts the value's fix
            advice = _ADVICE.search(item.message)
            if item.fix and advice and f"use {advice.group(1)}" != fix.split("; ")[0]:
                problems.append(f"{key}: {item.rule} says `use {advice.group(1)}`, fix `{fix}`")
        if image is None:
            continue
        copy = _apply(tmp, path, group[0], image)
        if copy is None:
            continue
        proposers = {f.rule for f in group if f.fix}
        allowed = {"PL202"} if any("imageRepository" in s for s in steps) else set()
        allowed |= {"PL304"} if any(s.startswith("upgrade") for s in steps) else set()
        after = [f for f in _check(copy, version, platform) if _same_place(f, group[0], path, copy)
                 and (f.rule in proposers or f.rule in VALUE_RULES) and f.rule not in allowed]
        if after:
            problems.append(f"{key}: after `use {image}`: "
                            + "; ".join(f"{f.rule} {f.message}" for f in after))
    return problems


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", list(_inputs()), ids=lambda p: str(p.relative_to(REPO)))
def test_one_fix_per_value_and_it_passes(path: Path, version: str, platform: str | None,
                                         tmp_path: Path) -> None:
    assert _verify(path, version, platform, tmp_path) == []


@pytest.mark.skipif(not _corpus(), reason="../shared/corpus is not here (a user's clone)")
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("version", VERSIONS)
def test_one_fix_per_value_and_it_passes_on_the_corpus(version: str, platform: str | None,
                                                       tmp_path: Path) -> None:
    problems = [f"{path.relative_to(CORPUS)}: {problem}" for path in _corpus()
                for problem in _verify(path, version, platform, tmp_path)]
    assert problems == []


def test_the_examples_do_have_values_with_several_findings() -> None:
    """The property is not vacuous: the examples hold values that several rules
    judge, and values whose fix names an image."""
    findings = [f for p in (REPO / "examples").iterdir() for f in _check(p, "1.31")]
    groups = _by_value(findings)
    assert any(len(g) > 1 for g in groups.values())
    assert any(f.fix and f.fix.startswith("use ") for f in findings)
    assert any(f.related for f in findings)
