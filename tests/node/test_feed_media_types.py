"""Feeds are taken whatever media type real websites serve them with (issue 7, item 1.5).

Debian's and Apache's ``/etc/mime.types`` map ``.rss`` to ``application/x-rss+xml``;
other servers send generic XML, ``text/plain`` or ``application/octet-stream``. Declared
feed types are taken; the generic ones only when the body parses as a feed (sniffed).
Each case subscribes a hub through the in-test website behind a MockTransport.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.hubs.hub.publish import HubError
from node.settings import Settings
from tests.node.feed_support import FEED, Page, World, feed_world

FIXTURES = Path(__file__).parents[1] / "fixtures" / "feeds"
RSS = (FIXTURES / "rss2.xml").read_bytes()
ATOM = (FIXTURES / "atom.xml").read_bytes()
ICS = (FIXTURES / "calendar.ics").read_bytes()
RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://occupyoakland.example/"><title>GA minutes</title>
    <link>https://occupyoakland.example/</link><description>d</description></channel>
  <item rdf:about="https://occupyoakland.example/m/1"><title>Minutes of the GA</title>
    <link>https://occupyoakland.example/m/1</link></item>
</rdf:RDF>"""


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with feed_world(settings) as w:
        yield w


@pytest.mark.parametrize(("content_type", "body", "title"), [
    ("application/x-rss+xml", RSS, "Occupy Oakland General Assembly"),
    ("application/rss+xml; charset=utf-8", RSS, "Occupy Oakland General Assembly"),
    ("application/rss", RSS, "Occupy Oakland General Assembly"),
    ("application/atom+xml", ATOM, "InterOccupy blog"),
    ("application/x-atom+xml", ATOM, "InterOccupy blog"),
    ("application/rdf+xml", RDF, "GA minutes"),
    ("application/xml", RSS, "Occupy Oakland General Assembly"),
    ("text/xml; charset=iso-8859-1", ATOM, "InterOccupy blog"),
    ("text/calendar; charset=utf-8", ICS, ""),
    ("text/plain; charset=utf-8", RSS, "Occupy Oakland General Assembly"),
    ("text/plain", ICS, ""),
    ("application/octet-stream", ATOM, "InterOccupy blog"),
])
def test_feeds_are_taken_as_served(world: World, content_type: str, body: bytes,
                                   title: str) -> None:
    world.site.pages[FEED] = Page(body, content_type=content_type)
    result = world.subscribe()
    assert result.url == FEED and result.published >= 1
    if title:
        assert result.title == title


@pytest.mark.parametrize(("content_type", "body", "message"), [
    ("text/plain", b"Our meetings are on Tuesdays.", "not an RSS or Atom feed"),
    ("application/octet-stream", b"\x89PNG\r\n\x1a\n\0\0\0", "not an RSS or Atom feed"),
    ("text/xml", b"<?xml version='1.0'?><note><to>GA</to></note>", "not an RSS or Atom feed"),
    ("image/png", RSS, "media type"),
    ("application/json", b'{"version": "https://jsonfeed.org/version/1.1"}', "media type"),
])
def test_what_is_served_generically_must_parse_as_a_feed(
        world: World, content_type: str, body: bytes, message: str) -> None:
    world.site.pages[FEED] = Page(body, content_type=content_type)
    with pytest.raises(HubError, match=message):
        world.subscribe()
