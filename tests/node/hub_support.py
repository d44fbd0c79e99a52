"""Helpers for the event, call, RSVP, calendar and poll tests: nodes with a hub, and what
they publish.

:func:`hub_node` is the node the event, call, RSVP and calendar tests run;
:func:`poll_node` the one the poll tests run (with a :class:`MovableClock`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from starlette.routing import Match

from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import StoredObject
from node.clock import Clock
from node.hubs.events import calendar_views, rsvp
from node.hubs.events.rules import CallDetails, EventSpec, Online, Place
from node.hubs.events.service import create_event
from node.hubs.hub.members import set_member
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.polls import rules as polls
from node.hubs.polls import votes as poll_votes
from node.hubs.polls.service import VoteOutcome, create_poll, publish_due_tallies
from node.settings import Settings
from node.zones import parse_local
from tests.conftest import NOW
from tests.node.harness import MASTO, Harness, running_node

BASE = "https://philly.example"
LA = "America/Los_Angeles"
NY = "America/New_York"
MASTO_INBOX = f"https://{MASTO}/inbox"


# Events, calls and RSVPs.


def wire_events(h: Harness) -> None:
    """Add the event routes and RSVP handlers unless the app already has them."""
    routes = h.client.app.router.routes  # type: ignore[attr-defined]
    calendar = {"type": "http", "path": "/calendar.ics", "root_path": "", "method": "GET"}
    if not any(r.matches(calendar)[0] is Match.FULL for r in routes):
        routes.extend(calendar_views.routes())
    if h.node.services.dispatcher.find("Join", "*") is None:
        rsvp.register(h.node.services.dispatcher)


@contextmanager
def hub_node(settings: Settings, clock: Clock) -> Iterator[Harness]:
    """A node with hub ``portshutdown``, its member ``nate`` and a non-member ``mallory``."""
    with running_node(settings, clock) as h:
        wire_events(h)
        with h.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="portshutdown",
                       title="West Coast Port Shutdown", now=clock(), keys=h.node.actor_keys)
            for name in ("nate", "mallory"):
                create_local_actor(conn, base_url=settings.url, kind="person", username=name,
                                   now=clock(), keys=h.node.actor_keys)
            set_member(conn, load_hub(conn, "portshutdown"), f"{settings.url}/users/nate",
                       "member", clock())
        yield h


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


def call_spec(start: str = "2026-11-23 19:00") -> EventSpec:
    begin = parse_local(start, NY)
    details = CallDetails(call_url="https://meet.example/portshutdown", dial_in="+1 555 0100",
                          access_code="4321", facilitator="Rosa", agenda="1. *Report-backs*",
                          breakout_rooms=("Outreach", "Legal"))
    return EventSpec(title="Coordination call", start=begin, end=begin + timedelta(hours=1),
                     timezone=NY, call=details, location=Online(details.call_url))


def stored(h: Harness, uri: str) -> dict[str, Any]:
    """The stored document of object ``uri`` (exactly one)."""
    table = StoredObject.__table__  # type: ignore[attr-defined]
    with h.node.engine.connect() as conn:
        document = conn.execute(select(table.c.document).where(table.c.uri == uri)).scalar_one()
    assert isinstance(document, dict)
    return document


def items(h: Harness) -> list[Any]:
    table = HubItem.__table__  # type: ignore[attr-defined]
    with h.node.engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


# Polls.


@dataclass
class MovableClock:
    """A clock tests move forward (endTime passing, signatures staying fresh)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def poll_node(settings: Settings, clock: MovableClock) -> Iterator[Harness]:
    """A node with hub portshutdown (nate a member, omar its moderator) and lena."""
    with running_node(settings, clock) as harness:
        with harness.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="portshutdown",
                       title="West Coast Port Shutdown", now=NOW, keys=harness.node.actor_keys)
            for name in ("nate", "lena", "omar"):
                create_local_actor(conn, base_url=settings.url, kind="person", username=name,
                                   now=NOW, keys=harness.node.actor_keys)
            hub = load_hub(conn, "portshutdown")
            set_member(conn, hub, f"{settings.url}/users/nate", "member", NOW)
            set_member(conn, hub, f"{settings.url}/users/omar", "moderator", NOW)
        yield harness


def advance(h: Harness, clock: MovableClock, delta: timedelta) -> None:
    clock.now += delta
    h.now = clock.now


def make_poll(h: Harness, options: tuple[str, ...] = ("Saturday", "Sunday", "Monday"), *,
              multiple: bool = False, keypad: bool = False,
              lasts: timedelta = timedelta(days=1)) -> dict[str, Any]:
    now = h.node.clock()
    end = now + lasts
    spec = (polls.keypad_spec("Occupy the port?", end=end, now=now) if keypad else
            polls.make_spec("Which day do we march?", options, multiple=multiple, end=end,
                            now=now))
    with h.node.engine.begin() as conn:
        return create_poll(h.node, conn, "nate", ["portshutdown"], spec).object


def totals(document: dict[str, Any]) -> dict[str, int]:
    choices = document.get("anyOf") or document["oneOf"]
    return {c["name"]: c["replies"]["totalItems"] for c in choices}


def local_vote(h: Harness, voter: str, uri: str, *names: str) -> VoteOutcome:
    with h.node.engine.begin() as conn:
        return poll_votes.vote(h.node, conn, voter, uri, names)


def settle(h: Harness) -> int:
    assert h.client.portal is not None
    sent = int(h.client.portal.call(publish_due_tallies, h.node))
    h.drain()
    return sent


def delivered(h: Harness, kind: str, inbox: str = MASTO_INBOX) -> list[Any]:
    return [a for a in h.remote.deliveries(inbox) if a["type"] == kind]
