"""Seams between the network's paths (issue 9 items 2, 4, 5, 7): whichever path brings,
edits, deletes or takes back an item (a linked hub, a followed node, a backfill), the
network calendar (``network_event``), the timeline (``network_item``) and "posted in"
(``item_origin``) stay right."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from node.activitypub.models import StoredObject
from node.activitypub.vocab import PUBLIC
from node.clock import Clock
from node.hubs.hub.models import HubItem
from node.network import backfill_walk
from node.network.backfill_run import run_due
from node.network.calendar import Filters as CalendarFilters
from node.network.calendar import between
from node.network.models import ItemOrigin, NetworkEvent, NetworkItem
from node.network.origins import posted_in
from node.network.receive import keep
from node.network.timeline import Filters, sparse_filters, timeline_page
from node.network.unwrap import Received
from node.settings import Settings
from tests.conftest import NOW
from tests.node.backfill_support import publish_history
from tests.node.harness import Harness, rows
from tests.node.hub_harness import hub_node
from tests.node.hub_support import MovableClock
from tests.node.linked_hubs_support import (
    OAKLAND,
    accept,
    announce_create,
    ask_link,
    event,
    share,
)
from tests.node.linked_hubs_support import (
    linked as linked,  # the fixture
)
from tests.node.network_support import FakeGroup, signed

_events = NetworkEvent.__table__  # type: ignore[attr-defined]
_network = NetworkItem.__table__  # type: ignore[attr-defined]
_origins = ItemOrigin.__table__  # type: ignore[attr-defined]
_linked = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def test_a_linked_hub_s_edit_and_delete_move_the_network_calendar(
        h: Harness, linked: FakeGroup) -> None:
    """The linked path indexed the Event on arrival, but its Update did not move it and
    its Delete left it on the network calendar (and in "posted in")."""
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    rally = event(joan, linked, 1, h.now)
    share(h, linked, announce_create(linked, joan, rally, 1, h.now))
    (row,) = rows(h, _events, _events.c.object_uri == rally["id"])
    assert row["starts_at"].day == 12
    moved = event(joan, linked, 1, h.now, start="2026-12-13T07:00:00-08:00",
                  updated="2026-11-22T10:00:00Z")
    share(h, linked, announce_create(linked, joan, moved, 2, h.now, kind="Update"))
    (row,) = rows(h, _events, _events.c.object_uri == rally["id"])
    assert row["starts_at"].day == 13
    tombstone = signed(joan, {"id": f"https://{OAKLAND}/activities/d1", "type": "Delete",
                              "actor": joan.uri, "to": [PUBLIC],
                              "object": {"id": rally["id"], "type": "Tombstone"}}, h.now)
    share(h, linked, signed(linked, {"id": f"{linked.uri}/announces/d1", "type": "Announce",
                                     "actor": linked.uri, "object": tombstone,
                                     "to": [PUBLIC]}, h.now))
    assert rows(h, _events, _events.c.object_uri == rally["id"]) == []
    assert rows(h, _origins, _origins.c.object_uri == rally["id"]) == []


def test_a_linked_hub_taking_an_item_back_is_no_longer_listed_as_posting_it(
        h: Harness, linked: FakeGroup) -> None:
    """A linked hub's ``Undo{Announce}`` (its moderation) was handled by no hook: the
    item stayed on our hub's page, on the calendar, and "posted in" the hub."""
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    rally = event(joan, linked, 1, h.now)
    shared = announce_create(linked, joan, rally, 1, h.now)
    share(h, linked, shared)
    undo = signed(linked, {"id": f"{linked.uri}/undos/1", "type": "Undo",
                           "actor": linked.uri, "object": shared, "to": [PUBLIC]}, h.now)
    assert rows(h, _linked, _linked.c.origin == "linked") != []
    share(h, linked, undo)  # what the hub's moderation sends its followers
    assert rows(h, _linked, _linked.c.origin == "linked") == []
    assert rows(h, _origins, _origins.c.object_uri == rally["id"]) == []
    assert rows(h, _events, _events.c.object_uri == rally["id"]) == []


HUB_A, HUB_B = "https://a.example/hubs/one", "https://b.example/hubs/two"
URI = "https://a.example/objects/e1"


def _event_doc() -> dict[str, object]:
    return {"id": URI, "type": "Event", "name": "Strike", "attributedTo":
            "https://a.example/users/joan", "to": [PUBLIC],
            "startTime": "2026-12-12T07:00:00Z", "published": "2026-11-20T10:00:00Z"}


