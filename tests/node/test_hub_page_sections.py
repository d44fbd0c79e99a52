"""The hub page's sections (issue 8, item 3): each item once, pinned once, a call series
once, notices on their events, keyset pages that hold still while items arrive, times
in the hub's zone in the reader's language, and what a shared link shows (item 7)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy import update as update_table
from starlette.testclient import TestClient

from node.accounts.models import Account
from node.activitypub.models import LocalActor
from node.activitypub.remote_objects import store_remote
from node.activitypub.vocab import PUBLIC
from node.app import create_app
from node.clock import fixed_clock
from node.hubs.events.rules import EventSpec, Place
from node.hubs.events.service import cancel_event, create_event, move_event
from node.hubs.hub.featured import set_pinned
from node.hubs.hub.linked_items import add_linked
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.hub.settings import HubSettings, apply_settings
from node.hubs.polls.rules import make_spec
from node.hubs.polls.service import create_poll
from node.hubs.updates.service import post_update
from node.runtime import Node
from node.settings import Settings
from tests.conftest import NOW
from tests.node.hub_pages_support import BASE, HTML, HUB, Site, a_series, section

MADRID = "Europe/Madrid"
_account = Account.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]

_items = HubItem.__table__  # type: ignore[attr-defined]


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        node: Node = app.state.node
        with node.engine.begin() as conn:
            create_hub(conn, base_url=BASE, name=HUB, title="West Coast Port Shutdown", now=NOW,
                       summary="Shut the ports on **December 12**.")
            apply_settings(node, conn, load_hub(conn, HUB), HubSettings(
                timezone=MADRID, header_url="https://img.example/header.jpg"))
        site = Site(client, node)
        site.person("nate", "admin")
        yield site


def update(site: Site, text: str) -> str:
    return str(site.run(lambda node, conn: post_update(node, conn, "nate", text, [HUB])
                        ).note["id"])


def event(site: Site, title: str, days: int) -> str:
    spec = EventSpec(title=title, start=NOW + timedelta(days=days),
                     end=NOW + timedelta(days=days, hours=2), timezone=MADRID,
                     location=Place("Union hall", "Carrer del Port 5"))
    return str(site.run(lambda node, conn: create_event(node, conn, author="nate", hubs=[HUB],
                                                        spec=spec)).object["id"])


def hub_page(site: Site, **headers: str) -> str:
    response = site.client.get(f"/hubs/{HUB}", headers={**HTML, **headers})
    assert response.status_code == 200
    return str(response.text)


def cards(html: str) -> list[str]:
    """The item each card of ``html`` is about: the first object link of each article."""
    found = []
    for article in re.findall(r"<article class=\"post card.*?</article>", html, re.DOTALL):
        link = re.search(rf'href="({BASE}/objects/[^"]+)"', article)
        found += [link.group(1)] if link else []
    return found


def test_each_item_shows_once_pinned_ones_among_the_pinned(site: Site) -> None:
    pinned_event, pinned_note = event(site, "Pinned march", 3), update(site, "Read this first")
    series = a_series(site, "nate")  # the series Event and its occurrences
    plain = [update(site, f"Update {n}") for n in range(3)]
    site.run(lambda node, conn: [set_pinned(node, conn, load_hub(conn, HUB), uri, True)
                                 for uri in (pinned_event, pinned_note)])
    html = hub_page(site)
    shown = cards(html)
    assert len(shown) == len(set(shown)), "an item shown twice"
    pinned = section(html, "pinned")
    assert set(cards(pinned)) == {pinned_event, pinned_note}
    assert pinned.count("Pinned</span>") == 2  # each pinned card says so
    assert pinned_event not in section(html, "next")
    assert pinned_note not in section(html, "updates")
    assert set(plain) <= set(cards(section(html, "updates")))
    next_up = section(html, "next")
    assert sum(uri in next_up for uri in series[1:]) == 1  # the series once: its next call
    assert "National call" in next_up and "Every week" in next_up


def test_a_notice_sits_on_its_event_not_among_the_updates(site: Site) -> None:
    moved, cancelled = event(site, "March to the port", 2), event(site, "Solidarity dinner", 4)
    site.run(lambda node, conn: move_event(node, conn, actor="nate", uri=moved,
                                           start="2026-11-24 18:00"))
    site.run(lambda node, conn: cancel_event(node, conn, actor="nate", uri=cancelled))
    update(site, "An ordinary update")
    html = hub_page(site)
    updates, next_up = section(html, "updates"), section(html, "next")
    assert "An ordinary update" in updates
    assert "Moved:" not in updates and "Cancelled:" not in updates
    assert re.search(r'class="notice-line">Moved: March to the port is now [^<]+</p>', next_up)
    assert re.search(r'class="notice-line">Cancelled: Solidarity dinner', next_up)
    assert "cancelled" in next_up  # the card's class strikes the title through


def test_a_former_bare_id_cursor_still_pages(site: Site) -> None:
    """A link written before the cursors carried values (``?before=<item id>``) reads
    that item's publication time; an id that is gone (or another hub's, or a minute
    on the updates list) gives the first page, never an error page."""
    posted = [update(site, f"Update number {n}") for n in range(8)]
    items = HubItem.__table__  # type: ignore[attr-defined]
    ids = site.run(lambda node, conn: dict(conn.execute(
        select(items.c.object_uri, items.c.id)).all()))
    older = site.client.get(f"/hubs/{HUB}/updates?before={ids[posted[5]]}", headers=HTML)
    assert older.status_code == 200
    assert cards(older.text) == posted[4::-1]
    gone = site.client.get(f"/hubs/{HUB}/updates?before=987654321", headers=HTML)
    assert gone.status_code == 200
    assert cards(gone.text) == posted[::-1]


def test_keyset_pages_hold_still_while_updates_arrive(site: Site) -> None:
    posted = [update(site, f"Update number {n}") for n in range(26)]
    first = site.client.get(f"/hubs/{HUB}/updates", headers=HTML).text
    older = re.search(r'href="(/hubs/portshutdown/updates\?before=[\w.~]+)"', first)
    assert older, "a link to the older page"
    before = site.client.get(older.group(1), headers=HTML).text
    for n in range(5):
        update(site, f"Newer update {n}")
    after = site.client.get(older.group(1), headers=HTML).text
    assert cards(after) == cards(before)  # the same items, however many came since
    everything = cards(first) + cards(before)
    assert everything == posted[::-1]  # newest first, each once, none skipped
    assert 'class="more"' not in before  # the last page links no further
    assert site.client.get(f"/hubs/{HUB}/updates?before=x", headers=HTML).status_code == 404
    assert site.client.get(f"/hubs/{HUB}/updates?before=-1", headers=HTML).status_code == 404
    assert site.client.get(f"/hubs/{HUB}/updates?before=1x", headers=HTML).status_code == 404
    # the hub page links to the list where its own few updates end
    assert re.search(r'href="/hubs/portshutdown/updates\?before=[\w.~]+"', hub_page(site))


def test_older_is_right_when_the_boundary_update_was_deleted(site: Site) -> None:
    """The cursor carries the last card's publication time and id, not its row."""
    posted = [update(site, f"Update number {n}") for n in range(26)]
    first = site.client.get(f"/hubs/{HUB}/updates", headers=HTML).text
    older = re.search(r'href="(/hubs/portshutdown/updates\?before=[\w.~]+)"', first)
    assert older and cards(first) == posted[::-1][:20]
    with site.node.engine.begin() as conn:  # the last card's item is gone
        conn.execute(delete(_items).where(_items.c.object_uri == posted[6]))
    assert cards(site.client.get(older.group(1), headers=HTML).text) == posted[5::-1]


