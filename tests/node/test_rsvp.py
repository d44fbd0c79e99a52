"""RSVP (FEP-8a8e): Join and Leave of our Events, capacity, and the attendees collection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from node.activitypub.models import InboxItem
from node.clock import Clock
from node.hubs.events.service import cancel_event
from node.hubs.hub.models import EventAttendance
from node.settings import Settings
from tests.fakes.remote import FakeActor
from tests.node.harness import MASTO, Harness
from tests.node.hub_support import hub_node, post_rally

AS = "https://www.w3.org/ns/activitystreams"


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def send(h: Harness, actor: FakeActor, kind: str, obj: Any, n: int = 1) -> dict[str, Any]:
    activity = {"@context": AS, "id": f"{actor.uri}#{kind.lower()}s/{n}", "type": kind,
                "actor": actor.uri, "object": obj}
    assert h.post_activity(actor, activity).status_code == 202
    h.drain()
    return activity


def answers(h: Harness, actor: FakeActor) -> list[tuple[str, str]]:
    """(answer type, id of the Join it answers) received in ``actor``'s own inbox."""
    return [(a["type"], a["object"]["id"]) for a in h.remote.deliveries(f"{actor.uri}/inbox")]


def attending(h: Harness) -> list[str]:
    table = EventAttendance.__table__  # type: ignore[attr-defined]
    with h.node.engine.connect() as conn:
        return sorted(conn.execute(select(table.c.actor_uri)).scalars())


def attendees(h: Harness, event: dict[str, Any]) -> dict[str, Any]:
    path = event["attendees"].removeprefix(h.node.settings.url)
    response = h.client.get(path, headers={"Accept": "application/activity+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/activity+json")
    return dict(response.json())


def test_join_is_accepted_until_the_event_is_full(h: Harness) -> None:
    # Given an event with capacity 2, when three people Join, then two are accepted by
    # the organizer and the third is rejected; nobody is counted twice.
    event = post_rally(h)
    ana, bob, cy = (h.remote.add_actor(MASTO, n) for n in ("ana", "bob", "cy"))
    joins = [send(h, who, "Join", event["id"]) for who in (ana, bob, cy)]
    assert answers(h, ana) == [("Accept", joins[0]["id"])]
    assert answers(h, bob) == [("Accept", joins[1]["id"])]
    assert answers(h, cy) == [("Reject", joins[2]["id"])]
    accept = h.remote.deliveries(f"{ana.uri}/inbox")[0]
    assert accept["actor"] == h.local("nate").uri and "proof" in accept
    assert attending(h) == [ana.uri, bob.uri]
    again = send(h, ana, "Join", {"id": event["id"], "type": "Event"}, n=2)
    assert answers(h, ana)[-1] == ("Accept", again["id"])
    assert attending(h) == [ana.uri, bob.uri]
    collection = attendees(h, event)
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 2
    assert "orderedItems" not in collection and "first" not in collection


def test_leave_and_undo_join_free_a_place(h: Harness) -> None:
    event = post_rally(h)
    ana, bob, cy = (h.remote.add_actor(MASTO, n) for n in ("ana", "bob", "cy"))
    send(h, ana, "Join", event["id"])
    bob_join = send(h, bob, "Join", event["id"])
    send(h, ana, "Leave", event["id"])
    assert attending(h) == [bob.uri]
    send(h, bob, "Undo", bob_join)
    assert attending(h) == []
    send(h, cy, "Join", event["id"])
    assert answers(h, cy)[-1][0] == "Accept"
    assert attendees(h, event)["totalItems"] == 1


def test_a_cancelled_event_rejects_joins(h: Harness) -> None:
    event = post_rally(h)
    with h.node.engine.begin() as conn:
        cancel_event(h.node, conn, actor="nate", uri=event["id"])
    ana = h.remote.add_actor(MASTO, "ana")
    send(h, ana, "Join", event["id"])
    assert [kind for kind, _ in answers(h, ana)] == ["Reject"]
    assert attending(h) == []


def test_join_of_something_else_is_ignored_and_unknown_attendees_are_404(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    send(h, ana, "Join", f"{h.node.settings.url}/objects/nothing")
    send(h, ana, "Leave", f"{h.node.settings.url}/objects/nothing")
    table = InboxItem.__table__  # type: ignore[attr-defined]
    with h.node.engine.connect() as conn:
        states = list(conn.execute(select(table.c.state, table.c.error)))
    assert [s for s, _ in states] == ["ignored", "ignored"]
    assert "not one of our events" in states[0][1]
    assert answers(h, ana) == []
    assert h.client.get("/objects/nothing/attendees").status_code == 404
