"""Conference calls: series materialise their occurrences; one occurrence moves or cancels alone.

Also the CLI (``ionode event ...``, ``ionode call ...``): refused input stores nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from node.activitypub.models import OutboxActivity, StoredObject
from node.clock import Clock, fixed_clock
from node.hubs.calls.jobs import materialise_due
from node.hubs.calls.service import (
    CallResult,
    cancel_call,
    create_call,
    list_calls,
    move_occurrence,
)
from node.hubs.hub.items import tombstone_object
from node.hubs.hub.models import CallSeries, HubItem
from node.hubs.hub.publish import HubError
from node.settings import Settings
from tests.node.harness import Harness, follow_hub
from tests.node.hub_support import NY, call_spec, hub_node, items, shared, stored

WEEKLY = "FREQ=WEEKLY;BYDAY=MO;COUNT=10"


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def new_call(h: Harness, rrule: str | None = WEEKLY, start: str = "2026-11-23 19:00"
             ) -> CallResult:
    with h.node.engine.begin() as conn:
        result = create_call(h.node, conn, author="nate", hub="portshutdown",
                             spec=call_spec(start), rrule=rrule)
    h.drain()
    return result


def test_a_series_and_its_next_occurrences_reach_a_mastodon_follower(h: Harness) -> None:
    # Given a Mastodon-shaped follower, when a weekly call series is created on Sat 21 Nov,
    # then the series and the occurrences of the next four weeks are Announced, each
    # readable in words: time with zone, call link, dial-in and access code.
    follow_hub(h)
    result = new_call(h)
    events = {e["id"]: e for e in (a["object"] for a in shared(h, "Announce", "Event"))}
    series = events.pop(result.event["id"])
    assert series["rrule"] == WEEKLY
    assert "Repeats every Monday at 7:00 PM (America/New_York), 10 times" in series["summary"]
    assert sorted(events) == sorted(result.occurrences)
    starts = sorted(e["startTime"] for e in events.values())
    assert starts == ["2026-11-23T19:00:00-05:00", "2026-11-30T19:00:00-05:00",
                      "2026-12-07T19:00:00-05:00", "2026-12-14T19:00:00-05:00"]
    first = next(e for e in events.values() if e["startTime"].startswith("2026-11-23"))
    for words in ("Mon 23 Nov 2026, 7:00 PM to 8:00 PM EST", "https://meet.example/portshutdown",
                  "Dial in: +1 555 0100, access code 4321", "Facilitator: Rosa",
                  "Breakout rooms: Outreach, Legal"):
        assert words in first["summary"]
    assert first["series"] == series["id"] and first["recurrenceId"] == "2026-11-24T00:00:00Z"
    assert first["callUrl"] == "https://meet.example/portshutdown"
    assert first["breakoutRooms"] == ["Outreach", "Legal"]
    assert "<em>Report-backs</em>" in first["content"]
    dated = [(i.kind, i.series_id, i.starts_at is None) for i in items(h)]
    assert dated == [("call", result.series_id, True)] + [("call", result.series_id, False)] * 4


def test_materialising_again_publishes_nothing_new_not_even_a_deleted_one(h: Harness) -> None:
    result = new_call(h)
    assert h.client.portal is not None
    assert h.client.portal.call(materialise_due, h.node) == 0
    with h.node.engine.begin() as conn:
        tombstone_object(h.node, conn, "nate", result.occurrences[0])
    assert h.client.portal.call(materialise_due, h.node) == 0
    assert len(items(h)) == 5


def test_later_runs_publish_occurrences_as_they_come_due_across_dst(h: Harness) -> None:
    # Given a series starting after the spring change (Sun 14 Mar 2027), only its next
    # occurrence is published now; weeks later the materialiser publishes the following
    # ones, still at 7 PM local, now EDT.
    result = new_call(h, "FREQ=WEEKLY;BYDAY=MO;COUNT=6", "2027-03-01 19:00")
    assert len(result.occurrences) == 1
    h.node.clock = fixed_clock(datetime(2027, 3, 2, 12, tzinfo=UTC))
    assert h.client.portal is not None
    assert h.client.portal.call(materialise_due, h.node) == 4  # Mar 8 to 29, not Apr 5
    starts = sorted(stored(h, i.object_uri)["startTime"] for i in items(h)[1:])
    assert starts == ["2027-03-01T19:00:00-05:00", "2027-03-08T19:00:00-05:00",
                      "2027-03-15T19:00:00-04:00", "2027-03-22T19:00:00-04:00",
                      "2027-03-29T19:00:00-04:00"]


def test_moving_one_occurrence_sends_update_and_a_note(h: Harness) -> None:
    follow_hub(h)
    result = new_call(h)
    target = sorted(result.occurrences, key=lambda u: stored(h, u)["startTime"])[1]
    with h.node.engine.begin() as conn:
        move_occurrence(h.node, conn, actor="nate", uri=target, start="2026-12-01 18:30")
    h.drain()
    (update,) = shared(h, "Update", "Event")
    moved = update["object"]
    assert moved["id"] == target
    assert moved["startTime"] == "2026-12-01T18:30:00-05:00"
    assert moved["recurrenceId"] == "2026-12-01T00:00:00Z"  # still its original slot
    assert "Tue 1 Dec 2026, 6:30 PM to 7:30 PM EST" in moved["summary"]
    (note,) = [a["object"] for a in shared(h, "Announce", "Note")]
    assert "Moved:" in note["content"] and "Tue 1 Dec 2026, 6:30 PM" in note["content"]
    others = [u for u in result.occurrences if u != target]
    assert all(stored(h, u).get("updated") is None for u in [result.event["id"], *others])


def test_cancelling_one_occurrence_leaves_the_others(h: Harness) -> None:
    follow_hub(h)
    result = new_call(h)
    target = result.occurrences[0]
    with h.node.engine.begin() as conn:
        cancel_call(h.node, conn, actor="nate", uri=target)
    h.drain()
    (update,) = shared(h, "Update", "Event")
    assert update["object"]["id"] == target
    assert update["object"]["eventStatus"].endswith("EventCancelled")
    (note,) = [a["object"] for a in shared(h, "Announce", "Note")]
    assert "Cancelled:" in note["content"]
    with h.node.engine.connect() as conn:
        statuses = {i.uri: i.status for i in list_calls(conn, "portshutdown", h.node.clock())}
    assert statuses[target] == "cancelled"
    assert statuses[result.event["id"]] == "series"
    assert sorted(statuses.values()).count("scheduled") == 3


def test_cancelling_the_series_cancels_what_is_ahead_and_says_so_once(h: Harness) -> None:
    follow_hub(h)
    result = new_call(h)
    with h.node.engine.begin() as conn:
        cancel_call(h.node, conn, actor="nate", uri=result.event["id"])
    h.drain()
    cancelled = {u["object"]["id"] for u in shared(h, "Update", "Event")
                 if u["object"]["eventStatus"].endswith("EventCancelled")}
    assert cancelled == {result.event["id"], *result.occurrences}
    (note,) = [a["object"] for a in shared(h, "Announce", "Note")]
    assert "no further calls" in note["content"]
    table = CallSeries.__table__  # type: ignore[attr-defined]
    with h.node.engine.connect() as conn:
        assert conn.execute(select(table.c.cancelled_at)).scalar_one() is not None
    assert h.client.portal is not None
    assert h.client.portal.call(materialise_due, h.node) == 0
    with h.node.engine.begin() as conn, pytest.raises(HubError, match="already cancelled"):
        cancel_call(h.node, conn, actor="nate", uri=result.event["id"])


def test_a_one_off_call_and_what_cannot_be_moved(h: Harness) -> None:
    follow_hub(h)
    result = new_call(h, rrule=None)
    assert result.series_id is None and result.occurrences == []
    (call,) = [a["object"] for a in shared(h, "Announce", "Event")]
    assert call["itemKind"] == "call" and "access code 4321" in call["summary"]
    assert [(i.kind, i.series_id) for i in items(h)] == [("call", None)]
    series = new_call(h)
    with h.node.engine.begin() as conn, pytest.raises(HubError, match="whole series"):
        move_occurrence(h.node, conn, actor="nate", uri=series.event["id"],
                        start="2026-12-01 19:00")


# The CLI ---------------------------------------------------------------------------------


@pytest.fixture
def flags(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    return ["--url", "https://philly.example", "--database", database_url, "--data", str(tmp_path)]


def ionode(args: list[str], flags: list[str]) -> int:
    from node.cli import main

    return main([*args, *flags])


def stored_count(engine: Engine) -> int:
    total = 0
    with engine.connect() as conn:
        for model in (StoredObject, HubItem, CallSeries, OutboxActivity):
            table: Any = model.__table__  # type: ignore[union-attr]
            total += conn.execute(select(func.count()).select_from(table)).scalar_one()
    return total


def setup_cli(flags: list[str]) -> None:
    assert ionode(["user", "create", "nate", "--password-stdin"], flags) == 0
    assert ionode(["hub", "create", "portshutdown", "--title", "Port", "--admin", "nate"],
                  flags) == 0


EVENT = ["event", "create", "--as", "nate", "--hub", "portshutdown", "--title", "Rally"]
CALL = ["call", "create", "--as", "nate", "--hub", "portshutdown", "--title", "Call",
        "--call-url", "https://meet.example/c", "--duration", "60"]


@pytest.mark.parametrize(("args", "message"), [
    ([*EVENT, "--start", "2026-12-12 19:00", "--end", "2026-12-12 18:00", "--timezone",
      "America/Los_Angeles"], "the end must be after the start"),
    ([*EVENT, "--start", "2026-12-12 19:00", "--end", "2026-12-12 21:00", "--timezone",
      "Pacific/Atlantis"], "unknown timezone 'Pacific/Atlantis'"),
    ([*EVENT, "--start", "2027-03-14 02:30", "--end", "2027-03-14 04:00", "--timezone", NY],
     "does not exist in America/New_York"),
    ([*EVENT, "--start", "2026-12-12 19:00", "--end", "2026-12-12 21:00", "--timezone", NY,
      "--online", "javascript:alert(1)"], "must be an http(s) URL"),
    ([*CALL, "--start", "2026-11-23 19:00", "--timezone", NY, "--rrule", "FREQ=WEEKLY"],
     "an RRULE that never ends is refused"),
    ([*CALL, "--start", "2026-11-23 19:00", "--timezone", NY, "--rrule",
      "FREQ=MINUTELY;COUNT=5"], "a call repeats DAILY, WEEKLY, MONTHLY or YEARLY"),
    (["call", "create", "--as", "nate", "--hub", "portshutdown", "--title", "Call",
      "--duration", "60", "--start", "2026-11-23 19:00", "--timezone", NY],
     "a call needs a call URL or a dial-in number"),
    ([*CALL, "--start", "2026-11-23 19:00", "--timezone", NY, "--hub", "nowhere"],
     "no hub named 'nowhere'"),
])
def test_cli_refusals_store_nothing(args: list[str], message: str, flags: list[str],
                                    engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    setup_cli(flags)
    before = stored_count(engine)
    assert ionode(args, flags) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ionode: error: ") and message in err and "\n" not in err
    assert stored_count(engine) == before


def test_cli_creates_lists_moves_and_cancels_calls(flags: list[str], engine: Engine,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    setup_cli(flags)
    capsys.readouterr()
    assert ionode([*CALL, "--start", "2030-01-07 19:00", "--timezone", NY, "--rrule",
                   "FREQ=WEEKLY;BYDAY=MO;COUNT=3", "--breakout", "Legal"], flags) == 0
    out = capsys.readouterr().out
    assert "published call series https://philly.example/objects/" in out
    occurrence = out.split("published occurrence ")[1].split()[0]
    assert ionode(["call", "move", "--as", "nate", occurrence, "--start", "2030-01-08 19:00"],
                  flags) == 0
    assert "told in https://philly.example/objects/" in capsys.readouterr().out
    assert ionode(["call", "list", "--hub", "portshutdown"], flags) == 0
    listing: Any = capsys.readouterr().out.splitlines()
    assert listing[0].startswith("2030-01-07 19:00 EST\tseries\tCall\t")
    assert listing[1].startswith("2030-01-08 19:00 EST\tmoved\tCall\t")
    assert ionode(["call", "cancel", "--as", "nate", occurrence], flags) == 0
    assert ionode(["event", "cancel", "--as", "nate", occurrence], flags) == 1
    assert "is cancelled" in capsys.readouterr().err


def test_a_series_title_is_literal_in_the_notice_of_its_end(h: Harness) -> None:
    # the title is the organizer's text, not Markdown: "*Port* shutdown_call_" must not
    # reach Mastodon as emphasis (the other notices already escaped it)
    follow_hub(h)
    with h.node.engine.begin() as conn:
        result = create_call(h.node, conn, author="nate", hub="portshutdown",
                             spec=replace(call_spec("2026-11-23 19:00"),
                                          title="*Port* shutdown_call_"),
                             rrule=WEEKLY)
        cancel_call(h.node, conn, actor="nate", uri=result.event["id"])
    h.drain()
    (note,) = [a["object"] for a in shared(h, "Announce", "Note")]
    assert "*Port* shutdown_call_" in note["content"]
    assert "<em>" not in note["content"]
