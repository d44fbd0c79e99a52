"""Editing events and calls (Update, and a Note when the time, place or way to join
changes), and the careful organizer's refusals: the past, nowhere, an undiallable dial-in.

Service tests first, then the CLI (``ionode event edit``, ``ionode call edit``, ``--past``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from node.clock import Clock
from node.hubs.calls.service import create_call
from node.hubs.events.edit import EventEdit, applied, revise
from node.hubs.events.rules import CallDetails, EventError, Online, Place
from node.hubs.events.service import create_event, load_event, move_event
from node.hubs.hub.models import CallSeries
from node.hubs.hub.publish import HubError
from node.settings import Settings
from node.zones import parse_local
from tests.node.harness import Harness, follow_hub
from tests.node.hub_support import (
    LA,
    NY,
    call_spec,
    hub_node,
    items,
    post_rally,
    rally,
    shared,
    stored,
)


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def edit(h: Harness, uri: str, change: EventEdit, *, call: bool = False, past: bool = False,
         actor: str = "nate") -> Any:
    with h.node.engine.begin() as conn:
        spec = applied(load_event(conn, uri).spec, change)
        result = revise(h.node, conn, actor=actor, uri=uri, spec=spec, call=call, past=past)
    h.drain()
    return result


def test_editing_title_text_and_place_sends_update_and_tells_of_the_new_place(
        h: Harness) -> None:
    # Given a Mastodon-shaped follower of the hub and an event in it
    follow_hub(h)
    event = post_rally(h)
    # When its organizer changes the title, description and place
    change = edit(h, event["id"], EventEdit(title="Port rally", description="Bring *water*.",
                                            place="Lake Merritt", address="Oakland"))
    # Then the follower gets Update{Event} with a newer `updated` and the new fields...
    (updated,) = [a["object"] for a in shared(h, "Update", "Event")]
    assert updated["id"] == event["id"] and updated["updated"] > event["published"]
    assert updated["name"] == "Port rally"
    assert updated["location"] == {"type": "Place", "name": "Lake Merritt", "address": "Oakland"}
    assert "<em>water</em>" in updated["content"] and "Lake Merritt" in updated["summary"]
    assert updated["startTime"] == event["startTime"]  # the time stays
    # ...and the Note Mastodon shows tells of the new place.
    (note,) = [a["object"] for a in shared(h, "Announce", "Note")]
    assert change.note is not None and note["id"] == change.note["id"]
    assert "Moved:" in note["content"] and "Lake Merritt" in note["content"]
    assert stored(h, event["id"])["name"] == "Port rally"


def test_a_new_time_moves_the_hub_item_and_a_past_one_needs_past(h: Harness) -> None:
    follow_hub(h)
    event = post_rally(h)
    edit(h, event["id"], EventEdit(start="2026-12-19 18:00", end="2026-12-19 20:30"))
    assert stored(h, event["id"])["endTime"] == "2026-12-19T20:30:00-08:00"
    assert items(h)[0].starts_at.isoformat().startswith("2026-12-20T02:00")
    with pytest.raises(EventError, match=r"would start in the past.*add --past"):
        edit(h, event["id"], EventEdit(start="2026-11-01 18:00"))
    assert stored(h, event["id"])["startTime"] == "2026-12-19T18:00:00-08:00"
    edit(h, event["id"], EventEdit(start="2026-11-01 18:00"), past=True)
    assert stored(h, event["id"])["startTime"] == "2026-11-01T18:00:00-08:00"
    # a past event's title can be corrected without --past: its time does not change
    edit(h, event["id"], EventEdit(title="Rally (held)"))
    assert stored(h, event["id"])["name"] == "Rally (held)"
    with h.node.engine.begin() as conn, pytest.raises(EventError, match="in the past"):
        move_event(h.node, conn, actor="nate", uri=event["id"], start="2026-11-02 18:00")


def test_a_new_dial_in_is_told_as_a_new_way_to_join(h: Harness) -> None:
    follow_hub(h)
    with h.node.engine.begin() as conn:
        call = create_call(h.node, conn, author="nate", hub="portshutdown",
                           spec=call_spec()).event
    h.drain()
    change = edit(h, call["id"], EventEdit(dial_in="+1 555 010 0199,,77#", agenda="1. Votes"),
                  call=True)
    (updated,) = [a["object"] for a in shared(h, "Update", "Event")]
    assert updated["dialIn"] == "+1 555 010 0199,,77#" and updated["agenda"] == "1. Votes"
    assert change.note is not None and "New way to join" in change.note["content"]
    assert "0199" in change.note["content"]
    with pytest.raises(EventError, match="the dial-in 'call me maybe' cannot be dialled"):
        edit(h, call["id"], EventEdit(dial_in="call me maybe"), call=True)
    assert stored(h, call["id"])["dialIn"] == "+1 555 010 0199,,77#"


def test_an_edit_of_a_series_reaches_every_upcoming_occurrence_with_one_note(
        h: Harness) -> None:
    follow_hub(h)
    with h.node.engine.begin() as conn:
        series = create_call(h.node, conn, author="nate", hub="portshutdown",
                             spec=call_spec(), rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=10")
    h.drain()
    uri = series.event["id"]
    edit(h, uri, EventEdit(title="National call", call_url="https://meet.example/national"),
         call=True)
    names = {a["object"]["id"]: a["object"]["name"] for a in shared(h, "Update", "Event")}
    assert set(names) == {uri, *series.occurrences}
    assert set(names.values()) == {"National call"}
    assert stored(h, series.occurrences[0])["callUrl"] == "https://meet.example/national"
    assert len(shared(h, "Announce", "Note")) == 1
    table: Any = CallSeries.__table__  # type: ignore[attr-defined]
    with h.node.engine.connect() as conn:
        details = conn.execute(select(table.c.details)).scalar_one()
    assert details["title"] == "National call"
    with pytest.raises(HubError, match="time of a whole series cannot be changed"):
        edit(h, uri, EventEdit(start="2026-11-30 19:00"), call=True)


def test_the_wrong_command_the_wrong_person_and_nothing_to_change_are_refused(
        h: Harness) -> None:
    event = post_rally(h)
    with pytest.raises(HubError, match=r"is an event, not a call: .*ionode event edit"):
        edit(h, event["id"], EventEdit(title="x"), call=True)
    with pytest.raises(HubError, match="mallory may not change"):
        edit(h, event["id"], EventEdit(title="x"), actor="mallory")
    with pytest.raises(HubError, match="nothing to change"):
        edit(h, event["id"], EventEdit(title="Port shutdown rally"))


@pytest.mark.parametrize(("spec", "message"), [
    (rally("2026-11-20 19:00", "2026-11-20 21:00"), "would start in the past"),
    (replace(rally(), location=None), "an event needs a place or an online link"),
])
def test_a_careless_event_is_refused(h: Harness, spec: Any, message: str) -> None:
    with h.node.engine.begin() as conn, pytest.raises(EventError, match=message):
        create_event(h.node, conn, author="nate", hubs=["portshutdown"], spec=spec)
    assert items(h) == []


def test_a_past_event_is_taken_for_the_record_when_said_so(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        create_event(h.node, conn, author="nate", hubs=["portshutdown"],
                     spec=rally("2026-11-20 19:00", "2026-11-20 21:00"), past=True)
    assert len(items(h)) == 1


@pytest.mark.parametrize("dial_in", ["call me maybe", "555", "+1 555 0100 then press 1",
                                     "1234 5678 9012 3456 789", "tel: 555"])
def test_a_call_with_a_dial_in_no_phone_could_dial_is_refused(h: Harness, dial_in: str) -> None:
    spec = replace(call_spec(), call=CallDetails(dial_in=dial_in), location=None)
    with h.node.engine.begin() as conn, pytest.raises(EventError, match="cannot be dialled"):
        create_call(h.node, conn, author="nate", hub="portshutdown", spec=spec)
    assert items(h) == []


@pytest.mark.parametrize("dial_in", ["+1 555 0100", "+1 (555) 010-0100,,1234#",
                                     "+49 30 1234567 ext. 12", "+1 555 0100 PIN: 1234",
                                     "tel:+1-555-0100;postd=1234", "sip:ga@voice.example",
                                     "https://dial.example/ga"])
def test_dial_ins_a_phone_can_dial_are_taken(h: Harness, dial_in: str) -> None:
    spec = replace(call_spec(), call=CallDetails(dial_in=dial_in), location=None)
    with h.node.engine.begin() as conn:
        create_call(h.node, conn, author="nate", hub="portshutdown", spec=spec)
    assert len(items(h)) == 1


def test_applied_changes_only_what_is_given() -> None:
    spec = rally()
    assert applied(spec, EventEdit()) == spec
    assert applied(spec, EventEdit(address="Broadway")).location == Place("Oakland Plaza",
                                                                          "Broadway")
    assert applied(spec, EventEdit(online="https://m.example/r")).location == Online(
        "https://m.example/r")
    moved = applied(spec, EventEdit(timezone=NY))  # the same wall times, read in New York
    assert (moved.start.hour, moved.timezone, moved.end - moved.start) == (19, NY,
                                                                           spec.end - spec.start)
    assert applied(spec, EventEdit(start="2026-12-13 10:00")).end == parse_local(
        "2026-12-13 12:00", LA)
    call = applied(call_spec(), EventEdit(call_url="", dial_in="+1 555 0100"))
    assert call.location is None and call.call is not None and call.call.call_url == ""


# The CLI ---------------------------------------------------------------------------------


@pytest.fixture
def flags(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    return ["--url", "https://philly.example", "--database", database_url, "--data",
            str(tmp_path)]


def ionode(args: list[str], flags: list[str]) -> int:
    from node.cli import main

    return main([*args, *flags])


EVENT = ["event", "create", "--as", "nate", "--hub", "portshutdown", "--title", "Rally",
         "--timezone", LA]


def test_cli_edits_events_and_calls_and_wants_past_for_the_record(
        flags: list[str], engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert ionode(["user", "create", "nate", "--password-stdin"], flags) == 0
    assert ionode(["hub", "create", "portshutdown", "--title", "Port", "--admin", "nate"],
                  flags) == 0
    capsys.readouterr()
    # A past event without --past, and one with no place or link, are refused in one line.
    past = ["--start", "2020-05-01 10:00", "--end", "2020-05-01 12:00", "--place", "Plaza"]
    assert ionode([*EVENT, *past], flags) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ionode: error: Rally would start in the past (Fri 1 May 2020")
    assert "add --past" in err and "\n" not in err
    assert ionode([*EVENT, "--start", "2030-05-01 10:00", "--end", "2030-05-01 12:00"],
                  flags) == 1
    assert "an event needs a place or an online link" in capsys.readouterr().err
    assert ionode([*EVENT, *past, "--past"], flags) == 0
    uri = capsys.readouterr().out.split("published event ")[1].split()[0]
    # `ionode edit` points at the right command, in good grammar.
    assert ionode(["edit", "--as", "nate", uri, "new text"], flags) == 1
    assert capsys.readouterr().err.strip() == (
        f"ionode: error: {uri} is an event; change it with `ionode event edit`")
    assert ionode(["event", "edit", "--as", "nate", uri, "--title", "May Day rally",
                   "--online", "https://stream.example/mayday"], flags) == 0
    assert "ionode: edited " + uri in capsys.readouterr().out
    assert ionode(["event", "edit", "--as", "nate", uri], flags) == 1
    assert "say what to change" in capsys.readouterr().err
    # A call: the dial-in must be diallable, and `call edit` changes it.
    call = ["call", "create", "--as", "nate", "--hub", "portshutdown", "--title", "Call",
            "--start", "2030-01-07 19:00", "--duration", "60", "--timezone", NY]
    assert ionode([*call, "--dial-in", "call me maybe"], flags) == 1
    assert "the dial-in 'call me maybe' cannot be dialled" in capsys.readouterr().err
    assert ionode([*call, "--dial-in", "+1 555 010 0100"], flags) == 0
    call_uri = capsys.readouterr().out.split("published call ")[1].split()[0]
    assert ionode(["call", "edit", "--as", "nate", call_uri, "--dial-in", "+1 555 010 0199",
                   "--agenda", "1. Reports", "--breakout", "Legal"], flags) == 0
    assert "told in https://philly.example/objects/" in capsys.readouterr().out
    assert ionode(["event", "edit", "--as", "nate", call_uri, "--title", "x"], flags) == 1
    assert "is a call: change it with `ionode call edit`" in capsys.readouterr().err
