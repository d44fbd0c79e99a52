"""Linked hubs (issue 9 item 2) in the node tier: a hub follows a hub, the linked hub's
shares show on its page and calendar with their origin, edits and deletes follow, a
steward hides an item or unlinks, a forged share is refused; link requests from other
hubs wait for a steward, who may link back; two hubs of one node link too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from node.activitypub.models import Follow, InboxItem, Interaction, OutboxActivity, StoredObject
from node.activitypub.vocab import PUBLIC
from node.clock import Clock
from node.hubs.hub.follow_requests import approve, pending
from node.hubs.hub.links import LinkTarget, link, links, set_hidden, unlink
from node.hubs.hub.members import set_member
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.updates.service import post_update
from node.network.models import NetworkItem
from node.newswire.blocks.service import Target, block
from node.settings import Settings
from tests.node.cli_support import cli_flags, run_cli
from tests.node.harness import Harness, rows
from tests.node.hub_harness import hub_node, sent
from tests.node.linked_hubs_support import (
    HUB,
    OAKLAND,
    accept,
    announce_create,
    announce_id,
    ask_link,
    event,
    oakland,
    share,
)
from tests.node.network_support import FakeGroup, signed

_follow = Follow.__table__  # type: ignore[attr-defined]
_items = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_network = NetworkItem.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_interactions = Interaction.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


@pytest.fixture
def linked(h: Harness) -> FakeGroup:
    """portshutdown asked to link oakland's dockers, which accepted."""
    dockers, _ = oakland(h)
    follow = ask_link(h, dockers)
    assert (follow["actor"], follow["object"]) == (f"{h.node.settings.url}/hubs/{HUB}",
                                                 dockers.uri)
    accept(h, dockers, follow)
    return dockers


def to_oakland(h: Harness, kind: str) -> list[dict[str, Any]]:
    """Activities of type ``kind`` POSTed to any inbox on oakland.example."""
    found = [orjson.loads(r.content) for r in h.remote.received
             if r.method == "POST" and r.url.host == OAKLAND]
    return [a for a in found if a["type"] == kind]


def linked_rows(h: Harness) -> list[dict[str, Any]]:
    return rows(h, _items, _items.c.origin == "linked")


def test_a_link_is_pending_until_the_other_hub_accepts(h: Harness) -> None:
    dockers, _ = oakland(h)
    follow = ask_link(h, dockers)
    with h.node.engine.connect() as conn:
        (pending_link,) = links(conn, load_hub(conn, HUB))
    assert (pending_link.ours, pending_link.theirs) == ("pending", None)
    accept(h, dockers, follow)
    with h.node.engine.connect() as conn:
        (done,) = links(conn, load_hub(conn, HUB))
    assert done.ours == "accepted" and not done.mutual


def test_a_shared_event_shows_on_the_page_and_calendar_with_its_origin(
        h: Harness, linked: FakeGroup) -> None:
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    rally = event(joan, linked, 1, h.now)
    h.remote.objects[rally["id"]] = rally
    share(h, linked, announce_create(linked, joan, rally, 1, h.now))
    share(h, linked, announce_id(linked, rally["id"], 1))  # the Mastodon form: same item
    (item,) = linked_rows(h)
    assert (item["kind"], item["state"], item["linked_from"]) == ("event", "published",
                                                                  linked.uri)
    assert len(rows(h, _objects, _objects.c.uri == rally["id"])) == 1
    (origin,) = rows(h, _network, _network.c.object_uri == rally["id"])
    assert origin["hub_uri"] == linked.uri  # on the network timeline too, once
    page = h.client.get(f"/hubs/{HUB}", headers={"accept": "text/html"}).text
    assert "Blockade at berth 5" in page and f"from Dockers @ {OAKLAND}" in page
    assert f'href="{rally["id"]}"' in page  # the card links to the original
    ics = h.client.get(f"/hubs/{HUB}/calendar.ics").text
    assert rally["id"] in ics and "Blockade at berth 5" in ics and OAKLAND in ics
    agenda = h.client.get(f"/hubs/{HUB}/agenda",
                          headers={"accept": "text/html"}).text
    assert "Blockade at berth 5" in agenda and f"from @dockers@{OAKLAND}" in agenda
    month = h.client.get(f"/hubs/{HUB}/calendar?month=2026-12",
                         headers={"accept": "text/html"}).text
    assert "Blockade at berth 5" in month and f"from @dockers@{OAKLAND}" in month
    assert "From the linked hub @dockers@" in ics.replace("\r\n ", "")
    assert sent(h, OAKLAND, "Announce") == []  # our hub shares nothing of it onward


