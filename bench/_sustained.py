"""The sustained-load mode of bench/inbox.py (``--sustained``), issue 7 item 1.13.

A steady stream, not a burst: ``--rate`` Follows a second for ``--seconds`` seconds, each
from a distinct actor the node has never seen (so each costs the node an actor fetch:
``/users/NAME`` on the bench's actor server, all sharing one RSA key), all to the hub.
Requests are signed before the clock starts and sent on a fixed schedule (request ``i``
at ``i / rate`` s), at most ``--max-in-flight`` at a time: when the node falls behind,
requests leave late and the "sent" column shows it.

Every second the client records what it sent and got 202 for, and reads in SQL how many
inbox items are finished (done/ignored/failed) and how many wait (the backlog). Half-way
through the stream a burst of ``--probe`` requests (the standard Create(Note) of an
actor whose key is cached, 50 in flight) measures what the node still accepts while it
processes: that rate is compared with the verify-only ceiling measured in the same run.

Printed: the timeline (every 5 s: sent/s, accepted/s, processed/s, backlog), the steady
window (from 10 s to the end of the stream) side by side, the backlog's growth over the
second half of the stream, the probe against the ceiling (and its latency, and how busy
the event loop was meanwhile), how long the node took to finish the backlog afterwards,
and the CPU of the (web) process's event loop thread per request: on a shared machine
the rates follow the other processes' load, the CPU a request costs the loop much less.
``--inbox-workers 0`` measures acceptance alone (nothing is processed, no drain).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import inbox as bench  # bench/inbox.py, the running script (aliased in its main())
import orjson
from sqlalchemy import text

from node.activitypub.signatures import sign_request
from node.db import make_engine

STEADY_FROM = 10.0  # seconds: the window before it is the ramp-up


@dataclass
class Sample:
    at: float  # seconds since the stream started
    sent: int
    accepted: int
    finished: int
    backlog: int


@dataclass
class Stream:
    statuses: list[int]
    samples: list[Sample] = field(default_factory=list)
    probe: bench.Load | None = None
    ended: float = 0.0  # seconds: the last request of the stream answered
    server_cpu: float = 0.0  # during the stream
    loop_cpu: float = 0.0  # the (web) process's event loop thread alone, during the stream
    total_cpu: float = 0.0  # from the stream's start until the backlog was empty
    client_cpu: float = 0.0
    others_cpu: float = 0.0


def presign_follows(actors: str, node: str, key: Any, count: int, tag: str) -> bench.Signed:
    """``count`` Follows of the hub on ``node``, each from a distinct, never-seen actor
    served by the actor server at ``actors``."""
    url, hub, now = f"{node}/inbox", f"{node}/hubs/{bench.HUB}", datetime.now(UTC)
    signed = []
    for n in range(count):
        sender = bench.Sender(actors, key, f"f{tag}x{n}")
        body = orjson.dumps({"@context": "https://www.w3.org/ns/activitystreams",
                             "id": f"{sender.uri}#follows/1", "type": "Follow",
                             "actor": sender.uri, "object": hub})
        headers = sign_request("POST", url, {"Content-Type": "application/activity+json"},
                               body, key_id=sender.key_id, private_key=key, now=now)
        signed.append((body, headers))
    return signed


def counts(engine: Any) -> tuple[int, int]:
    """(finished, waiting) inbox items."""
    query = text("SELECT state, count(*) FROM inbox_item GROUP BY state")
    with engine.connect() as conn:
        by_state = {str(state): int(n) for state, n in conn.execute(query)}
    finished = sum(by_state.get(s, 0) for s in ("done", "ignored", "failed"))
    return finished, sum(by_state.values()) - finished


async def stream(opts: argparse.Namespace, node: bench.Child, url: str, signed: bench.Signed,
                 probe: bench.Signed) -> Stream:
    """Send ``signed`` on schedule, sample every second, fire the probe half-way."""
    result = Stream(statuses=[0] * len(signed))
    engine = make_engine(url)
    sent = [0]
    in_flight = asyncio.Semaphore(opts.max_in_flight)
    connector = aiohttp.TCPConnector(limit=opts.max_in_flight)
    session = aiohttp.ClientSession(connector=connector, skip_auto_headers=["User-Agent"],
                                    timeout=aiohttp.ClientTimeout(total=120))
    inbox_url = f"{node.base}/inbox"

    async def post(n: int) -> None:
        body, headers = signed[n]
        try:
            async with session.post(inbox_url, data=body, headers=headers) as response:
                await response.read()
                result.statuses[n] = response.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            result.statuses[n] = -1
        finally:
            in_flight.release()

    async def sample(started: float) -> None:
        while True:
            finished, backlog = await asyncio.to_thread(counts, engine)
            result.samples.append(Sample(time.perf_counter() - started, sent[0],
                                         result.statuses.count(202), finished, backlog))
            await asyncio.sleep(1.0)

    async def fire_probe() -> None:
        await asyncio.sleep(opts.seconds / 2)
        result.probe = await bench.post_all(node, probe, 50, opts.limit)

    tasks: list[asyncio.Task[None]] = []
    try:
        cpu, server_cpu, busy = time.process_time(), node.cpu_seconds(), bench.machine_busy()
        cpu_at_start, loop_at_start = server_cpu, node.cpu_seconds(main_thread=True)
        started = time.perf_counter()
        sampler = asyncio.create_task(sample(started))
        prober = asyncio.create_task(fire_probe()) if probe else None
        for n in range(len(signed)):
            delay = started + n / opts.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await in_flight.acquire()
            tasks.append(asyncio.create_task(post(n)))
            sent[0] += 1
        await asyncio.gather(*tasks)
        if prober is not None:
            await prober
        result.ended = time.perf_counter() - started
        cpu, server_cpu = time.process_time() - cpu, node.cpu_seconds() - server_cpu
        result.client_cpu, result.server_cpu = cpu, server_cpu
        result.loop_cpu = node.cpu_seconds(main_thread=True) - loop_at_start
        result.others_cpu = bench.machine_busy() - busy - cpu - server_cpu
        if opts.inbox_workers:  # (none: acceptance alone, the backlog stays)
            await drain_backlog(node, result, started, opts)
        else:
            await asyncio.sleep(1.5)  # one more sample after the stream
        result.total_cpu = node.cpu_seconds() - cpu_at_start
        sampler.cancel()
    finally:
        await session.close()
        engine.dispose()
    return result


async def drain_backlog(node: bench.Child, result: Stream, started: float,
                        opts: argparse.Namespace) -> None:
    """Keep sampling until nothing waits (or nothing moves for STALL s)."""
    last, last_change = -1, time.monotonic()
    while True:
        await asyncio.sleep(0.5)
        sample = result.samples[-1]
        if sample.at > result.ended and sample.backlog == 0:
            return
        if sample.finished != last:
            last, last_change = sample.finished, time.monotonic()
        elif time.monotonic() - last_change > bench.STALL:
            raise bench.BenchError(f"processing stalled with {sample.backlog} items waiting:\n"
                                   f"{node.log_tail()}")
        if node.process.poll() is not None:
            raise bench.BenchError(f"ionode exited while processing:\n{node.log_tail()}")


def between(samples: list[Sample], start: float, end: float) -> tuple[Sample, Sample]:
    inside = [s for s in samples if start <= s.at <= end] or samples
    return inside[0], inside[-1]


def steady_from(opts: argparse.Namespace) -> float:
    """Where the steady window starts: 10 s in, or a third of a shorter stream."""
    return float(min(STEADY_FROM, opts.seconds / 3))


def report(opts: argparse.Namespace, result: Stream, ceiling: bench.Load,
           fetched: int, posted: int, follows: int, failures: list[str],
           topology: str = "one process") -> dict[str, float]:
    """Print the run; its key figures (for :func:`compare`)."""
    rate = bench.rate
    samples = result.samples
    print(f"\nsustained: {opts.rate}/s cold Follows for {opts.seconds:.0f} s "
          f"({len(result.statuses)} requests, at most {opts.max_in_flight} in flight), "
          f"ionode on {'PostgreSQL' if opts.database else 'SQLite (WAL)'} as {topology} with "
          f"{opts.inbox_workers} inbox workers; probe of {opts.probe} at {opts.seconds / 2:.0f} s")
    print(f"{'t s':>5} {'sent/s':>7} {'202/s':>7} {'processed/s':>11} {'backlog':>8}")
    previous = Sample(0.0, 0, 0, 0, 0)
    for sample in samples:
        if sample.at - previous.at >= 4.99 or sample is samples[-1]:
            span = sample.at - previous.at
            print(f"{sample.at:5.0f} {rate(sample.sent - previous.sent, span):7.0f} "
                  f"{rate(sample.accepted - previous.accepted, span):7.0f} "
                  f"{rate(sample.finished - previous.finished, span):11.0f} {sample.backlog:8}")
            previous = sample
    first, last = between(samples, steady_from(opts), result.ended)
    span = last.at - first.at
    accepted_rate = rate(last.accepted - first.accepted, span)
    processed_rate = rate(last.finished - first.finished, span)
    probe = result.probe.accepted if result.probe else 0
    print(f"steady window {first.at:.0f}-{last.at:.0f} s: accepted {accepted_rate:,.0f}/s, "
          f"processed {processed_rate:,.0f}/s (the probe's requests included in both)")
    before_probe = min(result.ended, opts.seconds / 2)
    if opts.probe and before_probe > steady_from(opts):
        first, last = between(samples, steady_from(opts), before_probe)
        span = last.at - first.at
        print(f"before the probe {first.at:.0f}-{last.at:.0f} s: accepted "
              f"{rate(last.accepted - first.accepted, span):,.0f}/s, processed "
              f"{rate(last.finished - first.finished, span):,.0f}/s, backlog {first.backlog} "
              f"-> {last.backlog}")
    half, end = between(samples, result.ended / 2, result.ended)
    growth = rate(end.backlog - half.backlog, end.at - half.at)
    print(f"backlog: {half.backlog} at {half.at:.0f} s, {end.backlog} at {end.at:.0f} s "
          f"({growth:+,.1f} items/s); finished {samples[-1].at - result.ended:.1f} s after "
          f"the stream ended")
    print(f"stream: server CPU {result.server_cpu:.1f} s "
          f"({result.server_cpu / max(1, result.statuses.count(202) + probe) * 1000:.2f} ms "
          f"per request incl. processing so far), client {result.client_cpu / result.ended:.0%}"
          f", others {result.others_cpu / result.ended:.0%} of a core")
    loop_ms = result.loop_cpu * 1000 / max(1, result.statuses.count(202) + probe)
    print(f"stream: the (web) process's event loop thread {result.loop_cpu:.1f} s of CPU "
          f"({loop_ms:.2f} ms per request), busy {result.loop_cpu / result.ended:.0%} of the wall")
    handled = max(1, result.statuses.count(202) + probe)
    print(f"all in: server CPU {result.total_cpu:.1f} s until the backlog was empty "
          f"({result.total_cpu / handled * 1000:.2f} ms per request, accepted and processed;"
          f" Accepts still on the wire not included)")
    print(f"actor documents fetched {fetched}, Accepts delivered {posted}, follows stored "
          f"{follows}; statuses {summary(result.statuses)}")
    ceiling_rate = rate(ceiling.accepted, ceiling.wall)
    figures = {"accepted/s": accepted_rate, "processed/s": processed_rate,
               "server CPU ms/request": result.server_cpu * 1000 / max(
                   1, result.statuses.count(202) + probe),
               "drained s after the stream": samples[-1].at - result.ended,
               "server CPU ms/request, all in": result.total_cpu * 1000 / handled,
               "event loop CPU ms/request": loop_ms}
    if result.probe is not None:
        probe_rate = rate(result.probe.accepted, result.probe.wall)
        ratio = probe_rate / ceiling_rate
        figures["probe/ceiling"] = ratio
        print(f"acceptance while processing (probe): {probe_rate:,.0f}/s = {ratio:.2f} of the "
              f"verify-only ceiling ({ceiling_rate:,.0f}/s); target >= 0.50: "
              f"{'met' if ratio >= 0.5 else 'MISSED'}")
        print(f"probe: p50 {result.probe.percentile_ms(0.5):.1f} ms, p99 "
              f"{result.probe.percentile_ms(0.99):.1f} ms, the event loop busy "
              f"{result.probe.loop_cpu / result.probe.wall:.0%} of its {result.probe.wall:.2f} s")
        bench.check("probe", result.probe, failures)
    print(f"processing target (>= 300 cold Follows/s sustained): "
          f"{'met' if processed_rate >= 300 else 'MISSED'} ({processed_rate:,.0f}/s); "
          f"backlog {'not growing' if growth <= 0.05 * opts.rate else 'GROWING'}")
    if result.statuses.count(202) != len(result.statuses):
        failures.append(f"not every Follow was answered 202: {summary(result.statuses)}")
    return figures


def compare(opts: argparse.Namespace) -> None:
    """``--split``: the split node's figures against the single process's, same run."""
    single, split = opts.figures["one process"], opts.figures["web + worker"]
    print("\nweb + worker / one process, same run:")
    for key, value in single.items():
        other = split.get(key, float("nan"))
        ratio = other / value if value else float("nan")
        print(f"  {key:28} one process {value:9.2f}   web + worker {other:9.2f}   "
              f"ratio {ratio:5.2f}")


def summary(statuses: list[int]) -> str:
    found = {s: statuses.count(s) for s in sorted(set(statuses))}
    return ", ".join(f"{'error' if s < 0 else s}: {n}" for s, n in found.items())


async def measure(opts: argparse.Namespace, tmp: Path, alice: bench.Sender,
                  actor: bench.Child, ceiling: bench.Load, failures: list[str],
                  split: bool = False) -> None:
    """One node under the stream: one process, or (``split``) a web process with no
    workers and an ``ionode worker`` beside it on the same database."""
    extra = ["--access-log"] if opts.access_log else []
    name = "ionode-split" if split else "ionode"
    if split:
        extra.append("--web-only")
    with bench.database(opts, tmp, name) as url, \
            bench.child(name, tmp, "node", url, str(tmp / f"{name}-data"), *extra,
                        f"--inbox-workers={opts.inbox_workers}", startup=120) as node, \
            (bench.worker_beside(node, url, tmp, opts.inbox_workers) if split
             else contextlib.nullcontext()):
        await bench.wait_ready(node, limit=120)
        posted_before = (await bench.get_json(f"{actor.base}/stats"))["posted"]
        total = int(opts.rate * opts.seconds)
        started = time.perf_counter()
        signed = presign_follows(actor.base, node.base, alice.key, total, str(os.getpid()))
        probe = bench.presign(alice, node.base, opts.probe + 1, f"p{os.getpid()}-")
        print(f"pre-signed {total} Follows from distinct actors and {opts.probe} probe "
              f"requests in {time.perf_counter() - started:.1f} s", flush=True)
        await bench.post_all(node, probe[-1:], 1, opts.limit)  # alice's key, cached
        fetched_before = (await bench.get_json(f"{actor.base}/stats"))["served"]
        await bench.wait_quiet(opts.wait_quiet)
        with bench.profiled(node.process.pid,
                            bench.profile_path(opts, "sustained-split" if split else "sustained")):
            result = await stream(opts, node, url, signed, probe[:-1] if opts.probe else [])
        stats = await bench.get_json(f"{actor.base}/stats")
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                follows = int(conn.execute(text(
                    "SELECT count(*) FROM follow WHERE state = 'accepted'")).scalar_one())
        finally:
            engine.dispose()
    topology = "web + worker" if split else "one process"
    if not hasattr(opts, "figures"):
        opts.figures = {}
    opts.figures[topology] = report(opts, result, ceiling, stats["served"] - fetched_before,
                                    stats["posted"] - posted_before, follows, failures,
                                    topology)
    if follows != result.statuses.count(202):
        failures.append(f"{result.statuses.count(202)} Follows accepted, {follows} stored")
