"""Durable job rows: claim with an expiring lock, release only by the claim's owner.

Any table with the columns ``id, state, due_at, claimed_until, claimed_by`` is a job
table (``delivery``, ``inbox_item``). SECURITY.md "Durability": GoToSocial kept its
queue in memory and lost it on a crash, so here a job is a database row, a worker only
*claims* it for ``ttl``, and a claim that expires (the worker was killed) is taken again
by the next claimer; a worker whose jobs run long extends its claims (:func:`extend`,
a heartbeat) rather than taking long ones. ``claimed_by`` makes the release
conditional: a worker whose claim expired and was re-taken cannot overwrite the new
owner's result.

PostgreSQL claims with ``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent claimers
never wait for or double-take each other's rows. SQLite serialises writers, so one
``UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING`` statement is atomic there.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from node.clock import as_utc

QUEUED = "queued"
CLAIMED = "claimed"


def _claimable(table: Table, now: datetime) -> Any:
    """Due queued rows, and claimed rows whose claim has expired (a killed worker's)."""
    return or_(
        and_(table.c.state == QUEUED, table.c.due_at <= now),
        and_(table.c.state == CLAIMED, table.c.claimed_until < now),
    )


def claim(
    engine: Engine,
    table: Table,
    *,
    now: datetime,
    ttl: timedelta,
    limit: int,
    worker: str,
    where: ColumnElement[bool] | None = None,
) -> list[RowMapping]:
    """Atomically take up to ``limit`` due rows of ``table`` for ``worker`` until ``now + ttl``.

    ``where`` narrows the due rows (the delivery worker leaves out hosts it has enough
    of in flight). Returns the claimed rows (state ``claimed``), oldest ``due_at`` first.
    """
    if limit < 1:
        return []
    now = as_utc(now)
    values = {"state": CLAIMED, "claimed_until": now + ttl, "claimed_by": worker}
    due = _claimable(table, now) if where is None else and_(_claimable(table, now), where)
    picked = select(table.c.id).where(due).order_by(table.c.due_at, table.c.id).limit(limit)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            cte = picked.with_for_update(skip_locked=True).cte("picked")
            stmt = (
                update(table)
                .where(table.c.id == cte.c.id)
                .values(**values)
                .returning(*table.c)
            )
        else:
            stmt = (
                update(table)
                .where(table.c.id.in_(picked.scalar_subquery()))
                .values(**values)
                .returning(*table.c)
            )
        rows = list(conn.execute(stmt).mappings().all())
    rows.sort(key=lambda row: (as_utc(row["due_at"]), row["id"]))
    return rows


def extend(
    engine: Engine, table: Table, ids: Collection[int], worker: str, *, until: datetime
) -> int:
    """Heartbeat: push ``worker``'s claims of rows ``ids`` out to ``until``.

    A worker keeps its claims short and extends the ones still in flight, so a killed
    worker's rows are retaken within one short claim, not after the longest send could
    take. Rows no longer claimed by ``worker`` (retaken after expiry, or released) are
    left alone. Returns the number of claims extended.
    """
    if not ids:
        return 0
    stmt = (
        update(table)
        .where(table.c.id.in_(sorted(ids)), table.c.claimed_by == worker,
               table.c.state == CLAIMED)
        .values(claimed_until=as_utc(until))
    )
    with engine.begin() as conn:
        return conn.execute(stmt).rowcount


def release(conn: Connection, table: Table, row_id: int, worker: str, **values: Any) -> bool:
    """Finish ``worker``'s claim of row ``row_id`` with ``values`` (e.g. a new state).

    Refused (``False``) when the row is no longer claimed by ``worker``: its claim
    expired and another worker took it, whose result must win.
    """
    params = {f"v_{key}": value for key, value in values.items()}
    params["b_id"], params["b_worker"] = row_id, worker
    stmt = _release_statement(table, tuple(sorted(values)))
    return conn.execute(stmt, params).rowcount == 1


def release_many(
    conn: Connection,
    table: Table,
    worker: str,
    updates: Iterable[tuple[int, Mapping[str, Any]]],
) -> int:
    """Release many claims in ``conn``'s one transaction (one executemany per value shape).

    Committing a batch at once instead of per row is what lets one worker record
    thousands of outcomes a second. Rows no longer claimed by ``worker`` are skipped.
    Returns the number of rows updated where the driver reports it, else -1.
    """
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in updates:
        keys = tuple(sorted(values))
        params = {f"v_{key}": value for key, value in values.items()}
        params["b_id"], params["b_worker"] = row_id, worker
        groups.setdefault(keys, []).append(params)
    counts = [_release_group(conn, table, k, p) for k, p in groups.items()]
    return -1 if any(count < 0 for count in counts) else sum(counts)


@lru_cache(maxsize=256)
def _release_statement(table: Table, keys: tuple[str, ...]) -> Any:
    """The release UPDATE for one table and value shape, built once (the statement
    cache then finds it compiled): parameters ``b_id``, ``b_worker`` and ``v_<key>``."""
    return (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.claimed_by == bindparam("b_worker"),
            table.c.state == CLAIMED,
        )
        .values(
            claimed_by=None,
            claimed_until=None,
            **{key: bindparam(f"v_{key}") for key in keys},
        )
    )


def _release_group(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    params_list: list[dict[str, Any]],
) -> int:
    result = conn.execute(_release_statement(table, tuple(keys)), params_list)
    return result.rowcount if conn.dialect.supports_sane_multi_rowcount else -1
