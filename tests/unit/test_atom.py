"""The Atom builder: RFC 4287 required elements, escaping, titles (read back by feedparser)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import feedparser
from hypothesis import given
from hypothesis import strategies as st

from node.hubs.hub.atom import ATOM_NS, FeedEntry, FeedInfo, atom_feed, plain_title

HUB = "https://philly.example/hubs/portshutdown"
T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
NS = {"a": ATOM_NS}


def info(**changes: object) -> FeedInfo:
    values: dict[str, object] = {
        "id": f"{HUB}/feed.atom", "title": "Port Shutdown", "self_url": f"{HUB}/feed.atom",
        "alternate_url": HUB, "author_name": "Port Shutdown", "author_uri": HUB,
        "updated": T0, "subtitle_html": "<p>Shut it down</p>"}
    values.update(changes)
    return FeedInfo(**values)  # type: ignore[arg-type]


def entry(n: int, content: str = "<p>Strike &amp; <b>picket</b></p>",
          **changes: object) -> FeedEntry:
    values: dict[str, object] = {
        "id": f"https://philly.example/objects/{n}", "title": f"Item {n}",
        "url": f"https://philly.example/objects/{n}", "author_name": "Nate",
        "author_uri": "https://philly.example/users/nate", "published": T0 + timedelta(hours=n),
        "updated": T0 + timedelta(hours=n), "content_html": content}
    values.update(changes)
    return FeedEntry(**values)  # type: ignore[arg-type]


def test_the_feed_has_every_element_rfc_4287_requires() -> None:
    root = ET.fromstring(atom_feed(info(), [entry(1, summary_html="<p>short</p>")]))
    assert root.tag == f"{{{ATOM_NS}}}feed"
    for path in ("a:id", "a:title", "a:updated", "a:author/a:name", "a:author/a:uri"):
        assert root.find(path, NS) is not None, path
    links = {(link.get("rel"), link.get("type")): link.get("href")
             for link in root.findall("a:link", NS)}
    assert links == {("self", "application/atom+xml"): f"{HUB}/feed.atom",
                     ("alternate", "text/html"): HUB}
    [item] = root.findall("a:entry", NS)
    for path in ("a:id", "a:title", "a:updated", "a:published", "a:link", "a:author/a:name"):
        assert item.find(path, NS) is not None, path
    content = item.find("a:content", NS)
    assert content is not None and content.get("type") == "html"
    assert content.text == "<p>Strike &amp; <b>picket</b></p>"  # escaped in XML, intact here


def test_feedparser_reads_it_back_without_complaint() -> None:
    parsed = feedparser.parse(atom_feed(info(icon="https://philly.example/a.png"),
                                        [entry(2), entry(1)]))
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.feed.title == "Port Shutdown"
    assert parsed.feed.id == f"{HUB}/feed.atom"
    assert parsed.feed.updated == "2026-11-21T12:00:00Z"
    assert parsed.feed.author_detail == {"name": "Port Shutdown", "href": HUB}
    assert parsed.feed.icon == "https://philly.example/a.png"
    assert [e.id for e in parsed.entries] == ["https://philly.example/objects/2",
                                              "https://philly.example/objects/1"]
    first = parsed.entries[0]
    assert first.link == "https://philly.example/objects/2"
    assert first.content[0].type == "text/html"
    assert first.content[0].value == "<p>Strike &amp; <b>picket</b></p>"
    assert first.updated == "2026-11-21T14:00:00Z"


def test_an_empty_feed_is_still_valid() -> None:
    parsed = feedparser.parse(atom_feed(info(subtitle_html=""), []))
    assert parsed.bozo == 0 and parsed.entries == []
    assert "subtitle" not in parsed.feed


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200))
def test_any_title_text_survives_the_xml(title: str) -> None:
    root = ET.fromstring(atom_feed(info(title=title), []))
    found = root.find("a:title", NS)
    assert found is not None and (found.text or "") == title


def test_titles_come_from_name_else_the_start_of_the_text() -> None:
    assert plain_title("  GA   minutes ", "<p>ignored</p>") == "GA minutes"
    assert plain_title(None, "<p>Strike &amp; <b>picket</b></p>") == "Strike & picket"
    long = "<p>" + "word " * 40 + "</p>"
    title = plain_title(None, long)
    assert title.endswith("…") and len(title) <= 81 and "  " not in title
    assert plain_title(None, "<p></p>") == "(untitled)"


def test_categories_and_the_next_page_link_rfc_5005() -> None:
    """Tags as ``category term`` (RFC 4287 section 4.2.2); a paged feed's ``next``."""
    later = f"{HUB}/feed.atom?after=7"
    root = ET.fromstring(atom_feed(info(next_url=later),
                                   [entry(1, categories=("labour", "a&b <c>"))]))
    links = {link.get("rel"): link.get("href") for link in root.findall("a:link", NS)}
    assert links["next"] == later
    [item] = root.findall("a:entry", NS)
    assert [c.get("term") for c in item.findall("a:category", NS)] == ["labour", "a&b <c>"]
    parsed = feedparser.parse(atom_feed(info(), [entry(1, categories=("labour",))]))
    assert parsed.bozo == 0 and [t.term for t in parsed.entries[0].tags] == ["labour"]
    assert "next" not in {link.rel for link in parsed.feed.links}


@given(st.text(max_size=40))
def test_any_text_makes_a_well_formed_feed(text: str) -> None:
    """Titles, tags and names come from remote documents: XML 1.0 forbids some of what
    they may hold (C0 controls, U+FFFE), which ElementTree writes as it is."""
    text = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)  # not in UTF-8
    made = entry(1, title=text, author_name=text, categories=(text or "t",))
    root = ET.fromstring(atom_feed(info(title=text), [made]))
    assert root.find("a:entry/a:title", NS) is not None
