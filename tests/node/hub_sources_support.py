"""A hub follows sources (issue 9 item 3) in the node tier: our hub ``portshutdown``
asks, as its Group actor, to follow a fake Mobilizon group, Gancio instance, Lemmy
community or Mastodon account (the recorded documents of ``tests/fixtures/remote``),
which accepts or rejects."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from node.hubs.hub.publish import load_hub
from node.hubs.hub.sources import add_source, find_hub_source
from tests.fakes.remote import FakeActor
from tests.node.harness import Harness
from tests.node.hub_harness import HUB


def ask_follow(h: Harness, source: FakeActor, target: str | None = None) -> dict[str, Any]:
    """Our hub asks to follow ``source`` (named by ``target``, else its URL); the
    ``Follow`` it sent, once delivered."""
    found = asyncio.run(find_hub_source(h.node, target or source.uri))
    with h.node.engine.begin() as conn:
        add_source(h.node, conn, load_hub(conn, HUB), found)
    h.drain()
    (follow,) = [
        orjson.loads(r.content)
        for r in h.remote.received
        if r.method == "POST" and b'"Follow"' in r.content and source.uri.encode() in r.content
    ]
    return dict(follow)


def answer(
    h: Harness, source: FakeActor, follow: dict[str, Any], kind: str = "Accept", n: int = 1
) -> None:
    """The source accepts (or rejects) the hub's follow."""
    document = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{source.uri}#answers/{n}",
        "type": kind,
        "actor": source.uri,
        "object": follow,
    }
    assert h.post_activity(source, document).status_code == 202
    h.drain()
