"""The depth and size budget of JSON from other servers (issue 7, 2.1)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.activitypub.fetch_body import parse_json_object
from node.activitypub.inbox import InboxRefusal, parse_activity
from node.activitypub.json_budget import MAX_DEPTH, MAX_VALUES, budget_problem
from node.db import json_text, json_value
from tests.unit.json_budget_support import depth_of, nested, nested_raw, with_raw


def activity(**fields: Any) -> dict[str, Any]:
    return {"id": "https://m.example/1", "type": "Create", "actor": "https://m.example/u",
            **fields}


def test_the_poison_activity_of_the_issue_is_refused_at_parse_time() -> None:
    note = with_raw({"id": "https://m.example/n", "type": "Note"}, "tag", nested_raw(1000))
    with pytest.raises(InboxRefusal) as refused:
        parse_activity(with_raw(activity(), "object", note))
    assert refused.value.status == 400
    assert f"deeper than {MAX_DEPTH}" in refused.value.reason


@pytest.mark.parametrize("wrap", ["list", "dict"])
def test_depth_is_counted_from_the_root_container(wrap: str) -> None:
    assert budget_problem(nested(MAX_DEPTH, wrap=wrap)) is None
    assert budget_problem(nested(MAX_DEPTH + 1, wrap=wrap)) == (
        f"JSON nested deeper than {MAX_DEPTH} levels")
    # the raw-bytes shortcut never hides what the walk finds
    raw = nested_raw(MAX_DEPTH + 1, wrap=wrap)
    assert budget_problem(orjson.loads(raw), raw) is not None


def test_members_are_counted_across_the_whole_document() -> None:
    wide = {"a": list(range(MAX_VALUES // 2)), "b": list(range(MAX_VALUES // 2 - 2))}
    assert budget_problem(wide, orjson.dumps(wide)) is None
    wider = {**wide, "c": [1, 2]}
    assert budget_problem(wider, orjson.dumps(wider)) == (
        f"JSON with more than {MAX_VALUES} values")


def test_the_fetcher_applies_the_same_budget() -> None:
    with pytest.raises(ValueError, match="deeper than"):
        parse_json_object(orjson.dumps(activity(icon=nested(MAX_DEPTH))))
    assert parse_json_object(orjson.dumps(activity(icon=nested(MAX_DEPTH - 1))))


JSON_LEAVES = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(max_size=5)
JSON = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=3), inner, max_size=4), max_leaves=60)


@given(st.integers(1, 1100), st.sampled_from(["list", "dict"]), JSON)
def test_whatever_passes_the_budget_can_be_stored(depth: int, wrap: str, leaf: Any) -> None:
    # Storage writes JSON columns with json_text: anything within budget must serialise,
    # and also survive the standard library, whose recursion was the original failure.
    tag = nested_raw(depth, orjson.dumps(leaf), wrap)
    note = with_raw({"id": "https://m.example/n"}, "tag", tag)
    raw = with_raw(activity(), "object", note)
    try:
        document = parse_activity(raw)
    except InboxRefusal as refused:
        assert refused.status == 400
        assert 2 + depth + depth_of(leaf) > MAX_DEPTH  # refused only for being over budget
        return
    assert orjson.loads(json_text(document)) == document
    assert json.loads(json.dumps(document)) == document


def test_json_columns_read_back_what_the_standard_library_wrote() -> None:
    # Rows stored before orjson wrote the JSON columns may hold NaN, which orjson refuses.
    legacy = json.dumps({"ratio": float("nan"), "n": 1})
    value = json_value(legacy)
    assert value["n"] == 1 and value["ratio"] != value["ratio"]
    written = json_text({"a": [1, 2], 3: "non-string key"})
    assert json_value(written) == {"a": [1, 2], "3": "non-string key"}
