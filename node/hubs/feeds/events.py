"""Events of a hub's iCalendar feed as ionode Events, kept in step with their source.

A calendar entry becomes a real FEP-8a8e ``Event`` by the hub (name, start, end, IANA
timezone, location, the source's link in its description), filed as an ``event`` item
with its start and end, so it is shown, exported and managed like any other event.

The entry's key (its UID, plus RECURRENCE-ID for a moved occurrence, RFC 5545 section
3.8.4.7) stays in ``feed_entry`` with a ``digest`` of what the source said. At each poll
(:func:`sync_events`), for every upcoming Event the subscription published:

* the source changed it (another digest): the hub sends ``Update`` with the whole new
  Event to its followers and, when the time or place changed, a short Note saying so
  (Mastodon ignores Updates of Events, INTEROP.md "Objects");
* the source marks it ``STATUS:CANCELLED``, or the source no longer lists it (only when
  the whole calendar was read): the Event is cancelled the same way;
* unchanged: nothing, so a steward's own move or cancellation on the manage page stays.

A cancelled Event stays cancelled. Events already over are left alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from node.activitypub.models import StoredObject
from node.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, activity, isoformat
from node.hubs.events.rules import (
    MAX_NAME,
    EventSpec,
    Online,
    Place,
    event_document,
    spec_from_document,
)
from node.hubs.events.service import change_text
from node.hubs.feeds.rules import Entry, Feed
from node.hubs.hub.items import newer_than
from node.hubs.hub.models import FeedEntry, HubItem
from node.hubs.hub.notices import NoticeText, notice_note
from node.hubs.hub.publish import HubTarget
from node.runtime import Node
from node.text import post_html
from node.zones import zone_or_utc

DEFAULT_LENGTH = timedelta(hours=1)  # a timed event without DTEND or DURATION
_FREQ = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly", "YEARLY": "yearly"}
_entries = FeedEntry.__table__  # type: ignore[attr-defined]
_items = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


def _aware(value: date | datetime, tz: ZoneInfo) -> datetime:
    """An aware datetime: a date is its midnight in ``tz``, a floating time is in ``tz``."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)


def _location(text: str) -> Place | Online | None:
    if text.startswith(("https://", "http://")) and " " not in text:
        return Online(text)
    return Place(text[:MAX_NAME]) if text else None


def _description(entry: Entry, feed: Feed) -> str:
    parts = [entry.description]
    if entry.repeats.upper() in _FREQ:
        parts.append(f"Repeats {_FREQ[entry.repeats.upper()]} (see the source calendar).")
    if source := entry.link or feed.link:
        parts.append(f"Source: <{source}>")
    return "\n\n".join(p for p in parts if p)


def entry_spec(entry: Entry, feed: Feed) -> EventSpec:
    """The Event a calendar entry describes. An all-day event runs midnight to midnight
    in UTC; an event without an end lasts a day (all-day) or :data:`DEFAULT_LENGTH`."""
    assert entry.start is not None
    tz = zone_or_utc(entry.timezone)  # a Windows or made-up TZID: UTC
    start = _aware(entry.start, tz)
    end = _aware(entry.end, tz) if entry.end is not None else None
    if end is None or end <= start:
        end = start + (DEFAULT_LENGTH if isinstance(entry.start, datetime) else timedelta(1))
    return EventSpec(title=entry.title[:MAX_NAME].strip() or "(untitled event)", start=start,
                     end=end, timezone=tz.key, location=_location(entry.location),
                     description=_description(entry, feed))


def digest(spec: EventSpec) -> str:
    """A fingerprint of what the source says (instants in UTC, so equal times match)."""
    fields = (spec.title, spec.start.astimezone(UTC).isoformat(),
              spec.end.astimezone(UTC).isoformat(), spec.timezone, repr(spec.location),
              spec.description)
    return hashlib.sha256("\0".join(fields).encode()).hexdigest()


def _times(spec: EventSpec) -> dict[str, datetime]:
    return {"starts_at": spec.start.astimezone(UTC), "ends_at": spec.end.astimezone(UTC)}


