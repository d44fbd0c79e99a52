"""``/network`` and ``/network/feed.atom``: what arrived from followed nodes and relays,
newest first, once each, with its origin; filters, keyset pages, and the Atom version."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import Engine, delete, select, update
from starlette.testclient import TestClient

from node.accounts.models import Account
from node.network.models import NetworkItem
from node.settings import Settings
from tests.conftest import NOW
from tests.node.network_timeline_support import HOSTS, add_hub, add_item
from tests.node.web_support import MovableClock, add_organizer, login, web_app

BASE = "https://philly.example"
OAK, BER = HOSTS


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(web_app(settings, MovableClock(NOW)), base_url=BASE) as c:
        yield c


def shown(html: str) -> list[int]:
    """The item numbers on a page, in page order."""
    return [int(n) for n in re.findall(r"Item number (\d+) from", html)]


def at(n: int):  # type: ignore[no-untyped-def]
    return NOW - timedelta(hours=100 - n)


@pytest.fixture
def seeded(engine: Engine) -> dict[str, str]:
    oak_hub = add_hub(engine, OAK, "tenants", "Oakland Tenants")
    ber_hub = add_hub(engine, BER, "klima", "Klimacamp Berlin")
    add_item(engine, 1, at(1), hub=oak_hub)
    add_item(engine, 2, at(2), host=BER, hub=ber_hub, kind="Article", name="Minutes of May")
    add_item(engine, 3, at(3), hub=oak_hub, kind="Event", name="Rent strike assembly",
             startTime=(NOW + timedelta(days=3)).isoformat())
    add_item(engine, 4, at(4), hub=oak_hub, deleted=True)
    add_item(engine, 5, at(5), hub=oak_hub, public=False)
    add_item(engine, 6, at(6), host=BER, hub=ber_hub, kind="Question",
             oneOf=[{"type": "Note", "name": "Yes", "replies": {"totalItems": 2}}])
    add_item(engine, 7, at(7), host=BER)  # names no hub
    return {"oak": oak_hub, "ber": ber_hub}


def test_newest_first_once_each_with_origin_and_no_deleted_or_private(
        client: TestClient, seeded: dict[str, str]) -> None:
    page = client.get("/network")
    assert page.status_code == 200
    html = page.text
    assert shown(html) == [7, 6, 2, 1]
    assert "Rent strike assembly" in html and "Minutes of May" in html
    assert 'href="https://oakland.example/hubs/tenants">Oakland Tenants</a>' in html
    assert 'href="https://berlin.example/">berlin.example</a>' in html
    assert 'href="https://oakland.example/objects/item-1"' in html  # the original
    assert ">https://" not in html, "no raw URL as text"
    for kind in ("Note", "Article", "Event", "Question"):
        assert f'<span class="badge kind">{kind}</span>' in html
    assert html.count("<h1>") == 1


def test_filters_by_node_hub_and_kind(client: TestClient, seeded: dict[str, str]) -> None:
    assert shown(client.get("/network", params={"node": BER}).text) == [7, 6, 2]
    assert shown(client.get("/network", params={"node": "BERLIN.example"}).text) == [7, 6, 2]
    assert shown(client.get("/network", params={"hub": seeded["oak"]}).text) == [1]
    assert "Rent strike assembly" in client.get("/network", params={"hub": seeded["oak"]}).text
    assert shown(client.get("/network", params={"kind": "Note"}).text) == [7, 1]
    both = client.get("/network", params={"node": BER, "kind": "Article"}).text
    assert shown(both) == [2]
    assert '<option value="Article" selected>' in both
    assert f'value="{BER}"' in both  # the form keeps what was asked


@pytest.mark.parametrize("params", [{"node": "nowhere.example"}, {"hub": "https://x/hubs/y"},
                                    {"kind": "Bogus"}, {"kind": "x\x00y"}, {"node": "a" * 300},
                                    {"hub": "\x00"}])
def test_unknown_filters_give_an_empty_list(client: TestClient, seeded: dict[str, str],
                                            params: dict[str, str]) -> None:
    page = client.get("/network", params=params)
    assert page.status_code == 200
    assert shown(page.text) == []
    assert "Nothing from the network matches these filters." in page.text


def test_pages_are_a_stable_keyset_while_items_arrive(client: TestClient,
                                                      engine: Engine) -> None:
    for n in range(1, 46):
        add_item(engine, n, at(n))
    first = client.get("/network").text
    assert shown(first) == list(range(45, 25, -1))
    older = re.search(r'href="(/network\?before=[\w.~]+)"', first)
    assert older
    for n in range(46, 50):  # arrive while the reader pages
        add_item(engine, n, at(n))
    second = client.get(older.group(1)).text
    assert shown(second) == list(range(25, 5, -1))
    last = re.search(r'href="(/network\?before=[\w.~]+)"', second)
    assert last
    third = client.get(last.group(1)).text
    assert shown(third) == [5, 4, 3, 2, 1]
    assert "before=" not in third
    assert client.get("/network?before=abc").status_code == 400
    assert client.get("/network?before=25x").status_code == 400
    assert client.get("/network?before=-25").status_code == 400


def row_id(engine: Engine, n: int) -> int:
    items = NetworkItem.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(select(items.c.id).where(
            items.c.object_uri.endswith(f"/item-{n}"))).scalar_one())


def test_a_former_bare_id_cursor_still_pages(client: TestClient, engine: Engine) -> None:
    """Links written before the cursors carried values (``?before=<row id>``, held by
    bookmarks and search engines) read that row's time and id; a row that is gone
    gives the first page, never an error page."""
    for n in range(1, 31):
        add_item(engine, n, at(n))
    page = client.get(f"/network?before={row_id(engine, 11)}")
    assert page.status_code == 200
    assert shown(page.text) == list(range(10, 0, -1))
    gone = client.get("/network?before=987654321")
    assert gone.status_code == 200
    assert shown(gone.text) == list(range(30, 10, -1))


def test_older_after_the_boundary_item_was_deleted(client: TestClient,
                                                   engine: Engine) -> None:
    """The cursor carries the last item's time and id: the page after it is right even
    when that item is gone (it named a row before, and "Older" came back empty)."""
    for n in range(1, 31):
        add_item(engine, n, at(n))
    first = client.get("/network").text
    assert shown(first) == list(range(30, 10, -1))
    older = re.search(r'href="(/network\?before=[\w.~]+)"', first)
    assert older
    with engine.begin() as conn:  # item 11, the last one shown, is deleted
        conn.execute(delete(NetworkItem.__table__).where(  # type: ignore[attr-defined]
            NetworkItem.__table__.c.object_uri.endswith("/item-11")))  # type: ignore[attr-defined]
    assert shown(client.get(older.group(1)).text) == list(range(10, 0, -1))


def test_next_page_keeps_the_filters(client: TestClient, engine: Engine) -> None:
    for n in range(1, 50):
        add_item(engine, n, at(n), host=HOSTS[n % 2], kind="Note")
    first = client.get("/network", params={"node": OAK, "kind": "Note"}).text
    assert shown(first) == list(range(48, 9, -2))
    link = re.search(r'href="(/network\?[^"]*before=[\w.~]+)"', first)
    assert link and "node=oakland.example" in link.group(1) and "kind=Note" in link.group(1)
    assert shown(client.get(link.group(1).replace("&amp;", "&")).text) == [8, 6, 4, 2]


def test_atom_feed_has_the_entries_with_the_same_filters(client: TestClient,
                                                         seeded: dict[str, str]) -> None:
    response = client.get("/network/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.id for e in feed.entries] == [f"https://{h}/objects/item-{n}" for h, n in
                                            ((BER, 7), (BER, 6), (OAK, 3), (BER, 2), (OAK, 1))]
    assert feed.entries[3].title == "Minutes of May"
    assert feed.feed.title.startswith("Philly GA")
    only = feedparser.parse(client.get("/network/feed.atom", params={"kind": "Event"}).content)
    assert [e.title for e in only.entries] == ["Rent strike assembly"]
    empty = feedparser.parse(client.get("/network/feed.atom",
                                        params={"node": "nowhere.example"}).content)
    assert not empty.bozo and empty.entries == []
    etag = response.headers["etag"]
    assert client.get("/network/feed.atom", headers={"If-None-Match": etag}).status_code == 304


def test_linked_from_home_and_admin_network(client: TestClient) -> None:
    assert 'href="/network"' in client.get("/").text
    page = client.get("/network")
    assert 'type="application/atom+xml" href="/network/feed.atom"' in page.text
    assert "Nothing has arrived from the network yet." in page.text


def test_times_in_the_nodes_zone_and_the_readers_own_beside_them(
        settings: Settings, engine: Engine) -> None:
    start = NOW + timedelta(days=2)  # 12:00 UTC: 13:00 in Madrid, 07:00 in New York
    add_item(engine, 1, at(1), kind="Event", name="March to the port",
             startTime=start.isoformat())
    add_organizer(engine, "nate")
    zoned = dataclasses.replace(settings, timezone="Europe/Madrid")
    with TestClient(web_app(zoned, MovableClock(NOW)), base_url=BASE) as c:
        page = c.get("/network").text
        assert "Mon, Nov 23, 1:00\u202fPM CET" in page and "your time" not in page
        spanish = c.get("/network", headers={"accept-language": "es"}).text
        assert "lun, 23 nov, 13:00 CET" in spanish and "Cronología de la red" in spanish
        with engine.begin() as conn:
            conn.execute(update(Account.__table__)  # type: ignore[attr-defined]
                         .values(timezone="America/New_York"))
        login(c)
        assert "your time: Mon, Nov 23, 7:00\u202fAM EST" in c.get("/network").text
