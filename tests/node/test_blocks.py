"""Blocks and the allowlist (issue 10 item 8) on every path of one in-process node.

A blocked domain's inbox POST is a 403 decided from its keyId before any key is
fetched; a blocked author's post is dropped when an allowed actor announces it, when a
followed node relays it, and an Update of an earlier item from a blocked domain is
dropped even when it was queued before the block; what a blocked domain had stored
here is withdrawn; delivery to a blocked follower is marked and never sent; allowlist
mode refuses every unlisted domain. Each decision is in the public moderation log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import insert

from node.activitypub.delivery import deliveries_for_followers
from node.activitypub.federation_store import FederationPolicy, add_rule, bump
from node.activitypub.models import Follow, InboxItem, StoredObject
from node.activitypub.signatures import sign_request
from node.activitypub.vocab import PUBLIC, activity
from node.clock import Clock
from node.network.models import NetworkItem
from node.network.timeline import Filters, timeline_page
from node.newswire.actor.service import newswire_actor
from node.newswire.blocks.service import Target, allow, block, set_mode
from node.newswire.log.service import log_page
from node.settings import Settings
from tests.fakes.remote import FakeActor
from tests.node.blocks_support import create
from tests.node.delivery_support import ACTOR, World
from tests.node.harness import Harness, rows, running_node
from tests.node.network_support import (
    PEER,
    accepted_by,
    add_group,
    add_node_actor,
    hub_announce,
    node_announce,
    note,
    subscribe,
)
from tests.node.newswire_network_support import NEWS, OTHER, article, followed_source, send
from tests.node.newswire_network_support import create as news_create
from tests.node.newswire_network_support import page as news_page

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_items = NetworkItem.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        yield harness


def blocked(h: Harness, target: Target, reason: str = "harassment campaign") -> None:
    with h.node.engine.begin() as conn:
        block(h.node, conn, target, reason, role="moderator")
    h.node.services.policy.invalidate()


def followed_here(h: Harness, actor: FakeActor) -> None:
    """Our node actor follows ``actor`` (accepted): its posts are stored here."""
    with h.node.engine.begin() as conn:
        conn.execute(insert(_follow).values(
            follower=f"{h.node.settings.url}/actor", following=actor.uri,
            activity_id=f"{h.node.settings.url}/follows/{actor.username}", state="accepted",
            created_at=h.now, updated_at=h.now))




def inbox_item(h: Harness, activity_id: str) -> dict[str, Any]:
    (item,) = rows(h, _inbox, _inbox.c.activity_id == activity_id)
    return item


def test_a_blocked_domain_gets_403_before_any_key_is_fetched(h: Harness) -> None:
    blocked(h, Target("domain", "spam.example"))
    for actor in (h.remote.add_actor("SPAM.example", "x"), h.remote.add_actor("eu.spam.example",
                                                                              "y")):
        answer = h.post_activity(actor, create(actor, 1, "buy now", h))
        assert answer.status_code == 403 and "blocked" in answer.json()["error"]
    spammer = h.remote.actors["https://SPAM.example/users/x"]
    liked = {"id": f"{spammer.uri}/announces/1", "type": "Announce", "actor": spammer.uri,
             "object": "https://mastodon.example/notes/1", "to": [PUBLIC]}
    assert h.post_activity(spammer, liked).status_code == 403  # sharing an allowed item
    assert not [r for r in h.remote.received if "spam.example" in str(r.url).lower()]
    assert rows(h, _inbox) == []
    other = h.remote.add_actor("notspam.example", "z")  # a lookalike is not the domain
    assert h.post_activity(other, create(other, 1, "hello", h)).status_code == 202
    with h.node.engine.connect() as conn:
        (entry,), _ = log_page(conn)
    assert (entry.action, entry.title, entry.note, entry.role) == (
        "blocked", "spam.example", "harassment campaign", "moderator")


def signed_get(h: Harness, actor: FakeActor, path: str) -> Any:
    headers = sign_request("GET", f"{h.node.settings.url}{path}",
                           {"Accept": "application/activity+json"}, None,
                           key_id=actor.key_id, private_key=actor.key, now=h.now)
    return h.client.get(path, headers=headers)


def test_a_signed_get_from_a_blocked_domain_is_refused(h: Harness) -> None:
    blocked(h, Target("domain", "spam.example"))
    friend = h.remote.add_actor("mastodon.example", "ana")
    assert signed_get(h, friend, "/news").status_code == 200
    answer = signed_get(h, h.remote.add_actor("spam.example", "x"), "/news")
    assert answer.status_code == 403 and "spam.example is blocked" in answer.json()["error"]


def test_an_announce_by_an_allowed_actor_of_a_blocked_authors_post_is_dropped(
        h: Harness) -> None:
    ana = h.remote.add_actor("mastodon.example", "ana")
    troll = h.remote.add_actor("spam.example", "troll")
    followed_here(h, ana)
    blocked(h, Target("domain", "spam.example"))
    note_ = create(troll, 1, "slurs", h)["object"]
    h.remote.objects[note_["id"]] = note_
    for n, shared in enumerate((note_, note_["id"], create(troll, 1, "slurs", h))):
        announce = {"id": f"{ana.uri}/announces/{n}", "type": "Announce", "actor": ana.uri,
                    "object": shared, "to": [PUBLIC]}
        assert h.post_activity(ana, announce).status_code == 202
        h.drain()
        item = inbox_item(h, announce["id"])
        assert item["state"] == "ignored" and "spam.example is blocked" in item["error"]
    assert rows(h, _objects, _objects.c.uri == note_["id"]) == []
    assert not [r for r in h.remote.received if r.url.host == "spam.example"]


def test_an_update_from_a_blocked_domain_of_an_earlier_item_is_dropped(h: Harness) -> None:
    rita = h.remote.add_actor("later.example", "rita")
    followed_here(h, rita)
    first = create(rita, 1, "first words", h)
    assert h.post_activity(rita, first).status_code == 202
    h.drain()
    [stored] = rows(h, _objects, _objects.c.uri == first["object"]["id"])
    assert "first words" in str(stored["document"])
    edited = {**first["object"], "content": "<p>changed</p>", "updated": "2030-01-01T00:00:00Z"}
    queued = {"id": f"{rita.uri}/updates/1", "type": "Update", "actor": rita.uri,
              "object": edited, "to": [PUBLIC]}
    assert h.post_activity(rita, queued).status_code == 202  # accepted before the block
    blocked(h, Target("domain", "Later.Example."))
    h.drain()
    item = inbox_item(h, queued["id"])
    assert item["state"] == "ignored" and "blocked" in item["error"]
    [stored] = rows(h, _objects, _objects.c.uri == first["object"]["id"])
    assert stored["deleted_at"] is not None and stored["document"] is None  # withdrawn
    again = {**queued, "id": f"{rita.uri}/updates/2"}
    assert h.post_activity(rita, again).status_code == 403
    assert rows(h, _follow, _follow.c.following == rita.uri) == []  # the follow is cut


def test_a_relayed_post_by_a_blocked_account_is_dropped_and_others_kept(h: Harness) -> None:
    peer = add_node_actor(h.remote)
    accepted_by(h, peer, subscribe(h, peer.uri))
    hub = add_group(h.remote, PEER, "portshutdown")
    joan, troll = h.remote.add_actor(PEER, "joan"), h.remote.add_actor(PEER, "troll")
    blocked(h, Target("actor", troll.uri))
    for n, author in enumerate((troll, joan), start=1):
        shared = hub_announce(hub, author, note(author, n, f"post {n}", h.now, hub), n, h.now)
        assert h.post_activity(peer, node_announce(peer, shared, n, h.now)).status_code == 202
        h.drain()
    assert [r["object_uri"] for r in rows(h, _items)] == [f"https://{PEER}/objects/2"]
    (dropped,) = rows(h, _inbox, _inbox.c.activity_id == f"{peer.uri}/relayed/1")
    assert dropped["state"] == "ignored" and troll.uri in dropped["error"]
    with h.node.engine.connect() as conn:
        assert len(timeline_page(conn, Filters()).items) == 1
    assert "post 2" in h.client.get("/network").text
    blocked(h, Target("actor", joan.uri))  # blocked later: what is here goes too
    with h.node.engine.connect() as conn:
        assert timeline_page(conn, Filters()).items == []
    assert "post 2" not in h.client.get("/network").text


async def test_delivery_to_a_blocked_follower_or_unlisted_host_is_marked_not_sent(
        world: World) -> None:
    policy = FederationPolicy(world.engine, "philly.example")
    with world.engine.begin() as conn:
        add_rule(conn, "domain", "blocked.example", "spam", world.clock())
    world.enqueue("https://mastodon.example/inbox", "https://Sub.Blocked.Example/inbox")
    await world.worker(policy=policy).run_until_idle(idle_sleep=0)
    assert world.states() == {"https://mastodon.example/inbox": "sent",
                              "https://Sub.Blocked.Example/inbox": "failed"}
    assert world.remote.hosts() == ["mastodon.example"]
    assert "blocked" in next(r.last_error for r in world.rows() if r.state == "failed")
    with world.engine.begin() as conn:
        add_rule(conn, "allow", "friends.example", "", world.clock())
        bump(conn, "allowlist")
    policy.invalidate()
    world.enqueue("https://friends.example/inbox", "https://elsewhere.example/inbox")
    await world.worker(policy=policy).run_until_idle(idle_sleep=0)
    states = world.states()
    assert states["https://friends.example/inbox"] == "sent"
    assert states["https://elsewhere.example/inbox"] == "failed"
    assert "elsewhere.example" not in world.remote.hosts()


def test_allowlist_mode_refuses_every_unlisted_domain(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        allow(h.node, conn, "Friends.Example", "sister assembly", role="admin")
        set_mode(h.node, conn, "allowlist", role="admin")
    h.node.services.policy.invalidate()
    friend = h.remote.add_actor("hub.friends.example", "f")
    stranger = h.remote.add_actor("stranger.example", "s")
    assert h.post_activity(friend, create(friend, 1, "hi", h)).status_code == 202
    answer = h.post_activity(stranger, create(stranger, 1, "hi", h))
    assert answer.status_code == 403 and "allowlist" in answer.json()["error"]
    with h.node.engine.connect() as conn:
        entries, _ = log_page(conn)
    assert [(e.action, e.title) for e in entries] == [("mode", "allowlist"),
                                                      ("allowed", "friends.example")]


def test_network_news_of_a_blocked_author_or_source_never_shows(h: Harness) -> None:
    source = followed_source(h)
    send(h, source, news_create(source, article(source, 1, "Port of Oakland shut down", h)))
    assert "Port of Oakland shut down" in news_page(h)
    troll = h.remote.add_actor("spam.example", "troll")
    blocked(h, Target("domain", "spam.example"))
    theirs = article(troll, 2, "Fake strike called off", h)
    h.remote.objects[theirs["id"]] = theirs
    for n, shared in enumerate((theirs, theirs["id"])):  # embedded, or by id
        send(h, source, {"id": f"{source.uri}/boosts/{n}", "type": "Announce",
                         "actor": source.uri, "object": shared, "to": [PUBLIC]})
    assert "Fake strike" not in news_page(h)
    blocked(h, Target("domain", OTHER))  # the source itself, later: its news goes too
    assert "Port of Oakland" not in news_page(h)
    assert "Port of Oakland" not in h.client.get("/news/network/feed.atom").text


def _follows_news(h: Harness, actor: FakeActor) -> None:
    assert h.post_activity(actor, {"id": f"{actor.uri}#follows/1", "type": "Follow",
                                   "actor": actor.uri, "object": NEWS}).status_code == 202
    h.drain()


def _news_posts(h: Harness, n: int) -> None:
    with h.node.engine.begin() as conn:
        news = newswire_actor(conn, base_url=h.node.settings.url, now=h.now,
                              node_name=h.node.settings.node_name)
        outbox = h.node.services.outbox
        note = {"id": outbox.new_id(), "type": "Note", "attributedTo": NEWS,
                "content": f"<p>news {n}</p>", "to": [PUBLIC]}
        outbox.publish(conn, actor=news, activity=activity(
            "Create", id=outbox.new_id("activities"), actor=NEWS, object=note["id"],
            to=[PUBLIC]), obj=note, now=h.now)
    h.drain()


def _creates(h: Harness, inbox: str) -> list[str]:
    return [str(d["object"]["content"]) for d in h.remote.deliveries(inbox)
            if d["type"] == "Create"]


def test_a_blocked_account_gets_no_post_through_its_hosts_shared_inbox(h: Harness) -> None:
    ana, bo = (h.remote.add_actor("mastodon.example", n) for n in ("ana", "bo"))
    cy = h.remote.add_actor("solo.example", "cy")
    for follower in (ana, bo, cy):
        _follows_news(h, follower)
    with h.node.engine.begin() as conn:  # ana follows the node actor too
        conn.execute(insert(_follow).values(
            follower=ana.uri, following=f"{h.node.settings.url}/actor", state="accepted",
            activity_id=f"{ana.uri}#follows/2", inbox=f"{ana.uri}/inbox",
            shared_inbox="https://mastodon.example/inbox", created_at=h.now,
            updated_at=h.now))
    _news_posts(h, 1)
    assert _creates(h, "https://solo.example/inbox") == ["<p>news 1</p>"]
    blocked(h, Target("actor", ana.uri))
    blocked(h, Target("actor", cy.uri))
    assert [r for r in rows(h, _follow) if r["follower"] in (ana.uri, cy.uri)] == []
    with h.node.engine.begin() as conn:  # a follow row left behind, however it came
        conn.execute(insert(_follow).values(
            follower=cy.uri, following=NEWS, state="accepted", activity_id=f"{cy.uri}#f/9",
            inbox=f"{cy.uri}/inbox", shared_inbox="https://solo.example/inbox",
            created_at=h.now, updated_at=h.now))
    _news_posts(h, 2)
    assert _creates(h, "https://mastodon.example/inbox") == ["<p>news 1</p>",
                                                              "<p>news 2</p>"]  # bo's
    assert _creates(h, "https://solo.example/inbox") == ["<p>news 1</p>"]  # cy's only: none
    # their servers are told the follows are over, so they stop handing our posts on
    rejects = [(d["actor"], d["object"]["actor"], d["object"]["id"])
               for inbox in ("https://mastodon.example/inbox", "https://solo.example/inbox")
               for d in h.remote.deliveries(inbox) if d["type"] == "Reject"]
    assert sorted(rejects) == sorted([
        (NEWS, ana.uri, f"{ana.uri}#follows/1"), (f"{h.node.settings.url}/actor", ana.uri,
                                                  f"{ana.uri}#follows/2"),
        (NEWS, cy.uri, f"{cy.uri}#follows/1")])


def test_follower_inboxes_leave_blocked_accounts_out_before_sharing(world: World) -> None:
    world.follow("https://m.example/users/a", "https://m.example/users/a/inbox",
                 shared="https://m.example/inbox")
    world.follow("https://m.example/users/b", "https://m.example/users/b/inbox",
                 shared="https://m.example/inbox")
    world.follow("https://solo.example/u/c", "https://solo.example/u/c/inbox",
                 shared="https://solo.example/inbox")
    with world.engine.begin() as conn:
        add_rule(conn, "actor", "https://m.example/users/a", "spam", world.clock())
        add_rule(conn, "actor", "https://solo.example/u/c", "spam", world.clock())
        assert deliveries_for_followers(conn, ACTOR) == ["https://m.example/inbox"]
