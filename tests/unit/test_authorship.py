"""Who owns a stored object and when its tombstone wins (issue 7, 2.4 and 2.7)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.activitypub.authorship import PRE_CREATE, authors_of, owners, tombstone_wins

NOW = datetime(2026, 12, 4, tzinfo=UTC)
ANA, BOB, EVE = (f"https://m.example/users/{n}" for n in ("ana", "bob", "eve"))


def row(**values: Any) -> dict[str, Any]:
    base = {"type": "Note", "local": False, "deleted_at": None, "attributed_to": None,
            "authors": None, "document": None}
    return {**base, **values}


def test_authors_are_every_attributed_to_once_in_order() -> None:
    assert authors_of({"attributedTo": ANA}) == [ANA]
    assert authors_of({"attributedTo": [ANA, {"id": BOB, "type": "Group"}, ANA, 3]}) == [
        ANA, BOB]
    assert authors_of({}) == []


def test_owners_fall_back_for_rows_stored_before_the_authors_column() -> None:
    assert owners(row(authors=[ANA, BOB], attributed_to=ANA)) == [ANA, BOB]
    assert owners(row(attributed_to=ANA)) == [ANA]
    assert owners(row(document={"attributedTo": [ANA, BOB]})) == [ANA, BOB]
    assert owners(row()) == []


def test_a_pre_create_tombstone_wins_only_over_its_deleters() -> None:
    tombstone = row(type=PRE_CREATE, deleted_at=NOW, attributed_to=EVE, authors=[EVE])
    assert not tombstone_wins(tombstone, [ANA])
    assert tombstone_wins(tombstone, [ANA, EVE])
    assert tombstone_wins({**tombstone, "authors": [EVE, ANA]}, [ANA])


def test_the_tombstone_of_an_object_we_had_wins_over_anyone() -> None:
    assert tombstone_wins(row(deleted_at=NOW, authors=[ANA]), [EVE])
    assert tombstone_wins(row(type=PRE_CREATE, local=True, deleted_at=NOW), [EVE])
    assert not tombstone_wins(row(authors=[ANA]), [ANA])  # live, not a tombstone
    assert not tombstone_wins(None, [ANA])
