"""Remote Events sent to a hub by a Mobilizon organizer, and what the hub shows of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from icalendar import Calendar

from node.activitypub.models import StoredObject
from node.activitypub.vocab import PUBLIC
from node.clock import as_utc
from node.hubs.hub.models import HubItem
from tests.fakes.remote import FakeActor
from tests.node.harness import Harness
from tests.node.hub_harness import HUB, add_member, rows

_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
BASE = "https://philly.example"
HUB_URI = f"{BASE}/hubs/{HUB}"
MOBILIZON = "mobilizon.example"
AS = "https://www.w3.org/ns/activitystreams"


def organizer(h: Harness) -> FakeActor:
    uri = f"https://{MOBILIZON}/users/rosa"
    if uri in h.remote.actors:
        return h.remote.actors[uri]
    actor = h.remote.add_actor(MOBILIZON, "rosa")
    add_member(h, actor.uri)
    return actor


def event(n: int, **fields: Any) -> dict[str, Any]:
    """A Mobilizon-shaped Event posted into the hub; ``None`` drops a field."""
    uri = f"https://{MOBILIZON}/events/{n}"
    doc = {"id": uri, "type": "Event", "attributedTo": f"https://{MOBILIZON}/users/rosa",
           "name": f"Rally {n}", "startTime": "2026-12-12T18:15:00-06:00",
           "endTime": "2026-12-12T20:00:00-06:00", "timezone": "America/Chicago",
           "location": {"type": "Place", "name": "Union Hall",
                        "address": {"type": "PostalAddress", "streetAddress": "1 Main St",
                                    "addressLocality": "Chicago"}},
           "url": f"https://{MOBILIZON}/events/{n}", "content": "<p>Bring signs</p>",
           "published": "2026-11-20T10:00:00Z", "to": [PUBLIC, HUB_URI], "cc": [],
           "audience": HUB_URI}
    doc.update(fields)
    return {k: v for k, v in doc.items() if v is not None}


def send(h: Harness, kind: str, doc: dict[str, Any], n: int = 1) -> dict[str, Any]:
    actor = organizer(h)
    activity = {"@context": AS, "id": f"{doc['id']}/{kind.lower()}/{n}", "type": kind,
                "actor": actor.uri, "to": doc["to"], "object": doc}
    assert h.post_activity(actor, activity).status_code == 202
    h.drain()
    return activity


def calendar(h: Harness, path: str = f"/hubs/{HUB}/calendar.ics") -> dict[str, Any]:
    response = h.client.get(path)
    assert response.status_code == 200, response.text
    return {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def page(h: Harness) -> str:
    response = h.client.get(f"/hubs/{HUB}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def starts(h: Harness) -> dict[str, datetime]:
    return {r["object_uri"]: as_utc(r["starts_at"]) for r in rows(h, _item)}
