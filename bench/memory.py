"""Resident memory of a real ``ionode serve`` process on SQLite (issue 7, item 14).

    .venv/bin/python bench/memory.py [--items 10000] [--burst 2000] [--settle 3]

Measured, each as ``VmRSS`` from ``/proc/PID/status`` (with ``RssAnon``/``RssFile`` and
the peak ``VmHWM``):

1. **idle, new database**: ``ionode serve`` on a database it creates itself, nothing
   stored, a few seconds (``--settle``) after it first answers;
2. **idle, migrated first**: ``ionode migrate`` then ``ionode serve``, as ``make run``
   and the systemd unit start a node;
3. **after items**: an organizer and a hub made with the CLI, ``--items`` hub updates
   stored (``node.hubs.updates.service.post_update`` in this process, 500 per transaction), then the
   pages that read them requested (home, hub page, outbox pages, Atom feed, calendars);
4. **after the burst**: ``--burst`` signed ``Create(Note)`` POSTed to the node's inbox
   (50 in flight, the sender and signing of bench/inbox.py, its actor document served by
   bench/_inbox_peer.py) and every one processed by the inbox workers.

Targets (issue 7): at most 80 MB idle, at most 120 MB after the burst. Exits non-zero
when the node fails to start or a request is not accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox import (  # bench/inbox.py: the signing peer and its helpers
    BenchError,
    Child,
    Sender,
    child,
    post_all,
    presign,
    stop,
    wait_processed,
    wait_ready,
)

IONODE = Path(sys.executable).parent / "ionode"  # --ionode measures another checkout's
HUB = "bench"  # the hub bench/inbox.py's Create(Note)s are addressed to
FIELDS = ("VmRSS", "RssAnon", "RssFile", "VmHWM")
TARGET_IDLE_MB, TARGET_BURST_MB = 80, 120


def memory(pid: int) -> dict[str, float]:
    """The process's memory figures in MB (``/proc/PID/status`` gives kB)."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in FIELDS:
            found[name] = int(value.split()[0]) / 1024
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def node_env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IONODE_")}
    env["IONODE_DATA"] = str(data)
    return env


def start_node(ionode: Path, tmp: Path, name: str, port: int, *,
               migrate_first: bool) -> Child:
    """``ionode serve`` (after ``ionode migrate`` when ``migrate_first``), not yet ready."""
    data = tmp / name
    flags = ["--url", f"http://127.0.0.1:{port}", "--data", str(data)]
    if migrate_first:
        subprocess.run([str(ionode), "migrate", *flags], env=node_env(data), check=True,
                       stdout=subprocess.DEVNULL)
    log = tmp / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(ionode), "serve", "--port", str(port), *flags],
                                   env=node_env(data), stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT)
    return Child(name, process, port, log)


async def settled(server: Child, seconds: float) -> dict[str, float]:
    await wait_ready(server)
    await asyncio.sleep(seconds)
    return memory(server.process.pid)


