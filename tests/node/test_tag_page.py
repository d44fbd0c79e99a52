"""``/tags/{name}``: where a post's hashtag links lead (regression: every hashtag link the
Markdown renderer made pointed at a page this node did not have, a 404)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from node.activitypub.remote_objects import store_remote
from node.activitypub.vocab import PUBLIC
from node.app import create_app
from node.clock import fixed_clock
from node.hubs.hub.linked_items import add_linked
from node.hubs.hub.members import set_member
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.hub.settings import HubSettings, apply_settings
from node.hubs.hub.tagged import hashtags_of
from node.hubs.updates.service import post_update
from node.runtime import Node
from node.settings import Settings
from tests.conftest import NOW
from tests.node.hub_pages_support import BASE, HTML, HUB, Site


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        node: Node = app.state.node
        with node.engine.begin() as conn:
            create_hub(conn, base_url=BASE, name=HUB, title="Port Shutdown", now=NOW)
            create_hub(conn, base_url=BASE, name="housing", title="Housing", now=NOW)
        site = Site(client, node)
        nate = site.person("nate", "admin")
        with node.engine.begin() as conn:
            set_member(conn, load_hub(conn, "housing"), nate, "member", NOW)
        yield site


def update(site: Site, text: str, hubs: list[str] | None = None) -> str:
    return str(site.run(lambda node, conn: post_update(node, conn, "nate", text, hubs or [HUB])
                        ).note["id"])


def listed(html: str) -> list[str]:
    return re.findall(rf'href="({BASE}/objects/[^"]+)"', html)


def test_a_hashtag_link_leads_to_the_posts_with_that_tag(site: Site) -> None:
    tagged = update(site, "Picket at berth 5 #Dockworkers")
    update(site, "Rent strike #housing", ["housing"])
    both = update(site, "Solidarity #dockworkers #housing", [HUB, "housing"])
    hub_page = site.client.get(f"/hubs/{HUB}", headers=HTML).text
    assert f'href="{BASE}/tags/dockworkers"' in hub_page  # the link the renderer makes
    response = site.client.get("/tags/dockworkers", headers=HTML)
    assert response.status_code == 200
    assert "<h1>#dockworkers</h1>" in response.text
    assert set(listed(response.text)) == {tagged, both}
    assert listed(response.text).count(both) == 1  # posted into two hubs, listed once
    assert listed(site.client.get("/tags/DockWorkers", headers=HTML).text) == listed(
        response.text)


def test_the_hubs_own_tags_link_to_their_pages(site: Site) -> None:
    site.run(lambda node, conn: apply_settings(node, conn, load_hub(conn, HUB),
                                               HubSettings(tags=["Labour"])))
    hub_page = site.client.get(f"/hubs/{HUB}", headers=HTML).text
    assert '<a class="tag" href="/tags/labour" rel="tag">#Labour</a>' in hub_page


def test_an_unknown_tag_is_an_empty_page_and_a_malformed_one_a_404(site: Site) -> None:
    empty = site.client.get("/tags/nothinghere", headers=HTML)
    assert empty.status_code == 200 and "Nothing here yet." in empty.text
    for bad in ("123", "a-b", "x" * 101, "%3Cscript%3E"):
        assert site.client.get(f"/tags/{bad}", headers=HTML).status_code == 404, bad


def test_older_posts_are_a_keyset_page_away(site: Site) -> None:
    posts = [update(site, f"Day {n} #strike") for n in range(23)]
    first = site.client.get("/tags/strike", headers=HTML).text
    assert listed(first) == posts[::-1][:20]
    older = re.search(r'href="(/tags/strike\?before=[\w.~]+)"', first)
    assert older is not None
    update(site, "A new one #strike")  # arrives meanwhile: the next page holds still
    assert listed(site.client.get(older.group(1), headers=HTML).text) == posts[2::-1]
    assert site.client.get("/tags/strike?before=x~1", headers=HTML).status_code == 404


def test_a_former_bare_id_cursor_still_pages(site: Site) -> None:
    """A link written before the cursors carried values (``?before=<hub_item id>``)
    reads that row's publication time; a row that is gone gives the first page."""
    posts = [update(site, f"Day {n} #strike") for n in range(5)]
    items = HubItem.__table__  # type: ignore[attr-defined]
    third = site.run(lambda node, conn: conn.execute(
        select(items.c.id).where(items.c.object_uri == posts[3])).scalar_one())
    page = site.client.get(f"/tags/strike?before={third}", headers=HTML)
    assert page.status_code == 200 and listed(page.text) == posts[2::-1]
    gone = site.client.get("/tags/strike?before=987654321", headers=HTML)
    assert gone.status_code == 200 and listed(gone.text) == posts[::-1]


def test_items_are_in_publication_order_not_arrival(site: Site) -> None:
    """As every other list: weeks-old history that arrived last (a linked hub's
    backfill) goes below a new post, not on top of it."""
    update(site, "Fresh news #strike")
    old = "https://oak.example/objects/history"
    document = {"id": old, "type": "Note", "to": [PUBLIC], "content": "<p>Old history</p>",
                "attributedTo": "https://oak.example/users/ana",
                "tag": [{"type": "Hashtag", "name": "#strike"}],
                "published": (NOW - timedelta(days=20)).isoformat()}
    with site.node.engine.begin() as conn:
        store_remote(conn, document, NOW)
        hub_id = load_hub(conn, HUB).hub.id
        assert hub_id is not None
        add_linked(conn, [hub_id], "https://oak.example/hubs/dockers", document, NOW)
    page = site.client.get("/tags/strike", headers=HTML).text
    assert "Old history" in page
    assert page.index("Fresh news") < page.index("Old history")


def test_hashtags_are_read_from_the_documents_tag_array() -> None:
    assert hashtags_of({"tag": [{"type": "Hashtag", "name": "#Strike"},
                                {"type": "Mention", "name": "@a@b.example"},
                                {"type": "Hashtag", "name": "#"}, "junk"]}) == {"strike"}
    assert hashtags_of({"tag": {"type": "Hashtag", "name": "#one"}}) == {"one"}
    assert hashtags_of({}) == set()
