"""Paging math and the collection documents (AS2 Vocabulary OrderedCollection/Page)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.activitypub.collections import (
    PAGE_SIZE,
    PageError,
    inline_collection,
    last_page,
    may_list_members,
    ordered_collection,
    ordered_collection_page,
    parse_page,
    window,
)

C = "https://philly.example/users/nate/outbox"


@pytest.mark.parametrize(("values", "expected"), [([], None), (["1"], 1), (["42"], 42)])
def test_parse_page(values: list[str], expected: int | None) -> None:
    assert parse_page(values) == expected


@pytest.mark.parametrize(
    "values",
    [
        ["0"],
        ["-1"],
        [""],
        ["abc"],
        ["1.5"],
        ["1e3"],
        [" 1"],
        ["1_0"],
        ["+1"],
        ["\u0661"],
        ["1", "2"],
        ["9" * 5000],
    ],
)
def test_parse_page_refuses(values: list[str]) -> None:
    with pytest.raises(PageError):
        parse_page(values)


def test_a_page_number_far_past_the_end_is_valid() -> None:
    huge = parse_page(["9" * 40])
    assert huge is not None
    assert window(huge, 5).empty


@pytest.mark.parametrize(
    ("total", "expected"), [(0, 1), (1, 1), (20, 1), (21, 2), (40, 2), (41, 3)]
)
def test_last_page(total: int, expected: int) -> None:
    assert last_page(total) == expected


def test_window() -> None:
    assert (window(1, 45).offset, window(1, 45).limit) == (0, 20)
    assert (window(3, 45).offset, window(3, 45).limit) == (40, 5)
    assert window(4, 45).empty
    assert window(1, 0).empty  # page 1 of an empty collection needs no query


@given(total=st.integers(0, 10_000), size=st.integers(1, 100))
def test_pages_partition_the_collection(total: int, size: int) -> None:
    spans = [window(p, total, size) for p in range(1, last_page(total, size) + 1)]
    assert sum(s.limit for s in spans) == total
    assert [s.offset for s in spans] == [i * size for i in range(len(spans))]
    assert window(last_page(total, size) + 1, total, size).empty


def test_collection_links_first_and_last_page() -> None:
    doc = ordered_collection(C, 45)
    assert doc["type"] == "OrderedCollection"
    assert doc["totalItems"] == 45
    assert doc["first"] == f"{C}?page=1"
    assert doc["last"] == f"{C}?page=3"
    assert doc["@context"] == "https://www.w3.org/ns/activitystreams"


def test_a_hidden_collection_publishes_only_its_size() -> None:
    assert set(ordered_collection(C, 7, paged=False)) == {"@context", "id", "type", "totalItems"}


def test_middle_page_links_both_ways() -> None:
    doc = ordered_collection_page(C, 2, 45, ["a"])
    assert doc["id"] == f"{C}?page=2"
    assert doc["type"] == "OrderedCollectionPage"
    assert doc["partOf"] == C
    assert doc["next"] == f"{C}?page=3"
    assert doc["prev"] == f"{C}?page=1"
    assert doc["orderedItems"] == ["a"]


def test_first_and_last_pages_have_one_neighbour() -> None:
    first = ordered_collection_page(C, 1, 45, [])
    last = ordered_collection_page(C, 3, 45, [])
    assert "prev" not in first and first["next"] == f"{C}?page=2"
    assert "next" not in last and last["prev"] == f"{C}?page=2"
    only = ordered_collection_page(C, 1, 3, [])
    assert "next" not in only and "prev" not in only


def test_a_page_past_the_end_points_back_to_the_last_page() -> None:
    doc = ordered_collection_page(C, 99, 45, [])
    assert doc["orderedItems"] == []
    assert "next" not in doc
    assert doc["prev"] == f"{C}?page=3"


def test_inline_collection() -> None:
    doc = inline_collection(f"{C}/featured", [])
    assert (doc["type"], doc["totalItems"], doc["orderedItems"]) == ("OrderedCollection", 0, [])


def test_page_size_is_twenty() -> None:
    assert PAGE_SIZE == 20


def test_members_are_never_listed_to_anonymous_viewers() -> None:
    owner = "https://philly.example/users/nate"
    assert may_list_members(None, owner=owner) is False
    assert may_list_members("https://evil.example/users/x", owner=owner) is False
    assert may_list_members(owner, owner=owner) is True
