"""Event documents (FEP-8a8e), pure: validation, words for Mastodon, and the JSON.

Mastodon shows an Event only as ``name``, ``summary`` and a link, and ignores later
Updates (INTEROP.md "Objects"), so :func:`summary_text` spells the date, the time with
its timezone abbreviation and the place or call link in plain words. Times are wall
times in an IANA timezone (FEP-8a8e ``timezone``, see :mod:`node.hubs.events.recurrence`). Our own
documents read back into an :class:`EventSpec` (:func:`spec_from_document`), so an edit
rebuilds the whole document and sends it with a newer ``updated``; received Events are
read the same way, with every field but ``startTime`` optional.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from node.activitypub.vocab import PUBLIC, isoformat
from node.html import sanitize_html
from node.hubs.events.recurrence import Recurrence
from node.hubs.hub.times import event_times, event_zone
from node.hubs.hub.vocab import EVENT_CANCELLED, EVENT_SCHEDULED, event_context
from node.messages import N_, Text
from node.text import post_html
from node.zones import ZoneError, clock_text, day_text, read_instant, when_text, zone

MAX_NAME = 200
MAX_ROOMS = 20
MAX_CAPACITY = 1_000_000


class EventError(ZoneError):
    """Refused event or call input; the message says why and is shown as is."""


@dataclass(frozen=True)
class Place:
    """A physical location: ``Place{name, address}`` (FEP-8a8e "Physical")."""
    name: str
    address: str = ""


@dataclass(frozen=True)
class Online:
    """An online location: ``VirtualLocation{url}`` (FEP-8a8e "Virtual")."""
    url: str


@dataclass(frozen=True)
class CallDetails:
    """How to join a conference call (ionode context terms, see :mod:`node.hubs.hub.vocab`)."""
    call_url: str = ""
    dial_in: str = ""
    access_code: str = ""
    facilitator: str = ""
    agenda: str = ""
    breakout_rooms: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventSpec:
    """What an organizer asked for; ``start``/``end`` are aware datetimes."""
    title: str
    start: datetime
    end: datetime
    timezone: str
    location: Place | Online | None = None
    capacity: int | None = None
    description: str = ""
    call: CallDetails | None = None
    cancelled: bool = False
    rrule: str | None = None  # a call series: RFC 5545 RRULE, UNTIL in UTC
    series: str | None = None  # an occurrence: its series Event
    recurrence_id: datetime | None = None  # an occurrence: its original start

    @property
    def kind(self) -> str:
        return "call" if self.call is not None else "event"



def _checked_url(url: str, what: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        raise EventError(Text(
            N_("%(what)s must be an http(s) URL, not %(url)s"),
            what=what, url=repr(url)))
    return url.strip()


def _checked_text(value: str, what: str, limit: int = MAX_NAME) -> str:
    value = " ".join(value.split())
    if len(value) > limit:
        raise EventError(Text(
            N_("%(what)s may have at most %(limit)s characters"),
            what=what, limit=limit))
    return value


def _checked_call(call: CallDetails) -> CallDetails:
    if not call.call_url.strip() and not call.dial_in.strip():
        raise EventError(Text(N_("a call needs a call URL or a dial-in number (or both)")))
    if len(call.breakout_rooms) > MAX_ROOMS:
        raise EventError(Text(
            N_("a call may list at most %(MAX_ROOMS)s breakout rooms"),
            MAX_ROOMS=MAX_ROOMS))
    if call.agenda.strip():
        post_html(call.agenda)  # the same length rule as any post
    return replace(
        call,
        call_url=(_checked_url(call.call_url, Text(N_("the call URL"))) if call.call_url
                  else ""),
        dial_in=_checked_text(call.dial_in, Text(N_("the dial-in number")), 60),
        access_code=_checked_text(call.access_code, Text(N_("the access code")), 60),
        facilitator=_checked_text(call.facilitator, Text(N_("the facilitator"))),
        breakout_rooms=tuple(_checked_text(r, Text(N_("a breakout room name")))
                             for r in call.breakout_rooms if r.strip()))


def _checked_location(location: Place | Online | None) -> Place | Online | None:
    if isinstance(location, Online):
        return Online(_checked_url(location.url, Text(N_("the online location"))))
    if isinstance(location, Place):
        name = _checked_text(location.name, Text(N_("the place name")))
        if not name:
            raise EventError(Text(N_("a place needs a name")))
        return Place(name, _checked_text(location.address, Text(N_("the address")), 500))
    return None


def check(spec: EventSpec) -> EventSpec:
    """The spec, validated and tidied, or :class:`EventError` saying what is wrong."""
    title = _checked_text(spec.title, Text(N_("a title")))
    if not title:
        raise EventError(Text(N_("an event needs a title")))
    zone(spec.timezone)
    if spec.end <= spec.start:
        raise EventError(Text(N_("the end must be after the start")))
    if spec.capacity is not None and not 1 <= spec.capacity <= MAX_CAPACITY:
        raise EventError(Text(
            N_("capacity must be between 1 and %(MAX_CAPACITY)s"),
            MAX_CAPACITY=MAX_CAPACITY))
    if spec.description.strip():
        post_html(spec.description)
    call = _checked_call(spec.call) if spec.call is not None else None
    return replace(spec, title=title, call=call, location=_checked_location(spec.location))


def where_text(location: Place | Online | None) -> str:
    if isinstance(location, Place):
        return f"at {location.name}" + (f", {location.address}" if location.address else "")
    if isinstance(location, Online):
        return f"online: {location.url}"
    return ""


def call_lines(call: CallDetails) -> list[str]:
    """The call's join details in words, one fact a line."""
    lines = [f"Join the call: {call.call_url}"] if call.call_url else []
    if call.dial_in:
        code = f", access code {call.access_code}" if call.access_code else ""
        lines.append(f"Dial in: {call.dial_in}{code}")
    elif call.access_code:
        lines.append(f"Access code: {call.access_code}")
    if call.facilitator:
        lines.append(f"Facilitator: {call.facilitator}")
    if call.breakout_rooms:
        lines.append(f"Breakout rooms: {', '.join(call.breakout_rooms)}")
    return lines


