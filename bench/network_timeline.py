"""How fast the network timeline (``/network``) renders with 100,000 received items.

    .venv/bin/python bench/network_timeline.py [--items 100000] [--requests 100] [--database URL]

Fills ``stored_object`` and ``network_item`` as :mod:`node.network.receive` stores what
arrives from followed nodes and relays: Notes, Articles, Events and Questions from 20
nodes and 200 hubs (cached as remote Groups with their authors), 1 in 50 deleted, 1 in
100 no longer public; on PostgreSQL, ANALYZE (as autovacuum would). Then renders in-process
through the ASGI app (no network) the newest page, a middle page (``?before=``), pages
filtered by node, hub and kind, and the Atom feed, and prints the median and p95 of N
requests after one warm-up request. Issue 9's target: tens of milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _pages import bench_settings, client_of, report, timed_gets
from sqlalchemy import func, insert, select

from node.activitypub.models import RemoteActor, StoredObject
from node.activitypub.vocab import PUBLIC
from node.app import create_app
from node.clock import fixed_clock
from node.network.models import NetworkItem

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
KINDS = ("Note", "Note", "Note", "Article", "Event", "Question")
NODES, HUBS, BATCH = 20, 200, 5_000
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_items = NetworkItem.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


def host(n: int) -> str:
    return f"node{n % NODES}.example"


def hub(n: int) -> str:
    return f"https://{host(n)}/hubs/hub{n % HUBS}"


def document(n: int, at: datetime) -> dict[str, Any]:
    kind, uri = KINDS[n % len(KINDS)], f"https://{host(n)}/objects/{n}"
    doc: dict[str, Any] = {
        "id": uri, "type": kind, "attributedTo": f"https://{host(n)}/users/u{n % 50}",
        "published": at.isoformat(), "to": [PUBLIC] if n % 100 else [],
        "content": f"<p>Item <strong>{n}</strong>: an assembly on rent and climate.</p>"}
    if kind in ("Article", "Event"):
        doc["name"] = f"Title {n}"
    if kind == "Event":
        doc["startTime"] = (at + timedelta(days=10)).isoformat()
    if kind == "Question":
        doc["oneOf"] = [{"type": "Note", "name": o, "replies": {"totalItems": n % 7}}
                        for o in ("Yes", "No")]
    return doc


def actors() -> list[dict[str, Any]]:
    rows = [{"uri": hub(n), "host": host(n), "kind": "Group", "preferred_username": f"hub{n}",
             "display_name": f"Hub {n}", "inbox": f"{hub(n)}/inbox", "fetched_at": NOW,
             "document": {}} for n in range(HUBS)]
    rows += [{"uri": f"https://{host(n)}/users/u{u}", "host": host(n), "kind": "Person",
              "preferred_username": f"u{u}", "display_name": f"Person {u}",
              "inbox": f"https://{host(n)}/users/u{u}/inbox", "fetched_at": NOW,
              "document": {"icon": {"url": f"https://{host(n)}/media/u{u}.png"}}}
             for n in range(NODES) for u in range(50)]
    return rows


def populate(app: Any, count: int) -> None:
    with app.state.node.engine.begin() as conn:
        conn.execute(insert(_remote), actors())
        for start in range(0, count, BATCH):
            objects, items = [], []
            for n in range(start, min(count, start + BATCH)):
                at = NOW - timedelta(minutes=count - n)
                doc = document(n, at)
                objects.append({"uri": doc["id"], "type": doc["type"], "document": doc,
                                "attributed_to": doc["attributedTo"], "published": at,
                                "received_at": at,
                                "deleted_at": at if n % 50 == 0 else None})
                items.append({"object_uri": doc["id"], "object_type": doc["type"],
                              "hub_uri": hub(n), "origin_host": host(n),
                              "via": f"https://{host(n)}/actor", "received_at": at,
                              "published_at": at})
            conn.execute(insert(_objects), objects)
            conn.execute(insert(_items), items)


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings = bench_settings(scratch, args.database, timezone="Europe/Madrid")
        database = settings.database
        app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            with app.state.node.engine.connect() as conn:
                filled = conn.execute(select(func.count()).select_from(_items)).scalar_one()
            if not filled:
                populate(app, args.items)
            if database.startswith("postgresql"):
                with app.state.node.engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            print(f"{'reused' if filled else 'populated'} {filled or args.items} items in "
                  f"{time.perf_counter() - started:.1f} s ({database.split(':')[0]})")
            middle = (filled or args.items) // 2
            pages = {"newest page": "/network", "a middle page": f"/network?before={middle}",
                     "by node": "/network?node=node7.example",
                     "by hub": f"/network?hub={hub(7)}", "by kind (Event)": "/network?kind=Event",
                     "node + kind, sparse": "/network?node=node7.example&kind=Question",
                     "Atom feed": "/network/feed.atom"}
            async with client_of(app) as client:
                for name, path in pages.items():
                    report(name, await timed_gets(client, path, args.requests, accept="*/*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database", help="database URL (default: a scratch SQLite file)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
