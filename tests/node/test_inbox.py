"""The inbox request: authentication, origin rules, caps, dedupe; then the handlers."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from email.utils import format_datetime
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import func, select

from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import Follow, InboxItem, Interaction, StoredObject
from node.clock import Clock
from node.hubs.hub.members import set_member
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.updates.service import post_update
from node.settings import Settings
from tests.node.harness import MASTO, Harness, follow_hub, rows, running_node


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        with harness.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="portshutdown",
                       title="West Coast Port Shutdown", now=clock())
            create_local_actor(conn, base_url=settings.url, kind="person", username="nate",
                               now=clock())
            set_member(conn, load_hub(conn, "portshutdown"), f"{settings.url}/users/nate",
                       "member", clock())
        yield harness


def test_follow_is_accepted_and_the_accept_embeds_the_follow(h: Harness) -> None:
    follow = follow_hub(h)
    follows = rows(h, Follow.__table__)  # type: ignore[attr-defined]
    assert [(f["follower"], f["state"]) for f in follows] == [
        (f"https://{MASTO}/users/ana", "accepted")]
    accepts = h.remote.deliveries(f"https://{MASTO}/users/ana/inbox")
    assert [a["type"] for a in accepts] == ["Accept"]
    assert accepts[0]["object"]["id"] == follow["id"]
    assert accepts[0]["actor"] == h.local("portshutdown").uri
    assert accepts[0]["proof"]["cryptosuite"] == "eddsa-jcs-2022"


def test_repeated_follow_is_idempotent_and_accepted_again(h: Harness) -> None:
    # Given an accepted follower, when Mastodon re-sends its Follow (after a key
    # change it does), then there is still one follow row and a second Accept.
    follow_hub(h)
    ana = h.remote.actors[f"https://{MASTO}/users/ana"]
    again = {"id": f"{ana.uri}#follows/2", "type": "Follow", "actor": ana.uri,
             "object": h.local("portshutdown").uri}
    assert h.post_activity(ana, again).status_code == 202
    h.drain()
    assert len(rows(h, Follow.__table__)) == 1  # type: ignore[attr-defined]
    assert len(h.remote.deliveries(f"{ana.uri}/inbox")) == 2


def test_unsigned_post_is_refused_with_a_reason(h: Harness) -> None:
    response = h.client.post("/inbox", content=b'{"id":"https://x.example/1","type":"Like",'
                                              b'"actor":"https://x.example/u"}',
                             headers={"content-type": "application/activity+json"})
    assert response.status_code == 401
    assert response.json() == {"error": "no signature"}
    assert rows(h, InboxItem.__table__) == []  # type: ignore[attr-defined]


def test_actor_must_own_the_signing_key(h: Harness) -> None:
    # Fedify CVE-2025-54888: a valid signature by one actor on another actor's activity.
    mallory = h.remote.add_actor(MASTO, "mallory")
    victim = h.remote.add_actor(MASTO, "victim")
    forged = {"id": f"{victim.uri}#likes/1", "type": "Like", "actor": victim.uri,
              "object": "https://philly.example/objects/1"}
    response = h.post_activity(mallory, forged)
    assert response.status_code == 401
    assert "not the owner of the signing key" in response.json()["error"]


def test_a_post_signed_without_host_is_refused_so_it_cannot_be_replayed(h: Harness) -> None:
    # Given a delivery mallory's server signed for another server's /inbox without
    # covering host, when it is replayed to our /inbox within the hour, then it is
    # refused (issue 7, 2.6): before, the signature verified here too.
    ana = h.remote.add_actor(MASTO, "ana")
    like = {"id": f"{ana.uri}#likes/26", "type": "Like", "actor": ana.uri,
            "object": "https://philly.example/objects/1"}
    body = orjson.dumps(like)
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    date = format_datetime(h.now, usegmt=True)
    signed = f"(request-target): post /inbox\ndate: {date}\ndigest: {digest}".encode()
    signature = base64.b64encode(ana.key.sign(signed, padding.PKCS1v15(), hashes.SHA256()))
    headers = {"Date": date, "Digest": digest,  # Host: ours, as the replayer sends it
               "Content-Type": "application/activity+json",
               "Signature": f'keyId="{ana.key_id}",algorithm="rsa-sha256",'
                            f'headers="(request-target) date digest",'
                            f'signature="{signature.decode()}"'}
    response = h.client.post("/inbox", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "signature must cover host"}
    assert rows(h, InboxItem.__table__) == []  # type: ignore[attr-defined]


def test_created_object_must_be_on_the_actors_host(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    create = {"id": f"{ana.uri}/statuses/1/activity", "type": "Create", "actor": ana.uri,
              "object": {"id": "https://elsewhere.example/notes/1", "type": "Note",
                         "attributedTo": ana.uri, "content": "hi"}}
    response = h.post_activity(ana, create)
    assert response.status_code == 401
    assert "not on the actor's host" in response.json()["error"]


def test_body_over_one_megabyte_is_refused_before_buffering(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    response = h.post_activity(ana, {}, body=b" " * 1_000_001)
    assert response.status_code == 413


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"[" * 5000 + b"]" * 5000,
                                  b'{"type": "Follow"}', b'{"id": 3, "type": "Follow"}'])
def test_malformed_activities_get_400_not_500(h: Harness, body: bytes) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    assert h.post_activity(ana, {}, body=body).status_code == 400


def test_duplicate_activity_is_stored_once(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    like = {"id": f"{ana.uri}#likes/9", "type": "Like", "actor": ana.uri,
            "object": "https://philly.example/objects/none"}
    assert h.post_activity(ana, like).status_code == 202
    assert h.post_activity(ana, like).status_code == 202
    assert len(rows(h, InboxItem.__table__)) == 1  # type: ignore[attr-defined]


def test_an_activity_id_squatted_by_another_actor_is_refused_visibly(h: Harness) -> None:
    # Given mallory on ana's host sending a Like under the id ana's next activity will
    # have, when ana's real activity arrives, then it is refused with a 409 that says so
    # (not answered 202 and dropped as a duplicate); ana's own repeats stay deduped.
    mallory = h.remote.add_actor(MASTO, "mallory")
    ana = h.remote.add_actor(MASTO, "ana")
    squat = {"id": f"{ana.uri}#likes/7", "type": "Like", "actor": mallory.uri,
             "object": "https://philly.example/objects/1"}
    assert h.post_activity(mallory, squat).status_code == 202
    real = {**squat, "actor": ana.uri}
    response = h.post_activity(ana, real)
    assert response.status_code == 409
    assert response.json() == {
        "error": f"activity id {squat['id']} is already used by {mallory.uri}"}
    assert h.post_activity(mallory, squat).status_code == 202  # a real duplicate
    (item,) = rows(h, InboxItem.__table__)  # type: ignore[attr-defined]
    assert item["actor"] == mallory.uri


def test_unknown_types_are_stored_and_ignored(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    odd = {"id": f"{ana.uri}#odd/1", "type": "EmojiReact", "actor": ana.uri,
           "object": "https://philly.example/objects/1"}
    assert h.post_activity(ana, odd).status_code == 202
    h.drain()
    (item,) = rows(h, InboxItem.__table__)  # type: ignore[attr-defined]
    assert item["state"] == "ignored"
    assert "no handler" in str(item["error"])


def test_rfc9421_signed_activity_is_accepted(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    follow = {"id": f"{ana.uri}#follows/9421", "type": "Follow", "actor": ana.uri,
              "object": h.local("portshutdown").uri}
    assert h.post_activity(ana, follow, scheme="rfc9421").status_code == 202


def note_create(actor_uri: str, n: int, content: str = "hello", to: str | None = None,
                updated: str | None = None) -> dict[str, object]:
    note: dict[str, object] = {
        "id": f"{actor_uri}/statuses/{n}", "type": "Note", "attributedTo": actor_uri,
        "content": content, "published": "2026-11-21T11:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public", *([to] if to else [])]}
    if updated:
        note["updated"] = updated
    kind = "Update" if updated else "Create"
    return {"id": f"{actor_uri}/statuses/{n}/{kind}/{updated}", "type": kind,
            "actor": actor_uri, "object": note}


def objects(h: Harness) -> dict[str, dict[str, object]]:
    return {r["uri"]: r for r in rows(h, StoredObject.__table__)}  # type: ignore[attr-defined, misc]


def test_create_addressed_to_a_local_actor_is_stored_sanitised(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    hub = h.local("nate").uri  # a local person: a non-member may not post into the hub
    create = note_create(ana.uri, 1, '<p>hi<script>alert(1)</script><a href="x" onclick="y">l</a>'
                         "</p>", to=hub)
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    stored = objects(h)[f"{ana.uri}/statuses/1"]
    content = stored["document"]["content"]  # type: ignore[index]
    assert "<script>" not in content and "onclick" not in content and "hi" in content


def test_create_nobody_asked_for_is_not_stored(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    assert h.post_activity(ana, note_create(ana.uri, 2)).status_code == 202
    h.drain()
    assert objects(h) == {}


def test_delete_before_create_wins(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    hub = h.local("nate").uri  # a local person: a non-member may not post into the hub
    uri = f"{ana.uri}/statuses/3"
    delete = {"id": f"{uri}#delete", "type": "Delete", "actor": ana.uri,
              "object": {"id": uri, "type": "Tombstone"}}
    assert h.post_activity(ana, delete).status_code == 202
    assert h.post_activity(ana, note_create(ana.uri, 3, to=hub)).status_code == 202
    h.drain()
    assert objects(h)[uri]["deleted_at"] is not None
    assert objects(h)[uri]["document"] is None


def test_a_delete_by_another_actor_before_the_create_does_not_suppress_it(h: Harness) -> None:
    # Given mallory on ana's host deleting the id ana's next post will have, when ana's
    # Create arrives, then the post is stored: a tombstone only wins over a Create by
    # one who deleted it (issue 7, 2.4).
    ana = h.remote.add_actor(MASTO, "ana")
    mallory = h.remote.add_actor(MASTO, "mallory")
    nate = h.local("nate").uri
    uri = f"{ana.uri}/statuses/30"
    squat = {"id": f"{mallory.uri}#delete/30", "type": "Delete", "actor": mallory.uri,
             "object": uri}
    assert h.post_activity(mallory, squat).status_code == 202
    h.drain()
    assert h.post_activity(ana, note_create(ana.uri, 30, "mine", to=nate)).status_code == 202
    h.drain()
    stored = objects(h)[uri]
    assert (stored["deleted_at"], stored["authors"]) == (None, [ana.uri])
    assert stored["document"]["content"] == "mine"  # type: ignore[index]


def test_the_authors_delete_still_wins_after_a_squatters_delete(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    mallory = h.remote.add_actor(MASTO, "mallory")
    uri = f"{ana.uri}/statuses/31"
    for actor in (mallory, ana):
        delete = {"id": f"{actor.uri}#delete/31", "type": "Delete", "actor": actor.uri,
                  "object": uri}
        assert h.post_activity(actor, delete).status_code == 202
    create = note_create(ana.uri, 31, to=h.local("nate").uri)
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    assert objects(h)[uri]["deleted_at"] is not None
    assert objects(h)[uri]["document"] is None
    (item,) = rows(h, InboxItem.__table__, InboxItem.__table__.c.activity_id == create["id"])  # type: ignore[attr-defined]
    assert item["error"] == "object was deleted before its Create arrived"


def test_every_author_is_kept_and_only_they_may_update_or_delete(h: Harness) -> None:
    # An object attributed to ana and bob was stored with no author at all, so neither
    # could update it and mallory of the same host could delete it (issue 7, 2.7).
    ana, bob = h.remote.add_actor(MASTO, "ana"), h.remote.add_actor(MASTO, "bob")
    mallory = h.remote.add_actor(MASTO, "mallory")
    nate = h.local("nate").uri
    create = note_create(ana.uri, 40, "v1", to=nate)
    create["object"]["attributedTo"] = [ana.uri, {"type": "Person", "id": bob.uri}]  # type: ignore[index]
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    uri = f"{ana.uri}/statuses/40"
    assert (objects(h)[uri]["attributed_to"], objects(h)[uri]["authors"]) == (
        ana.uri, [ana.uri, bob.uri])
    update = note_create(ana.uri, 40, "v2", to=nate, updated="2026-11-21T11:30:00Z")
    update.update(actor=bob.uri, id=f"{bob.uri}#updates/40")
    update["object"]["attributedTo"] = [mallory.uri, bob.uri]  # type: ignore[index]
    assert h.post_activity(bob, update).status_code == 202
    h.drain()
    document = objects(h)[uri]["document"]
    assert document["content"] == "v2"  # type: ignore[index]
    # a later version cannot change who the authors are
    assert document["attributedTo"] == [ana.uri, {"type": "Person", "id": bob.uri}]  # type: ignore[index]
    for actor in (mallory, bob):
        delete = {"id": f"{actor.uri}#delete/40", "type": "Delete", "actor": actor.uri,
                  "object": uri}
        assert h.post_activity(actor, delete).status_code == 202
        h.drain()
        if actor is mallory:
            assert objects(h)[uri]["deleted_at"] is None
            (refused,) = rows(h, InboxItem.__table__,  # type: ignore[attr-defined]
                              InboxItem.__table__.c.activity_id == delete["id"])  # type: ignore[attr-defined]
            assert refused["error"] == "Delete by someone who does not own the object"
    assert objects(h)[uri]["deleted_at"] is not None


def test_update_needs_a_newer_updated_and_the_owner(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    hub = h.local("nate").uri  # a local person: a non-member may not post into the hub
    h.post_activity(ana, note_create(ana.uri, 4, "v1", to=hub))
    h.drain()
    newer = note_create(ana.uri, 4, "v2", to=hub, updated="2026-11-21T11:30:00Z")
    older = note_create(ana.uri, 4, "v0", to=hub, updated="2026-11-21T10:00:00Z")
    older["id"] = f"{older['id']}-older"
    h.post_activity(ana, newer)
    h.drain()
    h.post_activity(ana, older)
    h.drain()
    content = objects(h)[f"{ana.uri}/statuses/4"]["document"]["content"]  # type: ignore[index]
    assert content == "v2"


def test_like_and_undo_like_on_a_local_note(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        note = post_update(h.node, conn, "nate", "Assembly at 7pm").note
    ana = h.remote.add_actor(MASTO, "ana")
    like = {"id": f"{ana.uri}#likes/1", "type": "Like", "actor": ana.uri, "object": note["id"]}
    h.post_activity(ana, like)
    h.drain()
    table = Interaction.__table__  # type: ignore[attr-defined]
    assert [r["type"] for r in rows(h, table)] == ["Like"]
    undo = {"id": f"{ana.uri}#likes/1/undo", "type": "Undo", "actor": ana.uri, "object": like}
    h.post_activity(ana, undo)
    h.drain()
    assert rows(h, table) == []


def announced_notes(h: Harness) -> list[dict[str, Any]]:
    """The hub's Announce{Note} deliveries (Announce{Create} goes out beside each)."""
    return [a for a in h.remote.deliveries(f"https://{MASTO}/inbox")
            if a["type"] == "Announce" and a["object"]["type"] == "Note"]


