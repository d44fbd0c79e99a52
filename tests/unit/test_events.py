"""Event documents (FEP-8a8e): words Mastodon shows, refusals, and the JSON round trip."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from node.hubs.events.rules import (
    CallDetails,
    EventError,
    EventSpec,
    Online,
    Place,
    check,
    event_document,
    spec_from_document,
    summary_text,
)
from node.hubs.hub.vocab import EVENT_CANCELLED, NAMESPACE
from node.text import TextError
from node.zones import ZoneError, parse_local

LA = "America/Los_Angeles"
BASE = "https://philly.example"
PUBLISHED = datetime(2026, 11, 21, 12, tzinfo=UTC)


def rally(**changes: object) -> EventSpec:
    spec = EventSpec(title="Port shutdown", start=parse_local("2026-12-12 19:00", LA),
                     end=parse_local("2026-12-12 21:00", LA), timezone=LA,
                     location=Place("Oakland Plaza", "14th & Broadway"), capacity=300,
                     description="Bring *signs*")
    return replace(spec, **changes)  # type: ignore[arg-type]


def document(spec: EventSpec, **extra: object) -> dict[str, object]:
    return event_document(check(spec), id=f"{BASE}/objects/e1", author=f"{BASE}/users/nate",
                          hubs=[f"{BASE}/hubs/portshutdown"], published=PUBLISHED,
                          **extra)  # type: ignore[arg-type]


def test_summary_says_date_time_zone_and_place_in_words() -> None:
    assert summary_text(check(rally())) == (
        "Sat 12 Dec 2026, 7:00 PM to 9:00 PM PST (America/Los_Angeles) at Oakland Plaza, "
        "14th & Broadway.")


def test_summary_of_an_online_event_gives_the_link() -> None:
    text = summary_text(check(rally(location=Online("https://meet.example/rally"))))
    assert "7:00 PM to 9:00 PM PST" in text and "online: https://meet.example/rally" in text


def test_summary_across_midnight_and_a_summer_abbreviation() -> None:
    # An overnight event names both days; a summer date uses the daylight abbreviation.
    spec = rally(start=parse_local("2027-07-04 22:00", LA), end=parse_local("2027-07-05 01:30", LA))
    assert summary_text(check(spec)).startswith(
        "Sun 4 Jul 2027, 10:00 PM PDT to Mon 5 Jul 2027, 1:30 AM PDT (America/Los_Angeles)")


def test_summary_of_a_call_carries_every_way_to_join() -> None:
    call = CallDetails(call_url="https://meet.example/c", dial_in="+1 555 0100",
                       access_code="4321", facilitator="Rosa", breakout_rooms=("Legal",))
    text = summary_text(check(rally(call=call, location=Online(call.call_url))))
    assert text == ("Sat 12 Dec 2026, 7:00 PM to 9:00 PM PST (America/Los_Angeles). "
                    "Join the call: https://meet.example/c. Dial in: +1 555 0100, access code "
                    "4321. Facilitator: Rosa. Breakout rooms: Legal.")


def test_the_document_has_the_fep_8a8e_fields() -> None:
    doc = document(rally())
    assert doc["type"] == "Event" and doc["url"] == doc["id"] == f"{BASE}/objects/e1"
    assert doc["startTime"] == "2026-12-12T19:00:00-08:00"
    assert doc["endTime"] == "2026-12-12T21:00:00-08:00"
    assert doc["timezone"] == LA and doc["joinMode"] == "free"
    assert doc["location"] == {"type": "Place", "name": "Oakland Plaza",
                               "address": "14th & Broadway"}
    assert doc["maximumAttendeeCapacity"] == 300
    assert doc["attendees"] == f"{BASE}/objects/e1/attendees"
    assert doc["to"] == ["https://www.w3.org/ns/activitystreams#Public",
                         f"{BASE}/hubs/portshutdown"]
    assert doc["cc"] == [f"{BASE}/users/nate/followers"]
    assert doc["attributedTo"] == f"{BASE}/users/nate"
    assert doc["audience"] == f"{BASE}/hubs/portshutdown"
    assert doc["content"] == ("<p>Bring <em>signs</em></p><p>Sat 12 Dec 2026, 7:00 PM to 9:00 "
                              "PM PST (America/Los_Angeles) at Oakland Plaza, 14th &amp; "
                              "Broadway</p>")
    context = doc["@context"][2]  # type: ignore[index]
    assert context["ionode"] == NAMESPACE and context["joinMode"].endswith("8a8e/joinMode")


def test_a_cancelled_event_says_so_everywhere() -> None:
    doc = document(rally(cancelled=True), updated=PUBLISHED + timedelta(hours=1))
    assert doc["eventStatus"] == EVENT_CANCELLED and doc["ical:status"] == "CANCELLED"
    assert str(doc["summary"]).startswith("CANCELLED: Port shutdown, was Sat 12 Dec 2026")
    assert str(doc["content"]).startswith("<p><strong>CANCELLED</strong></p>")
    assert doc["updated"] == "2026-11-21T13:00:00Z"


def test_markup_is_sanitised() -> None:
    doc = document(rally(description="hi <script>alert(1)</script> [x](javascript:alert(1))",
                         title="A <b>title</b>"))
    content = str(doc["content"])
    assert "<script" not in content and 'href="javascript' not in content
    assert "&lt;script&gt;" in content  # shown as text, never run
    assert doc["name"] == "A <b>title</b>"  # plain text: receivers escape it


@pytest.mark.parametrize("spec", [
    rally(),
    rally(location=Online("https://meet.example/r"), capacity=None, description=""),
    rally(call=CallDetails(dial_in="+1 555 0100", access_code="1", agenda="* one",
                           breakout_rooms=("A", "B")), location=None,
          series=f"{BASE}/objects/s", recurrence_id=datetime(2026, 12, 13, 3, tzinfo=UTC)),
])
def test_documents_read_back_into_the_same_spec(spec: EventSpec) -> None:
    assert spec_from_document(document(spec)) == check(spec)


@pytest.mark.parametrize(("changes", "message"), [
    ({"end": parse_local("2026-12-12 18:00", LA)}, "the end must be after the start"),
    ({"end": parse_local("2026-12-12 19:00", LA)}, "the end must be after the start"),
    ({"timezone": "Pacific/Atlantis"}, "unknown timezone 'Pacific/Atlantis'"),
    ({"title": "   "}, "needs a title"),
    ({"title": "x" * 201}, "at most 200 characters"),
    ({"capacity": 0}, "capacity must be between 1"),
    ({"location": Place("  ")}, "a place needs a name"),
    ({"location": Online("ftp://files.example/")}, "must be an http(s) URL"),
    ({"call": CallDetails(facilitator="Rosa")}, "a call URL or a dial-in number"),
    ({"call": CallDetails(call_url="https://c.example", breakout_rooms=("r",) * 21)},
     "at most 20 breakout rooms"),
])
def test_bad_events_are_refused_with_a_message(changes: dict[str, object], message: str) -> None:
    with pytest.raises(EventError if "timezone" not in changes else ZoneError,
                       match=re.escape(message)):
        check(rally(**changes))


def test_a_description_over_the_post_limit_is_refused() -> None:
    with pytest.raises(TextError, match="at most 5000"):
        check(rally(description="x" * 5001))
