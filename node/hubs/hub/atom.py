"""An Atom 1.0 feed of a hub's published items (RFC 4287), built with ElementTree.

Pure: the view gathers :class:`FeedInfo` and :class:`FeedEntry` values, this module only
writes XML. RFC 4287 requires of a feed ``id``, ``title``, ``updated`` and an ``author``
(on the feed or on every entry, §4.1.1), and of each entry ``id``, ``title`` and
``updated`` (§4.1.2); a ``link rel="self"`` is recommended (§4.2.7.2). Dates are RFC 3339
(§3.3). ``content type="html"`` holds escaped HTML (§4.1.3.3): ElementTree escapes it,
and the HTML itself was sanitised before it got here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from node.activitypub.vocab import isoformat

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
TITLE_CHARS = 80
#: What XML 1.0 forbids (section 2.2, ``Char``) and ElementTree writes unescaped: the C0
#: controls but tab, newline and return, and U+FFFE, U+FFFF. Remote titles, tags and
#: regions may hold them (JSON and PostgreSQL text do); one made a feed unreadable.
_C0 = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0D))
_NON_CHARS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")


@dataclass(frozen=True)
class FeedInfo:
    """The feed's own metadata (the hub)."""

    id: str
    title: str
    self_url: str
    alternate_url: str
    author_name: str
    author_uri: str
    updated: datetime
    subtitle_html: str = ""
    icon: str | None = None
    hub_url: str = ""  # a WebSub hub (W3C WebSub section 4: discovery)
    next_url: str = ""  # the next (older) page of a paged feed (RFC 5005 section 3)


@dataclass(frozen=True)
class FeedEntry:
    """One published item."""

    id: str
    title: str
    url: str
    author_name: str
    author_uri: str
    published: datetime
    updated: datetime
    content_html: str
    summary_html: str = ""
    categories: tuple[str, ...] = ()  # ``category term`` (RFC 4287 section 4.2.2)


def plain_title(name: object, content_html: str) -> str:
    """The object's ``name``, else the start of its text (Atom requires a title)."""
    import nh3

    if isinstance(name, str) and name.strip():
        return " ".join(name.split())
    text = " ".join(html.unescape(nh3.clean(content_html, tags=set())).split())
    if len(text) <= TITLE_CHARS:
        return text or "(untitled)"
    return text[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    import xml.etree.ElementTree as ET  # here, not at import: see atom_feed
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _author(parent: ET.Element, name: str, uri: str) -> None:
    import xml.etree.ElementTree as ET  # here, not at import: see atom_feed
    author = ET.SubElement(parent, "author")
    _text(author, "name", name or uri)
    _text(author, "uri", uri)


def _entry(feed: ET.Element, item: FeedEntry) -> None:
    import xml.etree.ElementTree as ET  # here, not at import: see atom_feed
    entry = ET.SubElement(feed, "entry")
    _text(entry, "id", item.id)
    _text(entry, "title", item.title)
    _text(entry, "updated", isoformat(item.updated))
    _text(entry, "published", isoformat(item.published))
    ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": item.url})
    _author(entry, item.author_name, item.author_uri)
    for term in item.categories:
        ET.SubElement(entry, "category", {"term": term})
    if item.summary_html:
        _text(entry, "summary", item.summary_html, type="html")
    _text(entry, "content", item.content_html, type="html")


def atom_feed(info: FeedInfo, entries: Sequence[FeedEntry]) -> bytes:
    """The feed document, UTF-8 with an XML declaration.

    ElementTree (and pyexpat under it) is imported by the functions that write XML, so a
    node that serves no feed does not hold it (issue 7, item 14: idle memory).
    """
    import xml.etree.ElementTree as ET

    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _text(feed, "id", info.id)
    _text(feed, "title", info.title)
    if info.subtitle_html:
        _text(feed, "subtitle", info.subtitle_html, type="html")
    _text(feed, "updated", isoformat(info.updated))
    ET.SubElement(feed, "link", {"rel": "self", "type": ATOM_TYPE, "href": info.self_url})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html",
                                 "href": info.alternate_url})
    if info.hub_url:
        ET.SubElement(feed, "link", {"rel": "hub", "href": info.hub_url})
    if info.next_url:
        ET.SubElement(feed, "link", {"rel": "next", "type": ATOM_TYPE, "href": info.next_url})
    _author(feed, info.author_name, info.author_uri)
    _text(feed, "generator", "ionode")
    if info.icon:
        _text(feed, "icon", info.icon)
    for item in entries:
        _entry(feed, item)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return _xml_chars(document)


def _xml_chars(document: bytes) -> bytes:
    """``document`` (UTF-8) without the characters XML 1.0 forbids: their bytes never
    occur inside another character's UTF-8 sequence, so they are dropped as bytes."""
    document = document.translate(None, _C0)
    for sequence in _NON_CHARS:
        document = document.replace(sequence, b"")
    return document
