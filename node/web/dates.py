"""Instants as people read them: one place that formats a moment in a zone and a language.

Pages store and compare UTC instants; people read a wall time in a place. Every page
that shows a time asks here, with the zone it is shown in (the hub's, else the node's)
and the reader's language (``node.web.i18n.locale_of``), and gets Babel's (CLDR)
wording: ``Tue, Dec 8, 7:00 PM CET`` in English, ``mar, 8 dic, 19:00 CET`` in Spanish.
The year is left out for dates in the current year; the zone is the tz database's
abbreviation (CET, EST...), which reads the same in every language. Relative phrasing
(``in 3 days``, ``hace 2 horas``) is for what is near; pages put it beside the absolute
time, never instead of it (a screenshot or a printout outlives "tomorrow").

A second zone, the reader's, is shown when it differs from the page's (an account with
its own zone); accounts have none yet, so callers pass ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from node.web import cldr
from node.zones import zone_or_utc

if TYPE_CHECKING:  # Babel loads with the first page that shows a date (issue 7, 1.14)
    from babel import Locale

DASH = " \u2013 "  # between the start and end of a span
JUST_NOW = timedelta(minutes=1)  # closer than this, "in 0 seconds" says nothing useful
NEAR = timedelta(days=7)  # closer than this, a time also says "in 3 days" / "2 hours ago"


@lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    from babel import UnknownLocaleError

    try:
        return cldr.locale(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return cldr.locale("en")


def aware(moment: datetime) -> datetime:
    """``moment`` with a zone: naive datetimes (SQLite) are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def local(moment: datetime, zone: str) -> datetime:
    return aware(moment).astimezone(zone_or_utc(zone))


def day(moment: datetime, zone: str, lang: str, now: datetime | None = None) -> str:
    """The date in ``zone``: weekday, day and month, and the year unless it is this year's."""
    from babel.dates import format_skeleton

    shown = local(moment, zone)
    same_year = now is not None and local(now, zone).year == shown.year
    return format_skeleton("MMMEd" if same_year else "yMMMEd", shown, locale=_locale(lang))


def clock(moment: datetime, zone: str, lang: str) -> str:
    """The time of day in ``zone`` with the zone's abbreviation (``7:00 PM CET``)."""
    from babel.dates import format_time

    shown = local(moment, zone)
    return f"{format_time(shown, 'short', locale=_locale(lang))} {shown.tzname() or zone}"


def instant(moment: datetime, zone: str, lang: str, now: datetime | None = None) -> str:
    """Date and time in ``zone``: ``Tue, Dec 8, 7:00 PM CET``."""
    return f"{day(moment, zone, lang, now)}, {clock(moment, zone, lang)}"


def span(start: datetime, end: datetime | None, zone: str, lang: str,
         now: datetime | None = None) -> str:
    """An event's time: ``Sat, Dec 12, 7:00 AM - 11:00 AM PST`` (an en dash); the end's
    date too when it ends on another day; just the start without an end."""
    from babel.dates import format_time

    if end is None or aware(end) <= aware(start):
        return instant(start, zone, lang, now)
    first, last = local(start, zone), local(end, zone)
    begins = format_time(first, "short", locale=_locale(lang))
    if first.date() == last.date():
        return f"{day(start, zone, lang, now)}, {begins}{DASH}{clock(end, zone, lang)}"
    return f"{day(start, zone, lang, now)}, {begins}{DASH}{instant(end, zone, lang, now)}"


def relative(moment: datetime, now: datetime, lang: str) -> str:
    """``in 3 days``, ``2 hours ago``, ``hace 2 horas``: how far ``moment`` is from now."""
    from babel.dates import format_timedelta

    return format_timedelta(aware(moment) - aware(now), add_direction=True,
                            threshold=1.5, granularity="minute", locale=_locale(lang))


@dataclass(frozen=True)
class Shown:
    """One instant for a page: ``iso`` for ``<time datetime>``, the text in the page's
    zone, the same instant in the reader's zone when it differs, and "in 2 hours" when
    near."""

    iso: str
    text: str
    reader: str
    near: str


def shown(moment: datetime, zone: str, lang: str, now: datetime, *,
          end: datetime | None = None, reader_zone: str | None = None) -> Shown:
    """Everything a page shows of ``moment`` (an event's start when ``end`` is given)."""
    text = span(moment, end, zone, lang, now) if end is not None else instant(
        moment, zone, lang, now)
    other = reader_zone and local(moment, reader_zone).utcoffset() != local(
        moment, zone).utcoffset()
    reader = instant(moment, reader_zone, lang, now) if reader_zone and other else ""
    distance = abs(aware(moment) - aware(now))
    near = relative(moment, now, lang) if JUST_NOW <= distance < NEAR else ""
    return Shown(iso=aware(moment).astimezone(UTC).isoformat(), text=text, reader=reader,
                 near=near)