def test_a_links_backfilled_history_goes_below_what_is_new(site: Site) -> None:
    """Linked items are listed by publication: weeks-old history that arrived last
    (a link's backfill) is not on top of the hub's own new updates."""
    update(site, "Fresh news of the port")
    old = "https://oak.example/objects/history"
    document = {"id": old, "type": "Note", "to": [PUBLIC], "content": "<p>Old history</p>",
                "attributedTo": "https://oak.example/users/ana",
                "published": (NOW - timedelta(days=20)).isoformat()}
    with site.node.engine.begin() as conn:
        store_remote(conn, document, NOW)
        hub_id = load_hub(conn, HUB).hub.id
        assert hub_id is not None
        add_linked(conn, [hub_id], "https://oak.example/hubs/dockers", document, NOW)
    for page in (section(hub_page(site), "updates"),
                 site.client.get(f"/hubs/{HUB}/updates", headers=HTML).text):
        assert page.index("Fresh news of the port") < page.index("Old history")


def test_times_are_in_the_hubs_zone_in_the_readers_language(site: Site) -> None:
    event(site, "March to the port", 2)  # 2026-11-23 12:00 UTC is 13:00 in Madrid
    english = section(hub_page(site), "next")
    assert "Mon, Nov 23, 1:00\u202fPM \u2013 3:00\u202fPM CET" in english
    assert "(in 2 days)" in english
    shown = re.sub(r'datetime="[^"]*"', "", english)  # what a person reads
    assert "12:00" not in shown and "UTC" not in shown and "+00:00" not in shown
    spanish = section(hub_page(site, **{"accept-language": "es"}), "next")
    assert "lun, 23 nov, 13:00 \u2013 15:00 CET" in spanish and "(dentro de 2 días)" in spanish


