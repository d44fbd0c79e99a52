"""Keyset cursors carry the sort values of the row a page stopped at (node.keyset)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from node.keyset import TextKey, TimeKey, parse_text_key, parse_time_key


def test_a_time_key_reads_back_as_the_same_instant_and_id() -> None:
    madrid = timezone(timedelta(hours=1))
    key = TimeKey(datetime(2026, 12, 4, 23, 30, 5, 120, tzinfo=madrid), 42)
    assert str(key) == "20261204T223005.000120Z~42"
    assert parse_time_key(str(key)) == TimeKey(
        datetime(2026, 12, 4, 22, 30, 5, 120, tzinfo=UTC), 42
    )


def test_a_naive_time_is_taken_as_utc_as_sqlite_returns_it() -> None:
    assert str(TimeKey(datetime(2026, 1, 2, 3, 4, 5), 7)) == "20260102T030405.000000Z~7"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "42",
        "abc",
        "20261204T223005.000120Z",
        "20261204T223005.000120Z~",
        "20261204T223005.000120Z~0",
        "20261204T223005.000120Z~-1",
        "20261204T223005Z~3",
        "20261340T223005.000120Z~3",
        "20261204T223005.000120Z~99999999999999999999",
        "x20261204T223005.000120Z~3",
    ],
)
def test_anything_else_is_not_a_time_key(text: str) -> None:
    assert parse_time_key(text) is None


def test_a_text_key_keeps_a_title_with_tildes() -> None:
    key = TextKey("rent ~ strike", 9)
    assert parse_text_key(str(key)) == key
    assert parse_text_key("~3") == TextKey("", 3)
    assert parse_text_key("title") is None and parse_text_key("title~x") is None


@pytest.mark.parametrize("ident", ["²", "1²", "٣", "\uff13"])
def test_an_id_of_other_scripts_digits_is_not_a_cursor(ident: str) -> None:
    """``str.isdigit`` is true of "²", which ``int`` refuses: a page answered a 500."""
    assert parse_time_key(f"20261204T223005.000120Z~{ident}") is None
    assert parse_text_key(f"title~{ident}") is None
