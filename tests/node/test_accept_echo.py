"""An Accept that echoes our own Follow re-serialised (as Fedify sends it: the Follow it
parsed, embedded again without the bytes our proof covered) is taken; found by the
federation scenario ``federation_tests/test_fedify_events.py``, where every such Accept
was ignored for an "invalid proof" and no Fedify-based account could be followed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from node.activitypub.models import Follow, InboxItem
from node.activitypub.proofs import create_proof
from node.clock import Clock
from node.network.sources import find_source, follow_source
from node.settings import Settings
from tests.node.harness import Harness, rows, running_node
from tests.node.source_support import add

_follow = Follow.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        yield harness


def our_follow(h: Harness, host: str) -> tuple[Any, dict[str, Any]]:
    """Our node follows an account on ``host``; the account and the Follow it got."""
    account = add(h.remote, host, "/users/tester")
    target = asyncio.run(find_source(h.node, account.uri))
    with h.node.engine.begin() as conn:
        follow_source(h.node, conn, target)
    h.drain()
    (follow,) = [orjson.loads(r.content) for r in h.remote.received
                 if r.method == "POST" and b'"Follow"' in r.content]
    assert "proof" in follow  # ours, signed: what the echo can no longer match
    return account, follow


def test_an_accept_echoing_our_follow_reserialised_is_taken(h: Harness) -> None:
    account, follow = our_follow(h, "fedify.example")
    echo = {k: v for k, v in follow.items() if k != "@context"}  # Fedify's embedding
    accept = {"@context": "https://www.w3.org/ns/activitystreams",
              "id": f"{account.uri}/accepts/1", "type": "Accept", "actor": account.uri,
              "object": echo}
    assert h.post_activity(account, accept).status_code == 202
    h.drain()
    assert [r["state"] for r in rows(h, _follow)] == ["accepted"]
    assert [(r["state"], r["error"]) for r in rows(h, _inbox)] == [("done", None)]


def test_a_foreign_embedded_document_with_a_broken_proof_is_still_refused(
        h: Harness) -> None:
    account, _ = our_follow(h, "fedify.example")
    other = add(h.remote, "elsewhere.example", "/users/mallory")
    fake_follow = create_proof(
        {"@context": "https://www.w3.org/ns/activitystreams",
         "id": f"{other.uri}/follows/1", "type": "Follow", "actor": other.uri,
         "object": account.uri}, other.proof_key, other.proof_method, h.now)
    accept = {"@context": "https://www.w3.org/ns/activitystreams",
              "id": f"{account.uri}/accepts/2", "type": "Accept", "actor": account.uri,
              "object": {**fake_follow, "object": "https://elsewhere.example/x"}}
    assert h.post_activity(account, accept).status_code == 202
    h.drain()
    (item,) = rows(h, _inbox)
    assert item["state"] == "ignored" and "invalid proof" in str(item["error"])
    assert [r["state"] for r in rows(h, _follow)] == ["pending"]
