"""View models of the calendar pages: dates, weekdays and times in the reader's language.

Month and weekday names, dates and times come from Babel (CLDR) in the page's language;
the week starts on that locale's first day (``Locale.first_week_day``), refined by the
region the browser asks for when it is the same language (``en-US`` starts weeks on
Sunday, plain ``en`` and ``es`` on Monday).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from node.hubs.events.month import Day, Month, by_day, layout
from node.hubs.events.schedule import Entry
from node.hubs.hub.links import hub_handle
from node.web import cldr
from node.web.i18n import parse_accept_language
from node.web.queries import web_url

if TYPE_CHECKING:  # Babel loads with the first page that shows a date (issue 7, 1.14)
    from babel import Locale


def week_locale(lang: str, accept_language: str | None) -> Locale:
    """The locale whose first weekday the grid uses: the browser's first tag of the
    page's language when it names a region (``en-US``), else the page's language."""
    from babel import UnknownLocaleError

    for tag in parse_accept_language(accept_language):
        try:
            found = cldr.locale(tag, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
        if found.language == lang and found.territory:
            return found
    return cldr.locale(lang)


@dataclass(frozen=True)
class Links:
    """Where a calendar's pages and files are: ``base`` is ``/hubs/NAME`` or ""."""

    base: str
    node_url: str

    @property
    def month(self) -> str:
        return f"{self.base}/calendar"

    @property
    def agenda(self) -> str:
        return f"{self.base}/agenda"

    @property
    def feed(self) -> str:
        return f"{self.node_url}{self.base}/calendar.ics"

    @property
    def webcal(self) -> str:
        """RFC-less but universal: ``webcal://`` makes a browser hand the feed to the
        reader's calendar application as a subscription."""
        return "webcal://" + self.feed.split("://", 1)[1]

    def file(self, uri: str) -> str:
        """The "add to calendar" file of an event: ``/events/ID.ics`` for our own,
        ``/calendar/event.ics?id=URI`` for one a remote member posted into a hub."""
        prefix = f"{self.node_url}/objects/"
        if uri.startswith(prefix) and "/" not in uri[len(prefix):]:
            return f"/events/{uri[len(prefix):]}.ics"
        return f"/calendar/event.ics?id={quote(uri, safe='')}"


@dataclass(frozen=True)
class ItemView:
    title: str
    kind: str
    page: str
    file: str
    time: str  # the local start ("19:00"), or "" on a day it continues into
    iso: str
    cancelled: bool
    continued: bool
    origin: str = ""  # ``@hub@node`` of the linked hub it came from


@dataclass(frozen=True)
class DayView:
    iso: str
    number: int
    label: str  # "Monday, December 7, 2026"
    in_month: bool
    today: bool
    items: list[ItemView]


@lru_cache(maxsize=4096)
def clock(hour: int, minute: int, lang: str) -> str:
    """``7:00 PM``, ``19:00``: CLDR's short time; a month repeats few, so they are kept."""
    from babel.dates import format_time

    return format_time(time(hour, minute), "short", locale=cldr.locale(lang))


def item_view(entry: Entry, local: datetime, lang: str, links: Links, *,
              continued: bool = False) -> ItemView:
    own = entry.page.startswith(f"{links.node_url}/")  # ours: no need to check the scheme
    return ItemView(title=entry.title, kind=entry.kind,
                    page=entry.page if own else web_url(entry.page),
                    file=links.file(entry.file),
                    time="" if continued else clock(local.hour, local.minute, lang),
                    iso=local.isoformat(), cancelled=entry.cancelled, continued=continued,
                    origin=hub_handle(entry.origin) if entry.origin else "")



def _day_view(day: Day[Entry], lang: str, links: Links) -> DayView:
    from babel.dates import format_date

    return DayView(iso=day.date.isoformat(), number=day.date.day,
                   label=format_date(day.date, "full", locale=cldr.locale(lang)),
                   in_month=day.in_month, today=day.today,
                   items=[item_view(p.item, p.local_start, lang, links, continued=p.continued)
                          for p in day.items])


@dataclass(frozen=True)
class MonthView:
    caption: str  # "December 2026"
    weekdays: list[tuple[str, str]]  # (abbreviated, wide), in grid order
    weeks: list[list[DayView]]
    empty: bool


def month_view(month: Month, locale: Locale, lang: str, tz: ZoneInfo, today: date,
               entries: list[Entry], links: Links) -> MonthView:
    first = locale.first_week_day
    names = cldr.locale(lang).days["stand-alone"]
    order = [(first + n) % 7 for n in range(7)]
    grid = layout(month, first, tz, today, entries)
    return MonthView(
        caption=month_label(month, lang),
        weekdays=[(names["abbreviated"][i], names["wide"][i]) for i in order],
        weeks=[[_day_view(d, lang, links) for d in week] for week in grid],
        empty=not any(d.items and d.in_month for week in grid for d in week))


@dataclass(frozen=True)
class AgendaDay:
    iso: str
    label: str
    items: list[ItemView]


def agenda_view(entries: list[Entry], lang: str, tz: ZoneInfo, links: Links) -> list[AgendaDay]:
    from babel.dates import format_date

    return [AgendaDay(iso=day.isoformat(),
                      label=format_date(day, "full", locale=cldr.locale(lang)),
                      items=[item_view(e, e.start.astimezone(tz), lang, links) for e in group])
            for day, group in by_day(entries, tz)]


def month_label(month: Month, lang: str) -> str:
    """``December 2026``, ``diciembre de 2026``: CLDR's month-and-year pattern."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", month.first, locale=cldr.locale(lang))