def event_when(spec: EventSpec) -> str:
    """Date and time with zone in words; just the start for an event without an end."""
    if spec.end > spec.start:
        return when_text(spec.start, spec.end, spec.timezone)
    start = spec.start.astimezone(zone(spec.timezone))
    return f"{day_text(start)}, {clock_text(start)} {start.tzname() or ''} ({spec.timezone})"


def facts(spec: EventSpec) -> list[str]:
    """Date, time with zone and place; the repetition; the call details: one a line."""
    first = event_when(spec)
    repeats = Recurrence(spec.rrule, spec.start, spec.timezone).describe() if spec.rrule else ""
    if not (spec.call is not None and isinstance(spec.location, Online)):
        first = " ".join(filter(None, [first, where_text(spec.location)]))
    lines = [first, f"Repeats {repeats}" if repeats else ""]
    lines += call_lines(spec.call) if spec.call is not None else []
    return [line for line in lines if line]


def summary_text(spec: EventSpec) -> str:
    """Plain text Mastodon shows: date, time with zone, place or call link, in words."""
    text = ". ".join(facts(spec)) + "."
    return f"CANCELLED: {spec.title}, was {text}" if spec.cancelled else text


def content_html(spec: EventSpec) -> str:
    """The description, then every detail in words, as sanitised HTML."""
    pieces = ["<p><strong>CANCELLED</strong></p>"] if spec.cancelled else []
    if spec.description.strip():
        pieces.append(post_html(spec.description))
    pieces.append("<p>" + "<br>".join(html.escape(f) for f in facts(spec)) + "</p>")
    if spec.call is not None and spec.call.agenda.strip():
        pieces.extend(["<p>Agenda:</p>", post_html(spec.call.agenda)])
    return sanitize_html("".join(pieces)).strip()


def _location_json(location: Place | Online) -> dict[str, Any]:
    if isinstance(location, Place):
        place: dict[str, Any] = {"type": "Place", "name": location.name}
        return place | ({"address": location.address} if location.address else {})
    return {"type": "VirtualLocation", "name": "Online", "url": location.url}


def _call_json(call: CallDetails) -> dict[str, Any]:
    fields = {"callUrl": call.call_url, "dialIn": call.dial_in, "accessCode": call.access_code,
              "facilitator": call.facilitator, "agenda": call.agenda}
    found: dict[str, Any] = {k: v for k, v in fields.items() if v}
    return found | ({"breakoutRooms": list(call.breakout_rooms)} if call.breakout_rooms else {})