def publish_event(node: Node, conn: Connection, target: HubTarget, feed: Feed, entry: Entry,
                  now: datetime) -> tuple[str, str]:
    """Create the entry's Event by the hub and file it; (its id, the source's digest)."""
    spec = entry_spec(entry, feed)
    outbox, hub = node.services.outbox, target.actor.uri
    doc = event_document(spec, id=outbox.new_id("objects"), author=hub, hubs=[hub],
                         published=now)
    create = activity("Create", id=outbox.new_id("activities"), actor=hub, object=doc["id"],
                      published=now, to=doc["to"], cc=doc["cc"])
    outbox.publish(conn, actor=target.actor, activity=create, obj=doc, now=now)
    conn.execute(insert(_items).values(
        hub_id=target.hub.id, object_uri=doc["id"], kind="event", author_uri=hub,
        origin="feed", state="published", pinned=False, created_at=now, updated_at=now,
        **_times(spec)))
    return str(doc["id"]), digest(spec)


def _tell(node: Node, conn: Connection, target: HubTarget, notice: NoticeText, uri: str,
          now: datetime) -> None:
    """A short Note by the hub saying what changed (Mastodon ignores Event Updates),
    its kind recorded on the Note and its hub item (:mod:`node.hubs.hub.notices`)."""
    outbox, hub = node.services.outbox, target.actor.uri
    note_id = outbox.new_id("objects")
    note = notice_note({
        "@context": list(ACTIVITY_CONTEXT), "id": note_id, "type": "Note", "url": note_id,
        "attributedTo": hub, "content": post_html(f"{notice.text}\n<{uri}>"),
        "published": isoformat(now), "to": [PUBLIC], "cc": [f"{hub}/followers"],
        "audience": hub}, notice.kind)
    create = activity("Create", id=outbox.new_id("activities"), actor=hub, object=note["id"],
                      published=now, to=note["to"], cc=note["cc"])
    outbox.publish(conn, actor=target.actor, activity=create, obj=note, now=now)
    conn.execute(insert(_items).values(
        hub_id=target.hub.id, object_uri=note["id"], kind="feed", author_uri=hub,
        origin="feed", state="published", pinned=False, created_at=now, updated_at=now,
        notice_kind=notice.kind))


def change_event(node: Node, conn: Connection, target: HubTarget, doc: dict[str, Any],
                 new: EventSpec, now: datetime) -> None:
    """Send the hub's ``Update`` of its Event with ``new``, and a Note if time or place
    moved or it was cancelled; the items' index follows in the same transaction."""
    old, uri, hub = spec_from_document(doc), str(doc["id"]), target.actor.uri
    published = datetime.fromisoformat(str(doc.get("published") or isoformat(now)))
    new_doc = event_document(new, id=uri, author=hub, hubs=[hub], published=published,
                             updated=newer_than(doc, now))
    outbox = node.services.outbox
    update_activity = activity("Update", id=outbox.new_id("activities"), actor=hub,
                               object=uri, published=now, to=new_doc["to"], cc=new_doc["cc"])
    outbox.publish(conn, actor=target.actor, activity=update_activity, obj=new_doc, now=now)
    conn.execute(update(_items).where(_items.c.object_uri == uri).values(
        updated_at=now, **_times(new)))  # a new stamp: calendar caches key on it
    if notice := change_text(old, new):
        _tell(node, conn, target, notice, uri, now)


def _published_events(conn: Connection, subscription_id: int) -> list[Any]:
    """The subscription's entries that became Events, with their live documents."""
    joined = _entries.join(_objects, _objects.c.uri == _entries.c.object_uri)
    return list(conn.execute(
        select(_entries.c.id, _entries.c.entry_key, _entries.c.digest, _objects.c.document)
        .select_from(joined)
        .where(_entries.c.subscription_id == subscription_id, _entries.c.digest.is_not(None),
               _objects.c.type == "Event", _objects.c.local.is_(True),
               _objects.c.deleted_at.is_(None))
        .order_by(_entries.c.id)))


def sync_events(node: Node, conn: Connection, target: HubTarget, subscription_id: int,
                feed: Feed, now: datetime) -> int:
    """Bring the hub's upcoming Events of this calendar in step; the number changed."""
    current = {e.key: e for e in feed.entries if e.kind == "event" and e.start is not None}
    changed = 0
    for row in _published_events(conn, subscription_id):
        doc = dict(row.document)
        old = spec_from_document(doc)
        if old.cancelled or old.end < now:
            continue
        entry = current.get(row.entry_key)
        if entry is None:
            if row.entry_key in feed.cancelled or feed.complete:
                change_event(node, conn, target, doc, replace(old, cancelled=True), now)
                changed += 1
            continue
        new = entry_spec(entry, feed)
        if digest(new) == row.digest:
            continue
        change_event(node, conn, target, doc, new, now)
        conn.execute(update(_entries).where(_entries.c.id == row.id).values(
            digest=digest(new)))
        changed += 1
    return changed
