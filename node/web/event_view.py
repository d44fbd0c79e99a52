"""An Event's own page, tidy: its facts once, then its description (issue 8, item 3).

A stored Event repeats its facts for Mastodon readers: ``summary`` is the date, time
and place in words, and ``content`` ends with them again (Mastodon shows only
``content``). On our page they are shown once, as a list of facts (when, in the hub's
zone and the reader's language; where; how to join; how often it repeats), and the
text is the organizer's description rendered from its Markdown ``source`` (none when
the organizer gave none). A remote Event without a source shows its content as sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from node.hubs.events.rules import EventSpec, Online, Place, spec_from_document
from node.hubs.hub.dashboard import Series
from node.text import TextError, post_html
from node.web.dates import Shown, shown, span
from node.web.dates import local as local_time
from node.web.hub_cards import Cadence, cadence
from node.web.markup import sanitized_markup
from node.web.queries import web_url
from node.zones import ZoneError


@dataclass(frozen=True)
class EventPage:
    when: Shown
    local: str  # the time where the event is, when its zone is not the page's
    place: str
    address: str
    join_url: str
    dial_in: str
    access_code: str
    facilitator: str
    breakout_rooms: tuple[str, ...]
    capacity: int | None
    cancelled: bool
    repeats: Cadence | None
    description: Markup
    agenda: Markup


def _markdown(text: str) -> Markup:
    try:
        return sanitized_markup(post_html(text)) if text.strip() else Markup()
    except TextError:  # a remote description beyond our length: shown as sent elsewhere
        return Markup()


def _description(spec: EventSpec, document: dict[str, Any]) -> Markup:
    source = document.get("source")
    if isinstance(source, dict) and isinstance(source.get("content"), str):
        return _markdown(spec.description or source["content"])
    if "itemKind" in document:  # ours, without a description: its content is the facts
        return Markup()
    content = document.get("content")
    return sanitized_markup(content) if isinstance(content, str) else Markup()


def _repeats(spec: EventSpec) -> Cadence | None:
    return cadence(Series(uri="", rrule=spec.rrule, timezone=spec.timezone)) if spec.rrule \
        else None


def event_page(document: dict[str, Any], zone: str, lang: str, now: datetime,
               reader_zone: str | None = None) -> EventPage | None:
    """The page's view of an Event document, or None when it does not read as one."""
    if document.get("type") != "Event":
        return None
    try:
        spec = spec_from_document(document)
    except ZoneError:  # EventError and ScheduleError too: the generic page shows it
        return None
    place = spec.location if isinstance(spec.location, Place) else None
    online = spec.location.url if isinstance(spec.location, Online) else ""
    call = spec.call
    return EventPage(
        when=shown(spec.start, zone, lang, now, end=spec.end, reader_zone=reader_zone),
        local=span(spec.start, spec.end, spec.timezone, lang, now)
        if local_time(spec.start, spec.timezone).utcoffset() != local_time(
            spec.start, zone).utcoffset() else "",
        place=place.name if place else "", address=place.address if place else "",
        join_url=web_url(online) or web_url(call.call_url if call else ""),
        dial_in=call.dial_in if call else "", access_code=call.access_code if call else "",
        facilitator=call.facilitator if call else "",
        breakout_rooms=call.breakout_rooms if call else (), capacity=spec.capacity,
        cancelled=spec.cancelled, repeats=_repeats(spec),
        description=_description(spec, document),
        agenda=_markdown(call.agenda) if call else Markup())
