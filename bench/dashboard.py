"""How fast a busy hub's pages render: the dashboard and the iCalendar feed.

    python bench/dashboard.py [--items 10000] [--requests 200] [--database URL]

Builds a hub with N items (updates, minutes, events, calls and polls in the mix a year
of a busy campaign would have), then renders the pages in-process through the ASGI
app (no network, no server: this measures ionode's own work) and prints p50/p99.
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
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
KINDS = ("update", "update", "update", "minutes", "event", "call", "poll")


def document(kind: str, uri: str, n: int, hub_uri: str) -> dict[str, Any]:
    base: dict[str, Any] = {"id": uri, "to": [PUBLIC, hub_uri], "published": NOW.isoformat()}
    if kind in ("event", "call"):
        start = NOW + timedelta(hours=n - 5000)
        spec = EventSpec(
            title=f"Action {n}", start=start, end=start + timedelta(hours=2),
            timezone="America/Los_Angeles", location=Place("Oakland Plaza", "14th & Broadway"),
            description="Bring water and **signs**.",
            call=CallDetails(call_url="https://call.example/room", dial_in="+1 555 0100",
                             access_code="1234#") if kind == "call" else None)
        return event_document(spec, id=uri, author=f"{hub_uri}-member", hubs=[hub_uri],
                              published=NOW)
    if kind == "poll":
        return {**base, "type": "Question", "content": f"<p>Proposal {n}?</p>",
                "endTime": (NOW + timedelta(days=1)).isoformat(), "votersCount": n % 50,
                "oneOf": [{"type": "Note", "name": name, "replies": {
                    "type": "Collection", "totalItems": n % 7}}
                    for name in ("agree", "disagree", "more questions")]}
    kind_type = "Article" if kind == "minutes" else "Note"
    return {**base, "type": kind_type, "name": f"Minutes {n}" if kind == "minutes" else None,
            "content": f"<p>Update number {n} from the <strong>working group</strong>.</p>" * 3}


def populate(app: Any, items: int) -> str:
    node = app.state.node
    with node.engine.begin() as conn:
        create_hub(conn, base_url=node.settings.url, name="bench", title="Bench Hub", now=NOW)
        target = load_hub(conn, "bench")
        objects, rows = [], []
        for n in range(items):
            kind = KINDS[n % len(KINDS)]
            uri = f"{node.settings.url}/objects/bench-{n}"
            doc = document(kind, uri, n, target.actor.uri)
            objects.append({"uri": uri, "type": doc["type"], "attributed_to": None,
                            "local": True, "document": doc, "published": NOW,
                            "updated": NOW, "received_at": NOW})
            starts = NOW + timedelta(hours=n - 5000) if kind in ("event", "call") else None
            rows.append({"hub_id": target.hub.id, "object_uri": uri, "kind": kind,
                         "author_uri": "", "origin": "local", "state": "published",
                         "pinned": n % 1000 == 0, "starts_at": starts,
                         "ends_at": starts + timedelta(hours=1) if starts else None,
                         "series_id": None, "created_at": NOW, "updated_at": NOW})
        conn.execute(insert(StoredObject.__table__), objects)  # type: ignore[attr-defined]
        conn.execute(insert(HubItem.__table__), rows)  # type: ignore[attr-defined]
    return str(target.actor.uri)


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings = bench_settings(scratch, args.database)
        database = settings.database
        app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            hub_uri = populate(app, args.items)
            print(f"populated {args.items} items in {time.perf_counter() - started:.1f} s "
                  f"({database.split(':')[0]})")
            path = hub_uri.removeprefix(settings.url)
            async with client_of(app) as client:
                report("dashboard (HTML)", await timed_gets(client, path, args.requests),
                       quantile=0.99)
                report("hub calendar (iCal)", await timed_gets(
                    client, f"{path}/calendar.ics", args.requests, accept="text/calendar"),
                       quantile=0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", help="database URL (default: a scratch SQLite file)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
