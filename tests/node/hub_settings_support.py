"""The hub admin pages' world: the site of hub_pages_support behind a MockTransport that
answers WebFinger for fake Mastodon accounts and serves a group's feed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.testclient import TestClient

from node.app import create_app
from node.clock import fixed_clock
from node.hubs.hub.service import create_hub
from node.settings import Settings
from tests.conftest import NOW
from tests.fakes.remote import FakeFediverse
from tests.node.hub_pages_support import BASE, HUB, Site

FEED_URL = "https://occupyoakland.example/feed.xml"
RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Oakland GA</title>'
       b"<link>https://occupyoakland.example/</link><item><guid>1</guid><title>Assembly"
       b"</title><link>https://occupyoakland.example/1</link>"
       b"<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>")


def webfinger(remote: FakeFediverse, request: httpx.Request) -> httpx.Response:
    """A JRD (RFC 7033) for ``acct:user@host`` when the fake fediverse has that actor."""
    resource = parse_qs(urlsplit(str(request.url)).query).get("resource", [""])[0]
    user, _, host = resource.removeprefix("acct:").partition("@")
    uri = f"https://{host}/users/{user}"
    if uri not in remote.actors:
        return httpx.Response(404)
    return httpx.Response(200, json={"subject": resource, "links": [
        {"rel": "self", "type": "application/activity+json", "href": uri}]},
        headers={"content-type": "application/jrd+json"})


@contextmanager
def admin_site(settings: Settings) -> Iterator[tuple[Site, FakeFediverse]]:
    """The app with the hub ``portshutdown``, a fake fediverse and a feed website."""
    remote = FakeFediverse()

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/webfinger":
            return webfinger(remote, request)
        if str(request.url) == FEED_URL:
            return httpx.Response(200, content=RSS,
                                  headers={"content-type": "application/rss+xml"})
        return remote.handle(request)

    app = create_app(settings, transport=httpx.MockTransport(route), clock=fixed_clock(NOW),
                     start_workers=False)
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        site = Site(client, app.state.node)
        with site.node.engine.begin() as conn:
            create_hub(conn, base_url=BASE, name=HUB, title="West Coast Port Shutdown",
                       now=NOW, keys=site.node.actor_keys)
        yield site, remote
