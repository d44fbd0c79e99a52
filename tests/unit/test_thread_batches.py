"""ThreadBatches: work off the event loop, callers who arrive meanwhile in one hand-off."""

from __future__ import annotations

import asyncio
import threading

import pytest

from node.activitypub.thread_batches import ThreadBatches


async def test_each_caller_gets_its_own_result_computed_on_another_thread() -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []

    def square(n: int) -> int:
        seen.append(threading.get_ident())
        return n * n

    batches = ThreadBatches(square, threads=1)
    assert await asyncio.gather(*(batches.run(n) for n in range(10))) == [n * n for n in range(10)]
    assert seen and loop_thread not in seen
    batches.close()


async def test_callers_arriving_while_a_batch_runs_share_the_next_hand_off() -> None:
    release = threading.Event()

    def slow_first(n: int) -> int:
        if n == 0:
            release.wait(5)
        return n

    batches = ThreadBatches(slow_first, threads=1, max_batch=8)
    first = asyncio.ensure_future(batches.run(0))
    await asyncio.sleep(0)  # the first batch (of one) is on the thread
    rest = [asyncio.ensure_future(batches.run(n)) for n in range(1, 21)]
    release.set()
    assert await first == 0
    assert await asyncio.gather(*rest) == list(range(1, 21))
    # 1 + ceil(20 / 8) hand-offs, not 21
    assert batches.batches == 4
    batches.close()


async def test_a_failing_call_fails_alone() -> None:
    def picky(n: int) -> int:
        if n == 3:
            raise ValueError("cannot sign 3")
        return n

    batches = ThreadBatches(picky, threads=1)
    results = await asyncio.gather(*(batches.run(n) for n in range(6)), return_exceptions=True)
    assert results[:3] == [0, 1, 2] and results[4:] == [4, 5]
    assert isinstance(results[3], ValueError) and str(results[3]) == "cannot sign 3"
    batches.close()


async def test_a_caller_that_gives_up_does_not_hold_the_others() -> None:
    release = threading.Event()

    def wait_then(n: int) -> int:
        release.wait(5)
        return n

    batches = ThreadBatches(wait_then, threads=1)
    given_up = asyncio.ensure_future(batches.run(1))
    await asyncio.sleep(0)
    given_up.cancel()  # a deadline (SafeFetcher's) while its batch is on the thread
    waiting = asyncio.ensure_future(batches.run(2))
    release.set()
    assert await waiting == 2
    with pytest.raises(asyncio.CancelledError):
        await given_up
    batches.close()


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        ThreadBatches(abs, threads=0)
