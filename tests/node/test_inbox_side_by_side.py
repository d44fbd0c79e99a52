"""Many new followers in one batch (issue 7, 1.13): processed side by side, same result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from node.activitypub.models import Delivery, Follow, InboxItem
from node.clock import Clock
from node.hubs.hub.service import create_hub
from node.settings import Settings
from tests.node.harness import Harness, rows, running_node


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        with harness.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="portshutdown",
                       title="West Coast Port Shutdown", now=clock())
        yield harness


def test_a_batch_of_new_followers_is_recorded_and_each_gets_its_accept(h: Harness) -> None:
    hub = h.local("portshutdown").uri
    followers = [h.remote.add_actor(f"node{n % 3}.example", f"u{n}") for n in range(12)]
    for actor in followers:
        follow = {"id": f"{actor.uri}#follows/1", "type": "Follow", "actor": actor.uri,
                  "object": hub}
        assert h.post_activity(actor, follow).status_code == 202
    # the last follower changes their mind in the same batch: their items stay in order
    last = followers[-1]
    undo = {"id": f"{last.uri}#undo/1", "type": "Undo", "actor": last.uri,
            "object": {"id": f"{last.uri}#follows/1", "type": "Follow", "actor": last.uri,
                       "object": hub}}
    assert h.post_activity(last, undo).status_code == 202
    h.drain()
    follows = rows(h, Follow.__table__)  # type: ignore[attr-defined]
    assert sorted(f["follower"] for f in follows) == sorted(a.uri for a in followers[:-1])
    assert {f["state"] for f in follows} == {"accepted"}
    inboxes = {d["inbox"] for d in rows(h, Delivery.__table__)}  # type: ignore[attr-defined]
    assert inboxes == {f"{a.uri}/inbox" for a in followers}  # an Accept each


def test_a_follower_whose_actor_is_gone_does_not_hold_back_the_rest_of_the_batch(
        h: Harness) -> None:
    hub = h.local("portshutdown").uri
    followers = [h.remote.add_actor(f"node{n % 3}.example", f"v{n}") for n in range(8)]
    for actor in followers:
        follow = {"id": f"{actor.uri}#follows/1", "type": "Follow", "actor": actor.uri,
                  "object": hub}
        assert h.post_activity(actor, follow).status_code == 202
    # between acceptance and processing one follower's server forgets them: the fetch of
    # their actor document (needed for their inbox) fails in the middle of the batch
    gone = followers[3]
    del h.remote.actors[gone.uri]
    h.node.services.actors.forget(gone.uri)
    h.drain()
    follows = rows(h, Follow.__table__)  # type: ignore[attr-defined]
    assert sorted(f["follower"] for f in follows) == sorted(
        a.uri for a in followers if a is not gone)
    assert {f["state"] for f in follows} == {"accepted"}
    inboxes = {d["inbox"] for d in rows(h, Delivery.__table__)}  # type: ignore[attr-defined]
    assert inboxes == {f"{a.uri}/inbox" for a in followers if a is not gone}
    items = {i["actor"]: i for i in rows(h, InboxItem.__table__)}  # type: ignore[attr-defined]
    assert items[gone.uri]["state"] in {"ignored", "queued"}  # ignored, or retried later
    assert {items[a.uri]["state"] for a in followers if a is not gone} == {"done"}


def test_the_followed_hub_is_read_once_for_a_batch_of_followers(h: Harness) -> None:
    hub = h.local("portshutdown").uri
    followers = [h.remote.add_actor(f"node{n % 4}.example", f"w{n}") for n in range(16)]
    for actor in followers:
        follow = {"id": f"{actor.uri}#follows/1", "type": "Follow", "actor": actor.uri,
                  "object": hub}
        assert h.post_activity(actor, follow).status_code == 202
    lookups: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM local_actor" in statement and "local_actor.uri = " in statement:
            lookups.append(statement)

    event.listen(h.node.engine, "before_cursor_execute", count)
    try:
        h.drain()
    finally:
        event.remove(h.node.engine, "before_cursor_execute", count)
    assert len(rows(h, Follow.__table__)) == 16  # type: ignore[attr-defined]
    # each Follow used to read it twice (the hub-link hook and the Follow handler): 32
    assert 1 <= len(lookups) <= 2
