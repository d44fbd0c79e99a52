"""iCalendar (RFC 5545) for hubs, the node and single events, pure, with ``icalendar``.

* One VEVENT per event or one-off call; its UID is the Event's id, so it is stable
  across edits (RFC 5545 section 3.8.4.7) and LAST-MODIFIED/DTSTAMP follow ``updated``.
* DTSTART/DTEND carry TZID (the Event's IANA ``timezone``) and the calendar carries a
  VTIMEZONE for every TZID used (section 3.6.5), built from zoneinfo by icalendar for
  the years the calendar covers and cached per process.
* A call series is ONE VEVENT with its RRULE; a moved occurrence is a VEVENT with the
  series' UID and RECURRENCE-ID (its original start, section 3.8.4.4); a cancelled
  occurrence is an EXDATE of the series (section 3.8.5.1); a cancelled event, call or
  series has STATUS:CANCELLED (section 3.8.1.11).
* NAME (RFC 7986) and X-WR-CALNAME name the calendar, REFRESH-INTERVAL and
  X-PUBLISHED-TTL ask subscribed clients (Google, Apple, Thunderbird) to poll hourly.

Each event or series serialises to a :class:`Block` once; :class:`BlockCache` keeps
blocks by (object id, change stamp) so a large feed mostly concatenates cached bytes.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from node.hubs.events.recurrence import Recurrence
from node.hubs.events.rules import EventSpec, Online, Place, facts, spec_from_document

if TYPE_CHECKING:  # icalendar is imported where a calendar is made, not at start-up
    from icalendar import Event, Timezone

PRODID = "-//ionode//hub calendars//EN"
REFRESH = timedelta(hours=1)
_END = b"END:VCALENDAR\r\n"
#: RFC 5545 section 3.3.11: TEXT holds no CONTROL but HTAB (icalendar writes a newline
#: as ``\n`` and the rest raw). CR and LF are left: outside TEXT they are only the line
#: ends icalendar writes. A byte below 0x80 is never inside a UTF-8 sequence.
_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: what a URI cannot hold (RFC 3986): icalendar refuses CR and LF in one
_NOT_IN_URI = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class SeriesEntry:
    """A call series' Event and the Events of its materialised occurrences."""

    document: dict[str, Any]
    occurrences: Sequence[dict[str, Any]] = field(default_factory=tuple)


def _moment(value: Any) -> datetime | None:
    """An xsd:dateTime in UTC, None when absent or unreadable (remote documents)."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stamp(doc: dict[str, Any]) -> datetime:
    """LAST-MODIFIED/DTSTAMP: ``updated``, else ``published``, else the start."""
    for key in ("updated", "published"):
        if doc.get(key) and (found := _moment(doc[key])) is not None:
            return found
    return spec_from_document(doc).start.astimezone(UTC)


def _location(spec: EventSpec) -> str:
    if isinstance(spec.location, Place):
        return ", ".join(filter(None, [spec.location.name, spec.location.address]))
    if isinstance(spec.location, Online):
        return spec.location.url
    return spec.call.call_url if spec.call is not None else ""


def _description(spec: EventSpec, url: str) -> str:
    agenda = spec.call.agenda if spec.call is not None else ""
    parts = [spec.description.strip(), "\n".join(facts(spec)), agenda.strip() and
             f"Agenda:\n{agenda.strip()}", url]
    return "\n\n".join(p for p in parts if p)


def _link(doc: dict[str, Any]) -> str:
    """The page of the event: ``url`` (a string, a Link or a list of them), else its id."""
    value = doc.get("url")
    for candidate in value if isinstance(value, list) else [value]:
        href = candidate.get("href") if isinstance(candidate, dict) else candidate
        if (isinstance(href, str) and href.startswith(("https://", "http://"))
                and not _NOT_IN_URI.search(href)):
            return href
    return str(doc["id"])


def vevent(doc: dict[str, Any], *, uid: str | None = None,
           recurrence_id: datetime | None = None, origin: str = "",
           source: bool = False) -> Event:
    """The VEVENT of one of our Event documents; ``origin`` names the linked hub (or the
    ``source`` the hub follows) a hub's calendar shows it from (in the description, and
    as a category)."""
    from icalendar import Event, vRecur

    spec = spec_from_document(doc)
    event = Event()
    event.add("uid", uid or str(doc["id"]))
    if recurrence_id is not None:
        event.add("recurrence-id", recurrence_id)
    event.add("dtstamp", _stamp(doc))
    event.add("last-modified", _stamp(doc))
    if created := _moment(doc.get("published")):
        event.add("created", created)
    event.add("dtstart", spec.start)
    if spec.end > spec.start:  # no DTEND: the event ends when it starts (section 3.6.1)
        event.add("dtend", spec.end)
    event.add("summary", spec.title)
    link = _link(doc)
    described = _description(spec, link)
    via = "the source" if source else "the linked hub"
    event.add("description", f"From {via} {origin}\n\n{described}" if origin
              else described)
    if origin:
        event.add("categories", [origin])
    if location := _location(spec):
        event.add("location", location)
    event.add("url", link)
    event.add("status", "CANCELLED" if spec.cancelled else "CONFIRMED")
    if spec.rrule:
        event.add("rrule", vRecur.from_ical(spec.rrule))
    return event


def series_events(entry: SeriesEntry) -> list[Event]:
    """The series' VEVENT with EXDATEs, then a RECURRENCE-ID VEVENT per moved occurrence."""
    master = vevent(entry.document)
    tz = spec_from_document(entry.document).start.tzinfo
    overrides = []
    for doc in sorted(entry.occurrences, key=lambda d: str(d.get("recurrenceId"))):
        spec = spec_from_document(doc)
        if spec.recurrence_id is None:
            continue
        original = spec.recurrence_id.astimezone(tz)
        if spec.cancelled:
            master.add("exdate", original)
        elif spec.start != original:
            overrides.append(vevent(doc, uid=str(entry.document["id"]), recurrence_id=original))
    return [master, *overrides]


