"""Remote votes on our polls, in the forms Mastodon, GoToSocial and ionode send them.

The issue's acceptance: votes from two nodes and a Mastodon-style vote are tallied once
each and the Update carries the totals. Votes are taken by the Create hook, never
stored as replies; closed polls, one-choice double votes, unknown options and votes
attributed to someone else are refused with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from node.activitypub.dispatch import object_type_of
from node.activitypub.inbox_store import ReceivedActivity
from node.activitypub.models import InboxItem, StoredObject
from node.activitypub.proofs import create_proof
from node.activitypub.remote_objects import store_remote
from node.activitypub.vocab import ACTIVITY_CONTEXT
from node.hubs.hub.models import PollVote
from node.hubs.polls.rules import PollError
from node.hubs.polls.service import close_poll
from node.settings import Settings
from tests.fakes.remote import FakeActor
from tests.node.harness import MASTO, Harness, follow_hub, rows
from tests.node.hub_support import (
    BASE,
    MovableClock,
    advance,
    delivered,
    local_vote,
    make_poll,
    poll_node,
    settle,
    stored,
    totals,
)

GTS, OAKLAND = "gts.example", "oakland.example"
NATE = f"{BASE}/users/nate"
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_votes = PollVote.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, moving: MovableClock) -> Iterator[Harness]:
    yield from poll_node(settings, moving)


def vote_note(voter: FakeActor, poll: str, name: str, n: str) -> dict[str, Any]:
    return {"id": f"{voter.uri}#votes/{n}", "type": "Note", "name": name, "inReplyTo": poll,
            "attributedTo": voter.uri, "to": NATE}


def mastodon_vote(voter: FakeActor, poll: str, name: str, n: str) -> dict[str, Any]:
    """What Mastodon sends: one Create per chosen option."""
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{voter.uri}#votes/{n}/activity", "type": "Create", "actor": voter.uri,
            "published": "2026-11-21T12:00:00Z", "to": NATE,
            "object": vote_note(voter, poll, name, n)}


def gts_vote(voter: FakeActor, poll: str, names: list[str], n: str) -> dict[str, Any]:
    """What GoToSocial sends: ONE Create whose object is an array of vote Notes."""
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{voter.uri}/activity#vote{n}/{poll}", "type": "Create", "actor": voter.uri,
            "to": NATE, "object": [vote_note(voter, poll, name, f"{n}-{i}")
                                   for i, name in enumerate(names)]}


def ionode_vote(voter: FakeActor, poll: str, name: str, n: str, now: datetime) -> dict[str, Any]:
    """What another ionode node sends: Mastodon's form, note and activity with proofs."""
    note = create_proof({"@context": list(ACTIVITY_CONTEXT), **vote_note(voter, poll, name, n)},
                        voter.proof_key, voter.proof_method, now)
    create = {"@context": list(ACTIVITY_CONTEXT), "id": f"https://{voter.host}/activities/{n}",
              "type": "Create", "actor": voter.uri, "to": [NATE], "object": note}
    return create_proof(create, voter.proof_key, voter.proof_method, now)


def store_received(h: Harness, actor: FakeActor, activity: dict[str, Any]) -> None:
    """Queue an activity as the inbox does once it has authenticated it.

    GoToSocial's array form cannot pass the inbox yet: ``check_origin`` refuses a Create
    whose object is an array (see ``test_gts_array_vote_passes_the_inbox``).
    """
    assert h.client.portal is not None
    h.client.portal.call(h.node.services.actors.actor, actor.uri)  # as the signature check
    item = ReceivedActivity(activity_id=activity["id"], actor=actor.uri, type="Create",
                            object_type=object_type_of(activity), recipient=None,
                            body=orjson.dumps(activity), received_at=h.now)
    h.client.portal.call(h.node.services.writer.store, item)


def inbox_states(h: Harness) -> list[tuple[str, str | None]]:
    return [(r["state"], r["error"]) for r in rows(h, _inbox)]  # type: ignore[misc]


def vote_rows(h: Harness) -> set[tuple[str, str]]:
    return {(str(v["voter"]), str(v["option"])) for v in rows(h, _votes)}


