"""Republishing new feed entries from a hub: which ones, as what, recorded once.

The hub republishes its group's own website, so the hub actor is the author: each
news entry becomes a public Note ``attributedTo`` the hub (each calendar event an Event,
kept in step with its source: :mod:`node.hubs.feeds.events`) and goes out as the hub's
``Create`` to its followers (no Announce: nobody else wrote it). The Note reads well on
Mastodon: the title in bold, the summary and "Source:" with the link; ``url`` is the
source entry when it is https (Misskey refuses a Note whose ``url`` is not https, so
http links stay in the text).

Which entries go out (:func:`choose`):

* the first poll of a subscription publishes only the newest
  :data:`FIRST_POLL_PUBLISH` news entries (calendars: the next upcoming events) and
  records the rest of the backlog as seen, so subscribing never floods followers;
* later polls publish every new entry, oldest first, at most
  :data:`MAX_PUBLISH_PER_POLL`; a larger burst (a site that changed all its guids)
  has its older surplus recorded as seen instead;
* calendar events that are already over are recorded as seen, never published.

Each entry is recorded in ``feed_entry`` (unique per subscription and key) in the same
transaction as its Note, activity and delivery rows, so it goes out once, ever.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from node.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, activity, isoformat
from node.html import sanitize_html
from node.hubs.feeds.events import publish_event, sync_events
from node.hubs.feeds.rules import Entry, Feed
from node.hubs.hub.models import FeedEntry, HubItem
from node.hubs.hub.publish import HubTarget
from node.runtime import Node

FIRST_POLL_PUBLISH = 3
MAX_PUBLISH_PER_POLL = 10
NOT_PUBLISHED = ""  # feed_entry.object_uri of an entry recorded as seen only

_entries = FeedEntry.__table__  # type: ignore[attr-defined]
_items = HubItem.__table__  # type: ignore[attr-defined]
_OLDEST = datetime.min.replace(tzinfo=UTC)


def unseen(conn: Connection, subscription_id: int, entries: Sequence[Entry]) -> list[Entry]:
    """Entries not yet recorded for the subscription, each key once (feeds repeat)."""
    first_of: dict[str, Entry] = {}
    for entry in entries:
        first_of.setdefault(entry.key, entry)
    if not first_of:
        return []
    seen = set(conn.execute(
        select(_entries.c.entry_key).where(_entries.c.subscription_id == subscription_id,
                                           _entries.c.entry_key.in_(list(first_of)))
    ).scalars())
    return [entry for key, entry in first_of.items() if key not in seen]


def choose(feed: Feed, fresh: Sequence[Entry], *, first: bool,
           now: datetime) -> tuple[list[Entry], list[Entry]]:
    """(entries to publish in publishing order, entries to record as seen only)."""
    limit = FIRST_POLL_PUBLISH if first else MAX_PUBLISH_PER_POLL
    if feed.kind == "calendar":
        upcoming = [e for e in fresh if (e.ends_at or e.starts_at or _OLDEST) >= now]
        upcoming.sort(key=lambda e: e.starts_at or now)
        publish = upcoming[:limit]
    else:
        newest = sorted(fresh, key=lambda e: e.published or _OLDEST, reverse=True)
        publish = newest[:limit][::-1]  # oldest first, so timelines read in order
    chosen = {entry.key for entry in publish}
    return publish, [entry for entry in fresh if entry.key not in chosen]


def note_content(feed: Feed, entry: Entry) -> str:
    """The Note's HTML: bold title, summary, source link. (A dated calendar entry is an
    Event instead, with its times and place as fields: :mod:`node.hubs.feeds.events`.)"""
    parts = [f"<p><strong>{html.escape(entry.title)}</strong></p>"] if entry.title else []
    parts.append(entry.summary)
    source = entry.link or feed.link
    if source:
        link = html.escape(source)
        parts.append(f'<p>Source: <a href="{link}">{link}</a></p>')
    return sanitize_html("".join(parts))


def feed_note(target: HubTarget, feed: Feed, entry: Entry, note_id: str,
              now: datetime) -> dict[str, Any]:
    """A public Note by the hub itself republishing ``entry``."""
    hub = target.actor.uri
    https_link = entry.link if entry.link and entry.link.startswith("https://") else None
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": note_id, "type": "Note", "attributedTo": hub,
        "content": note_content(feed, entry), "published": isoformat(now),
        "url": https_link or note_id, "to": [PUBLIC], "cc": [f"{hub}/followers"],
        "audience": hub,
    }


def publish_entry(node: Node, conn: Connection, target: HubTarget, feed: Feed, entry: Entry,
                  now: datetime) -> tuple[str, str | None]:
    """Create the entry's object by the hub, queue it to the followers, list it in the
    hub: an Event for a calendar event (:mod:`.events`), else a Note.

    (its id, the source's digest for an Event to keep in step, else None)
    """
    if entry.kind == "event" and entry.start is not None:
        return publish_event(node, conn, target, feed, entry, now)
    outbox = node.services.outbox
    note = feed_note(target, feed, entry, outbox.new_id("objects"), now)
    create = activity("Create", id=outbox.new_id("activities"), actor=target.actor.uri,
                      object=note["id"], published=now, to=note["to"], cc=note["cc"])
    outbox.publish(conn, actor=target.actor, activity=create, obj=note, now=now)
    conn.execute(insert(_items).values(
        hub_id=target.hub.id, object_uri=note["id"], kind="feed",
        author_uri=target.actor.uri, origin="feed", state="published", pinned=False,
        created_at=now, updated_at=now))
    return str(note["id"]), None


def record_entries(node: Node, conn: Connection, target: HubTarget, subscription_id: int,
                   feed: Feed, now: datetime, *, first: bool = False) -> int:
    """Publish the chosen new entries and record every new one; the number published.

    A first poll publishes at most :data:`FIRST_POLL_PUBLISH` entries, a later one at
    most :data:`MAX_PUBLISH_PER_POLL`. ``first`` says so when subscribing (again);
    otherwise the first poll is the one that finds nothing recorded yet. Entries
    recorded before, by this subscription before an unsubscribe, never go out again.
    """
    first = first or conn.execute(select(_entries.c.id).where(
        _entries.c.subscription_id == subscription_id).limit(1)).first() is None
    if feed.kind == "calendar":
        sync_events(node, conn, target, subscription_id, feed, now)
    publish, skip = choose(feed, unseen(conn, subscription_id, feed.entries), first=first,
                           now=now)
    rows = [(entry.key, *publish_entry(node, conn, target, feed, entry, now))
            for entry in publish]
    rows += [(entry.key, NOT_PUBLISHED, None) for entry in skip]
    if rows:
        conn.execute(insert(_entries), [
            {"subscription_id": subscription_id, "entry_key": key, "object_uri": uri,
             "digest": digest, "seen_at": now} for key, uri, digest in rows])
    return len(publish)
