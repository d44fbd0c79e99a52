"""The linked hubs pages in-process: a steward links a hub by URL from ``/hubs/NAME/links``
(a refusal shown by the form), sees a hub's link request on the requests page, hides a
linked item with the button on its card and shows it again; members who are not
stewards get no such page and no button."""

from __future__ import annotations

from sqlalchemy import insert

from node.activitypub.models import Follow
from node.activitypub.remote_objects import store_remote
from node.hubs.hub.linked_items import add_linked
from node.hubs.hub.publish import load_hub
from tests.conftest import NOW
from tests.fakes.remote import FakeFediverse
from tests.node.hub_pages_support import HTML, HUB, Site, _outbox
from tests.node.links_page_support import remote as remote  # the fixture
from tests.node.links_page_support import site as site  # the fixture
from tests.node.network_support import add_group

_follow = Follow.__table__  # type: ignore[attr-defined]
OAKLAND = "oakland.example"


def test_a_steward_links_a_hub_from_the_links_page(site: Site, remote: FakeFediverse) -> None:
    dockers = add_group(remote, OAKLAND, "dockers")
    site.sign_in("nate")
    page = site.client.get(f"/hubs/{HUB}/links", headers=HTML)
    assert page.status_code == 200 and "Link a hub" in page.text
    refused = site.send(f"/hubs/{HUB}/links/add", {"hub": "@nobody"})
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    done = site.send(f"/hubs/{HUB}/links/add", {"hub": dockers.uri})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=asked")
    assert site.outbox() == ["Follow"]
    listing = site.client.get(f"/hubs/{HUB}/links?done=asked", headers=HTML).text
    assert "Link requested" in listing and "asked, waiting for an answer" in listing
    again = site.send(f"/hubs/{HUB}/links/add", {"hub": dockers.uri})
    assert again.status_code == 400 and "already asked" in again.text
    site.sign_in("mia")
    assert site.client.get(f"/hubs/{HUB}/links", headers=HTML).status_code == 403


def test_a_link_request_reads_as_one_on_the_requests_page(site: Site,
                                                         remote: FakeFediverse) -> None:
    dockers = add_group(remote, OAKLAND, "dockers")
    site.sign_in("nate")
    site.send(f"/hubs/{HUB}/links/add", {"hub": dockers.uri})  # caches the Group
    with site.node.engine.begin() as conn:
        conn.execute(insert(_follow).values(
            follower=dockers.uri, following=f"https://philly.example/hubs/{HUB}",
            activity_id=f"{dockers.uri}/follows/1", state="pending", created_at=NOW,
            updated_at=NOW, inbox=f"{dockers.uri}/inbox"))
    page = site.client.get(f"/hubs/{HUB}/requests", headers=HTML).text
    assert f"hub Dockers @ {OAKLAND} asks to link" in page and "Accept and link back" in page
    links = site.client.get(f"/hubs/{HUB}/links", headers=HTML).text
    assert "1 hub asks to link this hub" in links
    answered = site.send(f"/hubs/{HUB}/requests/approve",
                         {"follower": dockers.uri, "link_back": "yes"})
    assert answered.status_code == 303
    assert site.outbox() == ["Follow", "Accept"]  # already asked: no second Follow


def test_a_steward_hides_a_linked_item_and_shows_it_again(site: Site) -> None:
    note = {"id": f"https://{OAKLAND}/objects/1", "type": "Note",
            "attributedTo": f"https://{OAKLAND}/users/joan", "content": "<p>Berth 5</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    with site.node.engine.begin() as conn:
        store_remote(conn, note, NOW)
        hub_id = load_hub(conn, HUB).hub.id
        assert hub_id is not None
        add_linked(conn, [hub_id], f"https://{OAKLAND}/hubs/dockers", note, NOW)
    site.sign_in("mia")  # a member: the origin, no button
    page = site.client.get(f"/hubs/{HUB}", headers=HTML).text
    assert f"from dockers @ {OAKLAND}" in page and "Hide from this hub" not in page
    site.sign_in("nate")
    assert "Hide from this hub" in site.client.get(f"/hubs/{HUB}", headers=HTML).text
    hidden = site.send(f"/hubs/{HUB}/links/hide", {"item": note["id"]})
    assert hidden.status_code == 303 and hidden.headers["location"] == f"/hubs/{HUB}"
    assert "Berth 5" not in site.client.get(f"/hubs/{HUB}", headers=HTML).text
    assert note["id"] in site.client.get(f"/hubs/{HUB}/links", headers=HTML).text
    shown = site.send(f"/hubs/{HUB}/links/unhide", {"item": note["id"]})
    assert shown.status_code == 303
    assert "Berth 5" in site.client.get(f"/hubs/{HUB}", headers=HTML).text
    assert site.count(_outbox) == 0  # hiding is this hub's own business: nothing is sent