def test_hub_announces_in_both_forms(h: Harness) -> None:
    # FEP-1b12: Announce{object} for Mastodon, Announce{Create} for Lemmy-style groups.
    follow_hub(h)
    with h.node.engine.begin() as conn:
        note = post_update(h.node, conn, "nate", "both forms", ["portshutdown"]).note
    h.drain()
    shared = [a["object"] for a in h.remote.deliveries(f"https://{MASTO}/inbox")
              if a["type"] == "Announce"]
    assert sorted(o["type"] for o in shared) == ["Create", "Note"]
    create = next(o for o in shared if o["type"] == "Create")
    assert create["object"]["id"] == note["id"] and "proof" in create


def test_unfollowed_actor_gets_no_further_posts(h: Harness) -> None:
    follow = follow_hub(h)
    ana = h.remote.actors[f"https://{MASTO}/users/ana"]
    with h.node.engine.begin() as conn:
        post_update(h.node, conn, "nate", "first", ["portshutdown"])
    h.drain()
    announces = announced_notes(h)
    assert len(announces) == 1
    undo = {"id": f"{ana.uri}#follows/1/undo", "type": "Undo", "actor": ana.uri,
            "object": follow}
    assert h.post_activity(ana, undo).status_code == 202
    h.drain()
    with h.node.engine.begin() as conn:
        post_update(h.node, conn, "nate", "second", ["portshutdown"])
    h.drain()
    announces = announced_notes(h)
    assert len(announces) == 1
    with h.node.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(
            Follow.__table__)).scalar_one() == 0  # type: ignore[attr-defined]
    assert orjson.loads(orjson.dumps(announces[0]))["object"]["content"] == "<p>first</p>"


