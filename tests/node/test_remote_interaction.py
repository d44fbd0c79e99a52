"""Follow, vote and RSVP "from your account" (issue 8, item 5).

A visitor types their fediverse handle on ``/hubs/{name}/follow``, ``/users/{name}/follow``
or ``/objects/{id}/interact``; the node looks the handle up with WebFinger on the
visitor's server (through the safe fetcher) and sends the browser to that server's
``http://ostatus.org/schema/1.0/subscribe`` template with ``{uri}`` filled in. The
visitor's servers are faked with ``httpx.MockTransport``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest

from node.accounts import ratelimit
from node.activitypub.remote_interaction import SUBSCRIBE_REL
from node.hubs.events.rules import EventSpec, Place
from node.hubs.events.service import create_event
from node.hubs.polls.rules import make_spec
from node.hubs.polls.service import create_poll
from node.settings import Settings
from tests.conftest import NOW
from tests.node.hub_pages_support import BASE, HTML, HUB, Site, open_site
from tests.node.web_support import MovableClock

MASTO_TEMPLATE = "https://mastodon.example/authorize_interaction?uri={uri}"
FOLLOW = f"/hubs/{HUB}/follow"


class FakeServers:
    """The visitors' servers: one Mastodon-like, one without a template, one down."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.templates: dict[str, str] = {"mastodon.example": MASTO_TEMPLATE}

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(str(request.url))
        host = request.url.host
        if host == "down.example":
            raise httpx.ConnectError("connection refused", request=request)
        if host == "redirect.example":  # WebFinger redirected inward (Fedify CVE-2025-23221)
            return httpx.Response(302, headers={"Location": "https://10.0.0.1/.well-known/x"})
        if request.url.path != "/.well-known/webfinger":
            return httpx.Response(404)
        resource = request.url.params["resource"]
        links: list[dict[str, str]] = [{"rel": "self", "type": "application/activity+json",
                                        "href": f"https://{host}/users/ana"}]
        if host in self.templates:
            links.append({"rel": SUBSCRIBE_REL, "template": self.templates[host]})
        return httpx.Response(200, content=orjson.dumps({"subject": resource, "links": links}),
                              headers={"Content-Type": "application/jrd+json"})


@pytest.fixture
def servers() -> FakeServers:
    return FakeServers()


@pytest.fixture
def site(settings: Settings, servers: FakeServers) -> Iterator[Site]:
    clock = MovableClock(NOW)
    with open_site(settings, transport=httpx.MockTransport(servers.handle), clock=clock) as site:
        site.person("mia")
        yield site


