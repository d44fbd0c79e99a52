"""A hub's admin pages: create a hub, its settings, members, follow requests and feeds.

Each action is tried allowed, refused by the service (with the CLI's message on the
form, what was typed kept), without the CSRF token, and by someone not allowed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import insert, select

from node.activitypub.models import LocalActor
from node.hubs.hub.models import FeedSubscription, Hub, HubMember
from node.settings import Settings
from tests.conftest import NOW
from tests.fakes.remote import FakeFediverse
from tests.node.hub_pages_support import BASE, HTML, HUB, Site, _follow
from tests.node.hub_settings_support import FEED_URL, admin_site

_hub = Hub.__table__  # type: ignore[attr-defined]
_member = HubMember.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_subs = FeedSubscription.__table__  # type: ignore[attr-defined]
HUB_URI = f"{BASE}/hubs/{HUB}"
PAGES = ("settings", "members", "requests", "feeds")


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[Site, FakeFediverse]]:
    with admin_site(settings) as made:
        yield made


@pytest.fixture
def admin(world: tuple[Site, FakeFediverse]) -> Site:
    """``nate``, the hub's admin, signed in."""
    site = world[0]
    site.person("nate", "admin")
    site.sign_in("nate")
    return site


def members_of(site: Site) -> list[tuple[str, str]]:
    return [(r.actor_uri.rsplit("/", 1)[-1], r.role) for r in site.rows(_member)]


def hub_row(site: Site) -> dict[str, object]:
    with site.node.engine.connect() as conn:
        return dict(conn.execute(select(_hub)).one()._mapping)


def test_an_organizer_creates_a_hub_and_becomes_its_admin(world: tuple[Site, FakeFediverse]
                                                          ) -> None:
    site = world[0]
    site.person("olga", None)
    site.sign_in("olga")
    assert 'href="/hubs/new"' in site.client.get("/account").text
    assert 'href="/hubs/new"' in site.client.get("/").text
    form = site.client.get("/hubs/new")
    assert form.status_code == 200 and "<h1>Create a hub</h1>" in form.text
    made = site.send("/hubs/new", {"name": "harbour", "title": "Harbour GA",
                                   "summary": "We *meet* weekly."})
    assert made.status_code == 303
    assert made.headers["location"] == "/hubs/harbour/settings?done=created"
    page = site.client.get("/hubs/harbour/settings?done=created")
    assert page.status_code == 200 and "Hub created: you are its admin." in page.text
    assert "We *meet* weekly." in page.text  # the Markdown, not its HTML
    with site.node.engine.connect() as conn:
        admins = conn.execute(select(_member.c.actor_uri, _member.c.role)).all()
    assert [(uri, role) for uri, role in admins] == [(f"{BASE}/users/olga", "admin")]


@pytest.mark.parametrize(("name", "message"), [
    (HUB, "The name &#39;portshutdown&#39; is already taken on this node"),
    ("Bad Name", "The hub name &#39;Bad Name&#39; must be 1-30 characters of a-z, 0-9 and _"),
    ("new", "The hub name &#39;new&#39; is reserved"),
])
def test_a_refused_hub_keeps_what_was_typed(admin: Site, name: str, message: str) -> None:
    refused = admin.send("/hubs/new", {"name": name, "title": "Typed title",
                                       "summary": "Typed mission"})
    assert refused.status_code == 400 and message in refused.text
    assert 'value="Typed title"' in refused.text and ">Typed mission</textarea>" in refused.text
    assert 'aria-describedby="name-hint form-error"' in refused.text
    assert "Username" not in refused.text  # a hub is not a user
    with admin.node.engine.connect() as conn:
        assert conn.execute(select(_actor.c.username).where(
            _actor.c.kind == "group")).scalars().all() == [HUB]


def test_a_bad_hub_name_is_called_a_hub_name_in_spanish_too(admin: Site) -> None:
    """The form's name field refused 'Bad Name' as a bad *username* ('El nombre de
    usuario...'), which an organizer creating a hub cannot make sense of."""
    spanish = admin.send("/hubs/new", {"name": "Bad Name", "title": "T", "summary": ""},
                         **{"accept-language": "es"})
    assert spanish.status_code == 400
    assert ("El nombre del hub &#39;Bad Name&#39; debe tener de 1 a 30 caracteres entre a-z, "
            "0-9 y _ (en minúsculas).") in spanish.text
    assert "usuario" not in spanish.text


