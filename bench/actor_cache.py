"""The remote actor cache alone: memory held by many actors, and the cost of a key lookup.

    PYTHONPATH=$PWD .venv/bin/python bench/actor_cache.py [--actors 3000] [--lookups 20000]

Issue 7's memory target (at most 120 MB RSS after a burst, on a Raspberry Pi) meets the
cache of remote actors: Mastodon-shaped actor documents of 10-25 KB (a long ``summary``,
profile fields, a tag list) were each kept whole in memory, for up to 10,000 actors.
Here ``--actors`` such rows (about 20 KB of document each, one shared RSA key) are stored
in a fresh SQLite database, then one :class:`ActorCache` looks up each actor's
``#main-key`` once (the database answers, the entry goes to memory), and
``--lookups`` times a key of one of the last 200 actors seen (memory hits: an inbox's
signature check of a recent sender).

Printed: the Python memory the cache keeps (tracemalloc, after the lookups), the
actors kept in memory, microseconds per memory-hit key lookup, and the database
statements those lookups ran. It runs on whatever ``node`` package ``PYTHONPATH``
names, so the same script measures main and a branch.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, insert

from node.activitypub.actors import ActorCache
from node.activitypub.fetch import SafeFetcher
from node.activitypub.keys import generate_actor_keys
from node.activitypub.models import RemoteActor
from node.clock import fixed_clock
from node.db import make_engine, migrate

_remote = RemoteActor.__table__  # type: ignore[attr-defined]
NOW = datetime.now(UTC)


def document(n: int, pem: str) -> dict[str, Any]:
    """A Mastodon-shaped actor of about 20 KB (long summary, fields, featured tags)."""
    uri = f"https://host{n % 97}.example/users/u{n}"
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": uri, "type": "Person", "preferredUsername": f"u{n}", "name": f"User {n}",
        "inbox": f"{uri}/inbox", "outbox": f"{uri}/outbox", "followers": f"{uri}/followers",
        "endpoints": {"sharedInbox": f"https://host{n % 97}.example/inbox"},
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": pem},
        "summary": "<p>" + "organizing the port, the union hall, the assembly. " * 250 + "</p>",
        "attachment": [{"type": "PropertyValue", "name": f"field {i}",
                        "value": "<a href='https://example.org'>" + "w" * 400 + "</a>"}
                       for i in range(4)],
        "tag": [{"type": "Hashtag", "name": f"#tag{i}", "href": f"https://x.example/tags/t{i}"}
                for i in range(30)],
    }


def seed(url: str, count: int, pem: str) -> list[str]:
    engine = make_engine(url)
    migrate(engine)
    rows = []
    for n in range(count):
        doc = document(n, pem)
        rows.append({"uri": doc["id"], "host": doc["id"].split("/")[2], "kind": "Person",
                     "preferred_username": f"u{n}", "display_name": f"User {n}",
                     "inbox": doc["inbox"], "shared_inbox": doc["endpoints"]["sharedInbox"],
                     "key_id": f"{doc['id']}#main-key", "public_key_pem": pem, "multikeys": {},
                     "document": doc, "fetched_at": NOW, "gone": False})
    with engine.begin() as conn:
        conn.execute(insert(_remote), rows)
    engine.dispose()
    return [row["uri"] for row in rows]


async def run(url: str, uris: list[str], lookups: int) -> tuple[int, int, float, int]:
    engine = make_engine(url)
    fetcher = SafeFetcher(transport=httpx.MockTransport(lambda r: httpx.Response(599)),
                          allow_private=False)
    statements: list[int] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(1))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    cache = ActorCache(engine=engine, fetcher=fetcher, clock=fixed_clock(NOW),
                       local_origin="https://philly.example")
    for uri in uris:
        assert not hasattr(await cache.key(f"{uri}#main-key"), "reason")
    recent = uris[-200:]
    statements.clear()
    started = time.perf_counter()
    for i in range(lookups):
        await cache.key(f"{recent[i % len(recent)]}#main-key")
    per_lookup = (time.perf_counter() - started) / lookups * 1e6
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    kept = len(cache._memory)
    engine.dispose()
    return held, kept, per_lookup, len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actors", type=int, default=3000)
    parser.add_argument("--lookups", type=int, default=20000)
    opts = parser.parse_args()
    pem = generate_actor_keys().rsa_public_pem
    with tempfile.TemporaryDirectory(prefix="ionode-actors-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        uris = seed(url, opts.actors, pem)
        held, kept, per_lookup, statements = asyncio.run(run(url, uris, opts.lookups))
    print(f"{opts.actors} actors of ~20 KB: the cache holds {held / 1e6:.1f} MB "
          f"(tracemalloc), {kept} actors in memory; a memory-hit key lookup "
          f"{per_lookup:.1f} µs, {statements} database statements in {opts.lookups} lookups")


if __name__ == "__main__":
    main()
