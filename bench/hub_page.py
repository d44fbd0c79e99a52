"""How fast the hub page renders for a hub of 10,000 items of every kind.

    .venv/bin/python bench/hub_page.py [--items 10000] [--requests 200] [--database URL]

Fills a hub through the tables (bench/dashboard.py's mix: updates, minutes, events
and calls as real FEP-8a8e documents spread over +-7 months, polls, every 1000th item
pinned) plus what the sectioned page reads besides: authors, a weekly call series over
the calls, notices of moved events; on PostgreSQL, ANALYZE (as autovacuum would). A
``--database`` an earlier run filled is measured again as it is. Then renders the hub
page and a middle page of its updates in-process through the ASGI app (no network) and
prints the median and p95 of N requests after one warm-up request.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from node.activitypub.local_actors import create_local_actor, find_by_username
from node.activitypub.models import StoredObject
from node.app import create_app
from node.clock import fixed_clock
from node.hubs.hub.models import CallSeries, HubItem

sys.path.insert(0, str(Path(__file__).parent))
from _pages import bench_settings, client_of, report, timed_gets
from dashboard import NOW, populate  # the shared fill of bench/dashboard.py

_item = HubItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]


def extras(app: Any, hub_uri: str) -> None:
    """Authors on every item, one call series over the calls, a notice per 50 updates."""
    node = app.state.node
    with node.engine.begin() as conn:
        author = create_local_actor(conn, base_url=node.settings.url, kind="person",
                                    username="olga", now=NOW).uri
        conn.execute(update(_object).values(attributed_to=author))
        conn.execute(update(_item).values(author_uri=author))
        hub_id = conn.execute(select(_item.c.hub_id).limit(1)).scalar_one()
        series = conn.execute(insert(CallSeries.__table__).values(  # type: ignore[attr-defined]
            hub_id=hub_id, object_uri=f"{hub_uri}-series", rrule="FREQ=WEEKLY;COUNT=52",
            timezone="Europe/Madrid", first_start=NOW, duration_minutes=60, details={},
            created_at=NOW, updated_at=NOW)).inserted_primary_key[0]
        conn.execute(update(_item).where(_item.c.kind == "call").values(series_id=series))
        events = conn.execute(select(_item.c.object_uri).where(_item.c.kind == "event")
                              .limit(100)).scalars().all()
        notes = conn.execute(select(_item.c.object_uri).where(_item.c.kind == "update")
                             .order_by(_item.c.id.desc()).limit(len(events) * 50)).scalars()
        for n, uri in enumerate(list(notes)[::50]):
            link = f'<a href="{events[n]}">{events[n]}</a>'
            doc = {"id": uri, "type": "Note", "to": [],
                   "content": f"<p><strong>Moved:</strong> now later {link}</p>"}
            conn.execute(update(_object).where(_object.c.uri == uri).values(document=doc))


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings = bench_settings(scratch, args.database, timezone="Europe/Madrid")
        database = settings.database
        app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            with app.state.node.engine.connect() as conn:
                filled = find_by_username(conn, "bench") is not None
            if filled:  # a database kept from an earlier run (--database): measured again
                hub_uri = f"{settings.url}/hubs/bench"
            else:
                hub_uri = populate(app, args.items)
                extras(app, hub_uri)
            if database.startswith("postgresql"):  # what autovacuum does on a live node
                with app.state.node.engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            print(f"{'reused' if filled else 'populated'} {args.items} items in "
                  f"{time.perf_counter() - started:.1f} s ({database.split(':')[0]})")
            path = hub_uri.removeprefix(settings.url)
            async with client_of(app) as client:
                report("hub page", await timed_gets(client, path, args.requests))
            with app.state.node.engine.connect() as conn:
                middle = conn.execute(select(_item.c.id).order_by(_item.c.id)
                                      .offset(args.items // 2).limit(1)).scalar_one()
            async with client_of(app) as client:
                report("updates, a middle page",
                       await timed_gets(client, f"{path}/updates?before={middle}",
                                        args.requests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", help="database URL (default: a scratch SQLite file)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
