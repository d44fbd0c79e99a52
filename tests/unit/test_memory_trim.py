"""Memory malloc keeps free is given back once a burst has passed (node.memory_trim)."""

from __future__ import annotations

import platform
import threading

import anyio
import pytest

from node.memory_trim import Trimmer, limit_arenas, trim_forever

GLIBC = platform.libc_ver()[0] == "glibc"
MB = 1024 * 1024


class Malloc:
    """Free bytes as a test sets them, and the trims asked for."""

    def __init__(self) -> None:
        self.free = 0
        self.trimmed: list[int] = []

    def trim(self, pad: int) -> int:
        self.trimmed.append(self.free)
        return 1


def test_a_trim_follows_memory_freed_since_the_lowest_reading() -> None:
    malloc = Malloc()
    trimmer = Trimmer(lambda: malloc.free, malloc.trim, threshold=4 * MB)
    malloc.free = 30 * MB  # free at start (e.g. start-up's garbage): the first reading
    assert not trimmer.trim_if_worth()
    malloc.free = 10 * MB  # a burst reuses 20 MB of it
    assert not trimmer.trim_if_worth()
    malloc.free = 13 * MB  # under the threshold above the lowest reading
    assert not trimmer.trim_if_worth()
    malloc.free = 31 * MB  # the burst is over: 21 MB freed since the lowest reading
    assert trimmer.trim_if_worth()
    assert malloc.trimmed == [31 * MB]
    # released chunks still count as free: the same memory is not trimmed again
    assert not trimmer.trim_if_worth()
    assert not trimmer.trim_if_worth()
    assert trimmer.trims == 1


def test_what_a_burst_freed_at_its_end_is_trimmed_once_the_process_is_quiet() -> None:
    """The last requests of a burst free 2-3 MB at once and nothing follows to push the
    growth to the threshold: it went back only at the next burst (bench/memory.py)."""
    malloc = Malloc()
    trimmer = Trimmer(
        lambda: malloc.free, malloc.trim, threshold=4 * MB, settled=1 * MB, steady=MB // 4
    )
    malloc.free = 1 * MB
    assert not trimmer.trim_if_worth()  # the first reading
    malloc.free = 3 * MB + MB // 2  # the burst ends: 2.5 MB freed, under the threshold
    assert not trimmer.trim_if_worth()  # still moving: maybe more to come
    malloc.free += MB // 8  # a quiet second later, about the same
    assert trimmer.trim_if_worth()
    assert malloc.trimmed == [3 * MB + MB // 2 + MB // 8]
    assert not trimmer.trim_if_worth()  # the same memory is not trimmed twice
    malloc.free += MB // 2  # quiet, and less than ``settled`` freed since: kept
    assert not trimmer.trim_if_worth()
    assert not trimmer.trim_if_worth()
    assert trimmer.trims == 1


def test_a_steady_process_with_little_freed_is_not_trimmed() -> None:
    malloc = Malloc()
    trimmer = Trimmer(
        lambda: malloc.free, malloc.trim, threshold=4 * MB, settled=1 * MB, steady=MB // 4
    )
    for free in (2 * MB, 2 * MB + MB // 2, 2 * MB + MB // 3, 2 * MB + MB // 2, 2 * MB):
        malloc.free = free  # a busy process reusing what it frees
        assert not trimmer.trim_if_worth()
    assert trimmer.trims == 0


@pytest.mark.skipif(not GLIBC, reason="malloc_trim and mallinfo2 are glibc's")
def test_glibc_memory_freed_between_live_blocks_is_trimmed() -> None:
    trimmer = Trimmer.for_glibc()
    assert trimmer.available
    assert not trimmer.trim_if_worth()  # the first reading: nothing freed since
    blocks = [bytes(64 * 1024) for _ in range(1024)]  # 64 MB from the heap (< mmap threshold)
    assert not trimmer.trim_if_worth()  # in use: its lowest reading
    kept = blocks[1::2]
    del blocks  # 32 MB freed between the kept blocks: malloc cannot return it itself
    assert trimmer.free_bytes() - (trimmer.lowest or 0) >= 16 * MB
    trims = trimmer.trims
    assert trimmer.trim_if_worth()
    assert trimmer.trims == trims + 1
    assert len(kept) == 512


def test_without_malloc_trim_the_trimmer_does_nothing() -> None:
    trimmer = Trimmer(None, None, threshold=0)
    assert not trimmer.available
    assert trimmer.free_bytes() == 0
    assert not trimmer.trim_if_worth()

    async def main() -> None:
        with anyio.fail_after(5):  # returns at once: nothing to loop for
            await trim_forever(trimmer, anyio.Event())

    anyio.run(main)


def test_the_loop_looks_each_period_until_stopped() -> None:
    malloc = Malloc()
    done = anyio.Event()

    def freeing() -> int:
        malloc.free += 10  # something is freed between every two looks
        return malloc.free

    def trim(pad: int) -> int:
        malloc.trimmed.append(malloc.free)
        if len(malloc.trimmed) == 3:
            anyio.from_thread.run_sync(done.set)  # the trimmer runs in a worker thread
        return 1

    trimmer = Trimmer(freeing, trim, threshold=1)

    async def main() -> None:
        stop = anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(trim_forever, trimmer, stop, 0.01)
            with anyio.fail_after(5):
                await done.wait()
            stop.set()

    anyio.run(main)
    assert trimmer.trims >= 3


def test_the_looks_and_trims_run_off_the_event_loop() -> None:
    """glibc's ``mallinfo2`` walks every free chunk (34 ms for 20,000 on a busy
    machine) and ``malloc_trim`` every page: on the event loop, once a second, they
    held every request of the process that long."""
    threads: list[int] = []
    done = anyio.Event()

    def looking() -> int:
        threads.append(threading.get_ident())
        if len(threads) == 2:
            anyio.from_thread.run_sync(done.set)
        return 0

    def trim(pad: int) -> int:
        return 1

    async def main() -> int:
        stop = anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(trim_forever, Trimmer(looking, trim), stop, 0.01)
            with anyio.fail_after(5):
                await done.wait()
            stop.set()
        return threading.get_ident()

    loop_thread = anyio.run(main)
    assert threads and loop_thread not in threads
@pytest.mark.skipif(not GLIBC, reason="mallopt's M_ARENA_MAX is glibc's")
def test_serving_processes_cap_malloc_arenas_unless_the_operator_chose() -> None:
    assert limit_arenas({}, arenas=2)  # what `ionode serve` and `ionode worker` do first
    assert not limit_arenas({"MALLOC_ARENA_MAX": "4"})  # glibc read the operator's value
    assert not limit_arenas({"GLIBC_TUNABLES": "glibc.malloc.arena_max=1"})
