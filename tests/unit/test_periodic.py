"""Periodic tasks run when due, and a failing task does not stop the others."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from node.periodic import PeriodicTask, run_due


class FakeNode:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
        # SQLite: one process of workers, so no advisory lock around each task's run
        self.engine = SimpleNamespace(dialect=SimpleNamespace(name="sqlite"))

    def clock(self) -> datetime:
        return self.at


async def test_tasks_run_when_due_and_failures_are_contained() -> None:
    node: Any = FakeNode()
    calls: list[str] = []

    async def counted(_: Any) -> int:
        calls.append("counted")
        return 2

    async def broken(_: Any) -> int:
        calls.append("broken")
        raise RuntimeError("boom")

    tasks = [PeriodicTask("broken", timedelta(seconds=10), broken),
             PeriodicTask("counted", timedelta(minutes=1), counted)]
    last: dict[str, datetime] = {}
    assert await run_due(node, tasks, last) == 2
    node.at += timedelta(seconds=30)
    assert await run_due(node, tasks, last) == 0  # broken ran again, counted not yet due
    node.at += timedelta(seconds=31)
    assert await run_due(node, tasks, last) == 2
    assert calls == ["broken", "counted", "broken", "broken", "counted"]
