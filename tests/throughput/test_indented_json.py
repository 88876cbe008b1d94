"""indented_json writes exactly what json.dumps(indent=2) writes, without its
pure-Python encoder (issue 16: the JSON report's biggest cost on a large run)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pauselint.report.escaping import dump_json, indented_json

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text())
KEYS = st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: (st.lists(inner, max_size=5) | st.tuples(inner, inner)
                   | st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=40,
)


def reference(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS)
def test_the_same_bytes_as_json_dumps_for_any_document(document: Any) -> None:
    assert indented_json(document) == reference(document)
    # The trailing newline a report ends with is written in the same string.
    assert indented_json(document, "\n") == reference(document) + "\n"


@pytest.mark.parametrize("document", [
    {}, [], (), {"a": {}}, [[]], [{}], {"a": [], "b": {}}, {"a": [1, {"b": []}]},
    {2: 2, 1.5: [3], True: {"x": 1}, None: 2, 0.25: [], -7: {"s": 0}},
    "caf\udce9\u2028\x7f\x00", [math.inf, -math.inf, 1e300, 0.1],
    {"deep": [[[[{"k": [None]}]]]]},
], ids=repr)
def test_the_same_bytes_on_the_edges(document: Any) -> None:
    assert indented_json(document) == reference(document)
    assert indented_json(document, "\n") == reference(document) + "\n"


def test_what_json_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        indented_json({"a": object()})
    with pytest.raises(TypeError):
        indented_json({("tuple", "key"): 1})


def test_the_pure_python_encoder_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    document = {"findings": [{"rule": "PL101", "line": 3, "related": []}] * 3,
                "nodes": [{"files": [{"path": "a", "kind": "containerd"}], "k": None}]}
    expected = reference(document)

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("json's pure-Python encoder was used")

    monkeypatch.setattr(json.encoder, "_make_iterencode", refuse)
    assert dump_json(document) == expected + "\n"


def test_without_the_c_accelerator_json_dumps_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    document = {"a": [1, {"b": "é"}]}
    assert indented_json(document) == reference(document)
    assert indented_json(document, "\n") == reference(document) + "\n"
