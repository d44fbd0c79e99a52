"""Group commit of handler work (issue 7, 1.13) and which inbox items run side by side."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from sqlalchemy import Connection, Engine, insert, select

from node.activitypub.db_batch import DbBatch
from node.activitypub.inbox_segments import segments
from node.activitypub.models import InboxItem
from tests.conftest import NOW

_items = InboxItem.__table__  # type: ignore[attr-defined]


def add(n: int) -> Any:
    def work(conn: Connection) -> int:
        conn.execute(insert(_items).values(
            activity_id=f"https://x.example/{n}", actor="https://x.example/u", type="Like",
            object_type="*", recipient=None, body=b"{}", state="done", attempts=0,
            due_at=NOW, received_at=NOW))
        return n
    return work


def fails(conn: Connection) -> int:
    raise LookupError("no such follow")


def stored(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(_items.c.activity_id)).scalars())


async def test_concurrent_works_share_one_transaction(engine: Engine) -> None:
    batch = DbBatch(engine)
    results: list[int] = []

    async def one(n: int) -> None:
        results.append(await batch.run(add(n)))

    async with anyio.create_task_group() as group:
        for n in range(10):
            group.start_soon(one, n)
    assert sorted(results) == list(range(10))
    assert batch.transactions < 10  # grouped: one commit served several items
    assert len(stored(engine)) == 10


async def test_a_failing_work_gets_its_error_and_the_others_commit(engine: Engine) -> None:
    batch = DbBatch(engine)
    outcomes: dict[str, Any] = {}

    async def one(name: str, work: Any) -> None:
        try:
            outcomes[name] = await batch.run(work)
        except LookupError as exc:
            outcomes[name] = exc

    async with anyio.create_task_group() as group:
        group.start_soon(one, "a", add(1))
        group.start_soon(one, "bad", fails)
        group.start_soon(one, "b", add(2))
    assert outcomes["a"] == 1 and outcomes["b"] == 2
    assert isinstance(outcomes["bad"], LookupError)
    assert stored(engine) == {"https://x.example/1", "https://x.example/2"}


@pytest.mark.parametrize(("types", "runs"), [
    # a lone Follow runs in order with its neighbours; two or more side by side
    (["Follow", "Follow", "Create", "Follow"], [("side_by_side", 2), ("ordered", 2)]),
    (["Create", "Like", "Follow"], [("ordered", 3)]),
    (["Create", "Follow", "Follow", "Like"],
     [("ordered", 1), ("side_by_side", 2), ("ordered", 1)]),
    (["Follow"] * 5, [("side_by_side", 5)]),
    ([], []),
])
def test_only_consecutive_follows_run_side_by_side(types: list[str],
                                                   runs: list[tuple[str, int]]) -> None:
    rows: list[Any] = [{"type": kind, "id": n, "attempts": 0} for n, kind in enumerate(types)]
    found = segments(rows)
    assert [(kind, len(run)) for kind, run in found] == runs
    assert [row["id"] for _, run in found for row in run] == list(range(len(types)))  # in order


def test_an_item_tried_before_runs_alone() -> None:
    rows: list[Any] = [{"type": kind, "id": n, "attempts": tried}
                       for n, (kind, tried) in enumerate([("Create", 0), ("Create", 1),
                                                          ("Create", 0), ("Follow", 2)])]
    assert [(kind, [r["id"] for r in run]) for kind, run in segments(rows)] == [
        ("ordered", [0]), ("retry", [1]), ("ordered", [2]), ("retry", [3])]


async def test_deferred_works_run_in_order_before_a_later_work_in_one_transaction(
        engine: Engine) -> None:
    batch = DbBatch(engine)
    batch.ordered = True

    def count(conn: Connection) -> int:
        return len(conn.execute(select(_items.c.id)).all())

    deferred = [batch.defer(add(n)) for n in range(3)]
    assert not any(future.done() for future in deferred)  # nothing ran yet
    assert await batch.run(count) == 3  # ran after the three and saw them
    assert [future.result() for future in deferred] == [0, 1, 2]
    assert batch.transactions == 1


async def test_a_failing_deferred_work_gets_its_error_and_the_others_commit(
        engine: Engine) -> None:
    batch = DbBatch(engine)
    before, bad, after = batch.defer(add(1)), batch.defer(fails), batch.defer(add(2))
    await batch.flush()
    assert (before.result(), after.result()) == (1, 2)
    assert isinstance(bad.exception(), LookupError)
    assert stored(engine) == {"https://x.example/1", "https://x.example/2"}


async def test_flush_runs_what_was_deferred(engine: Engine) -> None:
    batch = DbBatch(engine)
    future = batch.defer(add(7))
    await batch.flush()
    assert future.result() == 7 and stored(engine) == {"https://x.example/7"}
    await batch.flush()  # nothing left: no transaction
    assert batch.transactions == 1