def test_a_blank_title_is_refused_in_the_page_s_words_and_in_spanish(admin: Site) -> None:
    """The service's refusal named the CLI's flag ('(--title)'), meaningless in a form,
    and was left in English on the Spanish page."""
    refused = admin.send("/hubs/new", {"name": "harbour", "title": "   ", "summary": ""})
    assert refused.status_code == 400 and "A hub needs a title." in refused.text
    assert "--title" not in refused.text
    spanish = admin.send("/hubs/new", {"name": "harbour", "title": " ", "summary": ""},
                         **{"accept-language": "es"})
    assert "Un hub necesita un título." in spanish.text


def test_creating_needs_csrf_and_a_sign_in(world: tuple[Site, FakeFediverse]) -> None:
    site = world[0]
    anonymous = site.client.get("/hubs/new")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    site.person("olga", None)
    site.sign_in("olga")
    forged = site.send("/hubs/new", {"name": "harbour", "title": "Harbour"}, token=False)
    assert forged.status_code == 403
    assert "harbour" not in [r.username for r in site.rows(_actor)]


SETTINGS = {"title": "Port Shutdown", "summary": "Shut **the port** down.",
            "links": "Website=https://example.org\r\nCalendar = https://example.org/cal\r\n",
            "tags": "labor, ports solidarity", "region": "Bay Area",
            "timezone": "America/Los_Angeles", "follow_policy": "approval",
            "posting_policy": "moderated"}


def test_an_admin_saves_every_setting_and_followers_get_the_profile(admin: Site) -> None:
    admin.run(lambda node, conn: conn.execute(insert(_follow).values(
        follower="https://mastodon.example/users/ana", following=HUB_URI,
        activity_id="https://mastodon.example/f/1", state="accepted",
        inbox="https://mastodon.example/users/ana/inbox", created_at=NOW, updated_at=NOW)))
    page = admin.client.get(f"/hubs/{HUB}/settings")
    assert page.status_code == 200
    assert '<optgroup label="Europe">' in page.text and "<select id=\"timezone\"" in page.text
    saved = admin.send(f"/hubs/{HUB}/settings", SETTINGS)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/hubs/{HUB}/settings?done=sent"
    row = hub_row(admin)
    assert (row["region"], row["tags"], row["timezone"], row["follow_policy"],
            row["posting_policy"], row["summary_source"]) == (
        "Bay Area", ["labor", "ports", "solidarity"], "America/Los_Angeles", "approval",
        "moderated", "Shut **the port** down.")
    assert row["links"] == [{"name": "Website", "url": "https://example.org"},
                            {"name": "Calendar", "url": "https://example.org/cal"}]
    assert admin.outbox() == ["Update"]
    document = admin.client.get(f"/hubs/{HUB}", headers={
        "accept": "application/activity+json"}).json()
    assert document["name"] == "Port Shutdown" and document["manuallyApprovesFollowers"]
    assert document["tag"] == [{"type": "Hashtag", "name": f"#{t}"}
                               for t in ("labor", "ports", "solidarity")]
    assert document["location"] == {"type": "Place", "name": "Bay Area"}
    assert {"type": "PropertyValue", "name": "Website", "value":
            '<a href="https://example.org" rel="nofollow noopener noreferrer" '
            'target="_blank">https://example.org</a>'} in document["attachment"]
    again = admin.client.get(f"/hubs/{HUB}/settings")
    assert "Settings saved" not in again.text
    assert '<option value="America/Los_Angeles" selected>' in again.text
    assert "Website=https://example.org\nCalendar=https://example.org/cal" in again.text
    unchanged = admin.send(f"/hubs/{HUB}/settings", SETTINGS)
    assert unchanged.headers["location"] == f"/hubs/{HUB}/settings?done=saved"
    assert admin.outbox() == ["Update"]


