"""How fast the network timeline (``/network``) renders with 100,000 received items.

    .venv/bin/python bench/network_timeline.py [--items 100000] [--requests 100] [--database URL]
        [--without-origin-index] [--plans]

Fills ``stored_object`` and ``network_item`` as :mod:`node.network.receive` stores what
arrives from followed nodes and relays: Notes, Articles, Events and Questions from 20
nodes and 200 hubs (cached as remote Groups with their authors), 1 in 50 deleted, 1 in
100 no longer public; every item's hubs in ``item_origin`` (1 in 10 cross-posted to a
second hub; 1 in 5,000 also to a rare hub that is never an item's first hub), its
region and hashtags as :mod:`node.network.item_index` writes them (a common and a rare
of each); on PostgreSQL, ANALYZE (as autovacuum would). Then renders in-process through
the ASGI app (no network) the newest page, a middle page (``?before=``), pages filtered
by node, hub (a common one, and the rare one only ``item_origin`` names), kind, tag and
region, and the Atom feed, and prints the median and p95 of N requests after one warm-up
request. ``--without-origin-index`` drops ``ix_item_origin_hub_uri`` first (the figures
before migration 0027); ``--plans`` prints the query plan of the hub, tag and region
filters. Issue 9's target: tens of milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _pages import bench_settings, client_of, report, timed_gets
from sqlalchemy import func, insert, select, text

from node.activitypub.models import RemoteActor, StoredObject
from node.activitypub.vocab import PUBLIC
from node.app import create_app
from node.clock import fixed_clock
from node.keyset import TimeKey
from node.network.models import ItemOrigin, NetworkItem, NetworkItemTag
from node.network.timeline import Filters, sparse_filters, timeline_query

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
KINDS = ("Note", "Note", "Note", "Article", "Event", "Question")
NODES, HUBS, BATCH = 20, 200, 5_000
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_items = NetworkItem.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]
_origin = ItemOrigin.__table__  # type: ignore[attr-defined]
_tag = NetworkItemTag.__table__  # type: ignore[attr-defined]
RARE_HUB = "https://node3.example/hubs/rare"


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
            objects, items, origins, tags = [], [], [], []
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
                              "published_at": at, "region": region(n)})
                shared = [hub(n)] + ([hub(n + 7)] if n % 10 == 0 else []) \
                    + ([RARE_HUB] if n % 5000 == 0 else [])
                origins += [{"object_uri": doc["id"], "hub_uri": h, "origin_host": host(n),
                             "seen_at": at} for h in shared]
                tags += [{"item_id": n + 1, "tag": t} for t in hashtags(n)]
            conn.execute(insert(_objects), objects)
            conn.execute(insert(_items), items)
            conn.execute(insert(_origin), origins)
            conn.execute(insert(_tag), tags)


def region(n: int) -> str:
    return "rare region" if n % 5000 == 1 else f"region {n % 40}"


def hashtags(n: int) -> list[str]:
    """Item ``n``'s hashtags (ids follow insertion: item ``n`` is row ``n + 1``)."""
    return ["rent"] * (n % 3 == 0) + ["climate"] * (n % 2 == 0) + ["raretag"] * (n % 5000 == 2)


def plans(app: Any, database: str) -> None:
    """The plan of each filter's first-page query, as the database runs it."""
    engine = app.state.node.engine
    explain = "EXPLAIN QUERY PLAN " if database.startswith("sqlite") else "EXPLAIN ANALYZE "
    for name, filters in (("hub (common)", Filters(hub=hub(7))),
                          ("hub (rare)", Filters(hub=RARE_HUB)),
                          ("tag (rare)", Filters(tag="raretag")),
                          ("region (rare)", Filters(region="rare region"))):
        with engine.connect() as conn:
            sparse = sparse_filters(conn, filters)
        query = timeline_query(filters, None, 21, sparse).compile(
            dialect=engine.dialect, compile_kwargs={"literal_binds": True})
        with engine.connect() as conn:
            print(f"-- plan, {name} ({'sparse' if sparse else 'walk'}):")
            for row in conn.exec_driver_sql(explain + str(query)):
                print("   ", " | ".join(str(v) for v in row))


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
            if args.without_origin_index:
                with app.state.node.engine.begin() as conn:
                    conn.execute(text("DROP INDEX IF EXISTS ix_item_origin_hub_uri"))
            if database.startswith("postgresql"):
                with app.state.node.engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            if args.plans:
                plans(app, database)
            print(f"{'reused' if filled else 'populated'} {filled or args.items} items in "
                  f"{time.perf_counter() - started:.1f} s ({database.split(':')[0]})")
            total = filled or args.items
            middle = TimeKey(NOW - timedelta(minutes=total // 2), total // 2)
            pages = {"newest page": "/network", "a middle page": f"/network?before={middle}",
                     "by node": "/network?node=node7.example",
                     "by hub": f"/network?hub={hub(7)}",
                     "by hub, rare (item_origin only)": f"/network?hub={RARE_HUB}",
                     "by kind (Event)": "/network?kind=Event",
                     "by tag": "/network?tag=rent", "by tag, rare": "/network?tag=raretag",
                     "by region": "/network?region=region+7",
                     "by region, rare": "/network?region=rare+region",
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
    parser.add_argument("--without-origin-index", action="store_true",
                        help="drop ix_item_origin_hub_uri first (before migration 0027)")
    parser.add_argument("--plans", action="store_true", help="print the filters' plans")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
