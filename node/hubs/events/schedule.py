"""What the calendar pages show: a hub's (or the node's) events and calls over a span of
time, and the upcoming ones a page at a time (keyset, for the agenda).

Dated items come from ``hub_item`` (its ``starts_at``/``ends_at`` index) with only the
few document fields a calendar shows (title, status) read by the database's JSON
operators, so a month of a busy hub costs one indexed query, not a parse per item.

A call series publishes its occurrences only a few weeks ahead
(:mod:`node.hubs.calls.service`), but a calendar shows its whole RRULE: the occurrences
later than the last published one are expanded from the series' rule with the same
:class:`~node.hubs.events.recurrence.Recurrence` the materialiser uses (DST-correct wall
times), cached per rule. Published occurrences are shown as they are (moved,
cancelled); a cancelled series shows its unpublished occurrences cancelled, as its
iCalendar VEVENT carries STATUS:CANCELLED.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, and_, func, null, or_, select, text

from node.activitypub.models import LocalActor, StoredObject
from node.clock import as_utc
from node.hubs.events.recurrence import Recurrence
from node.hubs.events.rules import is_cancelled, title_of
from node.hubs.hub.models import CallSeries, Hub, HubItem
from node.zones import ZoneError, read_instant, zone

TIMED = ("event", "call")
_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_series = CallSeries.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Entry:
    """One event, call or occurrence on a calendar page.

    ``key`` orders entries with the same start (the object id; ``series#start`` for an
    occurrence not published yet); ``page`` is what the item links to (an unpublished
    occurrence: its series), ``file`` the object whose "add to calendar" file is offered
    (an occurrence: its series, the one VEVENT a subscribed calendar also has).
    """

    key: str
    page: str
    file: str
    kind: str
    title: str
    start: datetime
    end: datetime
    cancelled: bool
    occurrence: bool = False
    origin: str = ""  # the linked hub it came through (a hub's own calendar only)


@dataclass(frozen=True)
class Cursor:
    """Where an agenda page ends: the last entry's start and key."""

    start: datetime
    key: str

    def __str__(self) -> str:
        """The start to the microsecond when it has a fraction (another server's
        ``startTime`` may): cut to the second, the next page began with this entry again."""
        moment = self.start.astimezone(UTC)
        fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
        return f"{moment:%Y%m%dT%H%M%S}{fraction}Z~{self.key}"


