"""Inbox processing alone: one actor's run of stored Creates through the inbox worker.

    PYTHONPATH=$PWD .venv/bin/python bench/inbox_processing.py [--items 3000] [--busy 20]
        [--database postgresql://postgres@127.0.0.1:5432/test]

The weak point of ``bench/inbox.py --sustained`` (issue 7, 1.13) is its probe: thousands
of ``Create(Note)``s of ONE actor, which the worker processes in order, while the event
loop is congested by the requests still arriving. That run is measured here without the
HTTP side, so that a shared, noisy machine still gives comparable figures: ``--items``
Creates (the bench's Mastodon-shaped Note, addressed to the hub ``bench``, not public:
the protocol handler stores it) are stored as queued inbox items, then one inbox worker
processes them with ``run_once`` until none is left, on the same event loop as
``--busy`` tasks that each burn 0.25 ms of CPU a turn (``--busy 20``: every await of the
worker waits about 5 ms, what a loop taking 300 requests a second beside processing
looks like; ``--busy 0``: an idle loop).

Printed: items/s, the process's CPU-milliseconds per item (every thread), the commits and
the statements per item. It runs on whatever ``node`` package ``PYTHONPATH`` names, so the
same script measures main and a branch; the database is a fresh SQLite file, or a scratch
PostgreSQL database created next to ``--database`` and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, event, insert, make_url, text
from starlette.testclient import TestClient

from node.activitypub.models import InboxItem
from node.app import create_app
from node.db import make_engine, migrate
from node.hubs.hub.service import create_hub
from node.settings import Settings
from node.workers import inbox_worker

BASE = "http://127.0.0.1:9"  # never contacted: nothing here fetches
ALICE = "https://remote.example/users/alice"
BURN = 0.00025  # seconds of CPU a busy task spends each turn
_items = InboxItem.__table__  # type: ignore[attr-defined]


def create(n: int, hub: str, now: datetime) -> dict[str, Any]:
    """bench/inbox.py's Create(Note) (same shape and content size)."""
    note = f"{ALICE}/statuses/{n}"
    addressed = {"to": [hub], "cc": [f"{ALICE}/followers"]}
    content = "<p>General assembly tonight at the union hall, 19:00. " + "x" * 360 + "</p>"
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note}/activity",
            "type": "Create", "actor": ALICE, "published": now.isoformat(), **addressed,
            "object": {"id": note, "type": "Note", "attributedTo": ALICE, "url": note,
                       "published": now.isoformat(), **addressed, "sensitive": False,
                       "content": content, "contentMap": {"en": content},
                       "tag": [{"type": "Mention", "href": hub, "name": "@bench"},
                               {"type": "Hashtag", "href": "https://example.org/tags/x",
                                "name": "#x"}]}}


def seed(url: str, count: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        create_hub(conn, base_url=BASE, name="bench", title="Bench hub", now=now)
        conn.execute(insert(_items), [
            {"activity_id": f"{ALICE}/statuses/{n}/activity", "actor": ALICE,
             "type": "Create", "object_type": "Note", "recipient": None,
             "body": orjson.dumps(create(n, f"{BASE}/hubs/bench", now)), "state": "queued",
             "attempts": 0, "due_at": now, "received_at": now} for n in range(count)])
    engine.dispose()


async def busy(stop: asyncio.Event) -> None:
    while not stop.is_set():
        until = time.process_time() + BURN
        while time.process_time() < until:
            pass
        await asyncio.sleep(0)


async def process(node: Any, busy_tasks: int) -> tuple[float, float, int]:
    """(wall s, CPU s, items) of one worker draining the queue beside the busy tasks."""
    stop = asyncio.Event()
    burners = [asyncio.create_task(busy(stop)) for _ in range(busy_tasks)]
    worker = inbox_worker(node, 1, "bench")
    wall, cpu, done = time.perf_counter(), time.process_time(), 0
    try:
        while claimed := await worker.run_once():
            done += claimed
        return time.perf_counter() - wall, time.process_time() - cpu, done
    finally:
        stop.set()
        await asyncio.gather(*burners)


def scratch_postgres(base: str) -> tuple[str, Any]:
    name = f"ionode_bench_proc_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return str(make_url(base).set(database=name).render_as_string(hide_password=False)), (
        admin, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--busy", type=int, default=20, help="busy tasks on the loop")
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ionode-proc-") as tmp:
        dropper = None
        if opts.database:
            url, dropper = scratch_postgres(opts.database)
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        try:
            seed(url, opts.items)
            settings = Settings(url=BASE, database=url, secret_key=secrets.token_urlsafe(32),
                                data_dir=Path(tmp))
            app = create_app(settings, start_workers=False)
            with TestClient(app, base_url=BASE) as client:
                node = app.state.node
                commits: list[int] = []
                statements: list[int] = []
                event.listen(node.engine, "commit", lambda conn: commits.append(1))
                event.listen(node.engine, "before_cursor_execute",
                             lambda *args: statements.append(1))
                assert client.portal is not None
                wall, cpu, done = client.portal.call(process, node, opts.busy)
                with node.engine.connect() as conn:
                    states = dict(conn.execute(text(
                        "SELECT state, count(*) FROM inbox_item GROUP BY state")).all())
                    stored = conn.execute(text(
                        "SELECT count(*) FROM stored_object WHERE local = false")).scalar_one()
        finally:
            if dropper is not None:
                admin, name = dropper
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    print(f"{done} Creates of one actor on {'PostgreSQL' if opts.database else 'SQLite'}, "
          f"{opts.busy} busy tasks on the loop, load average {os.getloadavg()[0]:.1f}: "
          f"{done / wall:,.0f} items/s, {cpu / max(done, 1) * 1000:.2f} ms CPU per item, "
          f"{len(commits) / max(done, 1):.2f} commits and {len(statements) / max(done, 1):.1f} "
          f"statements per item; states {states}, stored {stored}")


if __name__ == "__main__":
    main()