def test_object_proofs_are_verified_when_present(h: Harness) -> None:
    # Given a Create whose Note carries an eddsa-jcs-2022 proof by its author,
    # when the proof is intact the Note is stored; when the content was altered
    # after signing, the activity is ignored with the reason.
    from node.activitypub.proofs import create_proof

    ana = h.remote.add_actor(MASTO, "ana")
    hub = h.local("nate").uri  # a local person: a non-member may not post into the hub
    good = note_create(ana.uri, 7, "signed words", to=hub)
    good["object"] = create_proof(good["object"], ana.proof_key, ana.proof_method, h.now)  # type: ignore[arg-type]
    bad = note_create(ana.uri, 8, "signed words", to=hub)
    signed = create_proof(bad["object"], ana.proof_key, ana.proof_method, h.now)  # type: ignore[arg-type]
    bad["object"] = {**signed, "content": "altered words"}
    h.post_activity(ana, good)
    h.post_activity(ana, bad)
    h.drain()
    assert f"{ana.uri}/statuses/7" in objects(h)
    assert f"{ana.uri}/statuses/8" not in objects(h)
    items = {r["activity_id"]: r for r in rows(h, InboxItem.__table__)}  # type: ignore[attr-defined]
    assert "invalid proof" in str(items[bad["id"]]["error"])