@pytest.mark.parametrize(("change", "message"), [
    ({"title": ""}, "A hub needs a title."),
    ({"links": "no-equals-sign"}, "A link must be NAME=URL, not &#39;no-equals-sign&#39;."),
    ({"links": "Site=ftp://example.org"}, "Link &#39;Site&#39; must be an absolute http(s)"),
    ({"tags": "ok not-ok"}, "Tag &#39;not-ok&#39; must be letters, digits or _"),
    ({"timezone": "Mars/Olympus"}, "Unknown timezone &#39;Mars/Olympus&#39;"),
    ({"follow_policy": "sometimes"}, "Follow policy must be one of open, approval."),
])
def test_refused_settings_keep_what_was_typed(admin: Site, change: dict[str, str],
                                              message: str) -> None:
    before = hub_row(admin)
    refused = admin.send(f"/hubs/{HUB}/settings", {**SETTINGS, **change})
    assert refused.status_code == 400 and message in refused.text
    assert 'role="alert" id="form-error"' in refused.text
    assert ">Shut **the port** down.</textarea>" in refused.text
    assert hub_row(admin) == before and admin.outbox() == []


def test_a_refused_timezone_is_described_by_its_select(admin: Site) -> None:
    """Every other field pointed at the form's error; the timezone picker, the field
    the refusal is about, did not (WCAG 3.3.1)."""
    refused = admin.send(f"/hubs/{HUB}/settings", {**SETTINGS, "timezone": "Mars/Olympus"})
    assert refused.status_code == 400
    assert '<select id="timezone" name="timezone" aria-describedby="timezone-hint ' \
        'form-error">' in refused.text


def test_admin_pages_refuse_others_and_need_csrf(world: tuple[Site, FakeFediverse]) -> None:
    site = world[0]
    for page in PAGES:
        anonymous = site.client.get(f"/hubs/{HUB}/{page}")
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    site.person("nate", "admin")
    site.person("mia", "moderator")
    site.sign_in("mia")
    manage = site.client.get(f"/hubs/{HUB}/manage").text
    assert f'href="/hubs/{HUB}/requests"' in manage and f"/hubs/{HUB}/settings" not in manage
    assert site.client.get(f"/hubs/{HUB}/requests").status_code == 200
    for page in ("settings", "members", "feeds"):
        refused = site.client.get(f"/hubs/{HUB}/{page}", headers=HTML)
        assert refused.status_code == 403
        assert "Only the admins of West Coast Port Shutdown can change this" in refused.text
    posts = {"settings": SETTINGS, "members/add": {"who": "mia", "role": "admin"},
             "members/remove": {"member": f"{BASE}/users/nate"},
             "feeds/add": {"feed": FEED_URL}}
    for path, data in posts.items():
        assert site.send(f"/hubs/{HUB}/{path}", data).status_code == 403
    site.person("carol", None)
    site.sign_in("carol")
    assert site.client.get(f"/hubs/{HUB}/requests").status_code == 403
    site.sign_in("nate")
    assert all(f'href="/hubs/{HUB}/{p}"' in site.client.get(f"/hubs/{HUB}/manage").text
               for p in PAGES)
    for path, data in posts.items():
        assert site.send(f"/hubs/{HUB}/{path}", data, token=False).status_code == 403
    assert members_of(site) == [("nate", "admin"), ("mia", "moderator")]
    assert site.rows(_subs) == [] and hub_row(site)["follow_policy"] == "open"


def test_an_admin_adds_changes_and_removes_members(
        admin: Site, world: tuple[Site, FakeFediverse]) -> None:
    remote = world[1]
    remote.add_actor("mastodon.example", "ana")
    admin.person("mia", None)
    assert admin.send(f"/hubs/{HUB}/members/add", {"who": "mia", "role": "moderator"}
                      ).headers["location"] == f"/hubs/{HUB}/members?done=added"
    assert admin.send(f"/hubs/{HUB}/members/add",
                      {"who": "@ana@mastodon.example", "role": "member"}).status_code == 303
    assert members_of(admin) == [("nate", "admin"), ("mia", "moderator"), ("ana", "member")]
    page = admin.client.get(f"/hubs/{HUB}/members?done=added").text
    assert "Member added." in page and "@ana@mastodon.example" in page
    assert admin.send(f"/hubs/{HUB}/members/role", {
        "member": f"{BASE}/users/mia", "role": "admin"}).status_code == 303
    assert admin.send(f"/hubs/{HUB}/members/remove", {
        "member": "https://mastodon.example/users/ana"}).status_code == 303
    assert members_of(admin) == [("nate", "admin"), ("mia", "admin")]


