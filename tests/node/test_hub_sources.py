"""A hub follows a source (issue 9 item 3) in the node tier: the hub's Group actor
follows a Mobilizon group, a Gancio instance, a Lemmy community or a Mastodon account;
what each sends shows on the hub page, its lists and calendars beside linked hubs'
items, marked as a source's with everything its format said, hideable by a steward;
edits move it, deletes remove it; a Reject reads as refused; unfollowing sends
``Undo{Follow}`` and takes the items out; the history is backfilled on Accept."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from node.activitypub.local_actors import create_local_actor
from node.activitypub.vocab import PUBLIC, activity
from node.app import build_node
from node.clock import Clock
from node.hubs.hub.links import LinkTarget, link, links, set_hidden, unlink
from node.hubs.hub.members import set_member
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import HubError, load_hub
from node.hubs.hub.service import create_hub
from node.hubs.hub.sources import add_source, find_hub_source, remove_source, sources
from node.network.backfill_run import run_due
from node.network.models import NetworkBackfill, NetworkEvent, NetworkItem, NetworkPeer
from node.newswire.models import NewsItem
from node.settings import Settings
from tests.fixtures.remote.fakes import load
from tests.node.cli_support import cli_flags, run_cli
from tests.node.harness import Harness, rows
from tests.node.hub_harness import HUB, hub_node, refused
from tests.node.hub_sources_support import answer, ask_follow
from tests.node.hub_support import MovableClock
from tests.node.network_support import add_group
from tests.node.newswire_support import NEWS_ACTOR as NEWS
from tests.node.newswire_support import make_moderator, mention, write_conduct
from tests.node.source_support import (
    GANCIO_EVENT,
    MOBILIZON_EVENT,
    add,
    follow_and_accept,
    gancio_create,
    lemmy_tenants,
    mobilizon_announce,
)
from tests.node.web_support import add_organizer

_items = HubItem.__table__  # type: ignore[attr-defined]
_event = NetworkEvent.__table__  # type: ignore[attr-defined]
_news = NewsItem.__table__  # type: ignore[attr-defined]
_peer = NetworkPeer.__table__  # type: ignore[attr-defined]
_network_item = NetworkItem.__table__  # type: ignore[attr-defined]
_backfill = NetworkBackfill.__table__  # type: ignore[attr-defined]
HTML = {"accept": "text/html"}


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def hub_rows(h: Harness) -> dict[str, tuple[str, str, str, datetime | None]]:
    """The hub's items by object id: (origin, where from, state, start in UTC)."""
    with h.node.engine.connect() as conn:
        return {
            r.object_uri: (
                r.origin,
                r.linked_from,
                r.state,
                r.starts_at.astimezone(UTC) if r.starts_at else None,
            )
            for r in conn.execute(select(_items))
        }


def states(h: Harness) -> list[tuple[str, str]]:
    with h.node.engine.connect() as conn:
        return [(s.uri, s.state) for s in sources(conn, load_hub(conn, HUB))]


