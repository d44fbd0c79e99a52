"""Inbox benchmark: how fast one node accepts (and then processes) signed activities.

    .venv/bin/python bench/inbox.py [--requests 5000] [--concurrency 50]
    .venv/bin/python bench/inbox.py --database postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/inbox.py --sustained --rate 300 --seconds 60   # issue 7, 1.13

Two servers are measured in turn, each in its own process under uvicorn (one worker, so
it has one core and this load generator the other), with the same client and the same
kind of request -- a distinct Mastodon-shaped ``Create(Note)`` of about 1.7 KB, signed
draft-cavage RSA-2048 by one remote actor, POSTed to the shared ``/inbox``:

1. the ceiling: a bare Starlette endpoint that reads the body and verifies the signature
   with ``read_signature(...).verify(key)`` against an in-memory key (no JSON, no
   database, no key lookup; bench/_inbox_peer.py ``ceiling``);
2. ionode: ``create_app`` on a fresh SQLite file (WAL), or on a scratch PostgreSQL
   database created next to ``--database`` and dropped afterwards, with a hub ``bench``
   that every Note is addressed to (so the Create handler stores it). The sender's actor
   document is served by a tiny HTTP server on 127.0.0.1: the first requests fetch the
   key, the rest hit the key cache (``--warm`` sends one request before the clock starts).

Requests are signed before the clock starts. Printed per server: 202s, wall time,
accepted/s, p50/p99 latency, the server's CPU-seconds (/proc), its event loop thread's
share of the wall time ("loop": below ~90 % the loop is waiting, not working) and
requests per server CPU-second, the client's and other processes' CPU use (the client
must stay well under one core; "others" shows whether the machine was shared); then
ionode/ceiling, how
often the sender's key was fetched, the group commit's rows per transaction, and the
inbox workers' processing rate (items/s from the first 202 until every item is
done/ignored/failed, polled in SQL every 20 ms) and how many were finished while
requests were still arriving.

Exits non-zero when a server fails to start, a request is not answered 202, or the items
are not all processed (no progress for 60 s). ``--profile out.svg`` (or ``out.txt`` for
py-spy's collapsed stacks) records the ceiling, and ionode during acceptance and
processing, each in its own file.
Results are recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from node.activitypub.keys import public_pem
from node.activitypub.signatures import sign_request
from node.db import make_engine, normalise_database_url

PEER = Path(__file__).resolve().parent / "_inbox_peer.py"
HUB = "bench"  # the hub _inbox_peer.py creates on the node
CLK_TCK = os.sysconf("SC_CLK_TCK")
STALL = 60.0  # seconds without processing progress before giving up
CONTENT = (
    "<p>General assembly tonight at the union hall, 19:00. Agenda: the port shutdown "
    'call, the <a href="https://example.org/tags/strikefund" class="mention hashtag" '
    'rel="tag">#<span>strikefund</span></a> report, and the childcare rota for Saturday. '
    "Bring a friend; interpretation into Spanish and Tagalog is arranged. Please read the "
    "draft resolution before you come, it is linked from the hub.</p>"
)
Signed = list[tuple[bytes, dict[str, str]]]


class BenchError(Exception):
    """The benchmark could not run as intended; the message says why."""


# --- child processes --------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    #: processes of the same node whose CPU counts as the server's (``--split``: the
    #: ``ionode worker`` beside the web process)
    companions: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self, main_thread: bool = False) -> float:
        """User + system CPU of the server process, every thread included (/proc), or of
        its main thread alone (the event loop's)."""
        pid = self.process.pid
        if main_thread:
            return _cpu(f"/proc/{pid}/task/{pid}/stat")
        return sum(_cpu(f"/proc/{p.pid}/stat") for p in [self.process, *self.companions]
                   if p.poll() is None)

    def log_tail(self, lines: int = 30) -> str:
        with suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def _cpu(stat_path: str) -> float:
    stat = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / CLK_TCK


@contextmanager
def worker_beside(node: Child, url: str, tmp: Path, inbox_workers: int) -> Iterator[None]:
    """``ionode worker`` on the node's database, its CPU counted as the node's, until the
    block ends (``--split``: the web process runs no workers)."""
    log = tmp / f"{node.name}-worker.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IONODE_")}
    env.update(IONODE_INBOX_WORKERS=str(inbox_workers), IONODE_LOG_LEVEL="warning")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "node", "worker", "--url", node.base, "--database", url,
             "--data", str(tmp / f"{node.name}-worker-data")],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
            cwd=Path(__file__).resolve().parent.parent)
    try:
        deadline = time.monotonic() + 120
        while b"ionode: worker for" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"ionode worker did not start:\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        node.companions.append(process)
        yield
    finally:
        stop(process)