@pytest.mark.parametrize(("data", "message"), [
    ({"who": "nobody", "role": "member"}, "No organizer named &#39;nobody&#39; on this node."),
    ({"who": "@ghost@mastodon.example", "role": "member"}, "Cannot find @ghost@mastodon.example"),
    ({"who": "nate", "role": "owner"}, "Role must be one of admin, moderator, member"),
])
def test_a_refused_member_keeps_what_was_typed(admin: Site, data: dict[str, str],
                                               message: str) -> None:
    refused = admin.send(f"/hubs/{HUB}/members/add", data)
    assert refused.status_code == 400 and message in refused.text
    assert f'value="{data["who"]}"' in refused.text
    assert 'aria-describedby="who-hint add-error"' in refused.text
    assert members_of(admin) == [("nate", "admin")]


def test_the_last_admin_is_shown_why_they_stay(admin: Site) -> None:
    nate = f"{BASE}/users/nate"
    for path, data in (("members/remove", {"member": nate}),
                       ("members/role", {"member": nate, "role": "member"})):
        refused = admin.send(f"/hubs/{HUB}/{path}", data)
        assert refused.status_code == 400
        assert f"{nate} is the last admin of {HUB}" in refused.text
        assert 'id="member-1-error"' in refused.text
        assert 'aria-describedby="member-1-error"' in refused.text
    outsider = admin.send(f"/hubs/{HUB}/members/role", {
        "member": "https://mastodon.example/users/x", "role": "admin"})
    assert outsider.status_code == 400 and "is not a member of" in outsider.text
    assert members_of(admin) == [("nate", "admin")]


def test_a_moderator_answers_follow_requests(world: tuple[Site, FakeFediverse]) -> None:
    site = world[0]
    site.person("mia", "moderator")
    site.sign_in("mia")
    fans = [f"https://mastodon.example/users/fan{n}" for n in (1, 2)]
    for n, fan in enumerate(fans):
        site.run(lambda node, conn, fan=fan, n=n: conn.execute(insert(_follow).values(
            follower=fan, following=HUB_URI, activity_id=f"https://mastodon.example/f/{n}",
            state="pending", inbox=f"{fan}/inbox", created_at=NOW, updated_at=NOW)))
    page = site.client.get(f"/hubs/{HUB}/requests").text
    assert "@fan1@mastodon.example" in page and "@fan2@mastodon.example" in page
    approved = site.send(f"/hubs/{HUB}/requests/approve", {"follower": fans[0]})
    assert approved.headers["location"] == f"/hubs/{HUB}/requests?done=approved"
    assert site.send(f"/hubs/{HUB}/requests/reject", {"follower": fans[1]}).status_code == 303
    assert [(r.follower, r.state) for r in site.rows(_follow)] == [(fans[0], "accepted")]
    assert site.outbox() == ["Accept", "Reject"]
    again = site.send(f"/hubs/{HUB}/requests/reject", {"follower": fans[1]})
    assert again.status_code == 400 and "has no pending follow request" in again.text
    forged = site.send(f"/hubs/{HUB}/requests/approve", {"follower": fans[1]}, token=False)
    assert forged.status_code == 403