def test_the_hub_follows_a_mobilizon_group_and_its_event_shows_whole(h: Harness) -> None:
    group = add(h.remote, "mobilizon.example", "@climatejustice", "Group")
    organizer = add(h.remote, "mobilizon.example", "@camille")
    hub_uri = f"{h.node.settings.url}/hubs/{HUB}"
    follow = ask_follow(h, group)
    assert follow["actor"] == hub_uri and follow["object"] == group.uri  # sent as the hub
    (request,) = [r for r in h.remote.received if r.method == "POST"]
    assert f'keyId="{hub_uri}#main-key"' in request.headers["signature"]
    assert states(h) == [(group.uri, "pending")]
    answer(h, group, follow)
    assert states(h) == [(group.uri, "accepted")]
    with h.node.engine.connect() as conn:  # a source is no linked hub
        assert links(conn, load_hub(conn, HUB)) == []
        assert conn.execute(select(_backfill.c.actor_uri, _backfill.c.follower)).all() == [
            (group.uri, hub_uri)
        ]  # its history is pulled, as a link's is
    event = load(MOBILIZON_EVENT)
    h.remote.objects[event["id"]] = event  # no proof in the Announce: refetched
    assert h.post_activity(group, mobilizon_announce(group, organizer, event)).status_code == 202
    h.drain()
    assert hub_rows(h) == {
        event["id"]: ("linked", group.uri, "published", datetime(2026, 12, 12, 17, tzinfo=UTC))
    }
    with h.node.engine.connect() as conn:  # on the network calendar too, once
        assert list(conn.execute(select(_event.c.object_uri)).scalars()) == [event["id"]]
    for path in (f"/hubs/{HUB}", f"/hubs/{HUB}/agenda"):
        page = h.client.get(path, headers=HTML).text
        assert "Rent strike assembly" in page, path
    page = h.client.get(f"/hubs/{HUB}", headers=HTML).text
    for shown in (
        "source-mark",
        "Climatejustice",
        "Bourse du Travail",
        "Tentative",
        "the organizers approve each participant",
        "anyone may take part without an account",
        "MOVEMENTS_POLITICS",
        "Europe/Paris",
        "100 places",
        "Wheelchair accessible",
        f'href="{event["url"]}"',
    ):
        assert shown in page, shown
    assert "Linked hub" not in page
    month = h.client.get(f"/hubs/{HUB}/calendar?month=2026-12", headers=HTML).text
    assert "Rent strike assembly" in month
    ics = h.client.get(f"/hubs/{HUB}/calendar.ics").text.replace("\r\n ", "")
    assert "Rent strike assembly" in ics
    assert "From the source @climatejustice@mobilizon.example" in ics
    with h.node.engine.begin() as conn:  # a steward hides it, as a linked hub's item
        set_hidden(conn, load_hub(conn, HUB), event["id"], True)
    assert "Rent strike assembly" not in h.client.get(f"/hubs/{HUB}", headers=HTML).text


def test_a_gancio_event_is_created_moved_and_deleted_on_the_hub(h: Harness) -> None:
    gancio = add(h.remote, "gancio.example", "federation/u/gancio", "Application")
    answer(h, gancio, ask_follow(h, gancio))
    event = load(GANCIO_EVENT)
    assert h.post_activity(gancio, gancio_create(event)).status_code == 202
    h.drain()
    assert hub_rows(h) == {
        event["id"]: ("linked", gancio.uri, "published", datetime(2026, 12, 5, 16, 30, tzinfo=UTC))
    }
    page = h.client.get(f"/hubs/{HUB}", headers=HTML).text
    for shown in (
        "Bike repair workshop",
        "source-mark",
        "Centro sociale La Fucina",
        "Via dei Volsci 26, Bologna",
        "https://stream.example/fucina",
    ):
        assert shown in page, shown
    moved = {
        **event,
        "startTime": "2026-12-06T10:00:00.000+01:00",
        "endTime": "2026-12-06T12:00:00.000+01:00",
        "updated": "2026-11-21T11:00:00Z",
    }
    update = {
        **gancio_create(moved),
        "type": "Update",
        "id": "https://gancio.example/federation/m/421#update",
    }
    assert h.post_activity(gancio, update).status_code == 202
    h.drain()
    assert hub_rows(h)[event["id"]][3] == datetime(2026, 12, 6, 9, tzinfo=UTC)
    with h.node.engine.connect() as conn:  # the network calendar moved it too
        assert conn.execute(select(_event.c.starts_at)).scalar_one().astimezone(UTC) == datetime(
            2026, 12, 6, 9, tzinfo=UTC
        )
    delete = activity(
        "Delete",
        id="https://gancio.example/federation/m/421#delete",
        actor=gancio.uri,
        object=event["id"],
        to=[PUBLIC],
    )
    assert h.post_activity(gancio, delete).status_code == 202
    h.drain()
    assert hub_rows(h) == {}
    assert "Bike repair workshop" not in h.client.get(f"/hubs/{HUB}", headers=HTML).text


