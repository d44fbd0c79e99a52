"""A node follows any fediverse actor that publishes (issue 9 item 3): Events of
Mobilizon and Gancio land in the network calendar with everything their source said,
a Lemmy community's ``Announce{Create{Page}}`` and a Mastodon account's Note in the
network timeline; edits move them, deletes remove them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from node.activitypub.models import Follow
from node.activitypub.vocab import PUBLIC, activity
from node.clock import Clock
from node.network.models import NetworkEvent, NetworkEventTag, NetworkItem, NetworkPeer
from node.network.refusal import NetworkRefusal
from node.network.sources import find_source
from node.network.status import following
from node.settings import Settings
from tests.fixtures.remote.fakes import load
from tests.node.harness import Harness, running_node
from tests.node.source_support import (
    GANCIO_EVENT,
    MOBILIZON_EVENT,
    add,
    follow_and_accept,
    gancio_create,
    mobilizon_announce,
)

_event = NetworkEvent.__table__  # type: ignore[attr-defined]
_tag = NetworkEventTag.__table__  # type: ignore[attr-defined]
_item = NetworkItem.__table__  # type: ignore[attr-defined]
_peer = NetworkPeer.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        yield harness


def events(h: Harness) -> dict[str, tuple[datetime, datetime, str, str | None, str]]:
    with h.node.engine.connect() as conn:
        return {r.object_uri: (r.starts_at.astimezone(UTC), r.ends_at.astimezone(UTC),
                               r.kind, r.hub_uri, r.region)
                for r in conn.execute(select(_event))}


def test_a_source_is_followed_as_a_source_and_must_be_an_actor(h: Harness) -> None:
    group = add(h.remote, "mobilizon.example", "@climatejustice", "Group")
    follow = follow_and_accept(h, group)
    assert follow["object"] == group.uri
    with h.node.engine.connect() as conn:
        assert [(r.actor, r.kind, r.state) for r in following(conn)] == [
            (group.uri, "source", "accepted")]
    h.remote.objects["https://mobilizon.example/notes/1"] = {
        "id": "https://mobilizon.example/notes/1", "type": "Note"}
    with pytest.raises(NetworkRefusal):
        asyncio.run(find_source(h.node, "https://mobilizon.example/notes/1"))
    with pytest.raises(NetworkRefusal):
        asyncio.run(find_source(h.node, "  "))


def test_mobilizon_group_event_lands_in_the_calendar_whole(h: Harness) -> None:
    group = add(h.remote, "mobilizon.example", "@climatejustice", "Group")
    organizer = add(h.remote, "mobilizon.example", "@camille")
    follow_and_accept(h, group)
    event = load(MOBILIZON_EVENT)
    h.remote.objects[event["id"]] = event  # refetched: the Announce carries no proof
    assert h.post_activity(group, mobilizon_announce(group, organizer, event)).status_code == 202
    h.drain()
    assert events(h) == {event["id"]: (
        datetime(2026, 12, 12, 17, tzinfo=UTC), datetime(2026, 12, 12, 20, tzinfo=UTC),
        "event", group.uri, "île-de-france")}
    with h.node.engine.connect() as conn:
        assert sorted(conn.execute(select(_tag.c.tag)).scalars()) == ["housing", "rentstrike"]
    page = h.client.get("/network/agenda").text
    for shown in ("Rent strike assembly", "Bourse du Travail",
                  "3 rue du Château d&#39;Eau, 75010, Paris, Île-de-France, France",
                  "https://meet.example/rent-strike", "Tentative",
                  "the organizers approve each participant",
                  "anyone may take part without an account", "MOVEMENTS_POLITICS",
                  "allow_all", "Europe/Paris", "100 places", "58 left",
                  "Wheelchair accessible", "fully",
                  "https://mobilizon.example/media/banner-rent-strike.jpg",
                  f'href="{event["url"]}"', "mobilizon.example"):
        assert shown in page, shown
    timeline = h.client.get("/network?kind=Event").text
    for shown in ("Rent strike assembly", "Bourse du Travail", "Tentative",
                  "https://meet.example/rent-strike", "the organizers approve each participant",
                  "Climatejustice"):  # the group, named as the item's hub
        assert shown in timeline, shown


def test_gancio_instance_event_with_offsets_and_no_timezone(h: Harness) -> None:
    gancio = add(h.remote, "gancio.example", "federation/u/gancio", "Application")
    follow_and_accept(h, gancio)
    event = load(GANCIO_EVENT)
    assert h.post_activity(gancio, gancio_create(event)).status_code == 202
    h.drain()
    assert events(h) == {event["id"]: (
        datetime(2026, 12, 5, 16, 30, tzinfo=UTC), datetime(2026, 12, 5, 19, tzinfo=UTC),
        "event", None, "")}
    page = h.client.get("/network/agenda?tz=Europe/Rome").text
    for shown in ("Bike repair workshop", "17:30", "Centro sociale La Fucina",
                  "Via dei Volsci 26, Bologna", "https://stream.example/fucina",
                  "https://gancio.example/media/4b0e3f.jpg",
                  'href="https://gancio.example/event/bike-repair-workshop"'):
        assert shown in page, shown
    timeline = h.client.get("/network").text
    assert "Bike repair workshop" in timeline
    moved = {**event, "startTime": "2026-12-06T10:00:00.000+01:00",
             "endTime": "2026-12-06T12:00:00.000+01:00", "updated": "2026-11-21T11:00:00Z"}
    update = {**gancio_create(moved), "type": "Update",
              "id": "https://gancio.example/federation/m/421#update"}
    assert h.post_activity(gancio, update).status_code == 202
    h.drain()
    assert events(h)[event["id"]][0] == datetime(2026, 12, 6, 9, tzinfo=UTC)
    delete = activity("Delete", id="https://gancio.example/federation/m/421#delete",
                      actor=gancio.uri, object=event["id"], to=[PUBLIC])
    assert h.post_activity(gancio, delete).status_code == 202
    h.drain()
    assert events(h) == {}
    assert "Bike repair workshop" not in h.client.get("/network/agenda").text


def test_lemmy_community_page_and_mastodon_note_reach_the_timeline(h: Harness) -> None:
    community = add(h.remote, "lemmy.example", "c/tenants", "Group")
    add(h.remote, "lemmy.example", "u/rosa")
    ana = add(h.remote, "mastodon.example", "users/ana")
    follow_and_accept(h, community)
    follow_and_accept(h, ana)
    announce = load("lemmy.example/announce-create-page.json")
    page = announce["object"]["object"]
    h.remote.objects[page["id"]] = page
    assert h.post_activity(community, announce).status_code == 202
    note = {"id": f"{ana.uri}/statuses/1", "type": "Note", "attributedTo": ana.uri,
            "content": "<p>General assembly tonight</p>", "to": [PUBLIC],
            "published": "2026-11-21T10:00:00Z"}
    create = activity("Create", id=f"{ana.uri}/statuses/1/activity", actor=ana.uri,
                      object=note, to=[PUBLIC])
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    with h.node.engine.connect() as conn:
        origins = {r.object_uri: (r.object_type, r.hub_uri)
                   for r in conn.execute(select(_item))}
    assert origins == {page["id"]: ("Page", community.uri), note["id"]: ("Note", None)}
    timeline = h.client.get("/network").text
    assert "Six months of organizing" in timeline and "General assembly tonight" in timeline
    assert "How we won repairs in our building" in h.client.get("/network?kind=Page").text


def test_a_source_we_do_not_follow_is_not_taken(h: Harness) -> None:
    gancio = add(h.remote, "gancio.example", "federation/u/gancio", "Application")
    assert h.post_activity(gancio, gancio_create(load(GANCIO_EVENT))).status_code == 202
    h.drain()
    assert events(h) == {}