def test_votes_from_two_nodes_and_mastodon_are_tallied_once_and_the_update_carries_totals(
        h: Harness) -> None:
    follow_hub(h, "ana")
    poll = make_poll(h, multiple=True)["id"]
    carol = h.remote.add_actor(MASTO, "carol")  # Mastodon
    bob = h.remote.add_actor(GTS, "bob")  # GoToSocial
    joan = h.remote.add_actor(OAKLAND, "joan")  # another ionode node
    # Given each votes, and each vote arrives again (same activity) and is repeated
    # (same vote, a new activity id),
    masto = mastodon_vote(carol, poll, "Saturday", "1")
    for activity in (masto, masto, mastodon_vote(carol, poll, "Saturday", "2")):
        assert h.post_activity(carol, activity).status_code == 202
    gts = gts_vote(bob, poll, ["Saturday", "Sunday"], "1")
    for activity in (gts, gts, gts_vote(bob, poll, ["Sunday", "Saturday"], "2")):
        store_received(h, bob, activity)
    ours = ionode_vote(joan, poll, "Sunday", "1", h.now)
    for activity in (ours, ours, ionode_vote(joan, poll, "Sunday", "2", h.now)):
        assert h.post_activity(joan, activity).status_code == 202
    local_vote(h, "lena", poll, "Monday")
    h.drain()
    # Then every vote counts once: 5 votes by 4 voters,
    assert vote_rows(h) == {(carol.uri, "Saturday"), (bob.uri, "Saturday"),
                            (bob.uri, "Sunday"), (joan.uri, "Sunday"),
                            (f"{BASE}/users/lena", "Monday")}
    assert totals(stored(h, poll)) == {"Saturday": 2, "Sunday": 2, "Monday": 1}
    assert stored(h, poll)["votersCount"] == 4
    assert {state for state, _ in inbox_states(h)} == {"done"}
    # no vote is stored as a reply,
    assert [r["uri"] for r in rows(h, _objects)] == [poll]
    # and one Update carries the totals to the hub's followers and to the voters.
    assert settle(h) == 1
    for inbox in (f"https://{MASTO}/inbox", f"https://{GTS}/inbox", f"https://{OAKLAND}/inbox"):
        (update,) = delivered(h, "Update", inbox)
        assert totals(update["object"]) == {"Saturday": 2, "Sunday": 2, "Monday": 1}
        assert update["object"]["votersCount"] == 4


def test_gts_array_vote_reaches_the_hook_through_the_star_handler(h: Harness) -> None:
    # The stored object type of an array object is "*": the "Create"/"*" handler is
    # found and the Create hooks still run before it.
    poll = make_poll(h, multiple=True)["id"]
    bob = h.remote.add_actor(GTS, "bob")
    activity = gts_vote(bob, poll, ["Monday"], "1")
    assert object_type_of(activity) == "*"
    store_received(h, bob, activity)
    h.drain()
    assert vote_rows(h) == {(bob.uri, "Monday")}


def test_gts_array_vote_passes_the_inbox(h: Harness) -> None:
    poll = make_poll(h, multiple=True)["id"]
    bob = h.remote.add_actor(GTS, "bob")
    assert h.post_activity(bob, gts_vote(bob, poll, ["Monday"], "1")).status_code == 202


def test_a_vote_on_a_closed_poll_is_ignored_with_the_reason(h: Harness) -> None:
    poll = make_poll(h)["id"]
    with h.node.engine.begin() as conn:
        close_poll(h.node, conn, "nate", poll)
    carol = h.remote.add_actor(MASTO, "carol")
    assert h.post_activity(carol, mastodon_vote(carol, poll, "Monday", "1")).status_code == 202
    h.drain()
    assert vote_rows(h) == set()
    ((state, error),) = inbox_states(h)
    assert state == "ignored" and "the poll closed at" in str(error)
    assert [r["uri"] for r in rows(h, _objects)] == [poll]


def test_a_vote_after_the_end_time_is_ignored(h: Harness, moving: MovableClock) -> None:
    poll = make_poll(h, lasts=timedelta(hours=1))["id"]
    advance(h, moving, timedelta(hours=1))
    carol = h.remote.add_actor(MASTO, "carol")
    h.post_activity(carol, mastodon_vote(carol, poll, "Monday", "1"))
    h.drain()
    assert vote_rows(h) == set()
    assert "the poll ended at" in str(inbox_states(h)[0][1])


def test_a_second_choice_on_a_one_choice_poll_is_refused(h: Harness) -> None:
    poll = make_poll(h)["id"]
    carol = h.remote.add_actor(MASTO, "carol")
    h.post_activity(carol, mastodon_vote(carol, poll, "Saturday", "1"))
    h.post_activity(carol, mastodon_vote(carol, poll, "Sunday", "2"))
    h.drain()
    assert vote_rows(h) == {(carol.uri, "Saturday")}
    assert [s for s, _ in inbox_states(h)] == ["done", "ignored"]
    assert "one choice" in str(inbox_states(h)[1][1])
    assert totals(stored(h, poll)) == {"Saturday": 1, "Sunday": 0, "Monday": 0}


