"""The backfill worker: claims queued backfills and walks each within its limits.

A backfill row is a job row (:mod:`node.jobs`): claimed for :data:`CLAIM` with an
expiring lock and extended after every step, so one actor is never walked by two
workers at once, and a worker killed mid-walk leaves a claim that expires and is taken
again, from the cursor it last wrote. Runs as a periodic task of the workers
(:func:`periodic_tasks`); ``ionode network backfill`` runs one at once.

Limits (settings, ``IONODE_BACKFILL_*``): items looked at, outbox pages, days back,
seconds spent over all runs of one backfill, hubs of a followed node.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import anyio
from sqlalchemy import Connection, Engine, Table, select

from node.activitypub.fetch import Fetched, FetchFailed
from node.activitypub.handling import HandlerContext
from node.activitypub.inbox_worker import handler_context
from node.activitypub.models import Follow
from node.activitypub.vocab import ref
from node.jobs import QUEUED, claim, extend, release
from node.network.backfill_walk import Cursor, Limits, StepFailed, follower_count, step
from node.network.directory import forget, learn_group, mark_refreshed, to_refresh
from node.network.models import NetworkBackfill
from node.periodic import PeriodicTask
from node.runtime import Node

log = logging.getLogger(__name__)
_backfill: Table = NetworkBackfill.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
#: A claim outlasts the longest step (a page of items each refetched, each fetch bounded
#: by the fetcher's deadline) and is extended after every step.
CLAIM = timedelta(minutes=5)
RETRY = timedelta(minutes=10)  # after a fetch that may work later
WAIT_FOR_ACCEPT = timedelta(seconds=5)
GIVE_UP_WAITING = timedelta(minutes=10)


def limits_of(node: Node) -> Limits:
    s = node.settings
    return Limits(items=s.backfill_items, pages=s.backfill_pages, hubs=s.backfill_hubs,
                  oldest=node.clock() - timedelta(days=s.backfill_days))


def follow_state(conn: Connection, follower: str, followed: str) -> str | None:
    state = conn.execute(select(_follow.c.state).where(
        _follow.c.follower == follower, _follow.c.following == followed)).scalar()
    return None if state is None else str(state)


def _cursor(row: Mapping[Any, Any]) -> Cursor:
    return Cursor(actor=row["actor_uri"], follower=row["follower"], phase=row["phase"],
                  next_url=row["next_url"], pages=row["pages"], stored=row["stored"],
                  duplicates=row["duplicates"], refused=row["refused"],
                  last_error=row["last_error"], outcome=row["outcome"])


def _values(cursor: Cursor, elapsed: float, now: datetime) -> dict[str, object]:
    return {"phase": cursor.phase, "next_url": cursor.next_url, "pages": cursor.pages,
            "stored": cursor.stored, "duplicates": cursor.duplicates,
            "refused": cursor.refused, "last_error": cursor.last_error[:500],
            "outcome": cursor.outcome[:200], "elapsed": elapsed, "updated_at": now}


def _save(engine: Engine, row_id: int, worker: str, values: dict[str, object]) -> None:
    with engine.begin() as conn:
        conn.execute(_backfill.update().where(_backfill.c.id == row_id,
                                              _backfill.c.claimed_by == worker).values(**values))


def _finish(engine: Engine, row_id: int, worker: str, **values: object) -> None:
    with engine.begin() as conn:
        release(conn, _backfill, row_id, worker, **values)


async def run_one(node: Node, row: Mapping[Any, Any], worker: str) -> str:
    """Walk one claimed backfill until it finishes, fails or runs out of time; its state."""
    engine, clock = node.engine, node.clock
    row_id = int(row["id"])
    parent = row["parent"]
    followed = str(parent) if parent else str(row["actor_uri"])
    state = await anyio.to_thread.run_sync(
        lambda: _read_state(engine, str(row["follower"]), followed))
    if state != "accepted":
        return await _not_followed(node, row, worker, state)
    ctx = handler_context(node, 0, None)
    cursor, limits = _cursor(row), limits_of(node)
    elapsed = float(row["elapsed"])
    budget = float(node.settings.backfill_seconds)
    while cursor.phase != "finished":
        if elapsed >= budget:
            cursor.finish(f"reached the limit of {int(budget)} seconds")
            break
        began = clock()
        try:
            await step(ctx, cursor, limits, node.services.backfilled)
        except StepFailed as exc:
            return await _failed(node, row_id, worker, cursor, elapsed, exc)
        elapsed += (clock() - began).total_seconds()
        values = _values(cursor, elapsed, clock())
        await anyio.to_thread.run_sync(partial(_save, engine, row_id, worker, values))
        await anyio.to_thread.run_sync(lambda: extend(
            engine, _backfill, [row_id], worker, until=clock() + CLAIM))
    values = _values(cursor, elapsed, clock())
    await anyio.to_thread.run_sync(
        lambda: _finish(engine, row_id, worker, state="done", **values))
    log.info("backfill of %s done: %s stored, %s refused (%s)", cursor.actor,
             cursor.stored, cursor.refused, cursor.outcome)
    return "done"


def _read_state(engine: Engine, follower: str, followed: str) -> str | None:
    with engine.connect() as conn:
        return follow_state(conn, follower, followed)


async def _not_followed(node: Node, row: Mapping[Any, Any], worker: str,
                        state: str | None) -> str:
    """A follow still pending waits a little (its Accept is being recorded); one that
    is gone or rejected ends the backfill."""
    now = node.clock()
    created = row["created_at"]
    waiting = state == "pending" and isinstance(created, datetime) and \
        now - created < GIVE_UP_WAITING
    values: dict[str, object] = (
        {"state": QUEUED, "due_at": now + WAIT_FOR_ACCEPT} if waiting else
        {"state": "done", "phase": "finished", "outcome": "the follow is not accepted",
         "updated_at": now})
    await anyio.to_thread.run_sync(lambda: _finish(node.engine, int(row["id"]), worker,
                                                   **values))
    return str(values["state"])


async def _failed(node: Node, row_id: int, worker: str, cursor: Cursor, elapsed: float,
                  exc: StepFailed) -> str:
    now = node.clock()
    cursor.last_error = str(exc)[:500]
    values = _values(cursor, elapsed, now)
    state = QUEUED if exc.retryable else "failed"
    if exc.retryable:
        values["due_at"] = now + RETRY
    await anyio.to_thread.run_sync(lambda: _finish(node.engine, row_id, worker,
                                                   state=state, **values))
    log.warning("backfill of %s: %s", cursor.actor, exc)
    return state


async def run_due(node: Node, *, limit: int = 2, worker: str | None = None) -> int:
    """Claim and walk up to ``limit`` due backfills; how many were walked."""
    worker = worker or f"backfill@{os.getpid()}"
    rows = await anyio.to_thread.run_sync(lambda: claim(
        node.engine, _backfill, now=node.clock(), ttl=CLAIM, limit=limit, worker=worker))
    for row in rows:
        await run_one(node, row, worker)
    return len(rows)


async def refresh_directory(node: Node, *, limit: int = 10) -> int:
    """Fetch the Group documents of hubs known only by their id (seen through relays)."""
    uris = await anyio.to_thread.run_sync(lambda: _to_refresh(node.engine, limit))
    ctx: HandlerContext = handler_context(node, 0, None)
    for uri in uris:
        fetched = await ctx.fetcher.fetch_activity(uri)
        followers = None if isinstance(fetched, FetchFailed) or \
            fetched.document.get("type") != "Group" else \
            await follower_count(ctx, fetched.document)
        await ctx.db(partial(_refreshed, uri, fetched, followers, node.clock()))
    return len(uris)


def _refreshed(uri: str, fetched: Fetched | FetchFailed, followers: int | None,
               now: datetime, conn: Connection) -> None:
    """A Group enters the directory; any other actor leaves it; a hub that cannot be
    fetched stays known by its id (and is not asked again and again)."""
    if isinstance(fetched, FetchFailed) or ref(fetched.document) != uri:
        mark_refreshed(conn, uri, now)
    elif fetched.document.get("type") == "Group":
        learn_group(conn, fetched.document, now, followers=followers)
    else:
        forget(conn, uri)


def _to_refresh(engine: Engine, limit: int) -> list[str]:
    with engine.connect() as conn:
        return to_refresh(conn, limit)


async def backfill_task(node: Node, rounds: int = 5) -> int:
    """The periodic task: due backfills (the hubs a node's walk queued in the same run,
    up to ``rounds`` times), then directory entries to fetch."""
    done = 0
    for _ in range(rounds):
        walked = await run_due(node)
        done += walked
        if not walked:
            break
    return done + await refresh_directory(node)


def periodic_tasks() -> list[PeriodicTask]:
    return [PeriodicTask("network backfill", timedelta(seconds=2), backfill_task)]
