"""A KubeletConfiguration is checked by libyaml first, with PyYAML's verdict kept
(issue 16: PyYAML's pure-Python composer was a tenth of a large run)."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pauselint.sources import kubelet
from pauselint.sources.kubelet import read_kubelet_config

CONFIG = """apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
clusterDNS:
  - 10.96.0.10
evictionHard: {memory.available: 100Mi, "nodefs.available": '10%'}
anchors: &base [a, b]
again: *base
block: |
  text
---
{"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
"""
PUNCTUATION = ":-[]{},&*!|>'\"#%@` \t\n\r?\\\x00\x85\u2028\ufeff"


def pyyaml_verdict(text: str) -> tuple[int | None, str] | None:
    """What read_kubelet_config said before libyaml went first: PyYAML alone."""
    try:
        for _ in yaml.compose_all(text, Loader=yaml.SafeLoader):
            pass
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        return (mark.line + 1 if mark is not None else None,
                getattr(exc, "problem", None) or str(exc))
    return None


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = CONFIG
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        text = text[:at] + draw(st.text(PUNCTUATION, max_size=3)) + text[at + cut:]
    return text


@settings(max_examples=1500, deadline=None)
@given(mutated() | st.text(PUNCTUATION + "ab1", max_size=40))
def test_the_verdict_is_pyyamls_on_any_text(text: str) -> None:
    assert kubelet._yaml_syntax_problem(text) == pyyaml_verdict(text)


@pytest.mark.parametrize("text", [
    "a: " + "[" * 90 + "]" * 90,      # shallow enough for libyaml's answer
    "a: " + "[" * 400 + "]" * 400,    # PyYAML's answer: it recurses that deep
    "a: " + "[" * 900 + "]" * 900,    # libyaml takes it; PyYAML runs out of recursion
    "a: " + "[" * 1001 + "]" * 1001,  # past libyaml's own limit
    "a: &x [*x]\n",                   # an anchor inside itself
    "a: &a [x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c]\n",
    "a: b: c\n", "- [\n", "\ufeffkind: KubeletConfiguration\n", "a: \x07\n", "",
], ids=lambda text: repr(text[:24]))
def test_the_verdict_is_pyyamls_on_the_edges(text: str) -> None:
    assert kubelet._yaml_syntax_problem(text) == pyyaml_verdict(text)


def test_a_valid_config_is_composed_by_libyaml_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    if kubelet._CLoader is None:
        pytest.skip("PyYAML without libyaml")
    composed: list[object] = []
    original = yaml.composer.Composer.compose_document

    def counted(self: yaml.composer.Composer) -> object:
        composed.append(self)
        return original(self)

    monkeypatch.setattr(yaml.composer.Composer, "compose_document", counted)
    assert read_kubelet_config("config.yaml", CONFIG).errors == ()
    assert composed == []
    # Not YAML: PyYAML composes it again, and its message is the one reported.
    result = read_kubelet_config("config.yaml", "a: b: c\n")
    assert composed
    assert [(e.line, e.message) for e in result.errors] == [
        (1, "invalid YAML: mapping values are not allowed here")]