def test_an_admin_adds_and_removes_a_feed(admin: Site) -> None:
    assert "The hub follows no feeds." in admin.client.get(f"/hubs/{HUB}/feeds").text
    added = admin.send(f"/hubs/{HUB}/feeds/add", {"feed": FEED_URL})
    assert added.headers["location"] == f"/hubs/{HUB}/feeds?done=added"
    page = admin.client.get(f"/hubs/{HUB}/feeds").text
    assert "Oakland GA" in page and "Working" in page and FEED_URL in page
    duplicate = admin.send(f"/hubs/{HUB}/feeds/add", {"feed": FEED_URL})
    assert duplicate.status_code == 400 and "is already subscribed to" in duplicate.text
    assert f'value="{FEED_URL}"' in duplicate.text
    missing = admin.send(f"/hubs/{HUB}/feeds/add",
                         {"feed": "https://occupyoakland.example/none.xml"})
    assert missing.status_code == 400 and "Cannot subscribe to" in missing.text
    bad = admin.send(f"/hubs/{HUB}/feeds/add", {"feed": "ftp://example.org/feed"})
    assert bad.status_code == 400 and "A feed needs an http(s) URL" in bad.text
    spanish = admin.send(f"/hubs/{HUB}/feeds/add", {"feed": "not a url"},
                         **{"accept-language": "es"})
    assert ("Un feed necesita una URL http(s) con un host, no &#39;not a url&#39;."
            in spanish.text)  # it said "...: 'not a url' is not an http(s) URL"
    removed = admin.send(f"/hubs/{HUB}/feeds/remove", {"feed": FEED_URL})
    assert removed.headers["location"] == f"/hubs/{HUB}/feeds?done=removed"
    assert [r.unsubscribed_at is not None for r in admin.rows(_subs)] == [True]
    gone = admin.send(f"/hubs/{HUB}/feeds/remove", {"feed": FEED_URL})
    assert gone.status_code == 400 and "is not subscribed to" in gone.text


def test_the_event_form_picks_its_timezone_from_a_list(admin: Site) -> None:
    page = admin.client.get(f"/hubs/{HUB}/post/event").text
    assert '<select id="timezone" name="timezone" required aria-describedby="timezone-hint">' \
        in page
    assert '<optgroup label="America">' in page and "<datalist" not in page
    refused = admin.send(f"/hubs/{HUB}/post/event", {
        "title": "Rally", "start": "2026-12-12T07:00", "end": "2026-12-12T09:00",
        "timezone": "Mars/Olympus", "place_name": "Plaza"})
    assert refused.status_code == 400
    assert '<option value="Mars/Olympus" selected>Mars/Olympus</option>' in refused.text


def test_the_admin_pages_speak_spanish(admin: Site) -> None:
    spanish = {"accept-language": "es"}
    pages = {"settings": "Ajustes de West Coast Port Shutdown",
             "members": "Miembros de West Coast Port Shutdown",
             "requests": "Solicitudes de seguimiento de West Coast Port Shutdown",
             "feeds": "Feeds externos de West Coast Port Shutdown"}
    for page, heading in pages.items():
        text = admin.client.get(f"/hubs/{HUB}/{page}", headers=spanish).text
        assert f"<h1>{heading}</h1>" in text and "Administración del hub" in text
    assert "<h1>Crear un hub</h1>" in admin.client.get("/hubs/new", headers=spanish).text


def test_a_new_hub_takes_its_timezone_from_the_form(admin: Site) -> None:
    """The form starts at the node's timezone for an organizer with none of their own;
    an unknown zone is refused with nothing made."""
    form = admin.client.get("/hubs/new").text
    assert '<option value="" selected>This node\'s timezone (UTC)</option>' in form
    refused = admin.send("/hubs/new", {"name": "harbour", "title": "Harbour GA",
                                       "summary": "", "timezone": "Mars/Olympus"})
    assert refused.status_code == 400 and "Mars/Olympus" in refused.text
    assert "harbour" not in [r.username for r in admin.rows(_actor)]
    made = admin.send("/hubs/new", {"name": "harbour", "title": "Harbour GA", "summary": "",
                                    "timezone": "America/Los_Angeles"})
    assert made.status_code == 303
    with admin.node.engine.connect() as conn:
        zones = dict(conn.execute(select(_actor.c.username, _hub.c.timezone)
                                  .join(_hub, _hub.c.actor_id == _actor.c.id)).all())
    assert zones["harbour"] == "America/Los_Angeles" and zones[HUB] == ""