def event_document(spec: EventSpec, *, id: str, author: str, hubs: list[str],
                   published: datetime, updated: datetime | None = None) -> dict[str, Any]:
    """The Event (FEP-8a8e) with ionode's call terms, addressed to Public and the hubs."""
    tz = zone(spec.timezone)
    start, end = spec.start.astimezone(tz), spec.end.astimezone(tz)
    doc: dict[str, Any] = {
        "@context": event_context(), "id": id, "type": "Event", "url": id,
        "attributedTo": author, "name": spec.title, "summary": summary_text(spec),
        "content": content_html(spec), "startTime": start.isoformat(),
        "endTime": end.isoformat(), "timezone": spec.timezone, "joinMode": "free",
        "attendees": f"{id}/attendees", "itemKind": spec.kind,
        "eventStatus": EVENT_CANCELLED if spec.cancelled else EVENT_SCHEDULED,
        "ical:status": "CANCELLED" if spec.cancelled else "CONFIRMED",
        "published": isoformat(published), "to": [PUBLIC, *hubs], "cc": [f"{author}/followers"],
    }
    if spec.description.strip():
        doc["source"] = {"content": spec.description, "mediaType": "text/markdown"}
    optional = {"audience": hubs[0] if hubs else None, "maximumAttendeeCapacity": spec.capacity,
                "location": _location_json(spec.location) if spec.location else None,
                "updated": isoformat(updated) if updated else None, "rrule": spec.rrule,
                "series": spec.series,
                "recurrenceId": isoformat(spec.recurrence_id) if spec.recurrence_id else None}
    doc.update({k: v for k, v in optional.items() if v is not None})
    return doc | (_call_json(spec.call) if spec.call is not None else {})


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def title_of(name: Any) -> str:
    """An Event's ``name`` as pages and calendars show it: spaces tidied, at most
    :data:`MAX_NAME` characters, "(untitled event)" when it has none."""
    return " ".join(_str(name).split())[:MAX_NAME] or "(untitled event)"


def is_cancelled(event_status: Any, ical_status: Any) -> bool:
    """FEP-8a8e ``eventStatus`` EventCancelled, or ``ical:status`` CANCELLED (RFC 5545
    section 3.8.1.11, as some servers send it)."""
    return event_status == EVENT_CANCELLED or _str(ical_status).upper() == "CANCELLED"


def _address_text(value: Any) -> str:
    """An address as text: a string, or a schema.org ``PostalAddress`` (Mobilizon)."""
    if isinstance(value, dict):
        keys = ("streetAddress", "postalCode", "addressLocality", "addressRegion",
                "addressCountry")
        return ", ".join(v.strip() for v in (_str(value.get(k)) for k in keys) if v.strip())
    return _str(value)


def _location_of(value: Any) -> Place | Online | None:
    """FEP-8a8e ``location``: a Place, a VirtualLocation, a list (the first), or a URL."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict | str)), None)
    if isinstance(value, str):
        return Online(value) if value.startswith(("https://", "http://")) else None
    if not isinstance(value, dict):
        return None
    if value.get("type") == "VirtualLocation":
        url = _str(value.get("url"))
        return Online(url) if url else None
    name, address = _str(value.get("name")), _address_text(value.get("address"))
    return Place(name or address, address if name else "") if name or address else None


def _call_of(doc: dict[str, Any]) -> CallDetails | None:
    if doc.get("itemKind") != "call":
        return None
    rooms = doc.get("breakoutRooms")
    return CallDetails(
        call_url=_str(doc.get("callUrl")), dial_in=_str(doc.get("dialIn")),
        access_code=_str(doc.get("accessCode")), facilitator=_str(doc.get("facilitator")),
        agenda=_str(doc.get("agenda")),
        breakout_rooms=tuple(r for r in rooms if isinstance(r, str))
        if isinstance(rooms, list) else ())


def spec_from_document(doc: dict[str, Any]) -> EventSpec:
    """Read an Event document back (to edit it, show it or export it).

    Our own documents carry every field; a remote Event may lack any but ``startTime``
    (AS2 and FEP-8a8e make ``name``, ``endTime``, ``timezone`` and ``location``
    optional), so each is read as optional: no end is an end at the start (RFC 5545
    section 3.6.1: an event without DTEND ends when it starts), no name is "(untitled
    event)". Only an Event without a readable start is refused, with :class:`EventError`.
    """
    tz = event_zone(doc)  # optional: UTC if absent or unknown
    times = event_times(doc)
    if times is None:
        raise EventError(Text(
            N_("the event %(value)s has no readable startTime"),
            value=repr(doc.get('id'))))
    start, end = times
    source = doc.get("source")
    capacity = doc.get("maximumAttendeeCapacity")
    rrule, series = doc.get("rrule"), doc.get("series")
    return EventSpec(
        title=title_of(doc.get("name")), timezone=tz.key, start=start, end=end,
        location=_location_of(doc.get("location")),
        capacity=capacity if isinstance(capacity, int) and not isinstance(capacity, bool)
        else None,
        description=_str(source.get("content")) if isinstance(source, dict) else "",
        call=_call_of(doc), cancelled=is_cancelled(doc.get("eventStatus"),
                                                    doc.get("ical:status")),
        rrule=rrule if isinstance(rrule, str) and rrule else None,
        series=series if isinstance(series, str) and series else None,
        recurrence_id=read_instant(doc.get("recurrenceId"), tz))