def test_a_lemmy_page_and_a_mastodon_note_reach_the_hub_page(h: Harness) -> None:
    community = add(h.remote, "lemmy.example", "c/tenants", "Group")
    add(h.remote, "lemmy.example", "u/rosa")
    ana = add(h.remote, "mastodon.example", "users/ana")
    answer(h, community, ask_follow(h, community))
    answer(h, ana, ask_follow(h, ana), n=2)
    announce = load("lemmy.example/announce-create-page.json")
    page = announce["object"]["object"]
    h.remote.objects[page["id"]] = page
    assert h.post_activity(community, announce).status_code == 202
    note = {
        "id": f"{ana.uri}/statuses/1",
        "type": "Note",
        "attributedTo": ana.uri,
        "content": "<p>General assembly tonight</p>",
        "to": [PUBLIC],
        "published": "2026-11-21T10:00:00Z",
    }
    create = activity(
        "Create", id=f"{ana.uri}/statuses/1/activity", actor=ana.uri, object=note, to=[PUBLIC]
    )
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    rows = hub_rows(h)
    assert {uri: row[:3] for uri, row in rows.items()} == {
        page["id"]: ("linked", community.uri, "published"),
        note["id"]: ("linked", ana.uri, "published"),
    }
    shown = h.client.get(f"/hubs/{HUB}/updates", headers=HTML).text
    assert "General assembly tonight" in shown and "Six months of organizing" in shown
    assert shown.count('class="badge source-mark"') == 2 and "Linked hub" not in shown
    timeline = h.client.get("/network").text  # the node's timeline has them too
    assert "General assembly tonight" in timeline


def test_an_unfollowed_or_pending_source_brings_nothing(h: Harness) -> None:
    gancio = add(h.remote, "gancio.example", "federation/u/gancio", "Application")
    assert h.post_activity(gancio, gancio_create(load(GANCIO_EVENT))).status_code == 202
    h.drain()
    ask_follow(h, gancio)  # pending: not yet accepted
    assert h.post_activity(gancio, gancio_create(load(GANCIO_EVENT))).status_code == 202
    h.drain()
    assert hub_rows(h) == {}


def test_a_rejecting_source_reads_as_refused_and_unfollowing_sends_undo(h: Harness) -> None:
    ana = add(h.remote, "mastodon.example", "users/ana")
    gancio = add(h.remote, "gancio.example", "federation/u/gancio", "Application")
    answer(h, ana, ask_follow(h, ana), "Reject")
    assert states(h) == [(ana.uri, "rejected")]
    follow = ask_follow(h, gancio)
    answer(h, gancio, follow, n=2)
    event = load(GANCIO_EVENT)
    assert h.post_activity(gancio, gancio_create(event)).status_code == 202
    h.drain()
    with h.node.engine.begin() as conn:
        assert remove_source(h.node, conn, load_hub(conn, HUB), gancio.uri) == 1
    h.drain()
    undo = [a for a in h.remote.deliveries("https://gancio.example/inbox") if a["type"] == "Undo"]
    assert [(u["actor"], u["object"]["type"], u["object"]["id"]) for u in undo] == [
        (f"{h.node.settings.url}/hubs/{HUB}", "Follow", follow["id"])
    ]
    assert hub_rows(h) == {} and states(h) == [(ana.uri, "rejected")]
    assert h.post_activity(gancio, gancio_create(event)).status_code == 202
    h.drain()
    assert hub_rows(h) == {}  # no longer followed: nothing arrives