def test_a_reader_with_their_own_zone_sees_their_time_beside_the_hubs(site: Site) -> None:
    # Regression: accounts had a timezone setting that no page used.
    uri = event(site, "March to the port", 2)  # 13:00 in Madrid is 07:00 in New York
    assert "your time" not in hub_page(site)  # a visitor: the hub's zone only
    with site.node.engine.begin() as conn:
        conn.execute(update_table(_account).where(_account.c.id == site.accounts["nate"])
                     .values(timezone="America/New_York"))
    site.sign_in("nate")
    next_up = section(hub_page(site), "next")
    assert "1:00\u202fPM \u2013 3:00\u202fPM CET" in next_up
    assert "your time: Mon, Nov 23, 7:00\u202fAM EST" in next_up
    event_page = site.client.get(uri.removeprefix(BASE), headers=HTML).text
    assert "your time: Mon, Nov 23, 7:00\u202fAM EST" in event_page
    with site.node.engine.begin() as conn:  # a reader in the hub's own zone: nothing more
        conn.execute(update_table(_account).where(_account.c.id == site.accounts["nate"])
                     .values(timezone=MADRID))
    assert "your time" not in hub_page(site)


def test_cards_name_their_author_and_never_a_raw_address(site: Site) -> None:
    uri = update(site, "Picket at berth 5")
    card = section(hub_page(site), "updates")
    assert f'<a href="{BASE}/users/nate" rel="author">nate</a>' in card
    assert f">{uri}<" not in card and f">{BASE}/users/nate<" not in card


def test_cards_show_the_authors_avatar_through_the_node(site: Site) -> None:
    # Issue 8 item 3: each item shows author and avatar; a remote image is never
    # hot-linked (it goes through the node's signed proxy, node.media.proxy).
    update(site, "Picket at berth 5")
    assert "avatar" not in section(hub_page(site), "updates")  # none set: no empty <img>
    with site.node.engine.begin() as conn:
        conn.execute(update_table(_actor).where(_actor.c.username == "nate")
                     .values(icon_url="https://cdn.example/nate.png"))
    card = section(hub_page(site), "updates")
    assert '<img class="avatar" src="/media/proxy?url=https%3A%2F%2Fcdn.example%2Fnate.png' in card
    assert 'src="https://cdn.example' not in card
    with site.node.engine.begin() as conn:
        conn.execute(update_table(_actor).where(_actor.c.username == "nate")
                     .values(icon_url=f"{BASE}/media/{'a' * 64}.png"))
    assert f'<img class="avatar" src="{BASE}/media/{"a" * 64}.png"' in section(
        hub_page(site), "updates")


def test_a_signed_in_organizer_votes_from_the_hub_page(site: Site) -> None:
    spec = make_spec("Shut it down?", ["yes", "no"], multiple=False,
                     end=NOW + timedelta(days=1), now=NOW)
    uri = str(site.run(lambda node, conn: create_poll(node, conn, "nate", [HUB], spec)
                       ).object["id"])
    assert "<form" not in section(hub_page(site), "polls")  # a visitor gets the tally
    site.sign_in("nate")
    polls = section(hub_page(site), "polls")
    action = f"{uri.removeprefix(BASE)}/vote"
    assert f'action="{action}"' in polls and 'name="csrf_token"' in polls
    token = re.search(r'name="csrf_token" value="([^"]+)"', polls)
    assert token
    voted = site.client.post(action, data={"csrf_token": token.group(1), "option": "yes"})
    assert voted.status_code == 303
    after = section(hub_page(site), "polls")
    assert "<form" not in after and '<th scope="row">yes</th><td>1</td>' in after.replace(
        "> <", "><")


