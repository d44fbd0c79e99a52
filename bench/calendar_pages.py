"""How fast the calendar pages render for a hub of 10,000 items.

    python bench/calendar_pages.py [--items 10000] [--requests 100] [--database URL]

Builds a hub with N items: updates, minutes and polls (which a calendar must skip),
events over two years with the busiest month (December 2026) holding one in twenty,
and weekly call series (a year each, four occurrences published, the rest expanded from
the RRULE by the page), plus a second hub so the node calendar has two to merge. Then
renders, in-process through the ASGI app (no network: ionode's own work), the busiest
month of the hub and of the node, and the first agenda page, and prints median and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _pages import bench_settings, client_of, report, timed_gets
from sqlalchemy import insert

from node.activitypub.models import StoredObject
from node.app import create_app
from node.clock import fixed_clock
from node.hubs.events.rules import CallDetails, EventSpec, Place, event_document
from node.hubs.hub.models import CallSeries, HubItem
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
BUSIEST = "2026-12"
ZONE = "America/Los_Angeles"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
SERIES = 20  # weekly call series of 52 calls; each has 4 occurrences published
OTHERS = ("update", "update", "minutes", "poll")


def _event(uri: str, hub_uri: str, title: str, start: datetime, *, call: bool = False,
           **extra: Any) -> dict[str, Any]:
    spec = EventSpec(title=title, start=start, end=start + timedelta(hours=2), timezone=ZONE,
                     location=Place("Oakland Plaza", "14th & Broadway"),
                     call=CallDetails(call_url="https://call.example/room") if call else None,
                     cancelled=title.endswith("0"), **extra)
    return event_document(spec, id=uri, author=f"{hub_uri}-member", hubs=[hub_uri],
                          published=NOW)


def _start(n: int) -> datetime:
    """One event in twenty in December 2026, the rest over two years around now."""
    if n % 40 == 0:
        return datetime(2026, 12, 1, 8, tzinfo=UTC) + timedelta(minutes=(n * 37) % 43_000)
    return NOW - timedelta(days=365) + timedelta(hours=(n * 7919) % (2 * 365 * 24))


class Rows:
    """Objects, hub items and call series to insert in bulk."""

    def __init__(self, base: str, hub_id: int, hub_uri: str) -> None:
        self.base, self.hub_id, self.hub_uri = base, hub_id, hub_uri
        self.objects: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []

    def add(self, key: str, kind: str, doc: dict[str, Any], start: datetime | None = None,
            series_id: int | None = None) -> None:
        self.objects.append({"uri": doc["id"], "type": doc["type"], "attributed_to": None,
                             "local": True, "document": doc, "published": NOW,
                             "updated": NOW, "received_at": NOW})
        self.items.append({"hub_id": self.hub_id, "object_uri": doc["id"], "kind": kind,
                           "author_uri": "", "origin": "local", "state": "published",
                           "pinned": False, "starts_at": start,
                           "ends_at": start + timedelta(hours=2) if start else None,
                           "series_id": series_id, "created_at": NOW, "updated_at": NOW})

    def uri(self, key: str) -> str:
        return f"{self.base}/objects/{key}"


def fill(conn: Any, rows: Rows, items: int, series_ids: list[int]) -> None:
    for s, series_id in enumerate(series_ids):
        first = NOW - timedelta(days=7 * 40) + timedelta(hours=s)
        doc = _event(rows.uri(f"series-{s}"), rows.hub_uri, f"Weekly call {s}", first,
                     call=True, rrule="FREQ=WEEKLY;COUNT=52")
        rows.add(f"series-{s}", "call", doc, None, series_id)
        for k in range(36, 40):  # the occurrences published so far
            start = first + timedelta(weeks=k)
            occurrence = _event(rows.uri(f"series-{s}-{k}"), rows.hub_uri, f"Weekly call {s}",
                                start, call=True, series=doc["id"], recurrence_id=start)
            rows.add(f"series-{s}-{k}", "call", occurrence, start, series_id)
    n = 0
    while len(rows.items) < items:
        if n % 2 == 0:
            start = _start(n)
            kind = "call" if n % 6 == 0 else "event"
            rows.add(f"e-{n}", kind, _event(rows.uri(f"e-{n}"), rows.hub_uri,
                                            f"Action {n}", start, call=kind == "call"), start)
        else:
            kind = OTHERS[n % len(OTHERS)]
            rows.add(f"o-{n}", kind, {"id": rows.uri(f"o-{n}"), "type": "Note",
                                      "content": f"<p>Item {n}</p>", "to": [PUBLIC]})
        n += 1


def populate(app: Any, items: int) -> None:
    node = app.state.node
    with node.engine.begin() as conn:
        for name in ("bench", "other"):
            create_hub(conn, base_url=node.settings.url, name=name, title=name.title(), now=NOW)
        for name, count in (("bench", items), ("other", items // 10)):
            target = load_hub(conn, name)
            series_ids = []
            for s in range(SERIES if name == "bench" else 0):
                first = NOW - timedelta(days=7 * 40) + timedelta(hours=s)
                made = conn.execute(insert(CallSeries.__table__).values(  # type: ignore[attr-defined]
                    hub_id=target.hub.id, object_uri=f"{node.settings.url}/objects/series-{s}",
                    rrule="FREQ=WEEKLY;COUNT=52", timezone=ZONE, first_start=first,
                    duration_minutes=120, details={"title": f"Weekly call {s}"},
                    created_at=NOW, updated_at=NOW)).inserted_primary_key
                series_ids.append(int(made[0]))
            rows = Rows(f"{node.settings.url}/{name}", target.hub.id, target.actor.uri)
            if name == "bench":
                rows.base = node.settings.url
            fill(conn, rows, count, series_ids)
            conn.execute(insert(StoredObject.__table__), rows.objects)  # type: ignore[attr-defined]
            conn.execute(insert(HubItem.__table__), rows.items)  # type: ignore[attr-defined]


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings = bench_settings(scratch, args.database)
        database = settings.database
        app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            populate(app, args.items)
            print(f"populated {args.items} items (+{args.items // 10} in a second hub) in "
                  f"{time.perf_counter() - started:.1f} s ({database.split(':')[0]})")
            async with client_of(app) as client:
                for name, path in (
                        ("hub month grid (busiest)", f"/hubs/bench/calendar?month={BUSIEST}"),
                        ("node month grid (busiest)", f"/calendar?month={BUSIEST}"),
                        ("hub agenda (first page)", "/hubs/bench/agenda")):
                    report(name, await timed_gets(client, path, args.requests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database", help="database URL (default: a scratch SQLite file)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
