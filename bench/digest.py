"""Digest benchmark: a week of news to many subscribers, made, queued and sent.

    .venv/bin/python bench/digest.py                        # 500 items, 50,000 subscribers
    .venv/bin/python bench/digest.py --send 0               # send all of them (minutes)
    .venv/bin/python bench/digest.py --database postgresql://postgres@127.0.0.1:5432/test

Seeds a node with ``--items`` approved news items spread over the last week and
``--subscribers`` confirmed addresses (not timed), then times what the issue asks to
stay under a minute: making the digest (gathering the week, storing it, publishing its
Article, queuing one mail row per subscriber in one ``INSERT ... SELECT``) and rendering
its mail (once per language: each recipient's copy only swaps in its unsubscribe link).

Then it sends ``--send`` mails (0: all) with :class:`node.newswire.digest.sending.
DigestSender`, as the worker does, to aiosmtpd's ``Sink`` handler running in its own
process on loopback: the sender goes at the server's pace (here as fast as a local
server answers). The sender's resident memory (VmRSS) is sampled after each batch, to
show it stays flat however many mails have gone. Figures are printed, to be copied into
bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
from sqlalchemy import Engine, func, insert, select

import node.models  # noqa: F401  (every table registered)
from node.app import build_node
from node.db import migrate
from node.newswire.digest.models import DigestMail, NewsSubscriber
from node.newswire.digest.sending import DigestSender, digest_context
from node.newswire.digest.smtp import smtp_server
from node.newswire.digest.tasks import digest_now
from node.newswire.moderation.service import approve
from node.newswire.submissions.rules import check_submission
from node.newswire.submissions.service import store_submission
from node.runtime import Node
from node.settings import Settings

BASE = "https://bench.example"
_sub = NewsSubscriber.__table__  # type: ignore[attr-defined]
_mail = DigestMail.__table__  # type: ignore[attr-defined]


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the SMTP sink did not listen on port {port}")


def seed(node: Node, clock: Clock, items: int, subscribers: int) -> float:
    started, end = time.perf_counter(), clock.at
    body = "The assembly met and decided. " * 20 + "**Join us** on Saturday."
    for i in range(items):
        clock.at = end - timedelta(days=7) + timedelta(seconds=(i + 1) * 600_000 / items)
        with node.engine.begin() as conn:
            item_id, _ = store_submission(conn, check_submission(
                title=f"News item {i}: dockers, teachers and nurses", body=body,
                links=[f"https://example.org/{i}"], source_url=f"https://example.org/s/{i}",
                submitter_name="Rosa", contact_email=""), now=clock.at)
            approve(node, conn, item_id, role="admin")
    clock.at = end
    with node.engine.begin() as conn:
        for start in range(0, subscribers, 5000):
            conn.execute(insert(_sub), [
                {"email": f"reader{n}@example.org", "lang": "es" if n % 4 == 0 else "en",
                 "state": "confirmed", "created_at": end, "confirmed_at": end}
                for n in range(start, min(start + 5000, subscribers))])
    return time.perf_counter() - started


def mail_states(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(_mail.c.state, func.count()).group_by(_mail.c.state))
        return {state: count for state, count in rows}


async def send(node: Node, target: int) -> tuple[int, float, float, list[float]]:
    server = smtp_server(node.settings)
    assert node.services.mail is not None
    sender = DigestSender(node, server, node.services.mail, "bench", batch=200)
    sent, samples, started, cpu = 0, [rss_mb()], time.perf_counter(), time.process_time()
    while sent < target:
        done = await sender.run_once()
        if done == 0:
            break
        sent += done
        samples.append(rss_mb())
    return sent, time.perf_counter() - started, time.process_time() - cpu, samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--send", type=int, default=5000, help="mails to send; 0: all")
    parser.add_argument("--database", help="default: a temporary SQLite file")
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ionode-digest-bench-"))
    port = free_port()
    settings = Settings(url=BASE, database=opts.database or f"sqlite:///{tmp / 'bench.db'}",
                        secret_key="bench-secret", data_dir=tmp,
                        smtp_url=f"smtp://127.0.0.1:{port}", mail_from="news@bench.example")
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    node = build_node(settings, clock=clock)
    migrate(node.engine)
    print(f"seeding {opts.items} approved items and {opts.subscribers} confirmed "
          f"subscribers ... {seed(node, clock, opts.items, opts.subscribers):.1f} s")
    rss_before = rss_mb()
    clock.at += timedelta(minutes=1)
    started = time.perf_counter()
    made = digest_now(node, clock.at)
    made_s = time.perf_counter() - started
    assert made is not None and made.entries == opts.items, made
    assert made.queued == opts.subscribers, made
    started = time.perf_counter()
    context = digest_context(node.engine, made.id, settings.url)
    rendered = {lang: node.services.mail("digest", lang, context) for lang in ("en", "es")}
    render_s = time.perf_counter() - started
    total = made_s + render_s
    print(f"digest made and {made.queued} mails queued: {made_s:.2f} s; mail rendered "
          f"(en, es; {len(rendered['en'].html) // 1024} KiB HTML): {render_s:.2f} s; "
          f"total {total:.2f} s ({'under' if total < 60 else 'OVER'} a minute)")
    print(f"RSS before the digest {rss_before:.0f} MB, after queuing {rss_mb():.0f} MB")
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                             f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"])
    try:
        wait_for_port(port)
        target = opts.send or opts.subscribers
        sent, seconds, cpu, samples = anyio.run(send, node, target)
    finally:
        sink.terminate()
        sink.wait()
    tenth = max(len(samples) // 10, 1)
    print(f"sent {sent} mails in {seconds:.1f} s: {sent / seconds:.0f} mails/s "
          f"(one connection, batches of 200); the sender's CPU {cpu:.1f} s of it, the rest "
          "waiting for the server")
    print(f"sender RSS: at start {samples[0]:.0f} MB, after the first tenth "
          f"{samples[tenth]:.0f} MB, peak {max(samples):.0f} MB, at the end "
          f"{samples[-1]:.0f} MB")
    print(f"mail rows: {mail_states(node.engine)}")
    node.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
