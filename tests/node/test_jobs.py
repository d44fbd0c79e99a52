"""Durable claims on job tables, on SQLite and PostgreSQL.

``inbox_item`` is used as the job table here (no foreign keys to set up); the delivery
worker's tests exercise the same functions on ``delivery``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from node.activitypub.models import InboxItem
from node.jobs import claim, extend, release, release_many

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)
items = InboxItem.__table__  # type: ignore[attr-defined]


def add_items(engine: Engine, count: int, *, due: datetime = NOW, start: int = 0) -> None:
    rows = [
        {
            "activity_id": f"https://remote.example/activities/{start + n}",
            "actor": "https://remote.example/users/a", "type": "Create", "body": b"{}",
            "state": "queued", "attempts": 0, "due_at": due - timedelta(seconds=n),
            "received_at": NOW,
        }
        for n in range(count)
    ]
    with engine.begin() as conn:
        conn.execute(insert(items), rows)


def states(engine: Engine) -> dict[int, tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(items.c.id, items.c.state, items.c.claimed_by))
        return {row.id: (row.state, row.claimed_by) for row in rows}


def test_claim_takes_due_rows_oldest_first_up_to_the_limit(engine: Engine) -> None:
    add_items(engine, 5)
    add_items(engine, 2, due=NOW + timedelta(hours=1), start=100)  # not due yet
    rows = claim(engine, items, now=NOW, ttl=TTL, limit=3, worker="w1")
    assert [row["activity_id"].rsplit("/", 1)[1] for row in rows] == ["4", "3", "2"]
    assert all(row["state"] == "claimed" and row["claimed_by"] == "w1" for row in rows)
    rest = claim(engine, items, now=NOW, ttl=TTL, limit=10, worker="w2")
    assert len(rest) == 2  # the two future rows stay queued
    assert claim(engine, items, now=NOW, ttl=TTL, limit=10, worker="w3") == []
    assert claim(engine, items, now=NOW, ttl=TTL, limit=0, worker="w3") == []


def test_claim_sets_an_expiring_lock(engine: Engine) -> None:
    add_items(engine, 1)
    assert claim(engine, items, now=NOW, ttl=TTL, limit=1, worker="w1")
    with engine.connect() as conn:
        until = conn.execute(select(items.c.claimed_until)).scalar_one()
    assert until.replace(tzinfo=UTC) == NOW + TTL


def test_concurrent_claimers_never_take_the_same_row(engine: Engine) -> None:
    # Given 300 due rows and 4 threads claiming small batches as fast as they can,
    # then every row is taken exactly once.
    add_items(engine, 300)
    taken: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def work(name: str) -> None:
        mine = taken.setdefault(name, [])
        barrier.wait()
        while rows := claim(engine, items, now=NOW, ttl=TTL, limit=7, worker=name):
            mine.extend(row["id"] for row in rows)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [row_id for ids in taken.values() for row_id in ids]
    assert len(every) == len(set(every)) == 300
    owners = states(engine)
    for name, ids in taken.items():
        assert all(owners[row_id] == ("claimed", name) for row_id in ids)


def test_an_expired_claim_is_taken_again_and_the_stale_worker_is_refused(
    engine: Engine,
) -> None:
    # Given a worker that claimed a row and was killed,
    add_items(engine, 1)
    [row] = claim(engine, items, now=NOW, ttl=TTL, limit=1, worker="killed")
    # when its claim is still valid nobody else gets the row,
    assert claim(engine, items, now=NOW + TTL, ttl=TTL, limit=1, worker="w2") == []
    # but once it expired the next worker does,
    later = NOW + TTL + timedelta(seconds=1)
    [again] = claim(engine, items, now=later, ttl=TTL, limit=1, worker="w2")
    assert again["id"] == row["id"] and again["claimed_by"] == "w2"
    # and the killed worker, coming back, cannot overwrite the new owner's result.
    with engine.begin() as conn:
        assert release(conn, items, row["id"], "killed", state="failed") is False
        assert release(conn, items, row["id"], "w2", state="done") is True
        assert release(conn, items, row["id"], "w2", state="failed") is False  # only once
    assert states(engine)[row["id"]] == ("done", None)


def test_release_many_releases_only_own_claims_in_one_transaction(engine: Engine) -> None:
    add_items(engine, 4)
    mine = claim(engine, items, now=NOW, ttl=TTL, limit=3, worker="w1")
    [other] = claim(engine, items, now=NOW, ttl=TTL, limit=1, worker="w2")
    updates = [(row["id"], {"state": "done", "attempts": 1}) for row in mine[:2]]
    updates.append((mine[2]["id"], {"state": "queued", "due_at": NOW + timedelta(hours=1)}))
    updates.append((other["id"], {"state": "done", "attempts": 1}))  # not w1's: skipped
    with engine.begin() as conn:
        count = release_many(conn, items, "w1", updates)
    assert count in (3, -1)  # -1 where the driver cannot count executemany rows
    after = states(engine)
    assert [after[row["id"]] for row in mine] == [("done", None), ("done", None), ("queued", None)]
    assert after[other["id"]] == ("claimed", "w2")
    # The re-queued row comes back when it is due.
    assert claim(engine, items, now=NOW + timedelta(hours=1), ttl=TTL, limit=5, worker="w3")


def test_a_heartbeat_extends_only_the_workers_own_live_claims(engine: Engine) -> None:
    add_items(engine, 3)
    mine = claim(engine, items, now=NOW, ttl=TTL, limit=2, worker="w1")
    [other] = claim(engine, items, now=NOW, ttl=TTL, limit=1, worker="w2")
    with engine.begin() as conn:
        release(conn, items, mine[1]["id"], "w1", state="done")
    later = NOW + timedelta(minutes=4)
    ids = [mine[0]["id"], mine[1]["id"], other["id"]]
    assert extend(engine, items, ids, "w1", until=later + TTL) == 1  # not done, not w2's
    assert extend(engine, items, [], "w1", until=later + TTL) == 0
    # Past the first claim's expiry the extended row is still w1's; w2's has expired.
    retaken = claim(engine, items, now=NOW + TTL + timedelta(seconds=1), ttl=TTL, limit=5,
                    worker="w3")
    assert [row["id"] for row in retaken] == [other["id"]]
    assert states(engine)[mine[0]["id"]] == ("claimed", "w1")


def test_a_claim_can_leave_rows_out(engine: Engine) -> None:
    add_items(engine, 4)
    with engine.connect() as conn:
        first = min(conn.execute(select(items.c.id)).scalars())
    rows = claim(engine, items, now=NOW, ttl=TTL, limit=10, worker="w1",
                 where=items.c.id != first)
    assert len(rows) == 3 and first not in {row["id"] for row in rows}
    assert states(engine)[first] == ("queued", None)