def machine_busy() -> float:
    """CPU-seconds all cores have spent busy since boot (/proc/stat, minus idle, iowait)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLK_TCK


@contextmanager
def child(name: str, tmp: Path, *args: str, startup: float = 60.0) -> Iterator[Child]:
    """Start ``_inbox_peer.py <args>``, wait for its port file, always stop it afterwards."""
    port_file, log = tmp / f"{name}.port", tmp / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(PEER), args[0], str(port_file), *args[1:]],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + startup
        while not port_file.exists():
            if process.poll() is not None:
                raise BenchError(f"{name} exited with {process.returncode}:\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
            if time.monotonic() > deadline:
                raise BenchError(f"{name} did not start within {startup:.0f} s")
            time.sleep(0.05)
        yield Child(name, process, int(port_file.read_text()), log)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s; never leaves the child running."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def wait_ready(server: Child, limit: float = 60.0) -> None:
    """Until the server answers any HTTP response (uvicorn listens after its lifespan)."""
    deadline = time.monotonic() + limit
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        while True:
            if server.process.poll() is not None:
                raise BenchError(f"{server.name} exited with {server.process.returncode}:\n"
                                 f"{server.log_tail()}")
            with suppress(aiohttp.ClientError, TimeoutError, OSError):
                async with session.get(f"{server.base}/.well-known/bench-probe") as response:
                    await response.read()
                    return
            if time.monotonic() > deadline:
                raise BenchError(f"{server.name} not answering after {limit:.0f} s:\n"
                                 f"{server.log_tail()}")
            await asyncio.sleep(0.1)


async def wait_quiet(limit: float) -> None:
    """Wait (at most ``limit`` s) until the machine is quiet: under half a core busy for 1 s."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = machine_busy()
        await asyncio.sleep(1.0)
        if machine_busy() - before < 0.5:
            return
    if limit > 0:
        print(f"(machine still busy after waiting {limit:.0f} s; measuring anyway)", flush=True)


# --- the sender and its requests --------------------------------------------------------------


@dataclass
class Sender:
    """The remote actor whose activities are posted; its document is served by ``actor``."""

    base: str  # http://127.0.0.1:PORT of the actor server
    key: rsa.RSAPrivateKey
    name: str = "alice"

    @property
    def uri(self) -> str:
        return f"{self.base}/users/{self.name}"

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"

    def document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.uri, "type": "Person", "preferredUsername": self.name, "name": self.name,
            "inbox": f"{self.uri}/inbox", "outbox": f"{self.uri}/outbox",
            "followers": f"{self.uri}/followers",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.uri,
                          "publicKeyPem": public_pem(self.key.public_key())},
        }


def create_note(sender: Sender, hub: str, note: str, now: datetime) -> bytes:
    """A Mastodon-shaped Create(Note) addressed to ``hub`` (so the handler stores it)."""
    published = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    addressed = {"to": [hub], "cc": [f"{sender.uri}/followers"]}
    return orjson.dumps({
        "@context": ["https://www.w3.org/ns/activitystreams",
                     {"sensitive": "as:sensitive", "Hashtag": "as:Hashtag"}],
        "id": f"{note}/activity", "type": "Create", "actor": sender.uri,
        "published": published, **addressed,
        "object": {
            "id": note, "type": "Note", "attributedTo": sender.uri, "published": published,
            "url": note, **addressed, "sensitive": False,
            "content": CONTENT, "contentMap": {"en": CONTENT},
            "tag": [{"type": "Mention", "href": hub, "name": f"@{HUB}"},
                    {"type": "Hashtag", "href": "https://example.org/tags/strikefund",
                     "name": "#strikefund"}],
        },
    })


