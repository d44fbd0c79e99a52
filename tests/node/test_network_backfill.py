"""Backfill on follow (issue 9 item 4): a followed node's hubs' history, pulled within
the limits, resumable, each object proven or refetched, stored once whichever way it
came. The remote node is a MockTransport serving a hub outbox of three pages."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from node.activitypub.models import Follow, StoredObject
from node.jobs import claim
from node.network.backfill import progress, progress_line
from node.network.backfill_run import CLAIM, RETRY, run_due
from node.network.models import NetworkBackfill, NetworkHub, NetworkItem
from node.network.status import status_lines
from node.settings import Settings
from tests.conftest import NOW
from tests.node.backfill_support import HUB, follow_accepted, publish_history
from tests.node.harness import Harness, rows, running_node
from tests.node.hub_support import MovableClock
from tests.node.network_support import PEER, node_announce

_backfill = NetworkBackfill.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_items = NetworkItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_hubs = NetworkHub.__table__  # type: ignore[attr-defined]


def node_with(settings: Settings, moving: MovableClock, **limits: int) -> Iterator[Harness]:
    with running_node(replace(settings, **limits), moving) as harness:
        yield harness


@pytest.fixture
def h(settings: Settings, moving: MovableClock) -> Iterator[Harness]:
    yield from node_with(settings, moving)


def run(h: Harness, moving: MovableClock, *, worker: str = "test") -> int:
    """Let the queued backfills come due and walk them."""
    moving.now += timedelta(seconds=2)
    assert h.client.portal is not None
    return int(h.client.portal.call(lambda: run_due(h.node, worker=worker)))


def backfill_of(h: Harness, actor: str) -> dict[str, object]:
    (row,) = rows(h, _backfill, _backfill.c.actor_uri == actor)
    return row


def test_following_a_node_backfills_its_hubs_whole_history(h: Harness,
                                                          moving: MovableClock) -> None:
    node, hub = publish_history(h.remote, NOW)
    follow_accepted(h, node)
    assert backfill_of(h, node.uri)["state"] == "queued"
    assert run(h, moving) == 1  # the node: its featured collection lists one hub
    assert backfill_of(h, node.uri)["state"] == "done"
    assert backfill_of(h, hub.uri)["parent"] == node.uri
    assert run(h, moving) == 1  # the hub: three outbox pages
    row = backfill_of(h, hub.uri)
    assert (row["state"], row["pages"], row["stored"], row["refused"]) == ("done", 3, 6, 0)
    assert row["outcome"] == "read the whole outbox"
    stored = rows(h, _items)
    assert sorted(i["object_uri"] for i in stored) == sorted(
        f"https://{PEER}/objects/{n}" for n in range(1, 7))
    assert {i["hub_uri"] for i in stored} == {HUB}
    (entry,) = rows(h, _hubs)  # the hub entered the directory, follower count and all
    assert (entry["actor_uri"], entry["followers"], entry["host"]) == (hub.uri, 7, PEER)
    with h.node.engine.connect() as conn:
        lines = status_lines(conn)
        assert progress_line(progress(conn)[1]) in lines
    assert f"backfill {hub.uri}: done (finished), 3 pages, 6 stored" in "\n".join(lines)


@pytest.mark.parametrize(("limits", "stored", "outcome"), [
    ({"backfill_pages": 2}, 4, "reached the limit of 2 pages"),
    ({"backfill_items": 3}, 3, "reached the limit of 3 items"),
    ({"backfill_days": 4}, 3, "reached the age limit"),  # items are 1, 2, 3... days old
])
def test_the_walk_stops_at_the_page_item_and_age_limits(
        settings: Settings, moving: MovableClock, limits: dict[str, int], stored: int,
        outcome: str) -> None:
    for h in node_with(settings, moving, **limits):
        node, hub = publish_history(h.remote, NOW)
        follow_accepted(h, node)
        run(h, moving)
        run(h, moving)
        row = backfill_of(h, hub.uri)
        assert (row["state"], row["stored"], row["outcome"]) == ("done", stored, outcome)
        assert len(rows(h, _items)) == stored


def test_a_failed_page_is_resumed_where_it_stopped(h: Harness, moving: MovableClock) -> None:
    node, hub = publish_history(h.remote, NOW)
    page2 = f"{hub.uri}/outbox?page=2"
    original, handle = h.remote.objects[page2], h.remote.handle
    failing = {"yes": True}

    def flaky(request: httpx.Request) -> httpx.Response:
        if str(request.url) == page2 and failing["yes"]:
            return httpx.Response(503)
        return handle(request)

    assert isinstance(h.node.transport, httpx.MockTransport)
    h.node.transport.handler = flaky  # type: ignore[assignment]
    follow_accepted(h, node)
    run(h, moving)
    run(h, moving)
    row = backfill_of(h, hub.uri)
    assert (row["state"], row["pages"], row["stored"], row["next_url"]) == (
        "queued", 1, 2, page2)
    assert "503" in str(row["last_error"]) or "status" in str(row["last_error"])
    failing["yes"] = False
    assert run(h, moving) == 0  # not due before its retry time
    moving.now += RETRY
    assert run(h, moving) == 1
    row = backfill_of(h, hub.uri)
    assert (row["state"], row["pages"], row["stored"]) == ("done", 3, 6)
    assert h.remote.objects[page2] is original
    fetched = [str(r.url) for r in h.remote.received if r.method == "GET"]
    assert fetched.count(f"{hub.uri}/outbox?page=1") == 1  # page 1 was not read again


def test_a_walk_interrupted_mid_way_is_taken_again_never_twice_at_once(
        h: Harness, moving: MovableClock) -> None:
    node, hub = publish_history(h.remote, NOW)
    follow_accepted(h, node)
    run(h, moving)
    moving.now += timedelta(seconds=2)
    (taken,) = claim(h.node.engine, _backfill, now=moving.now, ttl=CLAIM, limit=1,
                     worker="killed")  # a worker took the hub, then died
    assert taken["actor_uri"] == hub.uri
    assert run(h, moving, worker="other") == 0  # claimed: nobody else walks it
    moving.now += CLAIM + timedelta(seconds=1)  # the dead worker's claim expires
    assert run(h, moving, worker="other") == 1
    row = backfill_of(h, hub.uri)
    assert (row["state"], row["stored"], row["claimed_by"]) == ("done", 6, None)


def test_a_forged_object_is_refused_and_logged(h: Harness, moving: MovableClock,
                                               caplog: pytest.LogCaptureFixture) -> None:
    node, hub = publish_history(h.remote, NOW, forged=3)
    follow_accepted(h, node)
    with caplog.at_level(logging.WARNING, logger="node.network.unwrap"):
        run(h, moving)
        run(h, moving)
    row = backfill_of(h, hub.uri)
    assert (row["stored"], row["refused"]) == (5, 1)
    assert "invalid proof" in str(row["last_error"])
    assert rows(h, _objects, _objects.c.uri == f"https://{PEER}/objects/3") == []
    assert "tampered" in caplog.text


def test_an_item_relayed_before_is_counted_once(h: Harness, moving: MovableClock) -> None:
    node, hub = publish_history(h.remote, NOW)
    follow_accepted(h, node)
    page1 = h.remote.objects[f"{hub.uri}/outbox?page=1"]
    relayed = node_announce(node, page1["orderedItems"][0], 50, h.now)
    assert h.post_activity(node, relayed).status_code == 202  # the relay was first
    h.drain()
    assert len(rows(h, _items)) == 1
    run(h, moving)
    run(h, moving)
    row = backfill_of(h, hub.uri)
    assert (row["stored"], row["duplicates"]) == (5, 1)
    assert len(rows(h, _items)) == 6
    one = rows(h, _objects, _objects.c.uri == f"https://{PEER}/objects/1")
    assert len(one) == 1


def test_a_hub_following_a_hub_backfills_it_too(h: Harness, moving: MovableClock) -> None:
    """A linked hub (Group follows Group): the Accept to our hub queues the backfill."""
    from sqlalchemy import insert

    from node.hubs.hub.service import create_hub

    _, hub = publish_history(h.remote, NOW)
    with h.node.engine.begin() as conn:
        ours = create_hub(conn, base_url=h.node.settings.url, name="occupyphilly",
                          title="Occupy Philly", now=h.now)
        conn.execute(insert(_follow).values(
            follower=ours.uri, following=hub.uri, activity_id=f"{ours.uri}#follows/1",
            state="pending", inbox=f"{hub.uri}/inbox", created_at=h.now, updated_at=h.now))
    accept = {"id": f"{hub.uri}#accepts/1", "type": "Accept", "actor": hub.uri,
              "object": {"id": f"{ours.uri}#follows/1", "type": "Follow", "actor": ours.uri,
                         "object": hub.uri}}
    assert h.post_activity(hub, accept).status_code == 202
    h.drain()
    assert run(h, moving) == 1
    row = backfill_of(h, hub.uri)
    assert (row["follower"], row["state"], row["stored"]) == (ours.uri, "done", 6)


def test_a_follow_not_accepted_is_not_walked(h: Harness, moving: MovableClock) -> None:
    node, _ = publish_history(h.remote, NOW)
    follow_accepted(h, node)
    with h.node.engine.begin() as conn:  # the operator unfollowed before it ran
        conn.execute(_follow.delete())
    run(h, moving)
    row = backfill_of(h, node.uri)
    assert (row["state"], row["pages"], row["outcome"]) == (
        "done", 0, "the follow is not accepted")
