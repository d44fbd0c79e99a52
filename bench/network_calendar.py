"""How fast the network calendar renders with 100,000 received items.

    .venv/bin/python bench/network_calendar.py [--items 100000] [--requests 50] [--database URL]

Fills ``stored_object``, ``network_item`` and the calendar's index (``network_event``,
``network_event_tag``) as :mod:`node.network.receive` does: the timeline bench's mix
(Notes, Articles, Questions, and one item in six an Event, one Event in five a call),
from 20 nodes and 200 hubs, the Events starting from a year ago to a year ahead, one in
fifty lasting six weeks, Mobilizon-shaped (a Place with a PostalAddress, a region, two
hashtags); 1 in 50 deleted. On PostgreSQL, ANALYZE. Then renders in-process through the
ASGI app this month's grid, a month a year ahead, the agenda's first and a later page,
filtered views (hub, tag, region, node + kind) and the iCalendar feed, and prints the
median and p95 of N requests after one warm-up request. Issue 9's target: tens of
milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _pages import bench_settings, client_of, report, timed_gets
from network_timeline import actors, host, hub
from sqlalchemy import func, insert, select

from node.activitypub.models import RemoteActor, StoredObject
from node.activitypub.vocab import PUBLIC
from node.app import create_app
from node.clock import fixed_clock
from node.network.event_facts import original_url, status_of
from node.network.event_index import SPAN, event_times, hashtags, place_region
from node.network.models import NetworkEvent, NetworkEventTag, NetworkItem

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
KINDS = ("Note", "Note", "Event", "Article", "Note", "Question")
REGIONS = ("Île-de-France", "Lazio", "Berlin", "California", "Catalunya")
BATCH = 5_000
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_items = NetworkItem.__table__  # type: ignore[attr-defined]
_events = NetworkEvent.__table__  # type: ignore[attr-defined]
_tags = NetworkEventTag.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


def document(n: int, count: int, at: datetime) -> dict[str, Any]:
    kind, uri = KINDS[n % len(KINDS)], f"https://{host(n)}/objects/{n}"
    doc: dict[str, Any] = {
        "id": uri, "type": kind, "attributedTo": f"https://{host(n)}/users/u{n % 50}",
        "published": at.isoformat(), "to": [PUBLIC],
        "content": f"<p>Item <strong>{n}</strong>: an assembly on rent and climate.</p>",
        "name": f"Title {n}"}
    if kind == "Event":
        start = NOW - timedelta(days=365) + timedelta(minutes=(n * 1051) % (730 * 1440))
        length = timedelta(days=42) if n % 50 == 2 else timedelta(hours=2)
        doc |= {"startTime": start.isoformat(), "endTime": (start + length).isoformat(),
                "timezone": "Europe/Paris", "joinMode": "free", "category": "MEETING",
                "ical:status": "CANCELLED" if n % 40 == 2 else "CONFIRMED",
                "location": {"type": "Place", "name": f"Hall {n % 300}", "address": {
                    "type": "PostalAddress", "streetAddress": f"{n % 90} Main St",
                    "addressLocality": "Town", "addressRegion": REGIONS[n % len(REGIONS)]}},
                "tag": [{"type": "Hashtag", "name": f"#topic{n % 40}"},
                        {"type": "Hashtag", "name": "#climate" if n % 4 else "#housing"}]}
        if n % 5 == 2:
            doc["itemKind"] = "call"
    return doc


def _event_row(n: int, doc: dict[str, Any]) -> dict[str, Any]:
    times = event_times(doc)
    assert times is not None
    start, end = times
    return {"id": n + 1, "object_uri": doc["id"], "starts_at": start, "ends_at": end,
            "kind": "call" if doc.get("itemKind") == "call" else "event",
            "long": end - start > SPAN, "hub_uri": hub(n), "origin_host": host(n),
            "region": place_region(doc.get("location")).lower(), "title": doc["name"],
            "url": original_url(doc), "status": status_of(doc)}


def populate(app: Any, count: int) -> None:
    with app.state.node.engine.begin() as conn:
        conn.execute(insert(_remote), actors())
        for first in range(0, count, BATCH):
            objects, items, events, tags = [], [], [], []
            for n in range(first, min(count, first + BATCH)):
                at = NOW - timedelta(minutes=count - n)
                doc = document(n, count, at)
                objects.append({"uri": doc["id"], "type": doc["type"], "document": doc,
                                "attributed_to": doc["attributedTo"], "published": at,
                                "received_at": at,
                                "deleted_at": at if n % 50 == 0 else None})
                items.append({"object_uri": doc["id"], "object_type": doc["type"],
                              "hub_uri": hub(n), "origin_host": host(n),
                              "via": f"https://{host(n)}/actor", "received_at": at,
                              "published_at": at})
                if doc["type"] == "Event":
                    events.append(_event_row(n, doc))
                    tags += [{"event_id": n + 1, "tag": t} for t in hashtags(doc)]
            conn.execute(insert(_objects), objects)
            conn.execute(insert(_items), items)
            if events:
                conn.execute(insert(_events), events)
                conn.execute(insert(_tags), tags)


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings = bench_settings(scratch, args.database, timezone="Europe/Madrid")
        app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            with app.state.node.engine.connect() as conn:
                filled = conn.execute(select(func.count()).select_from(_items)).scalar_one()
            if not filled:
                populate(app, args.items)
            if settings.database.startswith("postgresql"):
                with app.state.node.engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            with app.state.node.engine.connect() as conn:
                indexed = conn.execute(select(func.count()).select_from(_events)).scalar_one()
            print(f"{'reused' if filled else 'populated'} {filled or args.items} items "
                  f"({indexed} events) in {time.perf_counter() - started:.1f} s "
                  f"({settings.database.split(':')[0]})")
            pages = {
                "month (this one)": "/network/calendar",
                "month, a year ahead": "/network/calendar?month=2027-11",
                "month by hub": f"/network/calendar?hub={hub(2)}",
                "month by tag": "/network/calendar?tag=topic2",
                "month by region": "/network/calendar?region=lazio",
                "month node + calls": "/network/calendar?node=node2.example&kind=call",
                "agenda, first page": "/network/agenda",
                "agenda, a later page": "/network/agenda?after=20270601T000000Z~x",
                "agenda by tag": "/network/agenda?tag=housing",
                "iCalendar feed (1,000 events)": "/network/calendar.ics",
                "iCalendar feed by tag": "/network/calendar.ics?tag=topic2",
            }
            async with client_of(app) as client:
                for name, path in pages.items():
                    report(name, await timed_gets(client, path, args.requests, accept="*/*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database", help="database URL (default: a scratch SQLite file)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
