"""Events in hubs: a Mastodon-shaped follower reads them; moves and cancels send Update + Note.

The helpers here (:func:`hub_node`, :func:`shared`) are used by the other event, call,
RSVP and calendar tests too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import StoredObject
from node.clock import Clock
from node.hubs import calendar_views, rsvp
from node.hubs.calls import parse_local
from node.hubs.event_service import cancel_event, create_event, edit_event, move_event
from node.hubs.events import EventSpec, Place
from node.hubs.members import set_member
from node.hubs.models import HubItem
from node.hubs.publish import HubError, load_hub
from node.hubs.service import create_hub
from node.settings import Settings
from tests.node.harness import Harness, running_node
from tests.node.test_inbox import MASTO, follow_hub

LA = "America/Los_Angeles"
MASTO_INBOX = f"https://{MASTO}/inbox"


def wire(h: Harness) -> None:
    """Add the event routes and RSVP handlers unless the app already has them."""
    routes = h.client.app.router.routes  # type: ignore[attr-defined]
    if not any(getattr(r, "path", None) == "/calendar.ics" for r in routes):
        routes.extend(calendar_views.routes())
    if h.node.services.dispatcher.find("Join", "*") is None:
        rsvp.register(h.node.services.dispatcher)


@contextmanager
def hub_node(settings: Settings, clock: Clock) -> Iterator[Harness]:
    """A node with hub ``portshutdown``, its member ``nate`` and a non-member ``mallory``."""
    with running_node(settings, clock) as h:
        wire(h)
        with h.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="portshutdown",
                       title="West Coast Port Shutdown", now=clock())
            for name in ("nate", "mallory"):
                create_local_actor(conn, base_url=settings.url, kind="person", username=name,
                                   now=clock())
            set_member(conn, load_hub(conn, "portshutdown"), f"{settings.url}/users/nate",
                       "member", clock())
        yield h


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def shared(h: Harness, kind: str, object_type: str) -> list[dict[str, Any]]:
    """What the Mastodon-shaped follower's shared inbox received: ``kind{object_type}``."""
    return [a for a in h.remote.deliveries(MASTO_INBOX)
            if a["type"] == kind and isinstance(a["object"], dict)
            and a["object"].get("type") == object_type]


def rally(start: str = "2026-12-12 19:00", end: str = "2026-12-12 21:00") -> EventSpec:
    return EventSpec(title="Port shutdown rally", start=parse_local(start, LA),
                     end=parse_local(end, LA), timezone=LA, capacity=2,
                     location=Place("Oakland Plaza", "14th & Broadway, Oakland"),
                     description="Bring *signs*. <script>alert(1)</script>")


def post_rally(h: Harness) -> dict[str, Any]:
    with h.node.engine.begin() as conn:
        result = create_event(h.node, conn, author="nate", hubs=["portshutdown"], spec=rally())
    h.drain()
    return result.object


def stored(h: Harness, uri: str) -> dict[str, Any]:
    table = StoredObject.__table__  # type: ignore[attr-defined]
    with h.node.engine.connect() as conn:
        return dict(conn.execute(select(table.c.document).where(table.c.uri == uri)).scalar_one())


def items(h: Harness) -> list[Any]:
    table = HubItem.__table__  # type: ignore[attr-defined]
    with h.node.engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


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
