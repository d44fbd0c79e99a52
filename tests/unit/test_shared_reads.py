"""Reads shared by inbox items processed side by side (issue 7, 1.13): asked once."""

from __future__ import annotations

import anyio
import pytest

from node.activitypub.db_batch import SharedReads


async def test_concurrent_readers_of_one_key_share_one_read() -> None:
    reads = SharedReads()
    asked: list[str] = []
    answers: list[str] = []

    async def ask() -> str:
        asked.append("hub")
        await anyio.sleep(0.01)  # the others arrive while the first read is in flight
        return "the hub"

    async def reader() -> None:
        answers.append(await reads.read(("local_actor", "hub"), ask))

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(reader)
    assert answers == ["the hub"] * 20
    assert asked == ["hub"] and reads.asked == 1
    assert await reads.read(("local_actor", "hub"), ask) == "the hub"  # kept for the group
    assert reads.asked == 1


async def test_distinct_keys_are_read_apart() -> None:
    reads = SharedReads()

    async def ask_for(name: str) -> str:
        return name.upper()

    assert await reads.read(("local_actor", "a"), lambda: ask_for("a")) == "A"
    assert await reads.read(("local_actor", "b"), lambda: ask_for("b")) == "B"
    assert reads.asked == 2


async def test_a_failed_read_is_not_kept_and_whoever_waited_asks_again() -> None:
    reads = SharedReads()
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        await anyio.sleep(0.01)
        if calls == 1:
            raise OSError("database is locked")
        return "the hub"

    outcomes: list[str] = []

    async def reader() -> None:
        try:
            outcomes.append(await reads.read(("local_actor", "hub"), flaky))
        except OSError as exc:
            outcomes.append(f"error: {exc}")

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(reader)
    # the first reader gets its own error; the two waiting behind it read for themselves
    assert sorted(outcomes) == ["error: database is locked", "the hub", "the hub"]
    assert calls == 3


async def test_a_cancelled_read_lets_the_waiting_readers_go_on() -> None:
    reads = SharedReads()
    started = anyio.Event()

    async def slow() -> str:
        started.set()
        await anyio.sleep(10)
        return "never"

    async def quick() -> str:
        return "the hub"

    with anyio.fail_after(2):
        async with anyio.create_task_group() as group:
            scope = anyio.CancelScope()

            async def first() -> None:
                with scope:
                    await reads.read(("k", "v"), slow)

            group.start_soon(first)
            await started.wait()
            waiting: list[str] = []

            async def second() -> None:
                waiting.append(await reads.read(("k", "v"), quick))

            group.start_soon(second)
            await anyio.sleep(0.01)
            scope.cancel()
        assert waiting == ["the hub"]


@pytest.mark.parametrize("answer", [None, 0, ""])
async def test_falsy_answers_are_kept_too(answer: object) -> None:
    reads = SharedReads()

    async def ask() -> object:
        return answer

    assert await reads.read(("k", "v"), ask) == answer
    assert await reads.read(("k", "v"), ask) == answer
    assert reads.asked == 1