def parse_cursor(text: str) -> Cursor | None:
    """A cursor from a ``?after=`` link; None when unreadable (the list starts over)."""
    stamp, sep, key = text.partition("~")
    for pattern in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S.%fZ"):
        try:
            start = datetime.strptime(stamp, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
        return Cursor(start, key) if sep and key else None
    return None


@dataclass(frozen=True)
class _Series:
    id: int
    uri: str
    rule: str
    timezone: str
    first_start: datetime
    duration: timedelta
    title: str
    cancelled: bool
    published_until: datetime | None  # the last published occurrence's original start


@lru_cache(maxsize=2048)
def _starts(rule: str, first_start: datetime, tz_name: str) -> tuple[datetime, ...]:
    """Every occurrence start of a series, in UTC (at most MAX_OCCURRENCES)."""
    recurrence = Recurrence(rule, first_start.astimezone(zone(tz_name)), tz_name)
    return tuple(s.astimezone(UTC) for s in recurrence.starts())


def _unpublished(series: _Series, start: datetime, end: datetime | None = None
                 ) -> list[Entry]:
    """The series' occurrences later than the last one published that overlap
    [start, end) (no end: all later ones), in start order."""
    try:
        starts = _starts(series.rule, series.first_start, series.timezone)
    except ZoneError:  # an odd stored rule or zone: its published occurrences still show
        return []
    first = start - series.duration
    if series.published_until is not None:
        first = max(first, series.published_until + timedelta(microseconds=1))
    chosen = starts[bisect_left(starts, first):
                    len(starts) if end is None else bisect_left(starts, end)]
    return [Entry(key=f"{series.uri}#{s:%Y%m%dT%H%M%SZ}", page=series.uri, file=series.uri,
                  kind="call", title=series.title, start=s, end=s + series.duration,
                  cancelled=series.cancelled, occurrence=True)
            for s in chosen]


def _live(query: Select[Any], hub_id: int | None) -> Select[Any]:
    """Published, not deleted, in a live hub (one hub, or any)."""
    query = query.join(_hub, _hub.c.id == _item.c.hub_id).join(
        _actor, _actor.c.id == _hub.c.actor_id).where(
        _item.c.state == "published", _objects.c.deleted_at.is_(None),
        _actor.c.deleted_at.is_(None))
    return query if hub_id is None else query.where(_item.c.hub_id == hub_id)


def _code_point(conn: Connection) -> Any:
    """``object_uri`` compared and ordered by code point, as Python compares the keys of
    entries and cursors: a PostgreSQL database made with a language's collation (such as
    en_US.UTF-8) puts 'a' before 'B', and the agenda's next page skipped entries."""
    collation = "C" if conn.dialect.name == "postgresql" else "BINARY"
    return _item.c.object_uri.collate(collation)


def _dated(conn: Connection, hub_id: int | None) -> Select[Any]:
    """Dated events and calls; DISTINCT: an event posted into two hubs is listed once.
    A hub's own calendar also names the linked hub an item came through."""
    doc = _objects.c.document
    origin = _item.c.linked_from if hub_id is not None else null()
    query = (select(_code_point(conn).label("object_uri"), _item.c.kind, _item.c.starts_at,
                    _item.c.ends_at,
                    _item.c.series_id, doc["name"].as_string().label("name"),
                    doc["eventStatus"].as_string().label("status"),
                    doc["ical:status"].as_string().label("ical_status"),
                    origin.label("linked_from"))
             .select_from(_item.join(_objects, _objects.c.uri == _item.c.object_uri))
             .where(_item.c.kind.in_(TIMED), _item.c.starts_at.is_not(None),
                    _objects.c.type == "Event")
             .distinct())
    return _live(query, hub_id)


def _entry(row: Any, series_uris: dict[int, str]) -> Entry:
    uri, kind, starts_at, ends_at, series_id, name, status, ical_status, origin = row
    start = as_utc(starts_at)
    end = max(as_utc(ends_at), start) if ends_at is not None else start
    series = series_uris.get(series_id) if series_id is not None else None
    return Entry(key=uri, page=uri, file=series or uri, kind=kind, title=title_of(name),
                 start=start, end=end, cancelled=is_cancelled(status, ical_status),
                 occurrence=series_id is not None, origin=origin or "")


def _live_series(conn: Connection, hub_id: int | None) -> list[_Series]:
    """Live series (their undated item published), with their last published start."""
    query = _live(select(_series, _objects.c.document["eventStatus"].as_string()
                         .label("status"))
                  .select_from(_series.join(_item, and_(
                      _item.c.object_uri == _series.c.object_uri,
                      _item.c.hub_id == _series.c.hub_id)).join(
                      _objects, _objects.c.uri == _series.c.object_uri))
                  .where(_item.c.starts_at.is_(None)), hub_id)
    rows = conn.execute(query.order_by(_series.c.id)).all()
    latest = _published_until(conn, [r.id for r in rows])
    return [_Series(id=r.id, uri=r.object_uri, rule=r.rrule, timezone=r.timezone,
                    first_start=as_utc(r.first_start),
                    duration=timedelta(minutes=r.duration_minutes),
                    title=title_of((r.details or {}).get("title")),
                    cancelled=r.cancelled_at is not None or is_cancelled(r.status, None),
                    published_until=latest.get(r.id)) for r in rows]


def _published_until(conn: Connection, ids: list[int]) -> dict[int, datetime]:
    """Each series' last published occurrence's ``recurrenceId`` (occurrences are
    published in order, so it is the one of the newest occurrence item)."""
    found: dict[int, datetime] = {}
    for begin in range(0, len(ids), 500):
        newest = (select(func.max(_item.c.id).label("id"))
                  .where(_item.c.series_id.in_(ids[begin:begin + 500]),
                         _item.c.starts_at.is_not(None))
                  .group_by(_item.c.series_id).scalar_subquery())
        rows = conn.execute(
            select(_item.c.series_id, _objects.c.document["recurrenceId"].as_string())
            .select_from(_item.join(_objects, _objects.c.uri == _item.c.object_uri))
            .where(_item.c.id.in_(newest)))
        for series_id, value in rows:
            if (moment := read_instant(value)) is not None:
                found[series_id] = moment
    return found


def between(conn: Connection, start: datetime, end: datetime, hub_id: int | None = None
            ) -> list[Entry]:
    """Every entry that overlaps [start, end), in start order."""
    all_series = _live_series(conn, hub_id)
    uris = {s.id: s.uri for s in all_series}
    rows = conn.execute(_dated(conn, hub_id).where(
        _item.c.starts_at < end, func.coalesce(_item.c.ends_at, _item.c.starts_at) >= start))
    found = [_entry(row, uris) for row in rows]
    found += [e for s in all_series for e in _unpublished(s, start, end)]
    return sorted(found, key=lambda e: (e.start, e.key))


def upcoming(conn: Connection, now: datetime, *, after: Cursor | None = None,
             limit: int = 50, hub_id: int | None = None) -> tuple[list[Entry], Cursor | None]:
    """Entries that have not ended, in start order, ``limit`` after ``after``; and the
    cursor of the next page (None on the last)."""
    query = _dated(conn, hub_id).where(
        func.coalesce(_item.c.ends_at, _item.c.starts_at) >= now)
    if after is not None:
        query = query.where(or_(_item.c.starts_at > after.start, and_(
            _item.c.starts_at == after.start, _code_point(conn) > after.key)))
    all_series = _live_series(conn, hub_id)
    uris = {s.id: s.uri for s in all_series}
    rows = conn.execute(query.order_by(_item.c.starts_at, text("object_uri")).limit(limit + 1))
    found = [_entry(row, uris) for row in rows]
    for series in all_series:
        later = [e for e in _unpublished(series, now)
                 if after is None or (e.start, e.key) > (after.start, after.key)]
        found += later[:limit + 1]
    found.sort(key=lambda e: (e.start, e.key))
    page = found[:limit]
    more = len(found) > limit and page
    return page, Cursor(page[-1].start, page[-1].key) if more else None
