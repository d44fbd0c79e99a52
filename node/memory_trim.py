"""Give back to the system the memory malloc keeps free after a burst (issue 7, 1.14).

CPython asks the C allocator (glibc's ``malloc``) for every object over 512 bytes:
request and activity bodies, JSON documents, SQL rows. When a burst has passed they
are freed, but glibc returns only the free space at the very top of its heaps to the
system; the free chunks between live ones stay in the process's resident memory. After
a burst of 2,000 signed ``Create`` POSTs a node held about 8 MB so (``bench/memory.py``:
``malloc_trim(0)`` called in the process dropped its RSS from 134 to 126 MB).

``malloc_trim(0)`` (glibc, ``man 3 malloc_trim``) walks every arena and releases each
whole free page with ``madvise(MADV_DONTNEED)``; the memory is reused by the next burst
as fresh pages. malloc still counts a released chunk as free (``mallinfo2().fordblks``,
``man 3 mallinfo``), so "much is free" cannot say when to trim: a check once a second
trims when the free bytes have grown by :data:`THRESHOLD` above their lowest reading
since the last trim, i.e. when that much was in use and has been freed since; and, once
a burst is over (two readings in a row within :data:`STEADY` of each other), when they
have grown by :data:`SETTLED`. The second rule is for the end of a burst: the last
requests free their few megabytes at once and nothing follows to push the growth past
THRESHOLD (``bench/memory.py``: 2-3 MB left after 2,000 requests, RESULTS.md "Session
7"). A quiet or steadily busy process is never trimmed twice for the same memory.
Without glibc (musl) the trimmer does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable, Mapping

import anyio

log = logging.getLogger(__name__)

#: Free bytes malloc may keep before they are given back.
THRESHOLD = 4 * 1024 * 1024
#: Free bytes given back once the process is quiet (the burst that freed them is over).
SETTLED = 1024 * 1024
#: Two readings closer than this: nothing much is allocated or freed, a burst is over.
STEADY = 256 * 1024
#: malloc arenas of a serving process (glibc's default: 8 per core).
ARENAS = 2
#: ``mallopt``'s parameter number for the arena limit (glibc's ``malloc.h``).
M_ARENA_MAX = -8
#: Seconds between two looks at malloc's free bytes.
PERIOD = 1.0


def limit_arenas(environ: Mapping[str, str], arenas: int = ARENAS, libc: str | None = None) -> bool:
    """Cap glibc's malloc at ``arenas`` arenas, as ``MALLOC_ARENA_MAX=2`` does; whether
    it did. Called first thing by ``ionode serve`` and ``ionode worker``, before any
    thread starts.

    glibc gives a thread that finds the arenas busy an arena of its own, up to 8 per
    core; each keeps its own free memory, so the threads that run pages, the inbox and
    the database each hold some of it after a burst (bench/memory.py without the
    variable: RESULTS.md, "Session 7"). The deploy units set the variable; this makes
    ``make run`` and any other start get the same. An operator's own
    ``MALLOC_ARENA_MAX`` or ``GLIBC_TUNABLES=glibc.malloc.arena_max`` wins: glibc read
    it at start and it is left alone. Without glibc nothing is done.
    """
    if "MALLOC_ARENA_MAX" in environ or "arena_max" in environ.get("GLIBC_TUNABLES", ""):
        return False
    path = libc or ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(path), "mallopt", None) if path is not None else None
    if mallopt is None:
        return False
    mallopt.restype = ctypes.c_int
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_ARENA_MAX, arenas))


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (glibc 2.33+), every field a ``size_t``."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


class Trimmer:
    """``trim(0)`` when ``free()`` has grown by ``threshold`` bytes since its lowest
    reading after the last trim, or by ``settled`` bytes once two readings in a row are
    within ``steady`` bytes; :meth:`for_glibc` reads and trims glibc's malloc."""

    def __init__(
        self,
        free: Callable[[], int] | None,
        trim: Callable[[int], int] | None,
        threshold: int = THRESHOLD,
        settled: int = SETTLED,
        steady: int = STEADY,
    ) -> None:
        self._free, self._trim = free, trim
        self.threshold, self.settled, self.steady = threshold, settled, steady
        self.trims = 0
        self.lowest: int | None = None  # free bytes, lowest reading since the last trim
        self.previous: int | None = None  # the last reading

    @classmethod
    def for_glibc(cls, threshold: int = THRESHOLD, libc: str | None = None) -> Trimmer:
        """The trimmer of this process's malloc; one that does nothing without glibc."""
        path = libc or ctypes.util.find_library("c")
        lib = ctypes.CDLL(path) if path is not None else None
        mallinfo2 = getattr(lib, "mallinfo2", None)  # glibc 2.33+
        malloc_trim = getattr(lib, "malloc_trim", None)
        if mallinfo2 is None or malloc_trim is None:  # musl, or an older glibc
            return cls(None, None, threshold)
        mallinfo2.restype = _MallInfo2
        mallinfo2.argtypes = []
        malloc_trim.restype = ctypes.c_int
        malloc_trim.argtypes = [ctypes.c_size_t]
        return cls(lambda: int(mallinfo2().fordblks), malloc_trim, threshold)

    @property
    def available(self) -> bool:
        return self._free is not None and self._trim is not None

    def free_bytes(self) -> int:
        """What malloc holds free, in bytes (0 without glibc)."""
        return self._free() if self._free is not None else 0

    def trim_if_worth(self) -> bool:
        """Trim when :attr:`threshold` bytes were freed since the lowest reading, or
        :attr:`settled` bytes and the process is quiet; whether it did."""
        if self._trim is None:
            return False
        free = self.free_bytes()
        if self.lowest is None or free < self.lowest:
            self.lowest = free
        quiet = self.previous is not None and abs(free - self.previous) < self.steady
        self.previous = free
        grown = free - self.lowest
        if grown < self.threshold and not (quiet and grown >= self.settled):
            return False
        self._trim(0)
        self.trims += 1
        self.lowest = self.previous = self.free_bytes()
        return True


async def trim_forever(trimmer: Trimmer, stop: anyio.Event, period: float = PERIOD) -> None:
    """Every ``period`` seconds until ``stop``: :meth:`Trimmer.trim_if_worth`."""
    if not trimmer.available:
        log.debug("malloc_trim unavailable: freed memory stays with the allocator")
        return
    while not stop.is_set():
        with anyio.move_on_after(period):
            await stop.wait()
        # in a thread: mallinfo2 walks every free chunk of every arena and malloc_trim
        # every page (34 ms for 20,000 free chunks on a busy machine, 170 ms for
        # 100,000), and ctypes lets go of the GIL while they run; on the event loop they
        # held every request that long, once a second
        await anyio.to_thread.run_sync(trimmer.trim_if_worth)
