"""Group commit for the handlers of one batch of inbox items.

Handlers touch the database through ``ctx.db(work)``: one transaction and one thread
hop each. Processing a new follower took two (find the followed actor, record the
follow and queue the Accept), and on SQLite every one of them also competed for the
write lock with the inbox writer, the actor cache and the delivery workers. When the
inbox worker processes independent items side by side (:mod:`.inbox_worker`), their
works are collected here and run together: one thread hop, one transaction, one commit
(issue 7, 1.13: "storing an actor and recording a follow are batched").

Items that must run in order (one actor's Creates, or any items but new Follows) cannot
wait for each other's commits without paying a thread hop, a transaction and a few
turns of a congested loop each: 3,000 Creates of one actor were processed at 100-150 a
second beside a stream of Follows (issue 7, 1.13, bench/RESULTS.md session 7). Their
handlers hand their last work in with :meth:`DbBatch.defer` instead (``ctx.record``):
it is queued without waiting, the next item starts at once, and the queued works run
in the order they were handed in, before any other work of this batch, at the next
group (or :meth:`DbBatch.flush`) -- one hop, one transaction for a run of such items.

Should any work of the group raise, the transaction is rolled back and each work runs
again in its own transaction, in order, so one failing item never takes the others' rows
with it and every caller gets its own result or exception. A work may therefore run
twice: works only touch the database (the handlers' contract).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread
from sqlalchemy import Connection, Engine

T = TypeVar("T")
Work = Callable[[Connection], Any]
#: Scheduler turns a group waits for more works before it runs (each lets every ready
#: task of the batch reach its own ``db`` call).
GATHER_TURNS = 1


class DbBatch:
    """Runs the works handed in by concurrently processed items in shared transactions."""

    def __init__(self, engine: Engine, limiter: anyio.CapacityLimiter | None = None,
                 *, gather_turns: int = GATHER_TURNS) -> None:
        self._engine = engine
        self._limiter = limiter
        self._gather_turns = gather_turns  # 0: nobody runs beside the caller (one item)
        self._queue: list[tuple[Work, asyncio.Future[Any]]] = []
        self._deferred: list[tuple[Work, asyncio.Future[Any]]] = []
        self._one_at_a_time = anyio.Lock()
        self.transactions = 0  # how many were committed (tests and the benchmark read it)
        #: set while items that must run in order are processed: handlers' last works
        #: are deferred (:meth:`defer`) and a work asked for now runs at once, nobody
        #: else being there to join it
        self.ordered = False

    def defer(self, work: Work) -> asyncio.Future[Any]:
        """Queue ``work`` to run before any work handed in after it, without waiting;
        its result (or exception) is set on the returned future once its group ran.
        The caller never waits for it: it is read after :meth:`flush`."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._deferred.append((work, future))
        return future

    async def flush(self) -> None:
        """Run the deferred works now (one group), if there are any."""
        if self._deferred:
            await self.run(_nothing)

    async def run(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)``'s result once its transaction committed (or what it raised)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((work, future))
        if len(self._queue) == 1:  # the first of a group leads it, once the last is done
            with anyio.CancelScope(shield=True):
                async with self._one_at_a_time:  # who comes meanwhile joins the next group
                    await self._lead()
        result: T = await future
        return result

    async def _lead(self) -> None:
        for _ in range(0 if self.ordered else self._gather_turns):
            await anyio.lowlevel.checkpoint()
        group, self._queue, self._deferred = [*self._deferred, *self._queue], [], []
        try:
            outcomes = await anyio.to_thread.run_sync(self._run_group, [w for w, _ in group],
                                                      limiter=self._limiter)
        except BaseException as exc:  # no caller may wait forever for a group that failed
            for _, waiting in group:
                if not waiting.done():
                    waiting.set_exception(exc if isinstance(exc, Exception)
                                          else RuntimeError(f"group stopped: {exc!r}"))
            raise
        for (_, waiting), (ok, value) in zip(group, outcomes, strict=True):
            if waiting.done():
                continue
            if ok:
                waiting.set_result(value)
            else:
                waiting.set_exception(value)

    def _run_group(self, works: list[Work]) -> list[tuple[bool, Any]]:
        if len(works) == 1:
            return [self._run_alone(works[0])]
        try:
            with self._engine.begin() as conn:
                results = [work(conn) for work in works]
            self.transactions += 1
            return [(True, result) for result in results]
        except Exception:  # each alone: the failing one gets its error, the rest commit
            return [self._run_alone(work) for work in works]

    def _run_alone(self, work: Work) -> tuple[bool, Any]:
        try:
            with self._engine.begin() as conn:
                result = work(conn)
            self.transactions += 1
            return True, result
        except Exception as exc:
            return False, exc


def _nothing(conn: Connection) -> None:
    """The work :meth:`DbBatch.flush` runs after the deferred ones."""


class SharedReads:
    """Reads that items processed side by side share: the first asks, the rest wait for
    its answer instead of asking again.

    A batch of new followers of one hub names the same followed actor in every Follow;
    reading it (and building its model) once per item was a tenth of the processing
    threads' time (issue 7, 1.13). Only what items of the group cannot change is read
    through here (a Follow never changes the local actor it follows); the answers live
    as long as the group. A read that fails is not kept: whoever waited for it asks
    for itself.
    """

    def __init__(self) -> None:
        self._answers: dict[Hashable, Any] = {}
        self._asking: dict[Hashable, anyio.Event] = {}
        self.asked = 0  # reads actually made (tests read it)

    def forget(self, first: Hashable) -> None:
        """Drop the answers whose key is a tuple starting with ``first`` (an actor whose
        item may change them is about to be processed)."""
        for key in [k for k in self._answers if isinstance(k, tuple) and k[:1] == (first,)]:
            del self._answers[key]

    async def read(self, key: Hashable, ask: Callable[[], Awaitable[T]]) -> T:
        """The answer of ``ask()`` for ``key``, asked at most once while it succeeds."""
        while key not in self._answers:
            asking = self._asking.get(key)
            if asking is None:
                return await self._ask(key, ask)
            await asking.wait()
            if key not in self._answers:  # that read failed: ask for ourselves
                self.asked += 1
                return await ask()
        answer: T = self._answers[key]
        return answer

    async def _ask(self, key: Hashable, ask: Callable[[], Awaitable[T]]) -> T:
        self._asking[key] = asking = anyio.Event()
        self.asked += 1
        try:
            answer = await ask()
            self._answers[key] = answer
            return answer
        finally:
            del self._asking[key]
            asking.set()