def test_what_a_hub_cannot_follow_as_a_source(h: Harness) -> None:
    ana = add(h.remote, "mastodon.example", "users/ana")
    dockers = add_group(h.remote, "oakland.example", "dockers")  # an ionode hub
    h.remote.objects["https://mastodon.example/notes/1"] = {
        "id": "https://mastodon.example/notes/1",
        "type": "Note",
    }
    for target, reason in (
        ("  ", "name the source"),
        ("@nobody@nowhere.example", "cannot find"),
        ("https://mastodon.example/notes/1", "not an actor"),
        (dockers.uri, "link it instead"),
        (f"{h.node.settings.url}/hubs/{HUB}", "link it instead"),
        (f"@{HUB}@{h.node.settings.host}", "link it instead"),
    ):
        with pytest.raises(HubError, match=reason):
            asyncio.run(find_hub_source(h.node, target))
    answer(h, ana, ask_follow(h, ana))
    found = asyncio.run(find_hub_source(h.node, ana.uri))
    refused(h, "already follows", lambda conn: add_source(h.node, conn, load_hub(conn, HUB), found))
    with h.node.engine.begin() as conn:
        mia = create_local_actor(
            conn, base_url=h.node.settings.url, kind="person", username="mia", now=h.now
        )
        set_member(conn, load_hub(conn, HUB), mia.uri, "member", h.now)
    refused(
        h,
        "not an admin or moderator",
        lambda conn: remove_source(h.node, conn, load_hub(conn, HUB), ana.uri, by=mia.uri),
    )
    refused(
        h,
        "not a source",
        lambda conn: remove_source(
            h.node, conn, load_hub(conn, HUB), "https://elsewhere.example/users/x"
        ),
    )