def token(site: Site, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', site.client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def send(site: Site, path: str, handle: str) -> Any:
    return site.client.post(path, data={"csrf_token": token(site, path), "handle": handle})


def a_poll(site: Site) -> str:
    spec = make_spec("Shut the port down?", ["yes", "no"], multiple=False,
                     end=NOW + timedelta(days=1), now=NOW)
    return str(site.run(lambda node, conn: create_poll(node, conn, "mia", [HUB], spec)
                        ).object["id"])


def an_event(site: Site) -> str:
    spec = EventSpec(title="March to the port", start=NOW + timedelta(days=3),
                     end=NOW + timedelta(days=3, hours=2), timezone="UTC",
                     location=Place("Frank Ogawa Plaza"))
    return str(site.run(lambda node, conn: create_event(node, conn, author="mia", hubs=[HUB],
                                                        spec=spec)).object["id"])


def test_the_follow_page_shows_the_handle_and_asks_for_yours(site: Site) -> None:
    response = site.client.get(FOLLOW, headers=HTML)
    assert response.status_code == 200
    html = response.text
    assert "<h1" in html and "Follow West Coast Port Shutdown" in html
    assert f'<code class="address">@{HUB}@philly.example</code>' in html
    assert '<label for="handle">Your fediverse handle</label>' in html
    assert 'name="csrf_token"' in html
    # The form leads to the visitor's server: this page's CSP lets it (form-action).
    assert "form-action 'self' https:" in response.headers["content-security-policy"]
    assert "http:" not in response.headers["content-security-policy"].split("form-action")[1]


def test_a_mastodon_handle_is_sent_to_its_authorize_interaction_page(
        site: Site, servers: FakeServers) -> None:
    # Given a Mastodon-like server whose WebFinger carries a subscribe template, when the
    # visitor types their handle, then the browser goes there with the hub's account.
    response = send(site, FOLLOW, "  @ana@Mastodon.example ")
    assert response.status_code == 303
    assert response.headers["location"] == (
        "https://mastodon.example/authorize_interaction?uri=portshutdown%40philly.example")
    assert servers.asked == [
        "https://mastodon.example/.well-known/webfinger?resource=acct:ana@mastodon.example"]


def test_polls_and_events_send_their_own_address(site: Site) -> None:
    for uri in (a_poll(site), an_event(site)):
        path = f"{uri.removeprefix(BASE)}/interact"
        response = send(site, path, "ana@mastodon.example")
        assert response.status_code == 303
        location = response.headers["location"]
        assert location == ("https://mastodon.example/authorize_interaction?uri="
                            + uri.replace(":", "%3A").replace("/", "%2F"))
        assert parse_qs(urlsplit(location).query)["uri"] == [uri]


def test_an_organizer_can_be_followed_too(site: Site) -> None:
    profile = site.client.get("/users/mia", headers=HTML).text
    assert '<a href="/users/mia/follow">Follow from your fediverse account</a>' in profile
    html = site.client.get("/users/mia/follow", headers=HTML).text
    assert '<code class="address">@mia@philly.example</code>' in html
    response = send(site, "/users/mia/follow", "@ana@mastodon.example")
    assert response.headers["location"].endswith("?uri=mia%40philly.example")


@pytest.mark.parametrize(("handle", "message"), [
    ("@ana@plain.example", "Your server does not say where to send you."),
    ("@ana@down.example", "Your server could not be reached"),
])
def test_a_server_without_template_or_unreachable_gets_a_clear_message(
        site: Site, handle: str, message: str) -> None:
    response = send(site, FOLLOW, handle)
    assert response.status_code == 400
    assert message in response.text
    assert f'value="{handle}"' in response.text  # what was typed is kept
    assert f'<code class="address">@{HUB}@philly.example</code>' in response.text
    assert 'aria-describedby="handle-hint handle-error"' in response.text
    assert "form-action 'self' https:" in response.headers["content-security-policy"]


def test_a_webfinger_redirect_to_a_private_address_is_refused(
        site: Site, servers: FakeServers) -> None:
    response = send(site, FOLLOW, "ana@redirect.example")
    assert response.status_code == 400
    assert "Your server could not be reached" in response.text
    assert [urlsplit(url).hostname for url in servers.asked] == ["redirect.example"]


@pytest.mark.parametrize("handle", ["@ana@10.0.0.5", "ana@127.0.0.1", "ana@localhost",
                                    "ana@169.254.169.254", "ana@192.168.1.1"])
def test_a_handle_on_a_private_address_is_refused_by_the_fetcher(
        site: Site, servers: FakeServers, handle: str) -> None:
    response = send(site, FOLLOW, handle)
    assert response.status_code == 400
    assert "Your server could not be reached" in response.text
    assert servers.asked == []  # refused before any request left the node


@pytest.mark.parametrize("handle", ["", "ana", "@ana", "ana@", "@@mastodon.example",
                                    "ana@mastodon.example/path", "a na@mastodon.example",
                                    "ana@mastodon.example:port", "https://mastodon.example",
                                    "ana@mastodon.example?x=1", "ana@[::1]",
                                    "x" * 400 + "@a.example"])
def test_malformed_handles_are_refused_without_a_lookup(
        site: Site, servers: FakeServers, handle: str) -> None:
    response = send(site, FOLLOW, handle)
    assert response.status_code == 400
    assert "Type your handle as @name@server" in response.text
    assert servers.asked == []


def test_a_hostile_template_is_not_followed(site: Site, servers: FakeServers) -> None:
    servers.templates["evil.example"] = "javascript:alert(1)//{uri}"
    servers.templates["plainhttp.example"] = "http://plainhttp.example/follow?acct={uri}"
    for handle in ("ana@evil.example", "ana@plainhttp.example"):
        response = send(site, FOLLOW, handle)
        assert response.status_code == 400
        assert "Your server does not say where to send you." in response.text


def test_the_form_needs_its_csrf_token(site: Site, servers: FakeServers) -> None:
    response = site.client.post(FOLLOW, data={"handle": "ana@mastodon.example"})
    assert response.status_code == 403
    assert servers.asked == []


def test_unknown_targets_are_404(site: Site) -> None:
    for path in ("/hubs/nosuchhub/follow", "/users/portshutdown/follow", "/hubs/mia/follow",
                 "/objects/nothing/interact"):
        assert site.client.get(path, headers=HTML).status_code == 404


def test_lookups_are_rate_limited_per_address_apart_from_sign_in(
        site: Site, servers: FakeServers) -> None:
    for _ in range(ratelimit.ACTION_LIMIT):
        assert send(site, FOLLOW, "ana@mastodon.example").status_code == 303
    limited = send(site, FOLLOW, "ana@mastodon.example")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many tries" in limited.text and 'value="ana@mastodon.example"' in limited.text
    assert len(servers.asked) == ratelimit.ACTION_LIMIT
    with site.node.engine.connect() as conn:  # signing in from there is not limited by it
        assert ratelimit.retry_after(conn, "mia", "testclient", NOW) == 0