@lru_cache(maxsize=512)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE (shared, never mutated) valid over the calendar's years."""
    from icalendar import Timezone

    return Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1),
                              last_date=date(last_year, 12, 31))


def _last_start(event: Event) -> datetime:
    """DTSTART, or the last occurrence of an RRULE (COUNT or UNTIL always bounds it)."""
    start: datetime = event.decoded("dtstart")
    rule, tz = event.get("rrule"), start.tzinfo
    if rule is None or not isinstance(tz, ZoneInfo):
        return start
    series = Recurrence(rule.to_ical().decode(), start, tz.key)
    return (series.starts() or [start])[-1]


def _years(events: Sequence[Event]) -> tuple[int, int]:
    first = min(e.decoded("dtstart").year for e in events)
    return first - 1, max(_last_start(e).year for e in events) + 1


@dataclass(frozen=True)
class Block:
    """Serialised VEVENTs of one event or one series, and the VTIMEZONEs they need."""

    text: bytes
    tzids: frozenset[str]
    years: tuple[int, int]


def block(events: Sequence[Event]) -> Block:
    from icalendar import Calendar

    holder = Calendar()
    for event in events:
        holder.add_component(event)
    text = _CONTROLS.sub(b"", b"".join(e.to_ical() for e in events))
    return Block(text, frozenset(holder.get_used_tzids()), _years(events))


def event_block(doc: dict[str, Any], origin: str = "", source: bool = False) -> Block:
    return block([vevent(doc, origin=origin, source=source)])


def series_block(entry: SeriesEntry) -> Block:
    return block(series_events(entry))


def assemble(name: str | None, blocks: Sequence[Block], description: str = "") -> bytes:
    """A VCALENDAR: its properties, a VTIMEZONE per TZID used, then the blocks' VEVENTs.

    ``name`` None: a file of events to add, not a calendar to subscribe to, so no
    calendar name and no refresh interval (RFC 7986 sections 5.1 and 5.7), which make
    calendar applications open the file as a calendar of its own."""
    from icalendar import Calendar

    cal = Calendar()
    for key, value in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                       ("method", "PUBLISH")):
        cal.add(key, value)
    if name is not None:
        cal.add("name", name)
        cal.add("x-wr-calname", name)
        cal.add("refresh-interval", REFRESH)
        cal.add("x-published-ttl", "PT1H")
        cal["refresh-interval"].params["VALUE"] = "DURATION"
    if description:
        cal.add("x-wr-caldesc", description)
    if blocks:
        first = min(b.years[0] for b in blocks)
        last = max(b.years[1] for b in blocks)
        for tzid in sorted(frozenset().union(*(b.tzids for b in blocks))):
            cal.add_component(_vtimezone(tzid, first, last))
    head = _CONTROLS.sub(b"", bytes(cal.to_ical()))
    assert head.endswith(_END)
    return head[: -len(_END)] + b"".join(b.text for b in blocks) + _END


def feed(name: str, events: Iterable[dict[str, Any]], series: Iterable[SeriesEntry],
         description: str = "") -> bytes:
    """A hub's or the node's calendar: its events and calls, and its call series."""
    blocks = [event_block(doc) for doc in events] + [series_block(e) for e in series]
    return assemble(name, blocks, description)


def single(doc: dict[str, Any], occurrences: Sequence[dict[str, Any]] = ()) -> bytes:
    """The "add to calendar" file of one event, call or series."""
    made = (series_block(SeriesEntry(doc, occurrences)) if doc.get("rrule")
            else event_block(doc))
    return assemble(None, [made])


class BlockCache:
    """A bounded LRU of blocks keyed by (object id, change stamp): a feed re-serialises
    only what changed since it was last rendered (icalendar takes ~0.5 ms a VEVENT)."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._blocks: OrderedDict[Hashable, Block] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[Hashable]) -> list[Block | None]:
        """The cached block of each key, None where there is none."""
        with self._lock:
            found = [self._blocks.get(key) for key in keys]
            for key, block_ in zip(keys, found, strict=True):
                if block_ is not None:
                    self._blocks.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Block) -> Block:
        with self._lock:
            self._blocks[key] = value
            while len(self._blocks) > self._size:
                self._blocks.popitem(last=False)
        return value
