"""Following and taking part from the fediverse (issue 8, item 5), in a real browser.

A visitor on a hub's follow page types the handle of their account on another server and
lands on that server's page for following (a tiny loopback server stands in for Mastodon:
its WebFinger answer carries a subscribe template pointing back at itself); a member of
this node says they are going to an event with one click, and takes it back. Every page
passes axe-core.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import HUB, ORGANIZER, Site, assert_accessible, sign_in

SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"


class _FakeMastodon(BaseHTTPRequestHandler):
    """WebFinger with a subscribe template, and the page the template leads to."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        origin = f"http://{self.headers['Host']}"
        if parts.path == "/.well-known/webfinger":
            resource = parse_qs(parts.query).get("resource", [""])[0]
            links = [{"rel": SUBSCRIBE, "template": f"{origin}/authorize_interaction?uri={{uri}}"}]
            self._send(200, "application/jrd+json",
                       json.dumps({"subject": resource, "links": links}))
        elif parts.path == "/authorize_interaction":
            wanted = parse_qs(parts.query).get("uri", [""])[0]
            self._send(200, "text/html", "<!doctype html><html lang='en'><title>Fake Mastodon"
                       f"</title><h1>Follow {wanted.replace('<', '')} from Fake Mastodon</h1>")
        else:
            self._send(404, "text/plain", "not found")

    def _send(self, status: int, kind: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def mastodon() -> Iterator[str]:
    """The fake server's ``host:port`` on loopback, for the duration of one test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeMastodon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_visitor_follows_the_hub_from_their_own_server(site: Site, page: Page,
                                                        mastodon: str) -> None:
    node_host = urlsplit(site.url).netloc
    page.goto(f"{site.url}/hubs/{HUB}/follow")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Follow")
    expect(page.locator("code.address")).to_have_text(f"@{HUB}@{node_host}")
    assert_accessible(page)

    handle = page.get_by_label("Your fediverse handle")
    handle.fill("ana at my server")  # not a handle: refused here, what was typed is kept
    page.get_by_role("button", name="Go to my server").click()
    expect(page.get_by_role("alert")).to_contain_text("Type your handle as @name@server")
    expect(handle).to_have_value("ana at my server")
    assert_accessible(page)

    handle.fill(f"@ana@{mastodon}")
    page.get_by_role("button", name="Go to my server").click()
    page.wait_for_url(f"http://{mastodon}/authorize_interaction?**")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Follow {HUB}@{node_host} from Fake Mastodon")


def test_the_follow_page_in_the_dark_on_a_narrow_screen(site: Site, browser: Browser) -> None:
    """Contrast in the dark scheme, and no sideways scrolling at 320 px (WCAG 1.4.10)."""
    context = browser.new_context(color_scheme="dark", viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(f"{site.url}/hubs/{HUB}/follow")
        page.get_by_label("Your fediverse handle").fill("@ana")
        page.get_by_role("button", name="Go to my server").click()
        expect(page.get_by_role("alert")).to_be_visible()
        assert_accessible(page)
        widths = page.evaluate("[document.documentElement.scrollWidth, "
                               "document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the follow page scrolls sideways: {widths}"
    finally:
        context.close()


def test_a_member_says_they_are_going_in_one_click(site: Site, page: Page) -> None:
    start = datetime.now(UTC) + timedelta(days=5)
    day = start.strftime("%Y-%m-%d")
    out = site.cli("event", "create", "--as", ORGANIZER, "--hub", HUB, "--title",
                   "Assembly picnic", "--start", f"{day} 12:00", "--end", f"{day} 15:00",
                   "--timezone", "UTC", "--place", "Harbour park", "--capacity", "40")
    event = next(word for word in out.split() if "/objects/" in word)
    path = urlsplit(event).path

    page.goto(f"{site.url}{path}")  # a visitor: RSVP from their own account
    rsvp = page.get_by_role("region", name="Going?")
    expect(rsvp.get_by_role("link", name="RSVP from your fediverse account")).to_have_attribute(
        "href", f"{path}/interact")
    assert_accessible(page)

    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}{path}")
    expect(rsvp).to_contain_text("You are not going.")
    expect(rsvp).to_contain_text("0 going · 40 places")
    rsvp.get_by_role("button", name="I am going").click()
    expect(page.get_by_role("status")).to_have_text("You are going: the organizer has your RSVP.")
    expect(rsvp).to_contain_text("You are going.")
    expect(rsvp).to_contain_text("1 going · 40 places")
    assert_accessible(page)

    rsvp.get_by_role("button", name="I am not going").click()
    expect(page.get_by_role("status")).to_have_text("You are no longer going.")
    expect(rsvp).to_contain_text("0 going")
    expect(rsvp.get_by_role("button", name="I am going")).to_be_visible()
