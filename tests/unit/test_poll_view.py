"""The poll view model: shares, voters, closing, whatever a Question document holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.web.poll_view import poll_view, shares, voters_label

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def question(counts: list[int], *, key: str = "oneOf", **extra: Any) -> dict[str, Any]:
    return {"type": "Question", key: [
        {"type": "Note", "name": f"option {n}", "replies": {"totalItems": count}}
        for n, count in enumerate(counts)], **extra}


@pytest.mark.parametrize(("count", "label"), [(0, "0 voters"), (1, "1 voter"),
                                              (2, "2 voters"), (21, "21 voters")])
def test_voters_are_counted_in_words(count: int, label: str) -> None:
    assert voters_label(count) == label


def test_shares_are_of_the_votes_or_of_the_voters() -> None:
    assert shares((2, 1, 0), 3, multiple=False) == (67, 33, 0)
    assert shares((2, 1), 2, multiple=True) == (100, 50)  # several choices: of the voters
    assert shares((0, 0), 0, multiple=False) == (0, 0)
    assert shares((5,), 2, multiple=True) == (100,)  # a count above the voters is capped


def test_an_open_poll_leads_nobody_and_closes_at_its_end() -> None:
    view = poll_view(question([3, 1], endTime="2026-11-22T12:00:00Z", votersCount=4), NOW)
    assert view.is_open and view.closed_at is None
    assert view.ends == NOW + timedelta(days=1) and view.voters_label == "4 voters"
    assert [(o.name, o.count, o.percent, o.leading) for o in view.options] == [
        ("option 0", 3, 75, True), ("option 1", 1, 25, False)]
    assert not view.tied  # one option leads


@pytest.mark.parametrize(("extra", "closed"), [
    ({"endTime": "2026-11-21T11:00:00Z"}, NOW - timedelta(hours=1)),  # its end has passed
    ({"endTime": "2026-11-22T12:00:00Z", "closed": "2026-11-21T10:00:00Z"},
     NOW - timedelta(hours=2)),  # closed by hand before its end
    ({"closed": True}, NOW),  # Mastodon's older form: a boolean
    ({"endTime": "2026-11-20T12:00:00Z", "closed": "yesterday"},
     NOW - timedelta(days=1)),  # unreadable: closed at its end
])
def test_a_closed_poll_says_when_it_closed(extra: dict[str, Any], closed: datetime) -> None:
    view = poll_view(question([1, 1], **extra), NOW)
    assert not view.is_open and view.closed_at == closed
    assert all(o.leading for o in view.options) and view.tied  # a tie: both lead


def test_odd_documents_show_what_they_can() -> None:
    view = poll_view({"type": "Question", "anyOf": [
        {"name": "a", "replies": "x"}, "junk", {"replies": {"totalItems": 9}},
        {"name": "b", "replies": {"totalItems": 2}}, {"name": "c", "replies": {
            "totalItems": -4}}], "votersCount": "many"}, NOW)
    assert [(o.name, o.count) for o in view.options] == [("a", 0), ("b", 2), ("c", 0)]
    assert view.multiple and view.voters == 0 and view.is_open
    assert poll_view({}, NOW).options == ()


@pytest.mark.parametrize(("end", "is_open"), [
    ("2026-11-22T12:00:00", True),   # no offset: read as UTC, a day ahead
    ("2026-11-20T12:00:00", False),  # no offset, passed
    ("next tuesday", True),          # unreadable: no known end, open until `closed`
    (None, True),
])
def test_one_closing_rule_for_page_dashboard_and_votes(end: str | None, is_open: bool) -> None:
    # Regression: the dashboard's own copy of the rule raised TypeError on an endTime
    # without offset and called an unreadable one closed while the poll page said open.
    from node.hubs.hub import times
    from node.hubs.polls import rules as polls
    document = question([1, 0], **({"endTime": end} if end is not None else {}))
    assert poll_view(document, NOW).is_open is is_open
    assert times.is_open(document, NOW) is is_open
    assert (polls.closed_reason(document, NOW) is None) is is_open
