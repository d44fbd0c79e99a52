"""The network calendar's index of received Events: written as an Event arrives, is
edited or deleted, whichever path brought it (a followed node, a relay, a source).

An Event of any server (FEP-8a8e; Mobilizon's and Gancio's shapes, FEDERATION.md) is
read for what a calendar sorts and filters by: ``startTime`` and ``endTime`` (with
their offsets, or wall times in the Event's ``timezone``), ionode's ``itemKind`` (a
call), the region (its ``Place``'s ``addressRegion`` or ``addressLocality``, else its
hub's ``location``) and its ``Hashtag`` names. An Event without a readable start is
not indexed: it stays in the timeline, never in the calendar (and never a 500).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from node.activitypub.models import RemoteActor
from node.network.event_facts import original_url, status_of
from node.network.models import NetworkEvent, NetworkEventTag
from node.zones import read_instant, zone_or_utc

#: An event lasting longer than this is a "long" one (read through its own index).
SPAN = timedelta(days=7)
MAX_TAGS = 20
_event = NetworkEvent.__table__  # type: ignore[attr-defined]
_tag = NetworkEventTag.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def event_times(doc: Mapping[str, Any]) -> tuple[datetime, datetime] | None:
    """(start, end) in UTC; no ``endTime`` (Gancio may omit it) or one before the start
    is an end at the start (RFC 5545 section 3.6.1)."""
    tz = zone_or_utc(_text(doc.get("timezone")))
    start = read_instant(doc.get("startTime"), tz)
    if start is None:
        return None
    end = read_instant(doc.get("endTime"), tz)
    return start, end if end is not None and end >= start else start


def place_region(location: Any) -> str:
    """A ``Place``'s region: its PostalAddress ``addressRegion``, else its locality."""
    places = location if isinstance(location, list) else [location]
    for place in places:
        address = place.get("address") if isinstance(place, Mapping) else None
        if isinstance(address, Mapping):
            for key in ("addressRegion", "addressLocality"):
                if found := _text(address.get(key)):
                    return found[:200]
    return ""


def hashtags(doc: Mapping[str, Any]) -> list[str]:
    """The Event's ``Hashtag`` names, lower-cased, without ``#``, each once."""
    found: list[str] = []
    tags = doc.get("tag")
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, Mapping) and tag.get("type") == "Hashtag":
            name = _text(tag.get("name")).lstrip("#").lower()[:200]
            if name and name not in found:
                found.append(name)
    return found[:MAX_TAGS]


def hub_region(conn: Connection, hub: str | None) -> str:
    """The region a hub's Group document names (ionode: its ``location`` Place)."""
    if not hub:
        return ""
    document = conn.execute(select(_remote.c.document).where(_remote.c.uri == hub)).scalar()
    location = document.get("location") if isinstance(document, dict) else None
    if isinstance(location, Mapping):
        return _text(location.get("name"))[:200] or place_region(location)
    return ""


def index_event(conn: Connection, uri: str, doc: Mapping[str, Any], *, hub: str | None,
                origin_host: str) -> bool:
    """Index (or re-index, after an Update) the Event ``uri``; False when it has no
    readable start, or is not an Event (then any older index row is dropped)."""
    times = event_times(doc) if doc.get("type") == "Event" else None
    if times is None:
        unindex_event(conn, uri)
        return False
    start, end = times
    region = (place_region(doc.get("location")) or hub_region(conn, hub)).lower()[:200]
    values = {"kind": "call" if doc.get("itemKind") == "call" else "event",
              "starts_at": start, "ends_at": end, "long": end - start > SPAN,
              "region": region, "title": _text(doc.get("name"))[:200],
              "url": original_url(doc)[:1024], "status": status_of(doc)}
    found = conn.execute(select(_event.c.id).where(_event.c.object_uri == uri)).scalar()
    if found is None:
        found = conn.execute(insert(_event).values(
            object_uri=uri, hub_uri=hub, origin_host=origin_host, **values)
        ).inserted_primary_key[0]  # type: ignore[index]
    else:
        conn.execute(update(_event).where(_event.c.id == found).values(**values))
        conn.execute(delete(_tag).where(_tag.c.event_id == found))
    tags = hashtags(doc)
    if tags:
        conn.execute(insert(_tag), [{"event_id": found, "tag": t} for t in tags])
    return True


def unindex_event(conn: Connection, uri: str) -> None:
    """The Event is gone (deleted, or taken out of the network): off the calendar."""
    found = conn.execute(select(_event.c.id).where(_event.c.object_uri == uri)).scalar()
    if found is not None:
        conn.execute(delete(_tag).where(_tag.c.event_id == found))
        conn.execute(delete(_event).where(_event.c.id == found))
