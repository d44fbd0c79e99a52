"""Editing, deleting and pinning items: Update with a newer ``updated``, Delete, featured."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from node.activitypub.keys import load_ed25519_private
from node.activitypub.models import StoredObject
from node.activitypub.proofs import ProofVerified, verify_proof
from node.cli import main
from node.clock import Clock
from node.hubs.hub.featured import MAX_PINNED, set_pinned
from node.hubs.hub.items import delete_item, edit_text, update_item
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import HubError
from node.hubs.minutes.service import post_minutes
from node.hubs.updates.service import post_update
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
    refused,
    rows,
    sent,
)

_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
BASE = "https://philly.example"
FEATURED = f"/hubs/{HUB}/collections/featured"
AS_JSON = {"Accept": "application/activity+json"}


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def note(h: Harness, text: str = "Strike on Monday") -> str:
    with h.node.engine.begin() as conn:
        return str(post_update(h.node, conn, "nate", text, [HUB]).note["id"])


def edit(h: Harness, uri: str, text: str, who: str = "nate") -> dict[str, object]:
    with h.node.engine.begin() as conn:
        result = edit_text(h.node, conn, who, uri, text)
    h.drain()
    return result.object


def test_an_edit_sends_update_with_a_newer_updated_to_every_follower(h: Harness) -> None:
    # Given a Mastodon follower of the author and another of the hub
    ana = h.remote.add_actor(MASTO, "ana")
    follow(h, ana, f"{BASE}/users/nate")
    fan(h)
    uri = note(h)
    # When the author edits the note twice within the same second (a frozen clock)
    first = edit(h, uri, "Strike on **Tuesday**")
    second = edit(h, uri, "Strike on Wednesday")
    # Then each Update carries the whole note with a strictly newer `updated`
    updates = [u["object"] for u in sent(h, MASTO, "Update")]
    assert [u["updated"] for u in updates] == [first["updated"], second["updated"]]
    assert first["updated"] == "2026-11-21T12:00:01Z"
    assert second["updated"] == "2026-11-21T12:00:02Z"
    assert updates[0]["content"] == "<p>Strike on <strong>Tuesday</strong></p>"
    assert updates[0]["published"] == "2026-11-21T12:00:00Z"
    # re-signed: the new proof verifies with the author's key
    key = load_ed25519_private(h.local("nate").ed25519_private).public_key()
    assert isinstance(verify_proof(updates[1], key, now=h.now), ProofVerified)
    # The hub's followers get the author's Update directly (Mastodon applies it) and
    # the hub's Announce{Update} (FEP-1b12)
    fans = sent(h, FANS)
    assert [a["type"] for a in fans if a["type"] != "Accept"] == [
        "Announce", "Announce", "Update", "Announce", "Update", "Announce"]
    assert [a["object"]["type"] for a in fans if a["type"] == "Announce"][2:] == [
        "Update", "Update"]
    stored = rows(h, _objects, _objects.c.uri == uri)[0]["document"]
    assert stored["content"] == "<p>Strike on Wednesday</p>"


def test_editing_minutes_keeps_title_and_attachments(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        article = post_minutes(h.node, conn, "nate", [HUB], title="GA", markdown="draft",
                               attachments=[("Agenda", "https://ports.example/a.pdf")]).object
    edited = edit(h, str(article["id"]), "final text")
    assert edited["name"] == "GA" and edited["attachment"] == article["attachment"]
    assert str(edited["content"]).startswith("<p>final text</p>")
    assert "Agenda</a>" in str(edited["content"])


def test_only_the_author_edits_and_only_notes_and_articles_by_text(h: Harness) -> None:
    uri = note(h)
    with h.node.engine.begin() as conn:
        from node.activitypub.local_actors import create_local_actor
        create_local_actor(conn, base_url=BASE, kind="person", username="eve", now=h.now)
    with pytest.raises(HubError, match=f"eve is not the author of {uri}"):
        edit(h, uri, "hijacked", who="eve")
    with pytest.raises(HubError, match=r"no post https://philly\.example/objects/x on this node"):
        edit(h, f"{BASE}/objects/x", "text")
    event = {"id": f"{BASE}/objects/ev1", "type": "Event", "attributedTo": f"{BASE}/users/nate",
             "name": "Rally", "published": "2026-11-21T12:00:00Z", "to": []}
    with h.node.engine.begin() as conn:
        h.node.services.outbox.store_object(conn, event, h.now)
    with pytest.raises(HubError, match="is an event; change it with `ionode event edit`"):
        edit(h, str(event["id"]), "new")


def test_update_item_writes_hub_item_columns(h: Harness) -> None:
    uri = note(h)
    later = h.now + timedelta(days=2)
    with h.node.engine.begin() as conn:
        document = rows(h, _objects, _objects.c.uri == uri)[0]["document"]
        update_item(h.node, conn, h.local("nate"), {**document, "content": "<p>x</p>"},
                    starts_at=later)
    [item] = rows(h, _item)
    assert item["starts_at"].replace(tzinfo=later.tzinfo) == later


def test_deleting_minutes_sends_delete_and_the_hub_announces_it(h: Harness) -> None:
    fan(h)
    with h.node.engine.begin() as conn:
        uri = str(post_minutes(h.node, conn, "nate", [HUB], title="GA", markdown="m").object["id"])
        set_pinned(h.node, conn, hub(conn), uri, True)
    with h.node.engine.begin() as conn:
        delete_item(h.node, conn, "nate", uri)
    h.drain()
    [delete] = sent(h, FANS, "Delete")
    assert delete["object"] == {"id": uri, "type": "Tombstone", "formerType": "Article"}
    announced = [a["object"] for a in sent(h, FANS, "Announce")][-1]
    assert announced["type"] == "Delete" and announced["id"] == delete["id"]
    assert rows(h, _item) == []
    assert h.client.get(FEATURED, headers=AS_JSON).json()["orderedItems"] == []
    assert h.client.get(uri.removeprefix(BASE), headers=AS_JSON).status_code == 410


def test_a_pinned_item_is_in_the_featured_collection(h: Harness) -> None:
    older, newer = note(h, "older"), note(h, "newer")
    with h.node.engine.begin() as conn:
        set_pinned(h.node, conn, hub(conn), older, True, by=f"{BASE}/users/nate")
    featured = h.client.get(FEATURED, headers=AS_JSON).json()
    assert featured["type"] == "OrderedCollection" and featured["totalItems"] == 1
    [pinned] = featured["orderedItems"]
    assert pinned["id"] == older and pinned["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    with h.node.engine.begin() as conn:
        set_pinned(h.node, conn, hub(conn), older, False)
        set_pinned(h.node, conn, hub(conn), newer, True)
    ids = [i["id"] for i in h.client.get(FEATURED, headers=AS_JSON).json()["orderedItems"]]
    assert ids == [newer]
    assert h.client.get(f"/users/nate{FEATURED.removeprefix(f'/hubs/{HUB}')}",
                        headers=AS_JSON).json()["orderedItems"] == []


def test_a_pinned_remote_post_is_listed_by_id_only(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    add_member(h, ana.uri)
    create = mastodon_create(ana, f"{BASE}/hubs/{HUB}", "remote post")
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    with h.node.engine.begin() as conn:
        set_pinned(h.node, conn, hub(conn), create["object"]["id"], True)
    assert h.client.get(FEATURED, headers=AS_JSON).json()["orderedItems"] == [
        create["object"]["id"]]


def test_pinning_rules(h: Harness) -> None:
    uri = note(h)
    refused(h, "is not pinned in portshutdown",
            lambda conn: set_pinned(h.node, conn, hub(conn), uri, False))
    refused(h, "is not a published item of portshutdown",
            lambda conn: set_pinned(h.node, conn, hub(conn), f"{BASE}/objects/none", True))
    refused(h, "is not an admin or moderator",
            lambda conn: set_pinned(h.node, conn, hub(conn), uri, True, by="https://x.example/users/y"))
    uris = [note(h, f"n{i}") for i in range(MAX_PINNED)]
    with h.node.engine.begin() as conn:
        for pinned in uris:
            set_pinned(h.node, conn, hub(conn), pinned, True)
    refused(h, f"already has {MAX_PINNED} pinned items",
            lambda conn: set_pinned(h.node, conn, hub(conn), uri, True))


def test_edit_and_pin_from_the_cli(database_url: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    flags = ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "create", "nate", "--password-stdin", *flags]) == 0
    assert main(["hub", "create", HUB, "--title", "Port", "--admin", "nate", *flags]) == 0
    assert main(["post", "--as", "nate", "--hub", HUB, "first", *flags]) == 0
    uri = capsys.readouterr().out.split("published ")[1].split(" ")[0]
    text = tmp_path / "new.md"
    text.write_text("from a *file*", encoding="utf-8")
    assert main(["edit", "--as", "nate", uri, str(text), *flags]) == 0
    assert main(["edit", "--as", "nate", uri, "plain words", *flags]) == 0
    assert main(["hub", "pin", HUB, uri, *flags]) == 0
    assert main(["hub", "pin", HUB, uri, *flags]) == 1
    assert main(["hub", "unpin", HUB, uri, *flags]) == 0
    captured = capsys.readouterr()
    assert captured.out.count(f"ionode: updated {uri} (") == 2
    assert f"{uri} is now pinned in {HUB}" in captured.out
    assert f"{uri} is no longer pinned in {HUB}" in captured.out
    assert captured.err.strip() == f"ionode: error: {uri} is already pinned in {HUB}"
    with engine.connect() as conn:
        document = conn.execute(select(_objects.c.document)).scalar_one()
    assert document["content"] == "<p>plain words</p>"
    assert document["updated"] > document["published"]