def store_items(ionode: Path, data: Path, base_url: str, count: int) -> float:
    """An organizer and a hub made with the CLI, then ``count`` hub updates by her,
    500 per transaction; returns the seconds it took."""
    from node.app import build_node
    from node.hubs.updates.service import post_update
    from node.local_node import settings_from

    started = time.perf_counter()
    flags = ["--url", base_url, "--data", str(data)]
    subprocess.run([str(ionode), "user", "create", "nate", "--password-stdin", *flags],
                   input=b"correct horse battery\n", env=node_env(data), check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([str(ionode), "hub", "create", HUB, "--title", "Bench hub", "--admin",
                    "nate", *flags], env=node_env(data), check=True, stdout=subprocess.DEVNULL)
    node = build_node(settings_from(argparse.Namespace(url=base_url, database=None,
                                                       data=str(data))))
    try:
        for first in range(0, count, 500):
            with node.engine.begin() as conn:
                for n in range(first, min(first + 500, count)):
                    post_update(node, conn, "nate", f"Update {n}: picket at berth {n % 9}.",
                              [HUB])
    finally:
        node.engine.dispose()
    return time.perf_counter() - started


async def read_pages(base: str) -> None:
    """The pages and documents that read stored items, each answered 200."""
    paths = ["/", f"/hubs/{HUB}", f"/hubs/{HUB}/feed.atom", f"/hubs/{HUB}/calendar.ics",
             "/calendar.ics", *(f"/hubs/{HUB}/outbox?page={p}" for p in (1, 2, 50))]
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            for path in paths:
                headers = {"Accept": "application/activity+json"} if "outbox" in path else {}
                async with session.get(base + path, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        raise BenchError(f"GET {path} answered {response.status}")


def row(label: str, figures: dict[str, float], target: float | None = None) -> str:
    verdict = "" if target is None else (
        f"  (target <= {target} MB: {'met' if figures['VmRSS'] <= target else 'MISSED'})")
    return (f"{label:<34} VmRSS {figures['VmRSS']:6.1f} MB   anon {figures['RssAnon']:5.1f}"
            f"   file {figures['RssFile']:5.1f}   peak {figures['VmHWM']:6.1f}{verdict}")


async def run(opts: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    fresh = start_node(opts.ionode, tmp, "fresh", free_port(), migrate_first=False)
    try:
        results["idle_new_database"] = await settled(fresh, opts.settle)
    finally:
        stop(fresh.process)
    print(row("idle, new database", results["idle_new_database"], TARGET_IDLE_MB), flush=True)

    port = free_port()
    server = start_node(opts.ionode, tmp, "node", port, migrate_first=True)
    try:
        results["idle"] = await settled(server, opts.settle)
        print(row("idle, migrated first (make run)", results["idle"], TARGET_IDLE_MB),
              flush=True)
        if opts.idle_only:
            return results
        database = f"sqlite:///{tmp / 'node' / 'ionode.db'}"
        seconds = store_items(opts.ionode, tmp / "node", server.base, opts.items)
        await read_pages(server.base)
        await asyncio.sleep(opts.settle)
        results["after_items"] = memory(server.process.pid)
        print(row(f"after {opts.items:,} items (stored in {seconds:.0f} s)",
                  results["after_items"]), flush=True)

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (tmp / "actor.json").write_bytes(orjson.dumps(Sender("__BASE__", key).document()))
        with child("actor", tmp, "actor", str(tmp / "actor.json")) as actor:
            await wait_ready(actor)
            requests = presign(Sender(actor.base, key), server.base, opts.burst, "burst")
            load = await post_all(server, requests, concurrency=50, limit=300.0)
            if load.accepted != opts.burst:
                raise BenchError(f"{opts.burst - load.accepted} requests not accepted: "
                                 f"{load.status_summary()}\n{server.log_tail()}")
            processed = await asyncio.to_thread(wait_processed, database, server, opts.burst)
        await asyncio.sleep(opts.settle)
        results["after_burst"] = memory(server.process.pid)
        print(row(f"after a {opts.burst:,}-request burst", results["after_burst"],
                  TARGET_BURST_MB), flush=True)
        results["inbox_states"] = processed.states
    finally:
        stop(server.process)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=2_000)
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds to wait before each reading")
    parser.add_argument("--idle-only", action="store_true",
                        help="measure the two idle figures only")
    parser.add_argument("--ionode", type=Path, default=IONODE,
                        help="the ionode command to measure (another checkout's venv)")
    opts = parser.parse_args()
    print(f"{opts.ionode} serve on SQLite; Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="ionode-memory-") as scratch:
        try:
            results = asyncio.run(run(opts, Path(scratch)))
        except (BenchError, subprocess.CalledProcessError) as exc:
            print(f"bench/memory.py: {exc}", file=sys.stderr)
            return 1
    print(orjson.dumps(results).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
