"""Events in hubs: a Mastodon-shaped follower reads them; moves and cancels send Update + Note.

The helpers (:func:`hub_node`, :func:`shared`, ...) live in :mod:`tests.node.hub_support`,
shared with the call, RSVP and calendar tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from node.clock import Clock
from node.hubs.events.service import cancel_event, create_event, edit_event, move_event
from node.hubs.hub.members import set_member
from node.hubs.hub.publish import HubError, load_hub
from node.settings import Settings
from tests.node.harness import Harness, follow_hub
from tests.node.hub_support import LA, hub_node, items, post_rally, rally, shared, stored


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def test_mastodon_follower_gets_a_readable_event(h: Harness) -> None:
    # Given a Mastodon-shaped follower of the hub, when a member posts an event into it,
    # then the hub Announces it in both forms and the summary says when and where in words.
    follow_hub(h)
    event = post_rally(h)
    (announced,) = [a["object"] for a in shared(h, "Announce", "Event")]
    (create,) = [a["object"] for a in shared(h, "Announce", "Create")]
    assert announced["id"] == event["id"] == create["object"]["id"]
    assert announced["name"] == "Port shutdown rally"
    summary = announced["summary"]
    for words in ("Sat 12 Dec 2026", "7:00 PM", "9:00 PM", "PST", LA, "Oakland Plaza"):
        assert words in summary
    assert announced["startTime"] == "2026-12-12T19:00:00-08:00"
    assert announced["timezone"] == LA and announced["joinMode"] == "free"
    assert announced["location"] == {"type": "Place", "name": "Oakland Plaza",
                                     "address": "14th & Broadway, Oakland"}
    assert announced["maximumAttendeeCapacity"] == 2
    assert announced["attendees"] == f"{event['id']}/attendees"
    assert "<em>signs</em>" in announced["content"] and "<script>" not in announced["content"]
    assert announced["to"][1] == h.local("portshutdown").uri
    (item,) = items(h)
    assert (item.kind, item.state) == ("event", "published")
    assert item.starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 13, 3, 0, tzinfo=UTC)


def test_moving_an_event_sends_update_and_a_note(h: Harness) -> None:
    follow_hub(h)
    event = post_rally(h)
    with h.node.engine.begin() as conn:
        change = move_event(h.node, conn, actor="nate", uri=event["id"], start="2026-12-13 19:00")
    h.drain()
    (updated,) = [a["object"] for a in shared(h, "Update", "Event")]
    assert updated["id"] == event["id"]
    assert updated["startTime"] == "2026-12-13T19:00:00-08:00"
    assert updated["endTime"] == "2026-12-13T21:00:00-08:00"  # the same length
    assert updated["updated"] > event["published"]
    assert "Sun 13 Dec 2026" in updated["summary"]
    (note,) = [a["object"] for a in shared(h, "Announce", "Note")]
    assert change.note is not None and note["id"] == change.note["id"]
    assert "Moved:" in note["content"] and "Sun 13 Dec 2026, 7:00 PM" in note["content"]
    assert event["id"] in note["content"]
    assert stored(h, event["id"])["startTime"] == "2026-12-13T19:00:00-08:00"
    assert items(h)[0].starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 14, 3, tzinfo=UTC)


def test_cancelling_an_event_sends_update_and_a_note(h: Harness) -> None:
    follow_hub(h)
    event = post_rally(h)
    with h.node.engine.begin() as conn:
        cancel_event(h.node, conn, actor="nate", uri=event["id"])
    h.drain()
    (updated,) = [a["object"] for a in shared(h, "Update", "Event")]
    assert updated["eventStatus"] == "https://w3id.org/fep/8a8e/EventCancelled"
    assert updated["ical:status"] == "CANCELLED"
    assert updated["summary"].startswith("CANCELLED: Port shutdown rally, was Sat 12 Dec 2026")
    (note,) = [a["object"] for a in shared(h, "Announce", "Note")]
    assert "Cancelled:" in note["content"] and "Sat 12 Dec 2026" in note["content"]
    with h.node.engine.begin() as conn, pytest.raises(HubError, match="is cancelled"):
        cancel_event(h.node, conn, actor="nate", uri=event["id"])


def test_an_edit_that_moves_nothing_sends_an_update_but_no_note(h: Harness) -> None:
    follow_hub(h)
    event = post_rally(h)
    with h.node.engine.begin() as conn:
        change = edit_event(h.node, conn, actor="nate", uri=event["id"], title="Rally!")
    h.drain()
    assert change.note is None
    assert [a["object"]["name"] for a in shared(h, "Update", "Event")] == ["Rally!"]
    assert shared(h, "Announce", "Note") == []


def test_only_the_organizer_or_a_steward_may_change_an_event(h: Harness) -> None:
    follow_hub(h)
    event = post_rally(h)
    before = len(h.remote.received)
    with h.node.engine.begin() as conn, pytest.raises(HubError, match="may not change"):
        cancel_event(h.node, conn, actor="mallory", uri=event["id"])
    h.drain()
    assert len(h.remote.received) == before
    assert "eventStatus" in stored(h, event["id"])
    assert not stored(h, event["id"])["summary"].startswith("CANCELLED")
    # An admin of the hub may; the Update is still the organizer's own (only the owner
    # may update an object), the Note is the admin's.
    with h.node.engine.begin() as conn:
        set_member(conn, load_hub(conn, "portshutdown"), h.local("mallory").uri, "admin",
                   h.node.clock())
        change = cancel_event(h.node, conn, actor="mallory", uri=event["id"])
    h.drain()
    (update,) = shared(h, "Update", "Event")
    assert update["actor"] == h.local("nate").uri
    assert change.note is not None and change.note["attributedTo"] == h.local("mallory").uri


def test_an_event_outside_any_hub_or_by_a_non_member_is_refused(h: Harness) -> None:
    with h.node.engine.begin() as conn, pytest.raises(HubError, match="at least one hub"):
        create_event(h.node, conn, author="nate", hubs=[], spec=rally())
    with h.node.engine.begin() as conn, pytest.raises(HubError, match="may not post"):
        create_event(h.node, conn, author="mallory", hubs=["portshutdown"], spec=rally())
    assert items(h) == []