def test_announced_third_party_object_without_proof_is_refetched(h: Harness) -> None:
    # CVE-2024-23832: an Announce embeds a Note from another host with forged content.
    # The embedded copy carries no proof, so the Note is refetched from its origin and
    # the origin's content is what gets stored.
    relay = h.remote.add_actor("relay.example", "relay")
    author = h.remote.add_actor("origin.example", "carol")
    note_id = f"{author.uri}/statuses/1"
    h.remote.objects[note_id] = {"id": note_id, "type": "Note", "attributedTo": author.uri,
                                 "content": "the real words", "to": []}
    with h.node.engine.begin() as conn:
        from node.activitypub.following import FollowTarget, follow

        follow(h.node, conn, "nate", FollowTarget(relay.uri, f"{relay.uri}/inbox"))
    accept = {"id": f"{relay.uri}#accepts/1", "type": "Accept", "actor": relay.uri,
              "object": rows(h, Follow.__table__)[0]["activity_id"]}  # type: ignore[attr-defined]
    h.post_activity(relay, accept)
    announce = {"id": f"{relay.uri}#announces/1", "type": "Announce", "actor": relay.uri,
                "object": {"id": note_id, "type": "Note", "attributedTo": author.uri,
                           "content": "forged words"}}
    assert h.post_activity(relay, announce).status_code == 202
    h.drain()
    stored = objects(h)[note_id]["document"]
    assert stored["content"] == "the real words"  # type: ignore[index]