def test_one_hub_unsharing_leaves_the_item_shown_for_the_other_hub(h: Harness) -> None:
    """The item was posted in two hubs; the first one (the timeline's origin) took it
    out: it stayed on the calendar but left the timeline, though hub two still shares it."""
    doc = _event_doc()
    with h.node.engine.begin() as conn:
        for hub in (HUB_A, HUB_B):
            keep(conn, Received("store", URI, "https://a.example/users/joan", hub, doc),
                 "https://a.example/actor", h.now)
        keep(conn, Received("unshare", URI, HUB_A, HUB_A), "https://a.example/actor", h.now)
        assert [o.hub_uri for o in posted_in(conn, [URI])[URI]] == [HUB_B]
    (item,) = rows(h, _network, _network.c.object_uri == URI)
    (indexed,) = rows(h, _events, _events.c.object_uri == URI)
    assert item["hub_uri"] == indexed["hub_uri"] == HUB_B
    with h.node.engine.begin() as conn:
        keep(conn, Received("unshare", URI, HUB_B, HUB_B), "https://b.example/actor", h.now)
    assert rows(h, _network, _network.c.object_uri == URI) == []
    assert rows(h, _events, _events.c.object_uri == URI) == []


def test_a_delete_met_by_a_backfill_takes_a_known_event_off_the_calendar(
        h: Harness) -> None:
    """A backfill's Delete tombstoned the object but left its timeline and calendar rows."""
    doc = _event_doc()
    with h.node.engine.begin() as conn:
        keep(conn, Received("store", URI, "https://a.example/users/joan", HUB_A, doc),
             "https://a.example/actor", h.now)
        assert backfill_walk.keep(conn, Received(
            "delete", URI, "https://a.example/users/joan", HUB_A), HUB_A, h.now) == "applied"
    assert rows(h, _events, _events.c.object_uri == URI) == []
    assert rows(h, _network, _network.c.object_uri == URI) == []
    assert rows(h, _origins, _origins.c.object_uri == URI) == []



@pytest.fixture
def hb(settings: Settings, moving: MovableClock) -> Iterator[Harness]:
    with hub_node(settings, moving) as harness:
        yield harness


def test_a_linked_hub_s_backfilled_history_shows_on_the_linking_hub_s_page(
        hb: Harness, moving: MovableClock) -> None:
    """Linking a hub backfilled its outbox into ``network_item`` only: the hub page that
    linked it showed none of that history as linked items."""
    _, theirs = publish_history(hb.remote, NOW)
    accept(hb, theirs, ask_link(hb, theirs))
    moving.now += timedelta(seconds=2)
    assert hb.client.portal is not None
    assert hb.client.portal.call(lambda: run_due(hb.node, worker="test")) == 1
    history = rows(hb, _linked, _linked.c.origin == "linked")
    assert len(history) == 6 and {r["linked_from"] for r in history} == {theirs.uri}
    assert len(rows(hb, _network)) == 6  # and on the network timeline, once each
    page = hb.client.get("/hubs/portshutdown", headers={"accept": "text/html"}).text
    assert page.count("from Portshutdown @ oakland.example") >= 4


def _note(n: int, published: str) -> dict[str, object]:
    return {"id": f"https://a.example/objects/n{n}", "type": "Note", "to": [PUBLIC],
            "attributedTo": "https://a.example/users/joan", "content": f"<p>{n}</p>",
            "published": published}


def _store(h: Harness, doc: dict[str, object], hub: str, now: datetime) -> None:
    with h.node.engine.begin() as conn:
        keep(conn, Received("store", str(doc["id"]), "https://a.example/users/joan", hub,
                            doc), "https://a.example/actor", now)


def test_the_timeline_is_in_publication_order_not_arrival(h: Harness) -> None:
    """A backfill's weeks-old items arrived last and were listed on top as new."""
    _store(h, _note(1, "2026-11-21T11:00:00Z"), HUB_A, h.now)
    later = h.now + timedelta(minutes=5)
    for n, day in ((2, 10), (3, 9), (4, 8)):  # a backfill walks newest first
        _store(h, _note(n, f"2026-11-{day:02d}T10:00:00Z"), HUB_A, later)
    _store(h, _note(5, "2030-01-01T00:00:00Z"), HUB_A, later)  # a date ahead: not on top
    with h.node.engine.connect() as conn:
        first = timeline_page(conn, Filters(), limit=2)
        assert [i.uri[-2:] for i in first.items] == ["n5", "n1"]
        assert first.before is not None
        rest = timeline_page(conn, Filters(), before=first.before, limit=2)
        assert [i.uri[-2:] for i in rest.items] == ["n2", "n3"]
        assert rest.before is not None
        last = timeline_page(conn, Filters(), before=rest.before, limit=2)
        assert [i.uri[-2:] for i in last.items] == ["n4"] and last.before is None


def test_the_hub_filter_finds_an_item_by_any_hub_it_was_posted_in(h: Harness) -> None:
    """The hub filter read ``network_item.hub_uri``, the first origin only."""
    doc = _note(1, "2026-11-21T11:00:00Z")
    _store(h, doc, HUB_A, h.now)
    _store(h, doc, HUB_B, h.now)  # the same item, posted in a second hub
    with h.node.engine.connect() as conn:
        for hub in (HUB_A, HUB_B):
            assert [i.uri for i in timeline_page(conn, Filters(hub=hub)).items] == [doc["id"]]
        assert timeline_page(conn, Filters(hub="https://c.example/hubs/x")).items == []


