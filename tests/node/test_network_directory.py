"""The hub directory (issue 9 item 5): this node's hubs and those it learned, searched,
filtered and paged by keyset; refreshed by a hub's Update{Group}, relayed or not."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Connection, select, update

from node.activitypub.vocab import PUBLIC, activity
from node.clock import Clock
from node.hubs.hub.models import Hub
from node.hubs.hub.service import create_hub
from node.network.backfill_run import refresh_directory
from node.network.directory import forget, heard_of, learn_group, sync_local
from node.network.directory_query import DirectoryFilters, directory_page, facets
from node.network.models import NetworkHub, NetworkHubTag
from node.settings import Settings
from tests.node.backfill_support import follow_accepted
from tests.node.harness import Harness, rows, running_node
from tests.node.network_support import (
    FakeGroup,
    add_group,
    add_node_actor,
    hub_announce,
    node_announce,
    note,
    signed,
)

_hubs = NetworkHub.__table__  # type: ignore[attr-defined]
_hub_tags = NetworkHubTag.__table__  # type: ignore[attr-defined]
_local_hub = Hub.__table__  # type: ignore[attr-defined]
OAKLAND, BERLIN = "oakland.example", "berlin.example"


def group_doc(host: str, name: str, title: str, mission: str, region: str,
              tags: list[str]) -> dict[str, Any]:
    uri = f"https://{host}/hubs/{name}"
    return {"id": uri, "type": "Group", "preferredUsername": name, "name": title,
            "summary": f"<p>{mission}</p><script>alert(1)</script>", "url": uri,
            "location": {"type": "Place", "name": region},
            "tag": [{"type": "Hashtag", "name": f"#{t}"} for t in tags],
            "followers": f"{uri}/followers", "outbox": f"{uri}/outbox"}


REMOTE = [
    (OAKLAND, "portshutdown", "West Coast Port Shutdown", "Close the ports on May Day",
     "California", ["labor", "ports"]),
    (OAKLAND, "tenants", "Oakland Tenants Union", "Housing is a right", "California",
     ["housing"]),
    (BERLIN, "mieten", "Mietenwahnsinn", "Gegen steigende Mieten, for housing", "Berlin",
     ["housing"]),
    (BERLIN, "klima", "Klimastreik", "Climate strike every Friday", "Berlin", ["climate"]),
]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        with harness.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="occupyphilly", title="Occupy Philly",
                       now=harness.now, summary="The **general assembly** of Philadelphia")
            conn.execute(update(_local_hub).values(region="Pennsylvania", tags=["housing"]))
            for host, name, title, mission, region, tags in REMOTE:
                learn_group(conn, group_doc(host, name, title, mission, region, tags),
                            harness.now, followers=len(name))
        yield harness


def titles(h: Harness, filters: DirectoryFilters, **paging: Any) -> list[str]:
    with h.node.engine.begin() as conn:
        sync_local(conn, h.node.settings.url, h.node.services.actor_sources.extras, h.now)
        return [e.title for e in directory_page(conn, filters, **paging).entries]


def test_search_and_filters(h: Harness) -> None:
    every = titles(h, DirectoryFilters())
    assert every == ["Klimastreik", "Mietenwahnsinn", "Oakland Tenants Union", "Occupy Philly",
                     "West Coast Port Shutdown"]
    assert titles(h, DirectoryFilters(search="PORT")) == ["West Coast Port Shutdown"]
    assert titles(h, DirectoryFilters(search="assembly")) == ["Occupy Philly"]  # its mission
    assert titles(h, DirectoryFilters(search="alert")) == []  # the script was sanitised out
    assert titles(h, DirectoryFilters(search="100%")) == []  # wildcards are literal
    assert titles(h, DirectoryFilters(tag="housing")) == [
        "Mietenwahnsinn", "Oakland Tenants Union", "Occupy Philly"]
    assert titles(h, DirectoryFilters(tag="housing", region="berlin")) == ["Mietenwahnsinn"]
    assert titles(h, DirectoryFilters(node=OAKLAND)) == [
        "Oakland Tenants Union", "West Coast Port Shutdown"]
    assert titles(h, DirectoryFilters(search="housing", node="philly.example")) == [
        "Occupy Philly"]  # by its tag
    assert titles(h, DirectoryFilters(search="climate", node="philly.example")) == []
    with h.node.engine.connect() as conn:
        found = facets(conn)
    assert found.tags == ["climate", "housing", "labor", "ports"]
    assert found.regions == ["Berlin", "California", "Pennsylvania"]
    assert found.nodes == [BERLIN, OAKLAND, "philly.example"]


def hub_tags(conn: Connection) -> set[tuple[str, str]]:
    return {(r.title, r.tag) for r in conn.execute(
        select(_hubs.c.title, _hub_tags.c.tag).join(_hubs, _hubs.c.id == _hub_tags.c.hub_id))}


def test_the_tag_list_follows_the_directorys_writers(h: Harness) -> None:
    """The tag list reads ``network_hub_tag`` (a seek a tag, not every hub's row): a
    hub's new tags, a placeholder fetched, a hub forgotten or gone all show at once."""
    with h.node.engine.begin() as conn:
        sync_local(conn, h.node.settings.url, h.node.services.actor_sources.extras, h.now)
        assert ("Klimastreik", "climate") in hub_tags(conn)
        learn_group(conn, group_doc(BERLIN, "klima", "Klimastreik", "", "Berlin",
                                    ["Klima", "fridays"]), h.now)
        heard_of(conn, f"https://{OAKLAND}/hubs/new", h.now, h.now)  # a placeholder
        assert facets(conn).tags == ["fridays", "housing", "klima", "labor", "ports"]
        learn_group(conn, group_doc(OAKLAND, "new", "New Hub", "", "", ["zines"]), h.now)
        forget(conn, f"https://{OAKLAND}/hubs/tenants")
        conn.execute(update(_local_hub).values(tags=[]))
        sync_local(conn, h.node.settings.url, h.node.services.actor_sources.extras, h.now)
        assert facets(conn).tags == ["fridays", "housing", "klima", "labor", "ports", "zines"]
        forget(conn, f"https://{BERLIN}/hubs/mieten")
        assert "housing" not in facets(conn).tags
        assert ("New Hub", "zines") in hub_tags(conn)
        assert not any(title == "Oakland Tenants Union" for title, _ in hub_tags(conn))


def test_keyset_pages_hold_still_when_hubs_arrive(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        sync_local(conn, h.node.settings.url, h.node.services.actor_sources.extras, h.now)
        first = directory_page(conn, DirectoryFilters(), limit=2)
        assert [e.title for e in first.entries] == ["Klimastreik", "Mietenwahnsinn"]
        learn_group(conn, group_doc(BERLIN, "aaa", "Aachen first", "", "", []), h.now)
        second = directory_page(conn, DirectoryFilters(), after=first.after, limit=2)
        assert [e.title for e in second.entries] == ["Oakland Tenants Union", "Occupy Philly"]
        third = directory_page(conn, DirectoryFilters(), after=second.after, limit=2)
        assert [e.title for e in third.entries] == ["West Coast Port Shutdown"]
        assert third.after is None


def test_the_next_page_is_right_when_the_boundary_hub_is_gone(h: Harness) -> None:
    """The cursor holds the last hub's title key and id: that hub gone (or renamed),
    the next page still starts after it, not back at the first page."""
    with h.node.engine.begin() as conn:
        sync_local(conn, h.node.settings.url, h.node.services.actor_sources.extras, h.now)
        first = directory_page(conn, DirectoryFilters(), limit=2)
        assert [e.title for e in first.entries] == ["Klimastreik", "Mietenwahnsinn"]
        conn.execute(_hubs.delete().where(_hubs.c.title == "Mietenwahnsinn"))
    page = h.client.get("/network/directory", params={"after": str(first.after)}).text
    assert "Oakland Tenants Union" in page and "Occupy Philly" in page
    assert "Klimastreik" not in page and "Mietenwahnsinn" not in page


def test_a_former_bare_id_cursor_still_pages(h: Harness) -> None:
    """A link written before the cursors carried values (``?after=<hub id>``) reads that
    hub's title key; a hub that is gone gives the first page, never an error page."""
    with h.node.engine.begin() as conn:
        sync_local(conn, h.node.settings.url, h.node.services.actor_sources.extras, h.now)
        mieten = conn.execute(select(_hubs.c.id).where(_hubs.c.title == "Mietenwahnsinn")).scalar()
    page = h.client.get("/network/directory", params={"after": str(mieten)})
    assert page.status_code == 200
    assert "Oakland Tenants Union" in page.text and "West Coast Port Shutdown" in page.text
    assert "Klimastreik" not in page.text and "Mietenwahnsinn" not in page.text
    gone = h.client.get("/network/directory", params={"after": "987654321"})
    assert gone.status_code == 200 and "Klimastreik" in gone.text


def test_the_page_searches_filters_and_offers_follow(h: Harness) -> None:
    page = h.client.get("/network/directory", params={"q": "housing"})
    assert page.status_code == 200
    text = page.text
    assert "Mietenwahnsinn" in text and "Occupy Philly" in text and "Klimastreik" not in text
    assert 'href="/hubs/occupyphilly/follow"' in text  # this node's hub: remote follow
    assert 'href="https://berlin.example/hubs/mieten"' in text  # another's: its own page
    assert "@mieten@berlin.example" in text and "<script>" not in text
    assert "Link with" not in text  # visitors steward no hub here
    assert h.client.get("/network/directory", params={"after": "x"}).status_code == 400
    assert h.client.get("/network/directory", params={"after": "7x"}).status_code == 400
    paged = h.client.get("/network/directory", params={"tag": "housing", "after": "a~1"})
    assert paged.status_code == 200 and "Back to the first page" in paged.text
    nothing = h.client.get("/network/directory", params={"q": "a\x00b"})
    assert nothing.status_code == 200 and "No hub matches this search." in nothing.text


def _changed(hub: FakeGroup, now: datetime) -> dict[str, Any]:
    doc = {**hub.document(), "name": "Port Shutdown 2027", "summary": "<p>Block the berths</p>",
           "location": {"type": "Place", "name": "Pacific"},
           "tag": [{"type": "Hashtag", "name": "#dockers"}]}
    return signed(hub, activity("Update", id=f"{hub.uri}#updates/1", actor=hub.uri,
                                object=doc, to=[PUBLIC]), now)


def test_a_relayed_update_of_a_group_refreshes_its_entry(h: Harness) -> None:
    peer = add_node_actor(h.remote, OAKLAND)
    follow_accepted(h, peer)
    hub = add_group(h.remote, OAKLAND, "portshutdown")
    relayed = node_announce(peer, _changed(hub, h.now), 1, h.now)
    assert h.post_activity(peer, relayed).status_code == 202
    h.drain()
    (entry,) = rows(h, _hubs, _hubs.c.actor_uri == hub.uri)
    assert (entry["title"], entry["region"], entry["tags"]) == (
        "Port Shutdown 2027", "Pacific", " dockers ")
    assert entry["followers"] == len("portshutdown")  # what the followers collection said
    assert titles(h, DirectoryFilters(search="berths")) == ["Port Shutdown 2027"]


def test_a_delivered_update_of_a_group_refreshes_its_entry(h: Harness) -> None:
    hub = add_group(h.remote, OAKLAND, "portshutdown")
    assert h.post_activity(hub, _changed(hub, h.now)).status_code == 202
    h.drain()
    (entry,) = rows(h, _hubs, _hubs.c.actor_uri == hub.uri)
    assert entry["title"] == "Port Shutdown 2027"


def test_a_hub_seen_in_a_relayed_item_is_fetched_then_listed(h: Harness) -> None:
    peer = add_node_actor(h.remote, "leeds.example")
    follow_accepted(h, peer)
    hub = add_group(h.remote, "leeds.example", "strike")
    h.remote.objects[f"{hub.uri}/followers"] = {
        "id": f"{hub.uri}/followers", "type": "OrderedCollection", "totalItems": 12}
    author = h.remote.add_actor("leeds.example", "jo")
    shared = hub_announce(hub, author, note(author, 1, "Picket", h.now, hub), 1, h.now)
    assert h.post_activity(peer, node_announce(peer, shared, 1, h.now)).status_code == 202
    h.drain()
    (placeholder,) = rows(h, _hubs, _hubs.c.actor_uri == hub.uri)
    assert placeholder["refreshed_at"] is None and placeholder["last_activity"] is not None
    assert "Strike" not in titles(h, DirectoryFilters())  # not listed before it is fetched
    assert h.client.portal is not None
    assert h.client.portal.call(lambda: refresh_directory(h.node)) == 1
    assert titles(h, DirectoryFilters(node="leeds.example")) == ["Strike"]
    (entry,) = rows(h, _hubs, _hubs.c.actor_uri == hub.uri)
    assert entry["followers"] == 12


def test_a_hub_steward_is_offered_to_link_their_hub(h: Harness) -> None:
    from node.hubs.hub.members import set_member
    from node.hubs.hub.publish import load_hub
    from tests.node.admin_support import login
    from tests.node.web_support import add_organizer

    add_organizer(h.node.engine, "nate")
    with h.node.engine.begin() as conn:
        target = load_hub(conn, "occupyphilly")
        set_member(conn, target, f"{h.node.settings.url}/users/nate", "admin", h.now)
    assert login(h.client, "nate").status_code == 200  # followed to the account page
    text = h.client.get("/network/directory", params={"node": BERLIN}).text
    # the links page, whose form takes the handle (the settings page has no links form)
    link = "/hubs/occupyphilly/links?hub=%40mieten%40berlin.example"
    assert f'href="{link}#link-hub"' in text
    assert text.count("Link with occupyphilly") == 2
    landed = h.client.get(link, headers={"accept": "text/html"})
    assert landed.status_code == 200
    assert 'name="hub" type="text" value="@mieten@berlin.example"' in landed.text
    own = h.client.get("/network/directory", params={"q": "occupy"}).text
    assert "Link with" not in own  # not with itself


def test_the_operator_follows_a_remote_hub_from_the_directory(h: Harness) -> None:
    """Follow of a remote hub only pointed at its own page: nothing let the operator
    follow it for this node from the directory."""
    from tests.node.admin_support import add_admin, login

    visitor = h.client.get("/network/directory", params={"node": BERLIN}).text
    assert "Follow from this node" not in visitor
    add_admin(h.node.engine)
    assert login(h.client, "ada").status_code == 200  # followed to the account page
    client = h.client
    text = client.get("/network/directory", params={"node": BERLIN}).text
    link = "/admin/network?source=%40mieten%40berlin.example"
    assert f'href="{link}#source"' in text
    landed = client.get(link).text
    assert 'name="source" value="@mieten@berlin.example"' in landed
    own = client.get("/network/directory", params={"q": "occupy"}).text
    assert "Follow from this node" not in own  # this node's hubs need no follow


def test_two_requests_learning_one_new_hub_at_once_both_succeed(h: Harness) -> None:
    """The directory page and its feeds run :func:`sync_local` on every read: two that
    first see a hub at once both found no row and both inserted it, and the second's
    unique key violation was a 500 (each waits for the other's commit at the INSERT)."""
    doc = group_doc(OAKLAND, "docks", "Docks", "Unload", "California", [])
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with h.node.engine.begin() as conn:
                learn_group(conn, doc, h.now)
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    with h.node.engine.begin() as conn:
        learn_group(conn, doc, h.now)
        other = threading.Thread(target=second)
        other.start()
        time.sleep(0.5)  # the second finds no row and waits at its INSERT for this commit
    other.join(timeout=30)
    assert not other.is_alive() and failures == []
    assert len(rows(h, _hubs, _hubs.c.actor_uri == doc["id"])) == 1


def test_a_group_with_an_overlong_page_url_is_listed_on_both_backends(h: Harness) -> None:
    """``network_hub.url`` is ``VARCHAR(1024)``: SQLite stores a longer text, PostgreSQL
    refused the row, so a remote Group whose ``url`` was longer never entered the
    directory there (its Update failed in the inbox worker). A page URL that does not
    fit is left for the Group's id, which does."""
    long = group_doc("long.example", "longurl", "Long URL Hub", "Long", "Nowhere", [])
    long["url"] = "https://long.example/" + "u" * 1500
    with h.node.engine.begin() as conn:
        learn_group(conn, long, h.now)
    (row,) = rows(h, _hubs, _hubs.c.handle == "longurl@long.example")
    assert row["url"] == "https://long.example/hubs/longurl"
    assert "Long URL Hub" in titles(h, DirectoryFilters(search="long url"))


def test_a_region_filter_folds_case_beyond_ascii_on_both_backends(h: Harness) -> None:
    """SQLite's ``lower()`` folds ASCII only, PostgreSQL's every letter: a region
    written ``Île-de-France`` matched ``île-de-france`` on PostgreSQL and nothing on
    SQLite (nor did the facet's own value, lower-cased by the filter)."""
    paris = group_doc("paris.example", "logement", "Droit au logement", "Logement",
                      "Île-de-France", ["logement"])
    with h.node.engine.begin() as conn:
        learn_group(conn, paris, h.now)
    for typed in ("Île-de-France", "île-de-france", "ÎLE-DE-FRANCE"):
        assert titles(h, DirectoryFilters(region=typed)) == ["Droit au logement"], typed
    assert titles(h, DirectoryFilters(search="ÉTÉ")) == []


def test_a_group_that_asks_not_to_be_discovered_is_not_listed(h: Harness) -> None:
    """A Group whose document says ``"discoverable": false`` (Mastodon's and Mobilizon's
    opt-out of directories) was listed, and republished in the directory's Atom feed
    and calendar, while this node's own hubs that say so were not (sync_local). It
    leaves the directory when an Update says so, as a hub that is no Group does."""
    hidden = group_doc("quiet.example", "quiet", "Quiet Assembly", "Not for search",
                       "Leeds", ["quiet"])
    with h.node.engine.begin() as conn:
        learn_group(conn, {**hidden, "discoverable": False}, h.now)
    assert "Quiet Assembly" not in titles(h, DirectoryFilters())
    with h.node.engine.begin() as conn:
        learn_group(conn, hidden, h.now)  # no opt-out said: listed
    assert "Quiet Assembly" in titles(h, DirectoryFilters())
    with h.node.engine.begin() as conn:
        learn_group(conn, {**hidden, "discoverable": False}, h.now)
    assert "Quiet Assembly" not in titles(h, DirectoryFilters())
    assert rows(h, _hubs, _hubs.c.actor_uri == hidden["id"]) == []
    with h.node.engine.connect() as conn:
        assert "quiet" not in {tag for _, tag in hub_tags(conn)}
        assert "quiet" not in facets(conn).tags
    assert "Quiet Assembly" not in h.client.get("/network/directory.atom").text
