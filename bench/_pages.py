"""What the page benches share: a node in a scratch folder, timed GETs, a report line.

Each bench (dashboard.py, hub_page.py, calendar_pages.py, network_timeline.py) fills a
database its own way, then renders pages in-process through the ASGI app (no network)
and prints the median and a high percentile of N requests after one warm-up request,
with the process's CPU time per request: on a shared machine the wall-clock time
includes waiting for a core, the CPU time does not.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from node.settings import Settings


@dataclass(frozen=True)
class Timings:
    wall_ms: list[float]
    cpu_ms_per_request: float


def bench_settings(scratch: str, database: str | None, **extra: Any) -> Settings:
    """A node at https://bench.example on ``database`` (default: SQLite in ``scratch``)."""
    return Settings(url="https://bench.example",
                    database=database or f"sqlite:///{Path(scratch) / 'bench.db'}",
                    secret_key="bench" * 8, data_dir=Path(scratch), **extra)


def client_of(app: Any) -> httpx.AsyncClient:
    """A client that talks to ``app`` in-process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url=app.state.node.settings.url)


async def timed_gets(client: httpx.AsyncClient, path: str, requests: int,
                     accept: str = "text/html") -> Timings:
    """One warm-up GET of ``path`` (its time and size printed), then ``requests`` timed."""
    started = time.perf_counter()
    first = await client.get(path, headers={"Accept": accept})
    if first.status_code != 200:
        raise SystemExit(f"{path} answered {first.status_code}: {first.text[:300]}")
    print(f"{path}: first render {(time.perf_counter() - started) * 1000:.0f} ms "
          f"({len(first.content) // 1024} KiB)")
    wall, cpu = [], time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.get(path, headers={"Accept": accept})
        wall.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return Timings(wall, (time.process_time() - cpu) * 1000 / max(requests, 1))


def report(name: str, timings: Timings, quantile: float = 0.95) -> None:
    ordered = sorted(timings.wall_ms)
    high = ordered[min(len(ordered) - 1, int(len(ordered) * quantile))]
    print(f"{name:<28} median {statistics.median(ordered):7.2f} ms   "
          f"p{round(quantile * 100)} {high:7.2f} ms   "
          f"CPU {timings.cpu_ms_per_request:6.1f} ms/request   ({len(ordered)} requests)")
