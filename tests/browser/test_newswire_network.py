"""The network newswire in a browser: a news moderator (the node's admin) opens the
network news, sees an item from another node's newswire with its origin, picks it, and
finds it on the front page marked as picked and in the public moderation log. Every
page passes axe."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import insert

from node.activitypub.remote_objects import store_remote
from node.db import make_engine
from node.newswire.network_news.models import NetworkNews
from tests.browser.harness import ORGANIZER, Site, assert_accessible, sign_in

HOST = "newswire-oakland.example"
AUTHOR = f"https://{HOST}/news"
_net = NetworkNews.__table__  # type: ignore[attr-defined]
_serial = itertools.count(1)


def seed(site: Site, title: str, n: int) -> None:
    """An Article of Oakland's @news as the inbox keeps it (the wire: the node tier)."""
    engine = make_engine(site.node.database)
    now = datetime.now(UTC)
    uri = f"https://{HOST}/objects/{n}"
    document = {"id": uri, "type": "Article", "attributedTo": AUTHOR, "name": title,
                "content": "<p>The port is closed all day.</p>", "url": uri,
                "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    try:
        with engine.begin() as conn:
            store_remote(conn, document, now)
            conn.execute(insert(_net).values(
                object_uri=uri, object_type="Article", author_uri=AUTHOR,
                author_handle=f"@news@{HOST}", origin_host=HOST, via=AUTHOR, received_at=now))
    finally:
        engine.dispose()


def test_a_moderator_picks_a_network_item_into_the_newswire(site: Site, page: Page) -> None:
    n = next(_serial)
    title = f"Oakland port closed {n}"
    seed(site, title, n)
    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/news")
    page.get_by_role("link", name="Network news").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network news")
    item = page.get_by_role("article").filter(has_text=title)
    expect(item).to_contain_text(f"@news@{HOST}")
    expect(item).to_contain_text(f"from {HOST}")
    assert_accessible(page)
    item.get_by_role("button", name="Pick into the newswire").click()
    expect(page.get_by_role("status")).to_contain_text("Picked")
    expect(item).to_contain_text("picked into this newswire")
    expect(item.get_by_role("button", name="Pick into the newswire")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Latest news").click()
    entry = page.get_by_role("article").filter(has_text=title)
    expect(entry).to_contain_text(f"picked from the network: @news@{HOST}")
    expect(entry.get_by_role("link", name=title)).to_have_attribute(
        "href", f"https://{HOST}/objects/{n}")
    page.get_by_role("link", name="Moderation log").click()
    row = page.get_by_role("listitem").filter(has_text=title)
    expect(row).to_contain_text("picked from the network")
    expect(row).to_contain_text("a node admin")
    assert_accessible(page)
    page.goto(f"{site.url}/news/sources")
    expect(page.get_by_role("heading", level=1)).to_have_text("News sources")
    assert_accessible(page)
