"""The "Sources" section of a hub's linked hubs page in-process: a steward has the hub
follow a Mastodon account by URL (an ionode hub or a Note refused by the form, with the
reason), sees it pending, then following or refused, and stops following it; a member
who is no steward can do none of it, and a form without its CSRF token is refused."""

from __future__ import annotations

from sqlalchemy import update

from node.activitypub.models import Follow
from tests.fakes.remote import FakeFediverse
from tests.node.hub_pages_support import HTML, HUB, Site
from tests.node.links_page_support import remote as remote  # the fixture
from tests.node.links_page_support import site as site  # the fixture
from tests.node.network_support import add_group
from tests.node.source_support import lemmy_tenants

_follow = Follow.__table__  # type: ignore[attr-defined]
LINKS = f"/hubs/{HUB}/links"


def test_a_steward_follows_a_source_from_the_links_page(site: Site, remote: FakeFediverse) -> None:
    ana = remote.add_actor("mastodon.example", "ana")
    dockers = add_group(remote, "oakland.example", "dockers")
    remote.objects["https://mastodon.example/notes/1"] = {
        "id": "https://mastodon.example/notes/1",
        "type": "Note",
    }
    site.sign_in("nate")
    page = site.client.get(LINKS, headers=HTML).text
    assert 'id="sources-heading"' in page and "This hub follows no sources yet." in page
    for typed, reason in (
        (dockers.uri, "link it instead"),
        ("https://mastodon.example/notes/1", "is not an actor"),
    ):
        refused = site.send(f"/hubs/{HUB}/sources/add", {"source": typed})
        assert refused.status_code == 400 and 'id="source-error"' in refused.text
        error = refused.text.split('id="source-error">', 1)[1].split("<", 1)[0]
        assert reason in error and f'value="{typed}"' in refused.text, error
    assert (
        site.send(f"/hubs/{HUB}/sources/add", {"source": ana.uri}, token=False).status_code == 403
    )
    done = site.send(f"/hubs/{HUB}/sources/add", {"source": ana.uri})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=source-asked")
    assert site.outbox() == ["Follow"]
    listing = site.client.get(f"{LINKS}?done=source-asked", headers=HTML).text
    assert "Follow requested" in listing and "asked, waiting for an answer" in listing
    assert "@ana@mastodon.example" in listing and "No linked hubs yet." in listing
    again = site.send(f"/hubs/{HUB}/sources/add", {"source": ana.uri})
    assert again.status_code == 400 and "already follows" in again.text
    for state, shown in (("accepted", "following"), ("rejected", "refused")):
        with site.node.engine.begin() as conn:
            conn.execute(update(_follow).where(_follow.c.following == ana.uri).values(state=state))
        assert f'<td class="source-state">{shown}' in site.client.get(
            LINKS, headers=HTML
        ).text.replace('<span class="refused">', "")
    site.sign_in("mia")
    assert site.client.get(LINKS, headers=HTML).status_code == 403
    assert site.send(f"/hubs/{HUB}/sources/remove", {"source": ana.uri}).status_code == 403
    site.sign_in("nate")
    removed = site.send(f"/hubs/{HUB}/sources/remove", {"source": ana.uri})
    assert removed.status_code == 303
    assert removed.headers["location"].endswith("?done=source-removed")
    assert site.outbox() == ["Follow", "Undo"]
    assert "This hub follows no sources yet." in site.client.get(LINKS, headers=HTML).text
    unknown = site.send(f"/hubs/{HUB}/sources/remove", {"source": ana.uri})
    assert unknown.status_code == 400 and "is not a source of" in unknown.text


def test_a_steward_follows_a_lemmy_community_by_its_bang_address(
    site: Site, remote: FakeFediverse
) -> None:
    community = lemmy_tenants(remote)
    site.sign_in("nate")
    done = site.send(f"/hubs/{HUB}/sources/add", {"source": "!tenants@lemmy.example"})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=source-asked")
    assert site.outbox() == ["Follow"]
    listing = site.client.get(LINKS, headers=HTML).text
    assert "@tenants@lemmy.example" in listing and community.uri in listing
