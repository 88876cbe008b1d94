"""The fast page decoder gives exactly what the field-by-field reader gives (issue 16).

``cluster_decode.page`` reads a well-formed node list page straight from its bytes;
anything else it hands back (None) to be read as before. So for any page: either it
declines, or every node it yields has the facts ``node_from_json`` finds in the same
item, the same continue token, and no item that reader would call a problem.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pauselint.model import ClusterNode
from pauselint.sources import cluster_decode
from pauselint.sources.cluster_nodes import node_from_json

from .nodes import corpus_nodes, fleet, make_node
from .test_node_facts_fuzz import is_pause, json_values, node_items


def labelled(name: str, **labels: Any) -> dict[str, Any]:
    node = make_node(name)
    node["metadata"]["labels"].update(labels)
    return node


def page_bytes(items: Any, token: Any = None, metadata: Any = ...) -> bytes:
    body: dict[str, Any] = {"kind": "NodeList", "apiVersion": "v1", "items": items}
    body["metadata"] = {"resourceVersion": "1", "continue": token} if metadata is ... else metadata
    return json.dumps(body).encode()


def slow_facts(items: list) -> list:
    return [node_from_json(item, index, is_pause) for index, item in enumerate(items)]


def fast_facts(data: bytes) -> tuple[list, str | None] | None:
    decoded = cluster_decode.page(data)
    if decoded is None:
        return None
    nodes, token = decoded
    return ([cluster_decode.node_from_struct(n, i, is_pause) for i, n in enumerate(nodes)],
            token)


def test_a_realistic_fleet_is_decoded_fast_with_the_same_facts() -> None:
    items = fleet(300)
    fast = fast_facts(page_bytes(items, "next-page"))
    assert fast is not None  # the fast path really runs on real-shaped nodes
    nodes, token = fast
    assert token == "next-page"
    assert nodes == slow_facts(items)
    assert any(node.pause_images for node in nodes)
    assert any(node.windows_build for node in nodes)  # the fleet has Windows nodes


def test_real_nodes_from_the_corpus_are_decoded_with_the_same_facts() -> None:
    everything = corpus_nodes()
    if not everything:
        pytest.skip("../shared/corpus is not here")
    readable = [item for item, found in zip(everything, slow_facts(everything), strict=True)
                if isinstance(found, ClusterNode)]
    fast = fast_facts(page_bytes(readable))
    assert fast is not None
    assert fast[0] == slow_facts(readable)
    if len(readable) < len(everything):  # some real nodes say images: null
        assert fast_facts(page_bytes(everything)) is None


@pytest.mark.parametrize(("items", "metadata"), [
    ([labelled("a", team=7)], ...),  # a label that is no string
    ([{**make_node("a"), "status": None}], ...),
    ([make_node("")], ...),  # an empty name
    (["not a node"], ...),
    ({"not": "a list"}, ...),
    ([make_node("a")], ["not", "an object"]),
    ([make_node("a")], {"continue": 7}),
])
def test_a_page_the_schema_does_not_expect_is_left_to_the_careful_reader(items, metadata) -> None:
    assert cluster_decode.page(page_bytes(items, metadata=metadata)) is None


def test_a_body_that_is_not_utf8_json_is_left_to_the_careful_reader() -> None:
    body = json.dumps({"items": [make_node("a")]})
    assert cluster_decode.page(body.encode("utf-16")) is None
    assert cluster_decode.page(b'{"items": [') is None
    assert cluster_decode.page(b"[" * 100_000 + b"]" * 100_000) is None


def test_an_empty_continue_token_is_the_last_page() -> None:
    assert fast_facts(page_bytes([make_node("a")], "")) is not None
    assert fast_facts(page_bytes([make_node("a")], ""))[1] is None
    assert fast_facts(page_bytes(None, metadata=None)) == ([], None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(node_items(), st.none() | st.text(max_size=8) | json_values)
def test_fast_or_declined_never_different(case, token) -> None:
    items, _ = case
    fast = fast_facts(page_bytes(items, token))
    if fast is None:
        return  # read as before, by node_from_json: its own tests cover that
    nodes, fast_token = fast
    assert fast_token == (token or None)
    assert all(isinstance(node, ClusterNode) for node in nodes)
    assert nodes == slow_facts(items)