def test_ld_signatures_prove_nothing(h: Harness) -> None:
    # Mastodon CVE-2022-24307: an RsaSignature2017 "forwarded" activity signed over
    # HTTP by someone other than its actor is refused like any other mismatch.
    relay = h.remote.add_actor("relay.example", "relay")
    victim = h.remote.add_actor(MASTO, "victim")
    forwarded = {"id": f"{victim.uri}/statuses/9/activity", "type": "Create",
                 "actor": victim.uri,
                 "object": {"id": f"{victim.uri}/statuses/9", "type": "Note",
                            "attributedTo": victim.uri, "content": "x"},
                 "signature": {"type": "RsaSignature2017", "creator": victim.key_id,
                               "signatureValue": "Zm9yZ2Vk"}}
    response = h.post_activity(relay, forwarded)
    assert response.status_code == 401
    assert rows(h, InboxItem.__table__) == []  # type: ignore[attr-defined]


def test_deleting_a_hub_post_reaches_the_hubs_followers(h: Harness) -> None:
    # Given a Mastodon user following the hub (not the author) and a post in the hub,
    # when the author deletes it, then the Delete reaches the hub's follower and our
    # copy answers 410 with a Tombstone.
    from node.hubs.hub.items import tombstone_object

    follow_hub(h)
    with h.node.engine.begin() as conn:
        note = post_update(h.node, conn, "nate", "to be withdrawn", ["portshutdown"]).note
    h.drain()
    with h.node.engine.begin() as conn:
        assert tombstone_object(h.node, conn, "nate", note["id"]) == 1  # one shared inbox
    h.drain()
    deletes = [a for a in h.remote.deliveries(f"https://{MASTO}/inbox") if a["type"] == "Delete"]
    assert [d["object"]["id"] for d in deletes] == [note["id"]]
    gone = h.client.get(note["id"].removeprefix(h.node.settings.url),
                        headers={"Accept": "application/activity+json"})
    assert gone.status_code == 410
    assert gone.json()["type"] == "Tombstone"


