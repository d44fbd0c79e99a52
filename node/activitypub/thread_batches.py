"""CPU work that releases the GIL, run off the event loop in batches (issue 7, 1.13).

Every cold sender costs the node a signed GET of its actor document, and the RSA-2048
signature of that GET (0.3-0.4 ms) was the largest single item on the event loop while
cold Follows streamed in (bench/RESULTS.md, "Session 7"). OpenSSL signs without the
GIL (pyca/cryptography releases it), so on a thread the signature runs on another core
while the loop answers requests. A hand-off to a thread costs the loop about a tenth
of a signature, so callers that arrive while a batch is being signed are gathered into
the next one: under load, one hand-off carries many signatures; alone, a caller waits
for its own batch of one.

At most ``threads`` batches run at once, on an executor of their own (the database's
thread hops in anyio's shared pool never queue behind signatures, nor signatures behind
them). Each caller gets its own result or its own exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")
#: Threads (batches running at once): two cores' worth on a small node.
THREADS = 2
#: Calls in one batch at most, so one batch never holds its callers for long.
MAX_BATCH = 32


class ThreadBatches(Generic[A, R]):
    """``await batches.run(arg)`` is ``fn(arg)``, computed on a thread of its own."""

    def __init__(
        self,
        fn: Callable[[A], R],
        *,
        threads: int = THREADS,
        max_batch: int = MAX_BATCH,
        name: str = "batch",
    ) -> None:
        if threads < 1 or max_batch < 1:
            raise ValueError("threads and max_batch must be positive")
        self._fn, self._threads, self._max_batch = fn, threads, max_batch
        self._name = name
        self._executor: ThreadPoolExecutor | None = None  # made at the first call
        self._waiting: list[tuple[A, asyncio.Future[R]]] = []
        self._running = 0
        self.batches = 0  # how many hand-offs were made (tests and the benchmark read it)

    async def run(self, arg: A) -> R:
        """``fn(arg)``'s result, or the exception it raised."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((arg, future))
        self._start()
        return await future

    def _start(self) -> None:
        """Hand the waiting calls to a thread if one is free (else the next that frees)."""
        while self._waiting and self._running < self._threads:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            batch = [(arg, future) for arg, future in batch if not future.done()]
            if not batch:
                continue
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._threads, self._name)
            self._running += 1
            self.batches += 1
            done = asyncio.get_running_loop().run_in_executor(
                self._executor, self._run_all, [arg for arg, _ in batch]
            )
            done.add_done_callback(partial(self._finished, batch))

    def _run_all(self, args: list[A]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        for arg in args:
            try:
                outcomes.append((True, self._fn(arg)))
            except Exception as exc:  # the caller's own error, the others unaffected
                outcomes.append((False, exc))
        return outcomes

    def _finished(
        self,
        batch: list[tuple[A, asyncio.Future[R]]],
        outcome: asyncio.Future[list[tuple[bool, Any]]],
    ) -> None:
        self._running -= 1
        try:
            results = outcome.result()
        except BaseException as exc:  # the executor failed (shut down): nobody waits forever
            results = [
                (
                    False,
                    exc
                    if isinstance(exc, Exception)
                    else RuntimeError(f"{self._name} stopped: {exc!r}"),
                )
            ] * len(batch)
        for (_, future), (ok, value) in zip(batch, results, strict=True):
            if future.done():  # the caller gave up (cancelled: a deadline)
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._start()

    def close(self) -> None:
        """Let the threads end (they are made again if called afterwards)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
