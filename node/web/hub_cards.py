"""One hub item as a card on the hub page and the hub's update and minutes lists.

Each card names its author (linked) and gives its times as people read them
(:mod:`node.web.dates`: in the hub's zone and the reader's language), never a raw UTC
stamp or a raw object URL. Long posts show a plain-text excerpt and a link to the whole
item; an event shows its place and how to join once, and the notice that it moved or was
cancelled as a line, said in the reader's language from the kind recorded when the
notice was made (:mod:`node.hubs.hub.notices`), never read from its English words; a
call series shows how often it repeats beside its next call.
Everything is sanitised again here (:func:`node.web.markup.sanitized_markup`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from node.hubs.events.rules import EventSpec, Online, Place, spec_from_document
from node.hubs.hub.dashboard import Item, Series
from node.hubs.hub.links import hub_handle
from node.hubs.hub.notices import Notice
from node.network.event_facts import EventFacts, event_facts
from node.network.origins import Origin
from node.web.dates import Shown, shown
from node.web.i18n import N_
from node.web.item_text import plain_text
from node.web.markup import sanitized_markup
from node.web.poll_view import PollView, poll_view
from node.web.queries import ActorLink, web_url
from node.zones import ZoneError

EXCERPT = 280  # characters of a long post shown on a card
CADENCES = {"DAILY": (N_("Every day"), N_("Every %(n)s days")),
            "WEEKLY": (N_("Every week"), N_("Every %(n)s weeks")),
            "MONTHLY": (N_("Every month"), N_("Every %(n)s months")),
            "YEARLY": (N_("Every year"), N_("Every %(n)s years"))}


@dataclass(frozen=True)
class Cadence:
    """How often a call series repeats, as an untranslated sentence and its number."""

    text: str
    n: int


@dataclass(frozen=True)
class Card:
    uri: str
    kind: str
    title: str
    summary: Markup
    body: Markup  # the whole content, or an excerpt (``more`` then links to the rest)
    more: bool
    author: ActorLink | None
    published: Shown | None
    when: Shown | None
    place: str
    join_url: str
    dial_in: str
    poll: PollView | None
    pinned: bool = False
    cancelled: bool = False
    notice: str = ""  # the notice of a move or cancellation, as plain text
    #: what the notice says, as recorded where it was made ("moved", "cancelled",
    #: "ended", "joining"; :mod:`node.hubs.hub.notices`), so the page can say it in the
    #: reader's language with the card's own time; "" (none recorded): the text as it is
    notice_kind: str = ""
    cadence: Cadence | None = None
    likes: int = 0
    vote_url: str = ""  # a poll of this node: where the vote form posts
    origin: ActorLink | None = None  # the linked hub it came from (its handle names the node)
    object_uri: str = ""  # the item's id, for a steward's "hide" of a linked item
    posted_in: tuple[Origin, ...] = ()  # every hub it was posted in (node.network.origins)
    source: bool = False  # ``origin`` is a source the hub follows, not a linked hub
    facts: EventFacts | None = None  # a source's Event: all it said (status, joining...)

    @property
    def origin_node(self) -> str:
        """The node (host) of the linked hub the item came from."""
        return self.origin.handle.rsplit("@", 1)[-1] if self.origin else ""

    @property
    def excerpt(self) -> str:
        """The body as one short line of plain text (a closed poll's question)."""
        return plain_text(str(self.body), 120).replace("\n", " ")


@dataclass(frozen=True)
class Reading:
    """What every card of one page is shown with: zone, language, now, authors, likes."""

    zone: str
    lang: str
    now: datetime
    authors: dict[str, ActorLink]
    likes: dict[str, int]
    notices: dict[str, Notice]  # by event URI (node.hubs.hub.notices)
    series: dict[int, Series]
    base: str  # the node's URL: its own polls take votes here
    reader_zone: str | None = None  # the signed-in reader's own zone, if they set one
    origins: dict[str, ActorLink] = field(default_factory=dict)  # linked hubs by URI
    #: every hub each item was posted in, by object id (node.network.origins)
    posted_in: dict[str, list[Origin]] = field(default_factory=dict)
    #: the actors the hub follows as sources (node.hubs.hub.sources), not as linked hubs
    sources: frozenset[str] = frozenset()


def _text(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    return value if isinstance(value, str) else ""


def _spec(item: Item) -> EventSpec | None:
    if item.document.get("type") != "Event":
        return None
    try:
        return spec_from_document(item.document)
    except ZoneError:  # EventError and ScheduleError too: shown from the indexed dates
        return None


def _where(spec: EventSpec | None, document: dict[str, Any]) -> tuple[str, str]:
    """(place name, join URL), read as the calendars read them when the Event reads."""
    if spec is not None:
        place = spec.location.name if isinstance(spec.location, Place) else ""
        online = spec.location.url if isinstance(spec.location, Online) else ""
        call = spec.call.call_url if spec.call is not None else ""
        return place, web_url(online) or web_url(call) or web_url(_text(document, "callUrl"))
    location = document.get("location")
    if not isinstance(location, dict):
        return "", web_url(_text(document, "callUrl"))
    return _text(location, "name"), (web_url(_text(location, "url"))
                                     or web_url(_text(document, "callUrl")))


def _body(item: Item) -> tuple[Markup, bool]:
    """The content whole when short, else a plain-text excerpt and ``more``."""
    content = _text(item.document, "content")
    if item.kind in ("event", "call"):
        return Markup(""), False
    text = plain_text(content)
    if len(text) <= EXCERPT and "<table" not in content and "<h" not in content:
        return sanitized_markup(content), False
    return Markup.escape(plain_text(content, EXCERPT)), True


def cadence(series: Series | None) -> Cadence | None:
    if series is None:
        return None
    parts = dict(p.split("=", 1) for p in series.rrule.split(";") if "=" in p)
    texts = CADENCES.get(parts.get("FREQ", ""))
    if texts is None:
        return None
    n = int(parts.get("INTERVAL", "1")) if parts.get("INTERVAL", "1").isdigit() else 1
    return Cadence(texts[0] if n == 1 else texts[1], n)


def card(item: Item, reading: Reading) -> Card:
    doc, spec = item.document, _spec(item)
    place, join = _where(spec, doc)
    start, end = (spec.start, spec.end) if spec is not None else (item.starts_at, item.ends_at)
    when = shown(start, reading.zone, reading.lang, reading.now, end=end or start,
                 reader_zone=reading.reader_zone) if start is not None else None
    title = spec.title if spec is not None else _text(doc, "name")
    body, more = _body(item)
    notice = reading.notices.get(item.uri)
    from_source = bool(item.linked_from) and item.linked_from in reading.sources
    return Card(
        uri=web_url(item.uri), kind=item.kind,
        title=title,
        summary=sanitized_markup(_text(doc, "summary")) if item.kind == "minutes" else Markup(),
        body=body, more=more, author=reading.authors.get(item.author),
        published=shown(item.published, reading.zone, reading.lang, reading.now)
        if item.published is not None else None,
        when=when, place=place, join_url=join,
        dial_in=" ".join(x for x in (_text(doc, "dialIn"), _text(doc, "accessCode")) if x),
        poll=poll_view(doc, reading.now) if item.kind == "poll" else None,
        pinned=item.pinned, cancelled=spec is not None and spec.cancelled,
        notice=_notice_text(notice.content, item.uri) if notice else "",
        notice_kind=notice.kind if notice else "",
        cadence=cadence(reading.series.get(item.series_id or 0)),
        likes=reading.likes.get(item.uri, 0),
        vote_url=_vote_url(item, reading.base),
        origin=origin_of(item.linked_from, reading.origins), object_uri=item.uri,
        posted_in=tuple(reading.posted_in.get(item.uri, ())),
        source=from_source,
        facts=event_facts(doc) if from_source and doc.get("type") == "Event" else None)


def origin_of(hub_uri: str, known: dict[str, ActorLink]) -> ActorLink | None:
    """The linked hub an item came from, as the card names it (``@name@node``)."""
    if not hub_uri:
        return None
    if hub_uri in known:
        return known[hub_uri]
    handle = hub_handle(hub_uri)  # not in the actor cache: named by its address
    return ActorLink(username="", name=handle.split("@")[1], handle=handle,
                     url=web_url(hub_uri))


def _vote_url(item: Item, base: str) -> str:
    """``/objects/{id}/vote`` of a poll of this node (:mod:`node.web.poll_vote_view`)."""
    local = item.kind == "poll" and item.uri.startswith(f"{base}/objects/")
    return f"{item.uri.removeprefix(base)}/vote" if local else ""


def _notice_text(content: str, uri: str) -> str:
    """A notice's words without the event address it ends with."""
    lines = [line for line in plain_text(content).split("\n") if line.strip() != uri]
    return " ".join(" ".join(lines).split())