def presign(sender: Sender, base: str, count: int, tag: str) -> Signed:
    """``count`` distinct signed requests to ``base``/inbox (signing is not measured)."""
    url, hub, now = f"{base}/inbox", f"{base}/hubs/{HUB}", datetime.now(UTC)
    signed = []
    for n in range(count):
        body = create_note(sender, hub, f"{sender.uri}/statuses/{tag}{n}", now)
        headers = sign_request("POST", url, {"Content-Type": "application/activity+json"},
                               body, key_id=sender.key_id, private_key=sender.key, now=now)
        signed.append((body, headers))
    return signed


# --- the load generator -------------------------------------------------------------------------


@dataclass
class Load:
    wall: float
    client_cpu: float
    server_cpu: float
    loop_cpu: float  # the server's main (event loop) thread alone
    others_cpu: float  # CPU-seconds other processes of the machine used meanwhile
    statuses: list[int]
    latencies: list[float]
    started: float  # perf_counter
    first_202: float
    last_answer: float
    errors: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.statuses.count(202)

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def status_summary(self) -> str:
        counts = {s: self.statuses.count(s) for s in sorted(set(self.statuses))}
        return ", ".join(f"{'error' if s < 0 else s}: {n}" for s, n in counts.items())


async def post_all(server: Child, requests: Signed, concurrency: int, limit: float) -> Load:
    """POST every request, ``concurrency`` in flight on kept-alive aiohttp connections."""
    url, count = f"{server.base}/inbox", len(requests)
    statuses, latencies, errors = [0] * count, [0.0] * count, []
    first_202 = [float("inf")]
    pending = iter(range(count))
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)

    async def client(session: aiohttp.ClientSession) -> None:
        for n in pending:
            body, headers = requests[n]
            sent = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    statuses[n] = response.status
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                statuses[n] = -1
                errors.append(f"{type(exc).__name__}: {exc}")
            answered = time.perf_counter()
            latencies[n] = answered - sent
            if statuses[n] == 202:
                first_202[0] = min(first_202[0], answered)

    async with aiohttp.ClientSession(connector=connector, skip_auto_headers=["User-Agent"],
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        cpu, server_cpu, busy = time.process_time(), server.cpu_seconds(), machine_busy()
        loop_cpu = server.cpu_seconds(main_thread=True)
        started = time.perf_counter()
        try:
            await asyncio.wait_for(
                asyncio.gather(*(client(session) for _ in range(concurrency))), limit)
        except TimeoutError as exc:
            raise BenchError(f"{server.name}: {count} requests not answered in "
                             f"{limit:.0f} s") from exc
        ended = time.perf_counter()
        cpu, server_cpu = time.process_time() - cpu, server.cpu_seconds() - server_cpu
        loop_cpu = server.cpu_seconds(main_thread=True) - loop_cpu
        others = machine_busy() - busy - cpu - server_cpu
    return Load(ended - started, cpu, server_cpu, loop_cpu, others, statuses, latencies, started,
                first_202[0], ended, errors[:5])


# --- the database -------------------------------------------------------------------------------


@contextmanager
def database(opts: argparse.Namespace, tmp: Path, name: str = "node") -> Iterator[str]:
    """A fresh SQLite file, or a scratch PostgreSQL database, dropped afterwards."""
    if not opts.database:
        yield f"sqlite:///{tmp}/{name}.db"
        return
    url = make_url(normalise_database_url(opts.database))
    if url.get_backend_name() != "postgresql":
        raise BenchError("--database takes a postgresql:// URL (SQLite is the default)")
    scratch = f"ionode_bench_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        except OperationalError as exc:
            raise BenchError(f"cannot create the scratch database: {exc.orig}") from exc
        try:
            yield url.set(database=scratch).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    finally:
        admin.dispose()


@dataclass
class Processed:
    states: dict[str, int]
    last_done: float  # perf_counter when the finished count reached the total
    server_cpu: float
    stored_objects: int
    during_load: int  # finished by the time the last request was answered


def wait_processed(url: str, server: Child, expected: int) -> Processed:
    """Poll inbox_item until ``expected`` items are finished; fail after STALL s idle."""
    engine = make_engine(url)
    finished = text("SELECT count(*) FROM inbox_item WHERE state IN ('done','ignored','failed')")
    cpu, last, last_change = server.cpu_seconds(), -1, time.monotonic()
    during_load: int | None = None
    try:
        while True:
            with engine.connect() as conn:
                count = int(conn.execute(finished).scalar_one())
            now = time.perf_counter()
            during_load = count if during_load is None else during_load
            if count >= expected:
                break
            if count != last:
                last, last_change = count, time.monotonic()
            elif time.monotonic() - last_change > STALL:
                raise BenchError(f"processing stalled at {count}/{expected} items for "
                                 f"{STALL:.0f} s:\n{server.log_tail()}")
            if server.process.poll() is not None:
                raise BenchError(f"ionode exited while processing:\n{server.log_tail()}")
            time.sleep(0.02)
        server_cpu = server.cpu_seconds() - cpu
        with engine.connect() as conn:
            states = conn.execute(text("SELECT state, count(*) FROM inbox_item GROUP BY state"))
            by_state = {str(state): int(n) for state, n in states}
            objects = int(conn.execute(text("SELECT count(*) FROM stored_object")).scalar_one())
    finally:
        engine.dispose()
    return Processed(by_state, now, server_cpu, objects, during_load or 0)


# --- profiling ----------------------------------------------------------------------------------


@contextmanager
def profiled(pid: int, out: Path | None) -> Iterator[None]:
    """py-spy record of ``pid`` (all threads, idle frames dropped) while the block runs."""
    if out is None:
        yield
        return
    spy = Path(sys.executable).parent / "py-spy"
    fmt = "raw" if out.suffix == ".txt" else "flamegraph"
    recorder = subprocess.Popen(
        [str(spy), "record", "--pid", str(pid), "--rate", "250", "--threads", "--nonblocking",
         "--format", fmt, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # attached before the load starts
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            recorder.wait(timeout=60)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait(timeout=10)


def profile_path(opts: argparse.Namespace, phase: str) -> Path | None:
    if not opts.profile:
        return None
    base = Path(opts.profile).resolve()
    return base.with_name(f"{base.stem}-{phase}{base.suffix or '.svg'}")


# --- reporting ----------------------------------------------------------------------------------


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("nan")


HEADER = (f"{'':28} {'202s':>11} {'wall s':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'srv CPU s':>9} {'loop':>5} {'req/srv CPU s':>13} {'client':>6} {'others':>6}")


def row(label: str, load: Load) -> str:
    return (f"{label:28} {load.accepted:>5}/{len(load.statuses):<5} {load.wall:6.2f} "
            f"{rate(load.accepted, load.wall):>7,.0f} {load.percentile_ms(0.5):>7.1f} "
            f"{load.percentile_ms(0.99):>7.1f} {load.server_cpu:>9.2f} "
            f"{load.loop_cpu / load.wall:>5.0%} "
            f"{rate(load.accepted, load.server_cpu):>13,.0f} "
            f"{load.client_cpu / load.wall:>6.0%} {load.others_cpu / load.wall:>6.0%}")


def check(label: str, load: Load, failures: list[str]) -> None:
    if load.accepted != len(load.statuses):
        failures.append(f"{label}: not every request was answered 202 "
                        f"({load.status_summary()}); first errors: {load.errors}")


async def get_json(url: str) -> dict[str, Any]:
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
        if response.status != 200:
            raise BenchError(f"GET {url}: HTTP {response.status}")
        return dict(await response.json())


# --- the run ------------------------------------------------------------------------------------


async def measure_ceiling(opts: argparse.Namespace, tmp: Path, sender: Sender,
                          failures: list[str]) -> Load:
    extra = ["--access-log"] if opts.access_log else []
    with child("ceiling", tmp, "ceiling", str(tmp / "sender.pem"), *extra) as ceiling:
        await wait_ready(ceiling)
        started = time.perf_counter()
        signed = presign(sender, ceiling.base, opts.requests, "c")
        signing = rate(opts.requests, time.perf_counter() - started)
        size = statistics.mean(len(body) for body, _ in signed)
        print(f"pre-signed {opts.requests} requests per server at {signing:,.0f}/s "
              f"(bodies of {size:,.0f} bytes, draft-cavage RSA-2048)", flush=True)
        await wait_quiet(opts.wait_quiet)
        with profiled(ceiling.process.pid, profile_path(opts, "ceiling")):
            load = await post_all(ceiling, signed, opts.concurrency, opts.limit)
    check("ceiling", load, failures)
    return load


@dataclass
class NodeRun:
    load: Load
    fetches: int
    processed: Processed | None
    warm: int
    batches: int  # group commits during the load
    on_thread: int  # of which stored on the writer's thread (SQLite: the database was busy)


async def measure_node(opts: argparse.Namespace, tmp: Path, sender: Sender, actor: Child,
                       failures: list[str]) -> NodeRun:
    extra = ["--access-log"] if opts.access_log else []
    with database(opts, tmp) as url, \
            child("ionode", tmp, "node", url, str(tmp / "data"), *extra,
                  f"--inbox-workers={opts.inbox_workers}", startup=120) as node:
        await wait_ready(node, limit=120)
        signed = presign(sender, node.base, opts.requests + 1, f"{os.getpid()}-")
        warm = 0
        if opts.warm:  # one request so that the key is cached before the clock starts
            warm = (await post_all(node, signed[-1:], 1, opts.limit)).accepted
        signed = signed[:-1]
        await wait_quiet(opts.wait_quiet)
        before = await get_json(f"{node.base}/.bench/stats")
        with profiled(node.process.pid, profile_path(opts, "accept")):
            load = await post_all(node, signed, opts.concurrency, opts.limit)
        check("ionode", load, failures)
        after = await get_json(f"{node.base}/.bench/stats")
        batches = after["batches"] - before["batches"]
        on_thread = after["on_thread"] - before["on_thread"]
        fetches = (await get_json(f"{actor.base}/stats"))["served"]
        processed = None
        if opts.inbox_workers > 0 and load.accepted:
            with profiled(node.process.pid, profile_path(opts, "process")):
                try:
                    processed = await asyncio.to_thread(
                        wait_processed, url, node, load.accepted + warm)
                except BenchError as exc:
                    failures.append(str(exc))
    return NodeRun(load, fetches, processed, warm, batches, on_thread)


async def run(opts: argparse.Namespace, tmp: Path) -> list[str]:
    """Both measurements and the report; returns the failures (empty: a valid run)."""
    failures: list[str] = []
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp / "sender.pem").write_text(public_pem(key.public_key()))
    (tmp / "actor.json").write_bytes(orjson.dumps(Sender("__BASE__", key, "__NAME__").document()))
    with child("actor", tmp, "actor", str(tmp / "actor.json")) as actor:
        await wait_ready(actor)
        sender = Sender(actor.base, key)
        ceiling = await measure_ceiling(opts, tmp, sender, failures)
        if opts.sustained:
            import _sustained

            await _sustained.measure(opts, tmp, sender, actor, ceiling, failures)
            if opts.split:
                await _sustained.measure(opts, tmp, sender, actor, ceiling, failures,
                                         split=True)
                _sustained.compare(opts)
            print(HEADER)
            print(row("ceiling (verify only)", ceiling))
            return failures
        ionode = await measure_node(opts, tmp, sender, actor, failures)

    load = ionode.load
    backend = "PostgreSQL" if opts.database else "SQLite (WAL)"
    print(f"\n{opts.requests} requests, {opts.concurrency} in flight; each server one uvicorn "
          f"process; ionode on {backend} with {opts.inbox_workers} inbox workers"
          f"{', key cached beforehand' if opts.warm else ''}"
          f"{', access log on' if opts.access_log else ''}")
    print(HEADER)
    print(row("ceiling (verify only)", ceiling))
    print(row("ionode inbox (202)", load))
    ratio = rate(load.accepted, load.wall) / rate(ceiling.accepted, ceiling.wall)
    cpu_ratio = (rate(load.accepted, load.server_cpu)
                 / rate(ceiling.accepted, ceiling.server_cpu))
    print(f"ionode/ceiling: {ratio:.2f} in accepted/s, {cpu_ratio:.2f} in requests per server "
          f"CPU-second; target >= 0.50: {'met' if ratio >= 0.5 else 'MISSED'}")
    print(f"ionode: first 202 after {(load.first_202 - load.started) * 1000:,.0f} ms; the "
          f"actor document was fetched {ionode.fetches} times (1 needed); "
          f"{ionode.batches} group commits, {rate(load.accepted, ionode.batches):.1f} rows each, "
          f"{ionode.on_thread} of them on the writer's thread")
    processed = ionode.processed
    if processed is not None:
        items = load.accepted + ionode.warm
        window = processed.last_done - load.first_202
        total_cpu = load.server_cpu + processed.server_cpu
        print(f"processing: {rate(load.accepted, window):,.0f} items/s from the first 202 to "
              f"the last finished ({window:.2f} s; finished "
              f"{processed.last_done - load.last_answer:.2f} s after the last 202); "
              f"states {processed.states}; stored_object rows {processed.stored_objects}; "
              f"{processed.during_load} finished while requests were still arriving")
        print(f"ionode server CPU per activity, accepted and processed: "
              f"{total_cpu / load.accepted * 1000:.2f} ms "
              f"({rate(load.accepted, total_cpu):,.0f} per server CPU-second)")
        if processed.states.get("done", 0) != items or processed.stored_objects != items:
            failures.append(f"expected {items} items done and stored, got {processed.states} "
                            f"and {processed.stored_objects} stored objects")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight")
    parser.add_argument("--database", help="postgresql:// URL of an existing database; a "
                        "scratch database is created beside it (default: SQLite in a temp dir)")
    parser.add_argument("--inbox-workers", type=int, default=2,
                        help="the node's IONODE_INBOX_WORKERS (0: measure acceptance only)")
    parser.add_argument("--warm", action="store_true",
                        help="fetch the sender's key with one request before the clock starts")
    parser.add_argument("--access-log", action="store_true",
                        help="uvicorn access log on, as `ionode serve` has it")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="before each measurement wait up to SECONDS for other processes "
                        "to leave the machine idle")
    parser.add_argument("--profile", metavar="PATH",
                        help="py-spy output: .svg flamegraph or .txt collapsed stacks; one "
                        "file each for -ceiling, and ionode's -accept and -process phases")
    parser.add_argument("--sustained", action="store_true",
                        help="a steady stream of Follows from distinct cold actors instead of "
                        "a burst (bench/_sustained.py); the ceiling is measured first")
    parser.add_argument("--rate", type=float, default=300.0, help="--sustained: Follows/s")
    parser.add_argument("--seconds", type=float, default=60.0, help="--sustained: duration")
    parser.add_argument("--probe", type=int, default=3000, help="--sustained: requests of "
                        "the acceptance burst sent half-way through (0: none)")
    parser.add_argument("--max-in-flight", type=int, default=256,
                        help="--sustained: requests in flight at most")
    parser.add_argument("--split", action="store_true",
                        help="--sustained: after the single process, measure the node as a "
                        "web process (serve --workers 0) with an `ionode worker` beside it, "
                        "in the same run, and print the ratios")
    opts = parser.parse_args()
    if opts.requests < 1 or opts.concurrency < 1 or opts.inbox_workers < 0:
        parser.error("--requests and --concurrency must be positive")
    opts.limit = max(120.0, opts.requests / 50)  # seconds for one load phase

    import uvloop

    sys.modules.setdefault("inbox", sys.modules[__name__])  # bench/_sustained.py uses it

    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.machine()}, load average {os.getloadavg()[0]:.1f}; client: aiohttp "
          f"{aiohttp.__version__} on uvloop", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks
    try:
        with tempfile.TemporaryDirectory(prefix="ionode-bench-") as tmp, \
                asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            failures = runner.run(run(opts, Path(tmp)))
    except BenchError as exc:
        failures = [str(exc)]
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