def accepted_follow_of(h: Harness, remote_uri: str) -> None:
    from node.activitypub.following import FollowTarget, follow

    with h.node.engine.begin() as conn:
        follow(h.node, conn, "nate", FollowTarget(remote_uri, f"{remote_uri}/inbox"))
        conn.execute(Follow.__table__.update().values(state="accepted"))  # type: ignore[attr-defined]


def test_announce_of_a_signed_create_stores_the_member_post(h: Harness) -> None:
    # Given nate follows a remote group, when the group shares a member's post as
    # Announce{Create} (FEP-1b12) whose Create carries the member's proof, then the
    # post is stored without a fetch; an unsigned one is refetched from its origin.
    from node.activitypub.proofs import create_proof

    group = h.remote.add_actor("lemmy.example", "dockworkers")
    member = h.remote.add_actor("lemmy.example", "joan")
    accepted_follow_of(h, group.uri)
    signed = create_proof(note_create(member.uri, 1, "signed member post"), member.proof_key,
                          member.proof_method, h.now)
    unsigned = note_create(member.uri, 2, "forged copy")
    h.remote.objects[f"{member.uri}/statuses/2"] = {
        **unsigned["object"], "content": "origin copy"}  # type: ignore[dict-item]
    for n, create in enumerate((signed, unsigned)):
        announce = {"id": f"{group.uri}#announce/{n}", "type": "Announce", "actor": group.uri,
                    "object": create}
        assert h.post_activity(group, announce).status_code == 202
    h.drain()
    stored = objects(h)
    assert stored[f"{member.uri}/statuses/1"]["document"]["content"] == "signed member post"  # type: ignore[index]
    assert stored[f"{member.uri}/statuses/2"]["document"]["content"] == "origin copy"  # type: ignore[index]


def test_a_hook_that_takes_an_activity_skips_the_handler(h: Harness) -> None:
    # A domain package (polls) takes some Creates (votes) before they are stored as posts.
    taken: list[str] = []

    async def take(ctx: object, activity: Any) -> bool:
        taken.append(activity["id"])
        return "vote" in activity["object"]["content"]

    h.node.services.dispatcher.add_hook("Create", take)
    ana = h.remote.add_actor(MASTO, "ana")
    hub = h.local("nate").uri  # a local person: a non-member may not post into the hub
    h.post_activity(ana, note_create(ana.uri, 11, "a vote", to=hub))
    h.post_activity(ana, note_create(ana.uri, 12, "a post", to=hub))
    h.drain()
    assert len(taken) == 2
    assert set(objects(h)) == {f"{ana.uri}/statuses/12"}


