"""Posts into hubs from other servers: a Mastodon mention goes through the posting policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from node.activitypub.following import FollowTarget
from node.activitypub.following import follow as local_follow
from node.activitypub.models import InboxItem, StoredObject
from node.activitypub.proofs import create_proof
from node.activitypub.vocab import PUBLIC
from node.clock import Clock
from node.hubs.hub.inbound import hub_pattern, posted_into
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.moderation import publish_held, queue
from node.settings import Settings
from tests.node.harness import Harness
from tests.node.hub_harness import (
    FANS,
    HUB,
    MASTO,
    add_member,
    fan,
    follow,
    hub,
    hub_node,
    mastodon_create,
    rows,
    sent,
)

_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
BASE = "https://philly.example"
HUB_URI = f"{BASE}/hubs/{HUB}"


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def set_posting(h: Harness, policy: str) -> None:
    with h.node.engine.begin() as conn:
        conn.execute(update(_hub).values(posting_policy=policy))


def post(h: Harness, who: str, text: str, n: int = 1, public: bool = True) -> dict[str, object]:
    actor = h.remote.actors.get(f"https://{MASTO}/users/{who}") or h.remote.add_actor(MASTO, who)
    create = mastodon_create(actor, HUB_URI, text, n, public)
    assert h.post_activity(actor, create).status_code == 202
    h.drain()
    return create


def test_a_remote_members_mention_is_announced_to_a_mastodon_follower(h: Harness) -> None:
    # Given a Mastodon follower of the hub and a remote member under the members policy
    fan(h)
    add_member(h, f"https://{MASTO}/users/ana")
    # When the member mentions the hub in a public post
    create = post(h, "ana", "Picket at berth 62 <script>alert(1)</script>")
    # Then the hub Announces it: the object by id (Mastodon fetches it) and the Create
    # by id (it carried no proof, so no copy of it is vouched for)
    announces = sent(h, FANS, "Announce")
    note_id = create["object"]["id"]  # type: ignore[index]
    assert [a["object"] for a in announces] == [note_id, create["id"]]
    assert all(a["actor"] == HUB_URI and a["to"] == [PUBLIC] for a in announces)
    assert announces[0]["cc"] == [f"{HUB_URI}/followers", f"https://{MASTO}/users/ana"]
    # and the author's server hears of it (Mastodon notifies "boosted your post")
    assert [a["object"] for a in sent(h, MASTO, "Announce")] == [note_id, create["id"]]
    items = rows(h, _item)
    assert [(i["object_uri"], i["origin"], i["state"], i["kind"]) for i in items] == [
        (note_id, "remote", "published", "update")]
    stored = rows(h, _objects, _objects.c.uri == note_id)[0]["document"]
    assert "<script>" not in stored["content"] and "Picket at berth 62" in stored["content"]


def test_a_moderated_hub_holds_the_post_until_a_moderator_publishes_it(h: Harness) -> None:
    fan(h)
    add_member(h, f"https://{MASTO}/users/ana")
    set_posting(h, "moderated")
    create = post(h, "ana", "Can we add a teach-in?")
    note_id = create["object"]["id"]  # type: ignore[index]
    # Held: stored, in the queue, not Announced
    assert sent(h, FANS, "Announce") == []
    with h.node.engine.connect() as conn:
        assert [q.object_uri for q in queue(conn, hub(conn))] == [note_id]
    assert rows(h, _objects, _objects.c.uri == note_id)
    # When the operator publishes it, the hub Announces both forms after all
    with h.node.engine.begin() as conn:
        publish_held(h.node, conn, hub(conn), note_id)
    h.drain()
    assert [a["object"] for a in sent(h, FANS, "Announce")] == [note_id, create["id"]]
    assert rows(h, _item)[0]["state"] == "published"


def test_a_non_member_is_refused_under_the_members_policy(h: Harness) -> None:
    fan(h)
    create = post(h, "troll", "buy cheap watches")
    assert sent(h, FANS, "Announce") == []
    assert rows(h, _item) == []
    assert rows(h, _objects, _objects.c.uri == create["object"]["id"]) == []  # type: ignore[index]
    item = rows(h, _inbox, _inbox.c.activity_id == create["id"])[0]
    assert item["state"] == "ignored"
    assert item["error"] == f"{HUB}: only members may post into this hub"


def test_a_refused_post_is_still_stored_for_someone_here_who_follows_the_author(
        h: Harness) -> None:
    troll = h.remote.add_actor(MASTO, "troll")
    with h.node.engine.begin() as conn:  # nate follows the author
        local_follow(h.node, conn, "nate", FollowTarget(troll.uri, f"{troll.uri}/inbox"))
    accept = {"id": f"{troll.uri}#accepts/1", "type": "Accept", "actor": troll.uri,
              "object": {"type": "Follow", "actor": f"{BASE}/users/nate", "object": troll.uri}}
    assert h.post_activity(troll, accept).status_code == 202
    create = post(h, "troll", "hello all")
    assert rows(h, _item) == []
    assert rows(h, _objects, _objects.c.uri == create["object"]["id"])  # type: ignore[index]


def test_a_followers_only_mention_is_not_a_submission(h: Harness) -> None:
    fan(h)
    add_member(h, f"https://{MASTO}/users/ana")
    post(h, "ana", "private note to the hub", public=False)
    assert rows(h, _item) == []
    assert sent(h, FANS, "Announce") == []


def test_a_create_with_a_proof_is_announced_embedded_exactly_as_received(h: Harness) -> None:
    fan(h)
    ana = h.remote.add_actor(MASTO, "ana")
    add_member(h, ana.uri)
    create = create_proof(mastodon_create(ana, HUB_URI, "signed"), ana.proof_key,
                          ana.proof_method, h.now)
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    announces = sent(h, FANS, "Announce")
    assert announces[0]["object"] == create["object"]["id"]
    assert announces[1]["object"] == create


def test_a_lemmy_style_page_addressed_to_the_hub_is_taken(h: Harness) -> None:
    fan(h)
    lemmy = h.remote.add_actor("lemmy.example", "sam")
    add_member(h, lemmy.uri)
    page = {"id": "https://lemmy.example/post/7", "type": "Page", "attributedTo": lemmy.uri,
            "name": "Solidarity rally", "content": "<p>Saturday</p>", "to": [HUB_URI, PUBLIC],
            "cc": [], "audience": HUB_URI, "published": "2026-11-21T11:00:00Z"}
    create = {"id": "https://lemmy.example/activities/create/1", "type": "Create",
              "actor": lemmy.uri, "to": [HUB_URI, PUBLIC], "object": page, "audience": HUB_URI}
    assert h.post_activity(lemmy, create).status_code == 202
    h.drain()
    assert [a["object"] for a in sent(h, FANS, "Announce")] == [page["id"], create["id"]]


def test_a_repeated_delivery_is_announced_once(h: Harness) -> None:
    fan(h)
    add_member(h, f"https://{MASTO}/users/ana")
    create = post(h, "ana", "once")
    again = dict(create, id=f"{create['id']}/again")
    ana = h.remote.actors[f"https://{MASTO}/users/ana"]
    assert h.post_activity(ana, again).status_code == 202
    h.drain()
    assert len(sent(h, FANS, "Announce")) == 2
    assert len(rows(h, _item)) == 1


def test_a_post_deleted_before_its_create_arrives_is_not_taken(h: Harness) -> None:
    add_member(h, f"https://{MASTO}/users/ana")
    ana = h.remote.add_actor(MASTO, "ana")
    status = f"{ana.uri}/statuses/1"
    delete = {"id": f"{status}#delete", "type": "Delete", "actor": ana.uri,
              "object": {"id": status, "type": "Tombstone"}}
    assert h.post_activity(ana, delete).status_code == 202
    create = post(h, "ana", "too late")
    assert rows(h, _item) == []
    assert rows(h, _inbox, _inbox.c.activity_id == create["id"])[0]["state"] == "ignored"


def test_a_post_that_names_no_hub_goes_to_the_protocol_handler(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    create = mastodon_create(ana, f"{BASE}/users/nate", "hi nate")
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    assert rows(h, _item) == []
    assert rows(h, _objects, _objects.c.uri == create["object"]["id"])  # stored as a mention


def test_posted_into_needs_the_mentioned_hub_in_to_or_cc() -> None:
    pattern = hub_pattern(BASE)
    mention = {"type": "Mention", "href": HUB_URI}
    assert posted_into({"cc": [HUB_URI], "tag": [mention]}, pattern) == [HUB_URI]
    assert posted_into({"cc": [], "tag": [mention]}, pattern) == []
    assert posted_into({"cc": [HUB_URI]}, pattern) == []
    assert posted_into({"audience": HUB_URI}, pattern) == [HUB_URI]
    assert posted_into({"to": [f"{BASE}/users/nate", f"{HUB_URI}/followers"]}, pattern) == []


def test_a_follower_posts_under_the_followers_policy(h: Harness) -> None:
    fan(h)
    set_posting(h, "followers")
    ana = h.remote.add_actor(MASTO, "ana")
    follow(h, ana, HUB_URI)
    post(h, "ana", "following and posting")
    assert len(sent(h, FANS, "Announce")) == 2


def test_the_authors_delete_takes_the_post_out_of_the_hub_and_is_announced(h: Harness) -> None:
    fan(h)
    add_member(h, f"https://{MASTO}/users/ana")
    create = post(h, "ana", "soon gone")
    note_id = create["object"]["id"]  # type: ignore[index]
    ana = h.remote.actors[f"https://{MASTO}/users/ana"]
    delete = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}#delete",
              "type": "Delete", "actor": ana.uri, "to": [PUBLIC],
              "object": {"id": note_id, "type": "Tombstone", "atomUri": note_id}}
    assert h.post_activity(ana, delete).status_code == 202
    h.drain()
    assert rows(h, _item) == []
    assert rows(h, _objects, _objects.c.uri == note_id)[0]["deleted_at"] is not None
    assert [a["object"] for a in sent(h, FANS, "Announce")][-1] == delete["id"]


def test_a_delete_by_someone_else_is_left_to_the_protocol_handler(h: Harness) -> None:
    add_member(h, f"https://{MASTO}/users/ana")
    create = post(h, "ana", "mine")
    note_id = create["object"]["id"]  # type: ignore[index]
    mallory = h.remote.add_actor(MASTO, "mallory")
    delete = {"id": f"{mallory.uri}#delete/1", "type": "Delete", "actor": mallory.uri,
              "object": note_id}
    assert h.post_activity(mallory, delete).status_code == 202
    h.drain()
    assert len(rows(h, _item)) == 1
    item = rows(h, _inbox, _inbox.c.activity_id == delete["id"])[0]
    assert (item["state"], item["error"]) == (
        "ignored", "Delete by someone who does not own the object")