def test_the_hub_source_commands(
    h: Harness,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ana = add(h.remote, "mastodon.example", "users/ana")
    group = add(h.remote, "mobilizon.example", "@climatejustice", "Group")
    answer(h, ana, ask_follow(h, ana))
    ask_follow(h, group)
    flags = cli_flags(settings.database, tmp_path)
    assert run_cli(["hub", "source", "list", HUB], flags, monkeypatch) == 0
    out = capsys.readouterr().out
    assert f"{ana.uri}\tfollowing" in out and f"{group.uri}\tpending" in out
    assert (
        run_cli(
            ["hub", "source", "add", HUB, f"{h.node.settings.url}/hubs/{HUB}"], flags, monkeypatch
        )
        == 1
    )
    assert "link it instead" in capsys.readouterr().err
    assert (
        run_cli(["hub", "source", "remove", HUB, "@ana@mastodon.example"], flags, monkeypatch) == 0
    )
    assert f"no longer follows {ana.uri}" in capsys.readouterr().out
    assert (
        run_cli(["hub", "source", "remove", HUB, "@ana@mastodon.example"], flags, monkeypatch) == 1
    )
    assert "not a source" in capsys.readouterr().err
    assert states(h) == [(group.uri, "pending")]


def test_only_the_hub_that_follows_a_source_shows_its_items(h: Harness) -> None:
    gancio = add(h.remote, "gancio.example", "federation/u/gancio", "Application")
    with h.node.engine.begin() as conn:
        create_hub(conn, base_url=h.node.settings.url, name="bikes", title="Bikes", now=h.now)
    answer(h, gancio, ask_follow(h, gancio))
    event = load(GANCIO_EVENT)
    assert h.post_activity(gancio, gancio_create(event)).status_code == 202
    h.drain()
    assert "Bike repair workshop" in h.client.get(f"/hubs/{HUB}", headers=HTML).text
    assert "Bike repair workshop" not in h.client.get("/hubs/bikes", headers=HTML).text


def test_the_history_of_a_source_is_backfilled_onto_the_hub(
    settings: Settings, moving: MovableClock
) -> None:
    """On the source's Accept its outbox is walked (Mastodon's shape: ``Create``s of
    Notes without proofs, each refetched from its origin) and lands on the hub."""
    with hub_node(settings, moving) as h:
        ana = add(h.remote, "mastodon.example", "users/ana")
        outbox, notes = f"{ana.uri}/outbox", []
        for n in (1, 2):
            note = {
                "id": f"{ana.uri}/statuses/{n}",
                "type": "Note",
                "attributedTo": ana.uri,
                "content": f"<p>Earlier assembly {n}</p>",
                "to": [PUBLIC],
                "published": f"2026-11-1{n}T10:00:00Z",
            }
            h.remote.objects[note["id"]] = note
            notes.append(note)
        h.remote.objects[outbox] = {
            "id": outbox,
            "type": "OrderedCollection",
            "totalItems": 2,
            "first": f"{outbox}?page=true",
        }
        h.remote.objects[f"{outbox}?page=true"] = {
            "id": f"{outbox}?page=true",
            "type": "OrderedCollectionPage",
            "partOf": outbox,
            "orderedItems": [
                activity("Create", id=f"{n['id']}/activity", actor=ana.uri, object=n, to=[PUBLIC])
                for n in reversed(notes)
            ],
        }
        answer(h, ana, ask_follow(h, ana))
        moving.now += timedelta(seconds=2)
        assert h.client.portal is not None
        assert h.client.portal.call(lambda: run_due(h.node, worker="test")) == 1
        assert {uri: row[:3] for uri, row in hub_rows(h).items()} == {
            n["id"]: ("linked", ana.uri, "published") for n in notes
        }
        page = h.client.get(f"/hubs/{HUB}/updates", headers=HTML).text
        assert "Earlier assembly 1" in page and "Earlier assembly 2" in page


def test_a_source_is_not_linked_and_a_link_is_not_removed_as_a_source(h: Harness) -> None:
    community = add(h.remote, "lemmy.example", "c/tenants", "Group")
    answer(h, community, ask_follow(h, community))
    refused(
        h,
        "as a source; remove the source first",
        lambda conn: link(h.node, conn, load_hub(conn, HUB), LinkTarget(community.uri, None)),
    )
    refused(
        h, "is not linked to", lambda conn: unlink(h.node, conn, load_hub(conn, HUB), community.uri)
    )
    assert states(h) == [(community.uri, "accepted")]


def test_a_source_cannot_publish_another_accounts_object(h: Harness) -> None:
    """SECURITY.md, "Identity and origin": a Create is the sender's own object. A
    followed Mastodon account's ``Create`` of an object that names no author (the
    inbox lets it through: nothing on it names someone else) under another account's
    path, or of another account's status by its id, was stored and shown on the hub
    as the source's item: any account on a shared instance could plant text at its
    neighbours' URLs, or pass their posts off as its own publishing."""
    ana = add(h.remote, "mastodon.example", "users/ana")
    add(h.remote, "mastodon.example", "users/bob")
    answer(h, ana, ask_follow(h, ana))
    planted = {
        "id": "https://mastodon.example/users/bob/statuses/7",
        "type": "Note",
        "content": "<p>Bob says: the picket is cancelled</p>",
        "to": [PUBLIC],
        "published": "2026-11-21T10:00:00Z",
    }
    bobs = {
        "id": "https://mastodon.example/users/bob/statuses/8",
        "type": "Note",
        "attributedTo": "https://mastodon.example/users/bob",
        "content": "<p>Bob's own words</p>",
        "to": [PUBLIC],
        "published": "2026-11-21T10:00:00Z",
    }
    h.remote.objects[bobs["id"]] = bobs
    for n, obj in enumerate([planted, bobs["id"]]):
        create = activity(
            "Create",
            id=f"{ana.uri}/statuses/{n}/activity",
            actor=ana.uri,
            object=obj,
            to=[PUBLIC],
        )
        assert h.post_activity(ana, create).status_code == 202
    h.drain()
    assert hub_rows(h) == {}
    shown = h.client.get(f"/hubs/{HUB}/updates", headers=HTML).text
    assert "picket is cancelled" not in shown and "own words" not in shown
    assert "picket is cancelled" not in h.client.get("/network").text


def test_a_source_mentioning_the_newswire_is_both_shown_and_submitted(h: Harness) -> None:
    """Hooks take a Create in turn and the first that takes it ends the turn: the hubs'
    source hook came before the newswire's, so a followed account's post addressed to
    ``@news`` showed on the hub and was never queued as a news submission."""
    add_organizer(h.node.engine, "mo")
    make_moderator(h.node.engine, "mo", h.now)
    write_conduct(h.node.engine, h.now)
    ana = add(h.remote, "mastodon.example", "users/ana")
    answer(h, ana, ask_follow(h, ana))
    assert h.post_activity(ana, mention(ana)).status_code == 202
    h.drain()
    assert [row[:3] for row in hub_rows(h).values()] == [("linked", ana.uri, "published")]
    (item,) = rows(h, _news, _news.c.state == "waiting")
    assert item["title"] == "Port of Oakland shut down"
    direct = mention(ana, 2, text="Dockers walk out", to=[NEWS], cc=[], tag=False)
    assert h.post_activity(ana, direct).status_code == 202  # not public: not the hub's
    h.drain()
    assert len(hub_rows(h)) == 1
    assert [r["title"] for r in rows(h, _news, _news.c.state == "waiting")] == [
        "Port of Oakland shut down",
        "Dockers walk out",
    ]


def test_a_source_both_the_node_and_a_hub_follow_is_kept_once(h: Harness) -> None:
    """A source's Create goes on past the hubs' hook (the newswire may want it): the
    network's own hook then finds it kept and counts it once."""
    ana = add(h.remote, "mastodon.example", "users/ana")
    answer(h, ana, ask_follow(h, ana))
    follow_and_accept(h, ana)  # the node follows her too: its Follow is the last one
    note = {
        "id": f"{ana.uri}/statuses/1",
        "type": "Note",
        "attributedTo": ana.uri,
        "content": "<p>Assembly at six</p>",
        "to": [PUBLIC],
        "published": "2026-11-21T10:00:00Z",
    }
    create = activity(
        "Create", id=f"{ana.uri}/statuses/1/activity", actor=ana.uri, object=note, to=[PUBLIC]
    )
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    assert list(hub_rows(h)) == [note["id"]]
    (peer,) = rows(h, _peer, _peer.c.actor_uri == ana.uri)
    assert peer["received"] == 1
    assert len(rows(h, _network_item, _network_item.c.object_uri == note["id"])) == 1
def test_a_lemmy_community_is_followed_by_its_bang_address(
    h: Harness,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``!tenants@lemmy.example`` is the community, though a user shares its name (a
    plain ``@tenants@lemmy.example`` stays ambiguous, and is refused as such)."""
    community = lemmy_tenants(h.remote)
    assert asyncio.run(find_hub_source(h.node, "!tenants@lemmy.example")).uri == community.uri
    with pytest.raises(HubError, match="2 different rel=self links"):
        asyncio.run(find_hub_source(h.node, "@tenants@lemmy.example"))
    # the command, its node reaching the same fake fediverse
    monkeypatch.setattr("node.app.build_node", partial(build_node, transport=h.remote.transport()))
    flags = cli_flags(settings.database, tmp_path)
    assert run_cli(["hub", "source", "add", HUB, "!tenants@lemmy.example"], flags, monkeypatch) == 0
    assert f"asked to follow {community.uri}" in capsys.readouterr().out
    assert states(h) == [(community.uri, "pending")]
    assert run_cli(["hub", "source", "list", HUB], flags, monkeypatch) == 0
    assert f"{community.uri}\tpending" in capsys.readouterr().out
    remove = ["hub", "source", "remove", HUB, "!tenants@lemmy.example"]
    assert run_cli(remove, flags, monkeypatch) == 0
    assert f"no longer follows {community.uri}" in capsys.readouterr().out
    assert states(h) == []