def test_gts_array_with_two_choices_on_a_one_choice_poll_counts_the_first(h: Harness) -> None:
    poll = make_poll(h)["id"]
    bob = h.remote.add_actor(GTS, "bob")
    store_received(h, bob, gts_vote(bob, poll, ["Sunday", "Monday"], "1"))
    h.drain()
    assert vote_rows(h) == {(bob.uri, "Sunday")}
    assert stored(h, poll)["votersCount"] == 1


@pytest.mark.parametrize("change", ["unknown option", "someone else's vote"])
def test_invalid_votes_are_ignored_and_not_stored_as_replies(h: Harness, change: str) -> None:
    poll = make_poll(h)["id"]
    carol = h.remote.add_actor(MASTO, "carol")
    vote = mastodon_vote(carol, poll, "Friday", "1")
    if change == "someone else's vote":
        vote = mastodon_vote(carol, poll, "Monday", "1")
        vote["object"]["attributedTo"] = f"https://{MASTO}/users/dave"
        vote["object"]["id"] = f"https://{MASTO}/users/dave#votes/1"
        # the inbox refuses an object attributed to someone else outright
        assert h.post_activity(carol, vote).status_code == 401
    else:
        assert h.post_activity(carol, vote).status_code == 202
        h.drain()
        ((state, error),) = inbox_states(h)
        assert state == "ignored" and "no option 'Friday'" in str(error)
    assert vote_rows(h) == set()
    assert [r["uri"] for r in rows(h, _objects)] == [poll]


def test_gts_array_vote_attributed_to_someone_else_is_refused(h: Harness) -> None:
    # An array object escapes the inbox's origin check today: the hook checks itself.
    poll = make_poll(h)["id"]
    bob = h.remote.add_actor(GTS, "bob")
    forged = gts_vote(bob, poll, ["Monday"], "1")
    forged["object"][0]["attributedTo"] = f"https://{MASTO}/users/carol"
    store_received(h, bob, forged)
    h.drain()
    assert vote_rows(h) == set()
    assert "attributed to the activity's actor" in str(inbox_states(h)[0][1])


def test_a_named_reply_to_a_local_note_is_not_a_vote(h: Harness) -> None:
    # Given a reply with a `name` to a local Note (not a Question), the hook declines
    # and the ordinary Create handler stores it.
    with h.node.engine.begin() as conn:
        from node.hubs.updates.service import post_update

        note = post_update(h.node, conn, "nate", "Assembly tonight").note
    carol = h.remote.add_actor(MASTO, "carol")
    reply = mastodon_vote(carol, note["id"], "a titled reply", "1")
    reply["object"]["id"] = f"{carol.uri}/statuses/1"
    reply["object"]["content"] = "<p>see you there</p>"
    h.post_activity(carol, reply)
    h.drain()
    assert f"{carol.uri}/statuses/1" in {r["uri"] for r in rows(h, _objects)}
    assert vote_rows(h) == set()


def remote_poll(h: Harness, author: FakeActor, options: list[str]) -> str:
    uri = f"{author.uri}/statuses/77"
    document = {"id": uri, "type": "Question", "attributedTo": author.uri,
                "content": "<p>Strike?</p>", "endTime": "2026-11-22T12:00:00Z",
                "oneOf": [{"type": "Note", "name": o,
                           "replies": {"type": "Collection", "totalItems": 0}} for o in options],
                "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    with h.node.engine.begin() as conn:
        store_remote(conn, document, h.now)
    assert h.client.portal is not None
    h.client.portal.call(h.node.services.actors.actor, author.uri)  # cache its inbox
    return uri


def test_our_vote_on_a_remote_poll_goes_out_in_mastodons_form_once(h: Harness) -> None:
    carol = h.remote.add_actor(MASTO, "carol")
    poll = remote_poll(h, carol, ["yes", "no"])
    assert local_vote(h, "lena", poll, "yes").counted == ("yes",)
    assert local_vote(h, "lena", poll, "yes").duplicates == ("yes",)
    with pytest.raises(PollError, match="one choice"):
        local_vote(h, "lena", poll, "no")
    h.drain()
    (create,) = delivered(h, "Create", f"{carol.uri}/inbox")
    note = create["object"]
    assert create["actor"] == f"{BASE}/users/lena" and create["to"] == [carol.uri]
    assert {k: note[k] for k in ("type", "name", "inReplyTo", "attributedTo", "to")} == {
        "type": "Note", "name": "yes", "inReplyTo": poll,
        "attributedTo": f"{BASE}/users/lena", "to": [carol.uri]}
    assert "proof" in note and "proof" in create
    # Our copy of the remote poll is not touched: its author publishes the totals.
    with h.node.engine.connect() as conn:
        local = conn.execute(select(_objects.c.local).where(_objects.c.uri == poll)).scalar()
    assert local is False
