"""Items that run in order (issue 7, 1.13): one actor's run of Creates is stored in one
transaction, their order still holds, a failing work fails its item alone, and what a
batch reads about an actor is read once and read again after an item that may change it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event, insert

from node.activitypub.dispatch import Ignore
from node.activitypub.handling import HandlerContext
from node.activitypub.models import InboxItem, StoredObject
from node.activitypub.vocab import PUBLIC, isoformat
from node.clock import Clock
from node.hubs.hub.service import create_hub
from node.newswire.network_news.models import NetworkNews
from node.newswire.network_news.sources import find_source, follow_source
from node.settings import Settings
from tests.fakes.remote import FakeActor
from tests.node.harness import MASTO, Harness, rows, running_node
from tests.node.newswire_network_support import NEWS, OTHER, article, create

_items = InboxItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_net = NetworkNews.__table__  # type: ignore[attr-defined]


async def record_poison(ctx: HandlerContext, activity: Any) -> None:
    """A handler whose last work raises what json.dumps of a 1,000-deep tag raised."""
    def work(conn: Connection) -> None:
        conn.execute(insert(_objects).values(  # written, then rolled back with the item
            uri=f"{activity['id']}/written", type="Note", document={},
            received_at=ctx.clock()))
        raise RecursionError("maximum recursion depth exceeded")

    await ctx.record(work)


async def record_ignored(ctx: HandlerContext, activity: Any) -> None:
    def work(conn: Connection) -> None:
        raise Ignore("not for us")

    await ctx.record(work)


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        with harness.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="portshutdown",
                       title="West Coast Port Shutdown", now=clock())
        dispatcher = harness.node.services.dispatcher
        dispatcher.register("RecordPoison")(record_poison)
        dispatcher.register("RecordIgnored")(record_ignored)
        yield harness


def note_create(h: Harness, author: FakeActor, n: int) -> dict[str, Any]:
    """A Create(Note) addressed to the hub but not public, as bench/inbox.py sends: the
    protocol handler stores it (it concerns a local actor)."""
    hub = h.local("portshutdown").uri
    note = {"id": f"{author.uri}/statuses/{n}", "type": "Note", "attributedTo": author.uri,
            "content": f"<p>note {n}</p>", "to": [hub], "cc": [f"{author.uri}/followers"],
            "tag": [{"type": "Mention", "href": hub, "name": "@portshutdown"}]}
    return {"id": f"{note['id']}/activity", "type": "Create", "actor": author.uri,
            "to": [hub], "object": note}


def states(h: Harness) -> dict[str, str]:
    return {r["activity_id"]: r["state"] for r in rows(h, _items)}


def test_one_actors_run_of_creates_is_stored_in_one_transaction(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    creates = [note_create(h, ana, n) for n in range(20)]
    for document in creates:
        assert h.post_activity(ana, document).status_code == 202
    commits: list[int] = []
    statements: list[str] = []

    def on_commit(conn: Any) -> None:
        commits.append(1)

    def on_statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(h.node.engine, "commit", on_commit)
    event.listen(h.node.engine, "before_cursor_execute", on_statement)
    try:
        h.drain()
    finally:
        event.remove(h.node.engine, "commit", on_commit)
        event.remove(h.node.engine, "before_cursor_execute", on_statement)
    assert set(states(h).values()) == {"done"}
    assert {r["uri"] for r in rows(h, _objects)} == {c["object"]["id"] for c in creates}
    # the claims, the three reads below, the 20 stores together, the outcomes, the
    # delivery worker's claims: 10; each item had its store and its reads before (80)
    assert len(commits) <= 12
    # whether the node, the news and a hub follow ana: read once for the 20 items
    follow_reads = [s for s in statements if "FROM follow" in s
                    and "follow.follower" in s and "INSERT" not in s]
    assert len(follow_reads) <= 3


def test_an_actors_items_keep_their_order_when_their_works_are_deferred(
        h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    first, second, third = (note_create(h, ana, n) for n in range(3))
    edited = {**second["object"], "content": "<p>edited</p>",
              "updated": isoformat(h.now + timedelta(minutes=1))}
    sent = [first, second,
            {"id": f"{ana.uri}#updates/1", "type": "Update", "actor": ana.uri,
             "object": edited},
            {"id": f"{ana.uri}#deletes/1", "type": "Delete", "actor": ana.uri,
             "object": first["object"]["id"]},
            third]
    for document in sent:
        assert h.post_activity(ana, document).status_code == 202
    h.drain()
    assert set(states(h).values()) == {"done"}
    stored = {r["uri"]: r for r in rows(h, _objects)}
    # the Delete came after the Create it deletes, the Update after the Create it edits
    assert first["object"]["id"] not in stored or stored[first["object"]["id"]]["deleted_at"]
    assert "edited" in str(stored[second["object"]["id"]]["document"])
    assert third["object"]["id"] in stored


def test_a_deferred_work_that_fails_fails_its_item_alone(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    before, after = note_create(h, ana, 1), note_create(h, ana, 2)
    poison = {"id": f"{ana.uri}#poison/1", "type": "RecordPoison", "actor": ana.uri,
              "object": "https://philly.example/objects/1"}
    ignored = {"id": f"{ana.uri}#ignored/1", "type": "RecordIgnored", "actor": ana.uri,
               "object": "https://philly.example/objects/1"}
    for document in (before, poison, ignored, after):
        assert h.post_activity(ana, document).status_code == 202
    h.drain()
    found = {r["activity_id"]: r for r in rows(h, _items)}
    assert (found[poison["id"]]["state"], found[poison["id"]]["attempts"]) == ("failed", 1)
    assert str(found[poison["id"]]["error"]).startswith("RecursionError")
    assert (found[ignored["id"]]["state"], found[ignored["id"]]["error"]) == (
        "ignored", "not for us")
    assert found[before["id"]]["state"] == found[after["id"]]["state"] == "done"
    stored = {r["uri"] for r in rows(h, _objects)}
    assert stored == {before["object"]["id"], after["object"]["id"]}  # nothing of poison's
    assert h.drain() == 0  # never claimed again


def test_what_a_batch_read_about_an_actor_is_read_again_after_their_accept(
        h: Harness) -> None:
    """@news asked to follow Oakland's @news; in one batch come an Article (not news yet:
    the follow is pending), the Accept, and another Article (news now)."""
    source = h.remote.add_actor(OTHER, "news")
    assert h.client.portal is not None
    target = h.client.portal.call(find_source, h.node, source.uri)
    with h.node.engine.begin() as conn:
        follow_source(h.node, conn, target)
    h.drain()
    early, late = article(source, 1, "Early", h), article(source, 2, "Late", h)
    accept = {"id": f"{source.uri}#accepts/1", "type": "Accept", "actor": source.uri,
              "object": {"type": "Follow", "actor": NEWS, "object": source.uri}}
    for document in (create(source, early), accept, create(source, late)):
        assert h.post_activity(source, document).status_code == 202
    h.drain()
    kept = {r["object_uri"] for r in rows(h, _net)}
    assert kept == {late["id"]}
    assert PUBLIC in late["to"]