def test_pages_say_what_a_shared_link_shows(site: Site) -> None:
    html = hub_page(site)
    assert '<meta property="og:title" content="West Coast Port Shutdown">' in html
    assert '<meta property="og:description" content="Shut the ports on December 12.">' in html
    assert f'<meta property="og:url" content="{BASE}/hubs/{HUB}">' in html
    assert '<meta property="og:image" content="https://img.example/header.jpg">' in html
    assert '<meta property="og:type" content="website">' in html
    for kind, href in (("application/activity+json", f"{BASE}/hubs/{HUB}"),
                       ("application/atom+xml", f"{BASE}/hubs/{HUB}/feed.atom"),
                       ("text/calendar", f"{BASE}/hubs/{HUB}/calendar.ics")):
        assert re.search(rf'<link rel="alternate" type="{re.escape(kind)}" href="{href}"', html)
    uri = event(site, "March to the port", 2)
    page = site.client.get(uri.removeprefix(BASE), headers=HTML).text
    assert '<meta property="og:title" content="March to the port">' in page
    assert '<meta property="og:type" content="article">' in page
    assert f'<link rel="alternate" type="application/activity+json" href="{uri}">' in page
    assert f'href="{BASE}/hubs/{HUB}/calendar.ics"' in page
    assert "og:image" not in page  # no image: no tag


def test_the_event_page_says_when_and_where_once(site: Site) -> None:
    uri = event(site, "March to the port", 2)
    page = site.client.get(uri.removeprefix(BASE), headers=HTML).text
    main = page.split("<main>")[1]
    assert main.count("Union hall") == 1 and main.count("Carrer del Port 5") == 1
    assert main.count("Nov 23") == 1
    assert "<dt>When</dt>" in main and "<dt>Where</dt>" in main
    assert "where it happens" not in main  # the event is in the hub's zone


def test_the_event_page_also_gives_the_time_where_it_happens(site: Site) -> None:
    spec = EventSpec(title="Solidarity rally", start=NOW + timedelta(days=3),
                     end=NOW + timedelta(days=3, hours=1), timezone="America/Chicago",
                     location=Place("City Hall"))
    uri = str(site.run(lambda node, conn: create_event(node, conn, author="nate", hubs=[HUB],
                                                       spec=spec)).object["id"])
    main = site.client.get(uri.removeprefix(BASE), headers=HTML).text.split("<main>")[1]
    assert "Tue, Nov 24, 1:00\u202fPM \u2013 2:00\u202fPM CET" in main  # the hub's zone
    assert "where it happens: Tue, Nov 24, 6:00\u202fAM \u2013 7:00\u202fAM CST" in main


def test_a_notice_reads_in_the_pages_language_with_the_cards_time(site: Site) -> None:
    # Given a moved and a cancelled event of a hub in Madrid, when a Spanish reader opens
    # the hub, then each notice is in Spanish with the very time its card shows (the
    # hub's zone, the page's format), not the English note sent to Mastodon followers.
    moved, cancelled = event(site, "March to the port", 2), event(site, "Solidarity dinner", 4)
    site.run(lambda node, conn: move_event(node, conn, actor="nate", uri=moved,
                                           start="2026-11-24 18:00"))
    site.run(lambda node, conn: cancel_event(node, conn, actor="nate", uri=cancelled))
    next_up = section(hub_page(site, **{"Accept-Language": "es"}), "next")
    assert "Moved" not in next_up and "Cancelled" not in next_up and "is now" not in next_up
    times = re.findall(r'<p class="when"><time datetime="[^"]+">([^<]+)</time>', next_up)
    lines = re.findall(r'<p class="notice-line">([^<]+)</p>', next_up)
    assert len(times) == 2 and len(lines) == 2
    assert f"Movido: March to the port ahora es {times[0]}" in lines
    assert f"Cancelado: Solidarity dinner, {times[1]}" in lines
