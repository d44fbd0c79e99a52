"""How fast the hub directory's Atom feed and calendar answer with 10,000 hubs.

    .venv/bin/python bench/network_directory_feeds.py [--hubs 10000] [--items 100000]
        [--requests 30] [--database URL]

Fills the network calendar bench's items (:mod:`network_calendar`: 100,000 received
items from 200 hubs, one in six an Event) and a directory of ``--hubs`` hubs (the 200
that post, the rest quiet), each with a region and two tags, then renders in-process
the directory page, its Atom feed (first page, a deep page, by tag) and its calendar
(every hub, by tag, by node), and prints the median and p95 of N requests after one
warm-up request.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from typing import Any

from _pages import bench_settings, client_of, report, timed_gets
from network_calendar import NOW, populate
from network_timeline import HUBS, host, hub
from sqlalchemy import insert, select

from node.app import create_app
from node.clock import fixed_clock
from node.network.models import NetworkHub, NetworkHubTag

REGIONS = ("Île-de-France", "Lazio", "Berlin", "California", "Catalunya")
_hubs = NetworkHub.__table__  # type: ignore[attr-defined]
_hub_tags = NetworkHubTag.__table__  # type: ignore[attr-defined]


def directory_rows(count: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        uri = hub(n) if n < HUBS else f"https://{host(n)}/hubs/quiet{n}"
        tags = f" topic{n % 40} {'climate' if n % 4 else 'housing'} "
        rows.append({
            "actor_uri": uri, "local": False, "handle": f"{uri.rsplit('/', 1)[1]}@{host(n)}",
            "title": f"Hub {n}", "sort_key": f"hub {n}", "summary": f"<p>Hub {n} organises</p>",
            "summary_text": f"hub {n} organises", "region": REGIONS[n % len(REGIONS)],
            "tags": tags, "host": host(n), "url": uri, "followers": n % 300,
            "last_activity": NOW - timedelta(minutes=n) if n < HUBS else None,
            "refreshed_at": NOW, "created_at": NOW - timedelta(days=30, minutes=n)})
    return rows


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings = bench_settings(scratch, args.database, timezone="Europe/Madrid")
        app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            populate(app, args.items)
            with app.state.node.engine.begin() as conn:
                conn.execute(insert(_hubs), directory_rows(args.hubs))
                tags = [{"hub_id": r.id, "tag": t} for r in conn.execute(
                    select(_hubs.c.id, _hubs.c.tags)) for t in set(r.tags.split())]
                conn.execute(insert(_hub_tags), tags)  # as the directory's writers keep it
                if settings.database.startswith("postgresql"):
                    conn.exec_driver_sql("ANALYZE")
                deep = conn.execute(select(_hubs.c.id).where(
                    _hubs.c.title == f"Hub {args.hubs - 60}")).scalar_one()
            print(f"populated {args.items} items and {args.hubs} hubs in "
                  f"{time.perf_counter() - started:.1f} s ({settings.database.split(':')[0]})")
            pages = {
                "directory page": "/network/directory",
                "Atom, first page (50 hubs)": "/network/directory.atom",
                "Atom, a deep page": f"/network/directory.atom?after={deep}",  # a bare id
                "Atom by tag": "/network/directory.atom?tag=housing",
                "iCalendar, every hub": "/network/directory.ics",
                "iCalendar by tag": "/network/directory.ics?tag=topic2",
                "iCalendar by node": "/network/directory.ics?node=node2.example",
            }
            async with client_of(app) as client:
                for name, path in pages.items():
                    report(name, await timed_gets(client, path, args.requests, accept="*/*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hubs", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database", help="database URL (default: a scratch SQLite file)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