def test_edits_and_deletes_of_the_original_follow(h: Harness, linked: FakeGroup) -> None:
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    rally = event(joan, linked, 1, h.now)
    share(h, linked, announce_create(linked, joan, rally, 1, h.now))
    moved = event(joan, linked, 1, h.now, start="2026-12-13T07:00:00-08:00",
                  updated="2026-11-22T10:00:00Z")
    share(h, linked, announce_create(linked, joan, moved, 2, h.now, kind="Update"))
    (item,) = linked_rows(h)
    assert item["starts_at"].day == 13
    tombstone = signed(joan, {"id": f"https://{OAKLAND}/activities/d1", "type": "Delete",
                              "actor": joan.uri, "to": [PUBLIC],
                              "object": {"id": rally["id"], "type": "Tombstone"}}, h.now)
    share(h, linked, signed(linked, {"id": f"{linked.uri}/announces/d1", "type": "Announce",
                                     "actor": linked.uri, "object": tombstone,
                                     "to": [PUBLIC]},
                            h.now))
    assert linked_rows(h) == []
    (row,) = rows(h, _objects, _objects.c.uri == rally["id"])
    assert row["deleted_at"] is not None


def test_a_forged_share_is_refused_and_nothing_stored(h: Harness, linked: FakeGroup) -> None:
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    forged = announce_create(linked, joan, event(joan, linked, 1, h.now), 1, h.now)
    forged["object"]["object"]["name"] = "Action called off"  # the author's proof fails
    share(h, linked, forged)
    assert linked_rows(h) == [] and rows(h, _objects, _objects.c.local.is_(False)) == []
    (item,) = rows(h, _inbox, _inbox.c.type == "Announce")
    assert item["state"] == "ignored" and "invalid proof" in item["error"]


def test_an_unproven_altered_copy_is_replaced_by_the_origin_s(h: Harness,
                                                              linked: FakeGroup) -> None:
    """Proofs stripped, text altered, the hub's Announce signed over it: the item is
    refetched from its origin and the original is what shows."""
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    original = event(joan, linked, 1, h.now)
    h.remote.objects[original["id"]] = original
    copy = {k: v for k, v in original.items() if k != "proof"} | {"name": "Called off"}
    create = {"id": f"https://{OAKLAND}/activities/c1", "type": "Create", "actor": joan.uri,
              "object": copy, "to": [PUBLIC]}
    share(h, linked, signed(linked, {"id": f"{linked.uri}/announces/1", "type": "Announce",
                                     "actor": linked.uri, "object": create, "to": [PUBLIC]},
                            h.now))
    (row,) = rows(h, _objects, _objects.c.uri == original["id"])
    assert row["document"]["name"] == "Blockade at berth 5"
    assert len(linked_rows(h)) == 1


def test_a_hub_we_do_not_follow_shares_nothing_here(h: Harness) -> None:
    dockers, joan = oakland(h)
    share(h, dockers, announce_create(dockers, joan, event(joan, dockers, 1, h.now), 1, h.now))
    assert linked_rows(h) == []


def test_hide_one_item_then_unlink(h: Harness, linked: FakeGroup, settings: Settings,
                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    first, second = event(joan, linked, 1, h.now), event(joan, linked, 2, h.now)
    for n, doc in enumerate((first, second)):
        share(h, linked, announce_create(linked, joan, doc, n, h.now))
    flags = cli_flags(settings.database, tmp_path)
    assert run_cli(["hub", "hide", HUB, first["id"]], flags, monkeypatch) == 0
    page = h.client.get(f"/hubs/{HUB}", headers={"accept": "text/html"}).text
    assert first["id"] not in page and second["id"] in page
    assert run_cli(["hub", "links", HUB], flags, monkeypatch) == 0
    assert f"{linked.uri}\twe follow: accepted\tfollows us: -" in capsys.readouterr().out
    with h.node.engine.begin() as conn:  # the CLI's clock is the wall clock: not h.now's
        assert unlink(h.node, conn, load_hub(conn, HUB), linked.uri) == 1
    h.drain()
    (undo,) = to_oakland(h, "Undo")
    assert undo["object"]["type"] == "Follow" and undo["object"]["object"] == linked.uri
    assert [r["object_uri"] for r in linked_rows(h)] == [first["id"]]  # stays hidden
    assert second["id"] not in h.client.get(f"/hubs/{HUB}", headers={"accept": "text/html"}).text
    share(h, linked, announce_create(linked, joan, event(joan, linked, 3, h.now), 3, h.now))
    assert len(linked_rows(h)) == 1  # no longer linked: nothing new arrives


def test_a_hub_asking_to_link_waits_for_a_steward_who_links_back(h: Harness) -> None:
    dockers, _ = oakland(h)
    ours = f"{h.node.settings.url}/hubs/{HUB}"
    follow = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
              "id": f"{dockers.uri}/follows/1", "actor": dockers.uri, "object": ours}
    share(h, dockers, follow)  # the hub's follow policy is open: a link still waits
    with h.node.engine.begin() as conn:
        (request,) = pending(conn, load_hub(conn, HUB))
        assert request.link and request.follower == dockers.uri
        approve(h.node, conn, load_hub(conn, HUB), dockers.uri, link_back=True)
        (both,) = links(conn, load_hub(conn, HUB))
        assert (both.ours, both.theirs) == ("pending", "accepted")
    h.drain()
    accepted, back = to_oakland(h, "Accept"), to_oakland(h, "Follow")
    assert accepted[0]["object"]["id"] == follow["id"]
    assert (back[0]["actor"], back[0]["object"]) == (ours, dockers.uri)