def test_poll_tallies_refresh_without_a_newer_updated(h: Harness) -> None:
    # Mastodon (and ionode) send tally Updates of a Question without `updated`: the
    # totals change, nothing else may; changed choices without a newer `updated` are refused.
    ana = h.remote.add_actor(MASTO, "ana")
    to = h.local("nate").uri
    uri = f"{ana.uri}/statuses/50"

    def question(totals: tuple[int, int], names: tuple[str, str] = ("yes", "no"),
                 content: str = "Strike?") -> dict[str, object]:
        return {"id": uri, "type": "Question", "attributedTo": ana.uri, "content": content,
                "published": "2026-11-21T11:00:00Z", "to": [to],
                "oneOf": [{"type": "Note", "name": n, "replies": {"type": "Collection",
                                                                  "totalItems": t}}
                          for n, t in zip(names, totals, strict=True)], "votersCount": sum(totals)}

    h.post_activity(ana, {"id": f"{uri}#c", "type": "Create", "actor": ana.uri,
                          "object": question((0, 0))})
    h.post_activity(ana, {"id": f"{uri}#u1", "type": "Update", "actor": ana.uri,
                          "object": question((3, 1), content="Changed text")})
    h.post_activity(ana, {"id": f"{uri}#u2", "type": "Update", "actor": ana.uri,
                          "object": question((9, 9), names=("maybe", "no"))})
    h.drain()
    document = objects(h)[uri]["document"]
    assert [o["replies"]["totalItems"] for o in document["oneOf"]] == [3, 1]  # type: ignore[index]
    assert document["votersCount"] == 4  # type: ignore[index]
    assert document["content"] == "Strike?"  # type: ignore[index]


async def test_workers_keep_processing_under_a_steady_stream(settings: Settings,
                                                             clock: Clock) -> None:
    # Given a writer that stays busy (a steady stream of incoming activities), when an
    # inbox worker runs, then it processes every item, pausing between them for its
    # fair share instead of stepping aside until the stream stops (issue 7, 1.13).
    import anyio

    from node.activitypub.fair_share import FairShare
    from node.activitypub.inbox_store import ReceivedActivity, insert_ignoring_duplicates
    from node.app import build_node
    from node.workers import inbox_worker

    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    node = build_node(settings, clock=clock)
    items = [ReceivedActivity(activity_id=f"https://x.example/a/{n}", actor="https://x.example/u",
                              type="EmojiReact", object_type="*", recipient=None, body=b"{}",
                              received_at=clock()).row() for n in range(20)]
    await anyio.to_thread.run_sync(lambda: insert_ignoring_duplicates(node.engine, items))
    worker = inbox_worker(node)
    async def congested() -> float:
        return 1.0

    worker.fair = FairShare(busy=lambda: True, share=0.01, sleep=pause, lag=congested)
    assert await worker.run_once() == 20
    assert await anyio.to_thread.run_sync(item_states, node.engine) == {"ignored"}
    assert pauses  # paced while the writer was busy, yet never held back
    node.engine.dispose()


def item_states(engine: Any) -> set[str]:
    table = InboxItem.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {str(state) for state in conn.execute(select(table.c.state)).scalars()}


def test_writer_is_busy_right_after_storing(h: Harness) -> None:
    writer = h.node.services.writer
    assert not writer.busy(within=10)  # nothing stored yet
    ana = h.remote.add_actor(MASTO, "ana")
    h.post_activity(ana, {"id": f"{ana.uri}#odd/2", "type": "EmojiReact", "actor": ana.uri,
                          "object": "https://philly.example/objects/1"})
    assert writer.busy(within=10)
    assert not writer.busy(within=0)
