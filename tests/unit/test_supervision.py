"""Supervised tasks restart after a failure, with a backoff, logging the traceback once."""

from __future__ import annotations

import logging

import anyio
import pytest

from node.supervision import Backoff, supervised

QUICK = Backoff(first=0.001, cap=0.004)


def test_the_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(first=0.5, cap=4.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]


async def test_a_failing_task_is_restarted_until_it_succeeds(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    async def flaky() -> None:
        calls.append(1)
        if len(calls) < 4:
            raise RuntimeError("bug")

    with caplog.at_level(logging.ERROR, logger="node.supervision"):
        failures = await supervised("flaky", flaky, anyio.Event(), QUICK)
    assert (failures, len(calls)) == (3, 4)
    # the traceback once, then one line per further failure of the streak
    assert [record.exc_info is not None for record in caplog.records] == [True, False, False]
    assert "failed again (3 in a row, RuntimeError)" in caplog.records[-1].getMessage()


async def test_recursion_error_and_unprintable_errors_are_survived() -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RecursionError("again")

    errors = [RecursionError("deep"), Unprintable()]

    async def poisoned() -> None:
        if errors:
            raise errors.pop(0)

    assert await supervised("poisoned", poisoned, anyio.Event(), QUICK) == 2


async def test_stop_ends_the_restarts() -> None:
    stop = anyio.Event()
    calls: list[int] = []

    async def always_fails() -> None:
        calls.append(1)
        if len(calls) == 2:
            stop.set()
        raise RuntimeError("bug")

    assert await supervised("broken", always_fails, stop, QUICK) == 2


async def test_cancellation_is_not_caught() -> None:
    started = anyio.Event()

    async def forever() -> None:
        started.set()
        await anyio.sleep_forever()

    async with anyio.create_task_group() as group:
        group.start_soon(supervised, "forever", forever, anyio.Event(), QUICK)
        await started.wait()
        group.cancel_scope.cancel()  # returns: the supervisor let the cancellation through
