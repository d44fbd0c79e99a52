"""A notice's kind is data, recorded where the notice is made (node.hubs.hub.notices): the
Note carries it in ionode's ``noticeKind`` term and its hub items in ``notice_kind``,
and the hub page says the notice in its reader's language from that, whatever words the
Note holds. A notice from another ionode node carries its kind over the wire; one
without a kind is shown as its text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from node.activitypub.models import StoredObject
from node.activitypub.vocab import PUBLIC, activity, isoformat
from node.app import create_app
from node.clock import Clock, fixed_clock
from node.hubs.calls.service import cancel_call
from node.hubs.events.rules import EventSpec, Place
from node.hubs.events.service import cancel_event, create_event, move_event
from node.hubs.hub.models import HubItem
from node.hubs.hub.service import create_hub
from node.hubs.hub.vocab import NAMESPACE, ionode_context_document
from node.runtime import Node
from node.settings import Settings
from node.text import post_html
from tests.conftest import NOW
from tests.node.harness import Harness, rows
from tests.node.hub_harness import add_member, hub_node
from tests.node.hub_pages_support import BASE, HTML, HUB, Site, a_series, section
from tests.node.linked_hubs_support import (
    OAKLAND,
    announce_create,
    event,
    share,
)
from tests.node.linked_hubs_support import (
    linked as linked,  # the fixture
)
from tests.node.network_support import FakeGroup, signed

_items = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
NOTICE_LINE = re.compile(r'<p class="notice-line">([^<]+)</p>')
WHEN = re.compile(r'<p class="when"><time datetime="[^"]+">([^<]+)</time>')


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        node: Node = app.state.node
        with node.engine.begin() as conn:
            create_hub(conn, base_url=BASE, name=HUB, title="West Coast Port Shutdown",
                       now=NOW)
        site = Site(client, node)
        site.person("nate", "admin")
        yield site


def _event(site: Site, title: str, days: int) -> str:
    spec = EventSpec(title=title, start=NOW + timedelta(days=days),
                     end=NOW + timedelta(days=days, hours=2), timezone="Europe/Madrid",
                     location=Place("Union hall"))
    return str(site.run(lambda node, conn: create_event(node, conn, author="nate", hubs=[HUB],
                                                        spec=spec)).object["id"])


def _next_up(client: TestClient, language: str) -> str:
    response = client.get(f"/hubs/{HUB}", headers={**HTML, "Accept-Language": language})
    assert response.status_code == 200
    return section(response.text, "next")


def _reword(site: Site, note_uri: str, markdown: str, event_uri: str) -> None:
    """The stored notice in other words (as a node writing its notes in another
    language would have made it): its kind stays what was recorded."""
    def work(node: Node, conn: Any) -> None:
        document = conn.execute(select(_objects.c.document).where(
            _objects.c.uri == note_uri)).scalar_one()
        conn.execute(update(_objects).where(_objects.c.uri == note_uri).values(
            document={**document, "content": post_html(f"{markdown}\n<{event_uri}>")}))
    site.run(work)


def test_a_notice_in_other_words_still_reads_as_its_kind(site: Site) -> None:
    # Given a moved and a cancelled event whose notices hold words that do not open as
    # this software's English notes do, when English and Spanish readers open the hub,
    # then each reads the notice of its kind in their language, with the card's time.
    moved, cancelled = _event(site, "March to the port", 2), _event(site, "Solidarity dinner", 4)
    move = site.run(lambda node, conn: move_event(node, conn, actor="nate", uri=moved,
                                                  start="2026-11-24 18:00"))
    cancel = site.run(lambda node, conn: cancel_event(node, conn, actor="nate", uri=cancelled))
    assert move.note is not None and cancel.note is not None
    _reword(site, move.note["id"], "**Movido:** la marcha cambia de hora", moved)
    _reword(site, cancel.note["id"], "Dinner is off, sorry", cancelled)
    english, spanish = _next_up(site.client, "en"), _next_up(site.client, "es")
    times = WHEN.findall(english)
    assert NOTICE_LINE.findall(english) == [f"Moved: March to the port is now {times[0]}",
                                            f"Cancelled: Solidarity dinner, {times[1]}"]
    times = WHEN.findall(spanish)
    assert NOTICE_LINE.findall(spanish) == [f"Movido: March to the port ahora es {times[0]}",
                                            f"Cancelado: Solidarity dinner, {times[1]}"]


def test_the_note_carries_its_kind_and_mastodon_reads_the_same_words(site: Site) -> None:
    # Given a move and the end of a call series, when their notices are made, then each
    # Note says its kind in ionode's declared term beside the same English content as
    # before, and each hub item records the kind.
    moved = _event(site, "March to the port", 2)
    move = site.run(lambda node, conn: move_event(node, conn, actor="nate", uri=moved,
                                                  start="2026-11-24 18:00"))
    series = a_series(site, "nate")[0]
    ended = site.run(lambda node, conn: cancel_call(node, conn, actor="nate", uri=series))
    assert move.note is not None and ended.note is not None
    for note, kind in ((move.note, "moved"), (ended.note, "ended")):
        assert note["noticeKind"] == kind
        assert {"ionode": NAMESPACE, "noticeKind": "ionode:noticeKind"} in note["@context"]
        (item,) = site.run(lambda node, conn, uri=note["id"]: list(conn.execute(
            select(_items.c.notice_kind).where(_items.c.object_uri == uri)).scalars()))
        assert item == kind
    assert move.note["content"].startswith(
        "<p><strong>Moved:</strong> March to the port is now Tue 24 Nov 2026, 6:00 PM to"
        " 8:00 PM CET (Europe/Madrid)<br>")
    assert ended.note["content"].startswith("<p><strong>Cancelled:</strong> National call, ")
    assert "There will be no further calls." in ended.note["content"]
    assert ionode_context_document()["@context"]["noticeKind"] == "ionode:noticeKind"


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def _remote_notice(h: Harness, n: int, event_uri: str, words: str,
                   kind: Any) -> dict[str, Any]:
    """A notice Note by Joan on oakland.example about ``event_uri``, as an ionode node
    sends one (with ``noticeKind`` when ``kind``), signed."""
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    context: list[Any] = ["https://www.w3.org/ns/activitystreams",
                          "https://w3id.org/security/data-integrity/v1"]
    extra: dict[str, Any] = {}
    if kind is not None:
        context.append({"ionode": NAMESPACE, "noticeKind": "ionode:noticeKind"})
        extra["noticeKind"] = kind
    uri = f"https://{OAKLAND}/objects/notice{n}"
    return signed(joan, {
        "@context": context, "id": uri, "type": "Note", "attributedTo": joan.uri,
        "content": f'<p>{words}<br><a href="{event_uri}">{event_uri}</a></p>',
        "to": [PUBLIC, f"https://{OAKLAND}/hubs/dockers"], "url": uri,
        "published": isoformat(h.now), **extra}, h.now)


def test_a_notice_from_another_node_carries_its_kind(h: Harness, linked: FakeGroup) -> None:
    # Given a linked hub on another ionode node that moved two events, one notice with
    # its kind in other words and one without a kind, when our hub's readers open the
    # page, then the first reads as a move in their language and the second as it came.
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    first = event(joan, linked, 1, h.now)
    second = event(joan, linked, 2, h.now, start="2026-12-13T07:00:00-08:00",
                   name="Picket at berth 6")
    with_kind = _remote_notice(h, 1, first["id"], "Verschoben: Blockade am Liegeplatz 5",
                               "moved")
    without = _remote_notice(h, 2, second["id"], "Moved: Picket at berth 6 is now Sunday",
                             None)
    for n, document in enumerate((first, second, with_kind, without), start=1):
        share(h, linked, announce_create(linked, joan, document, n, h.now))
    kinds = {r["object_uri"]: r["notice_kind"]
             for r in rows(h, _items, _items.c.origin == "linked")}
    assert (kinds[with_kind["id"]], kinds[without["id"]]) == ("moved", "")
    english, spanish = (_next_up(h.client, lang) for lang in ("en", "es"))
    times = WHEN.findall(english)
    assert NOTICE_LINE.findall(english) == [
        f"Moved: Blockade at berth 5 is now {times[0]}",
        "Moved: Picket at berth 6 is now Sunday"]
    times = WHEN.findall(spanish)
    assert NOTICE_LINE.findall(spanish) == [
        f"Movido: Blockade at berth 5 ahora es {times[0]}",
        "Moved: Picket at berth 6 is now Sunday"]


def test_a_notice_posted_into_our_hub_from_another_node_keeps_its_kind(h: Harness) -> None:
    # Given a member on another ionode node, when their notice of a cancellation is
    # posted into our hub (Create to its inbox), then its hub item records the kind the
    # Note carries; a kind we do not know, or no string, is not recorded (shown as its
    # text).
    joan = h.remote.add_actor(OAKLAND, "joan")
    add_member(h, joan.uri)
    hub_uri = f"{h.node.settings.url}/hubs/{HUB}"
    for n, kind in ((1, "cancelled"), (2, "postponed"), (3, ["moved"])):
        note = _remote_notice(h, n, f"https://{OAKLAND}/objects/e{n}", "Abgesagt", kind)
        note["to"] = [PUBLIC, hub_uri]
        create = activity("Create", id=f"https://{OAKLAND}/activities/c{n}", actor=joan.uri,
                          object=signed(joan, {k: v for k, v in note.items() if k != "proof"},
                                        h.now), to=[PUBLIC, hub_uri])
        assert h.post_activity(joan, create).status_code == 202
        h.drain()
    kinds = [(r["origin"], r["notice_kind"]) for r in rows(h, _items)]
    assert kinds == [("remote", "cancelled"), ("remote", ""), ("remote", "")]


def test_an_edited_notice_takes_the_kind_its_new_version_carries(h: Harness) -> None:
    # Given a notice of a cancellation posted into our hub from another node, when its
    # author corrects it to a move (an Update of the Note), then its hub item reads as a
    # move: the kind was written on Create only and stayed "cancelled".
    joan = h.remote.add_actor(OAKLAND, "joan")
    add_member(h, joan.uri)
    hub_uri = f"{h.node.settings.url}/hubs/{HUB}"
    for n, (verb, kind) in enumerate((("Create", "cancelled"), ("Update", "moved")), start=1):
        note = _remote_notice(h, 1, f"https://{OAKLAND}/objects/e1", "Verschoben", kind)
        note["to"] = [PUBLIC, hub_uri]
        if verb == "Update":
            note["updated"] = isoformat(h.now + timedelta(minutes=5))
        sent = activity(verb, id=f"https://{OAKLAND}/activities/{verb.lower()}{n}",
                        actor=joan.uri, to=[PUBLIC, hub_uri], object=signed(
                            joan, {k: v for k, v in note.items() if k != "proof"}, h.now))
        assert h.post_activity(joan, sent).status_code == 202
        h.drain()
        assert [r["notice_kind"] for r in rows(h, _items)] == [kind]


def test_a_linked_hub_s_edited_notice_takes_its_new_kind(h: Harness, linked: FakeGroup) -> None:
    # Given a linked hub's notice with no kind (an older node), when the linked hub shares
    # its author's Update that now carries one, then our copy reads as that kind.
    joan = h.remote.actors[f"https://{OAKLAND}/users/joan"]
    notice = _remote_notice(h, 1, f"https://{OAKLAND}/objects/e1", "Moved", None)
    share(h, linked, announce_create(linked, joan, notice, 1, h.now))
    edited = _remote_notice(h, 1, f"https://{OAKLAND}/objects/e1", "Moved", "moved")
    edited["updated"] = isoformat(h.now + timedelta(minutes=5))
    share(h, linked, announce_create(linked, joan, signed(
        joan, {k: v for k, v in edited.items() if k != "proof"}, h.now), 2, h.now,
        kind="Update"))
    assert [r["notice_kind"] for r in rows(h, _items, _items.c.origin == "linked")] == [
        "moved"]