def test_a_rare_and_a_common_hub_or_tag_page_alike(h: Harness) -> None:
    """A hub or tag with few items is read through its index and sorted, a common one
    by walking the newest items (sparse_filters): both give the same pages."""
    tag = [{"type": "Hashtag", "name": "#Dockers"}]
    for n in range(1, 12):
        doc = {**_note(n, f"2026-11-{n + 5:02d}T10:00:00Z"), **({"tag": tag} if n % 2 else {})}
        _store(h, doc, HUB_A if n % 3 else HUB_B, h.now)
        if n % 4 == 0:
            _store(h, doc, HUB_B, h.now)  # also posted in hub B: item_origin only
    with h.node.engine.connect() as conn:
        assert set(sparse_filters(conn, Filters(hub=HUB_B, tag="dockers"))) == {"hub", "tag"}
        assert sparse_filters(conn, Filters(hub=HUB_B, tag="dockers"), 2) == {}

        def pages(filters: Filters, sparse_at: int) -> list[list[str]]:
            found, before = [], None
            while True:
                page = timeline_page(conn, filters, before=before, limit=2,
                                     sparse_at=sparse_at)
                found.append([i.uri.rsplit("/n", 1)[1] for i in page.items])
                if page.before is None:
                    return found
                before = page.before

        for filters, expected in (
                (Filters(hub=HUB_B), ["9", "8", "6", "4", "3"]),
                (Filters(tag="dockers"), ["11", "9", "7", "5", "3", "1"]),
                (Filters(hub=HUB_B, tag="dockers"), ["9", "3"])):
            rare, common = pages(filters, 300), pages(filters, 0)
            assert rare == common
            assert [n for page in rare for n in page] == expected


def test_the_calendar_s_hub_filter_finds_an_event_by_any_hub_it_was_posted_in(
        h: Harness) -> None:
    """The calendar's hub filter read ``network_event.hub_uri``, the first origin only."""
    with h.node.engine.begin() as conn:
        for hub in (HUB_A, HUB_B):
            keep(conn, Received("store", URI, "https://a.example/users/joan", hub,
                                _event_doc()), "https://a.example/actor", h.now)
    start, end = datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    with h.node.engine.connect() as conn:
        for hub in (HUB_A, HUB_B):
            found = between(conn, start, end, CalendarFilters(hub=hub))
            assert [r.uri for r in found] == [URI]
        assert between(conn, start, end, CalendarFilters(hub="https://c.example/h")) == []


def test_the_timeline_filters_by_tag_and_region_as_the_calendar_does(h: Harness) -> None:
    """Issue 9 item 5 names tag and region filters; the timeline had neither."""
    tagged = {**_note(1, "2026-11-21T10:00:00Z"), "tag": [
        {"type": "Hashtag", "name": "#RentStrike"}],
        "location": {"type": "Place", "address": {"addressRegion": "Pennsylvania"}}}
    _store(h, tagged, HUB_A, h.now)
    _store(h, _note(2, "2026-11-21T11:00:00Z"), HUB_B, h.now)
    with h.node.engine.connect() as conn:
        def uris(**given: str) -> list[str]:
            return [i.uri[-2:] for i in timeline_page(conn, Filters(**given)).items]
        assert uris() == ["n2", "n1"]
        assert uris(tag="rentstrike") == uris(region="pennsylvania") == ["n1"]
        assert uris(tag="climate") == uris(region="ohio") == []
    edited = {**tagged, "tag": [{"type": "Hashtag", "name": "#Climate"}],
              "updated": "2026-11-21T11:30:00Z"}
    with h.node.engine.begin() as conn:  # an Update re-indexes the tags
        keep(conn, Received("update", str(edited["id"]), "https://a.example/users/joan",
                            HUB_A, edited), "https://a.example/actor", h.now)
    with h.node.engine.connect() as conn:
        assert [i.uri[-2:] for i in timeline_page(conn, Filters(tag="climate")).items] \
            == ["n1"]
        assert timeline_page(conn, Filters(tag="rentstrike")).items == []
    page = h.client.get("/network", params={"tag": "#Climate"},
                        headers={"accept": "text/html"}).text
    assert 'name="tag" value="climate"' in page and "objects/n1" in page
    assert "objects/n2" not in page


def test_an_edit_met_by_a_backfill_updates_an_item_already_here(h: Harness) -> None:
    """A backfill's Update of an object stored earlier (by a relay, before the edit
    this node missed) was counted a duplicate and the old version stayed on show."""
    doc = _event_doc()
    with h.node.engine.begin() as conn:
        keep(conn, Received("store", URI, "https://a.example/users/joan", HUB_A, doc),
             "https://a.example/actor", h.now)
        moved = {**doc, "startTime": "2026-12-19T07:00:00Z", "name": "Strike, moved",
                 "updated": "2026-11-21T11:00:00Z"}
        assert backfill_walk.keep(conn, Received(
            "update", URI, "https://a.example/users/joan", HUB_A, moved), HUB_A,
            h.now) == "duplicate"
    (stored,) = rows(h, _objects, _objects.c.uri == URI)
    (indexed,) = rows(h, _events, _events.c.object_uri == URI)
    assert stored["document"]["name"] == "Strike, moved" and indexed["starts_at"].day == 19
