"""A fake Gancio instance on loopback: :class:`~federation_tests.fake_peer.FakePeer`'s
instance actor (an Application, as Gancio's is) sending the recorded Gancio Event
(``tests/fixtures/remote/gancio.example``) moved onto the peer and to a given start,
with Gancio's offsets and no ``timezone``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from federation_tests.fake_peer import FakePeer
from tests.fixtures.remote.fakes import load

GANCIO = "https://gancio.example/federation/u/gancio"
CET = timezone(timedelta(hours=1))


def gancio_event(peer: FakePeer, start: datetime, n: int = 421) -> dict[str, Any]:
    """The recorded Gancio Event, on the peer, starting at ``start`` (CET offsets)."""
    event = load("gancio.example/event-bike-repair.json")
    event.update(
        id=f"{peer.url}/objects/{n}",
        url=f"{peer.url}/event/bike-repair-workshop",
        attributedTo=peer.actor(),
        cc=[f"{peer.actor()}/followers"],
        startTime=start.astimezone(CET).isoformat(timespec="milliseconds"),
        endTime=(start + timedelta(hours=2, minutes=30))
        .astimezone(CET)
        .isoformat(timespec="milliseconds"),
    )
    assert GANCIO not in str(event)
    return event


def gancio_create(peer: FakePeer, event: dict[str, Any]) -> dict[str, Any]:
    """Gancio's ``Create{Event}`` by the instance actor, the Event embedded."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{event['id']}#c",
        "type": "Create",
        "actor": peer.actor(),
        "object": event,
        "to": event["to"],
        "cc": event["cc"],
    }