def test_two_hubs_of_one_node_link_without_the_inbox(h: Harness) -> None:
    base = h.node.settings.url
    with h.node.engine.begin() as conn:
        create_hub(conn, base_url=base, name="dockers", title="Dockers", now=h.now)
        link(h.node, conn, load_hub(conn, HUB), LinkTarget(f"{base}/hubs/dockers", None))
        (request,) = pending(conn, load_hub(conn, "dockers"))
        assert request.link
        approve(h.node, conn, load_hub(conn, "dockers"), request.follower)
        set_member(conn, load_hub(conn, "dockers"), f"{base}/users/nate", "member", h.now)
        post_update(h.node, conn, "nate", "Dockers vote to strike", ["dockers"])
    items = linked_rows(h)
    assert [(i["kind"], i["linked_from"]) for i in items] == [("update", f"{base}/hubs/dockers")]
    page = h.client.get(f"/hubs/{HUB}", headers={"accept": "text/html"}).text
    assert "Dockers vote to strike" in page and "from Dockers @ philly.example" in page
    with h.node.engine.begin() as conn:
        set_hidden(conn, load_hub(conn, HUB), items[0]["object_uri"], True)
        assert unlink(h.node, conn, load_hub(conn, HUB), f"{base}/hubs/dockers") == 0
    assert [r["state"] for r in linked_rows(h)] == ["hidden"]  # a hidden item stays hidden
    assert rows(h, _outbox, _outbox.c.type.in_(("Follow", "Undo", "Accept"))) == []


def test_link_refusals(h: Harness, linked: FakeGroup) -> None:
    with h.node.engine.begin() as conn, pytest.raises(Exception, match="already asked"):
        link(h.node, conn, load_hub(conn, HUB), LinkTarget(linked.uri, "https://x/inbox"))
    with h.node.engine.begin() as conn, pytest.raises(Exception, match="itself"):
        link(h.node, conn, load_hub(conn, HUB),
             LinkTarget(f"{h.node.settings.url}/hubs/{HUB}", None))
    with h.node.engine.begin() as conn, pytest.raises(Exception, match="not an item"):
        set_hidden(conn, load_hub(conn, HUB), "https://elsewhere.example/x", True)
    (still,) = rows(h, _follow, _follow.c.following == linked.uri)
    assert still["state"] == "accepted"


def test_a_linked_hub_sharing_our_own_item_counts_as_a_boost(h: Harness,
                                                            linked: FakeGroup) -> None:
    with h.node.engine.begin() as conn:
        ours = post_update(h.node, conn, "nate", "Picket at berth 5", [HUB]).note["id"]
    share(h, linked, announce_id(linked, ours, 9))
    assert linked_rows(h) == []
    (boost,) = rows(h, _interactions, _interactions.c.object_uri == ours)
    assert boost["type"] == "Announce" and boost["actor"] == linked.uri


def test_a_linked_hubs_share_of_a_blocked_accounts_item_is_refused(h: Harness,
                                                                   linked: FakeGroup) -> None:
    """Announce{object id}: the item is refetched from its origin and only then names its
    author, whom this node blocked; the block holds on this path as on a node follow's."""
    troll = h.remote.add_actor(OAKLAND, "troll")
    with h.node.engine.begin() as conn:
        block(h.node, conn, Target("actor", troll.uri), "harassment", role="moderator")
    h.node.services.policy.invalidate()
    rally = event(troll, linked, 7, h.now)
    h.remote.objects[rally["id"]] = rally
    share(h, linked, announce_id(linked, rally["id"], 7))
    assert linked_rows(h) == [] and rows(h, _objects, _objects.c.uri == rally["id"]) == []
    (item,) = rows(h, _inbox, _inbox.c.type == "Announce")
    assert item["state"] == "ignored" and troll.uri in item["error"]
