"""The network calendar's month grid: the hub calendars' view (:mod:`node.web.calendar_view`)
with at most :data:`DAY_LIMIT` entries a day.

A whole network's month holds thousands of events; a grid cell shows the first few (the
events that began on an earlier day first, as the hub grids do) and "N more", a link to
the agenda from that day. Entries are capped before their views are made, so a busy
month costs little more than a readable one (bench/network_calendar.py): one-day
entries past the limit of their day are counted, not placed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from node.hubs.events.month import Day, Month, layout, local_dates, midnight
from node.hubs.events.schedule import Entry
from node.web import cldr
from node.web.calendar_view import DayView, Links, MonthView, item_view, month_label

if TYPE_CHECKING:  # Babel loads with the first page that shows a date (issue 7, 1.14)
    from babel import Locale

DAY_LIMIT = 5


def agenda_cursor(day: date, tz: ZoneInfo) -> str:
    """The agenda's ``after`` cursor that starts at ``day``'s local midnight (the key
    "!" sorts before every URI, so an event at midnight sharp is on the page)."""
    return f"{midnight(day, tz).astimezone(UTC):%Y%m%dT%H%M%S}Z~!"


def _trim(entries: list[Entry], tz: ZoneInfo) -> tuple[list[Entry], Counter[date]]:
    """Entries worth placing: every multi-day one, and the first :data:`DAY_LIMIT`
    one-day entries of each local date (entries come in start order); and how many
    one-day entries each date had beyond those."""
    kept: list[Entry] = []
    placed: Counter[date] = Counter()
    dropped: Counter[date] = Counter()
    for entry in entries:
        first, last = local_dates(entry, tz)
        if first == last:
            if placed[first] >= DAY_LIMIT:
                dropped[first] += 1
                continue
            placed[first] += 1
        kept.append(entry)
    return kept, dropped


def _day(day: Day[Entry], lang: str, links: Links) -> DayView:
    from babel.dates import format_date

    return DayView(iso=day.date.isoformat(), number=day.date.day,
                   label=format_date(day.date, "full", locale=cldr.locale(lang)),
                   in_month=day.in_month, today=day.today,
                   items=[item_view(p.item, p.local_start, lang, links, continued=p.continued)
                          for p in day.items[:DAY_LIMIT]])


def capped_month(month: Month, locale: Locale, lang: str, tz: ZoneInfo, today: date,
                 entries: list[Entry], links: Links, more_link: Callable[[str], str]
                 ) -> tuple[MonthView, dict[str, tuple[int, str]]]:
    """The grid, and for each day with more than :data:`DAY_LIMIT` entries how many more
    and the link to them (``more_link`` of the agenda cursor)."""
    first = locale.first_week_day
    names = cldr.locale(lang).days["stand-alone"]
    order = [(first + n) % 7 for n in range(7)]
    kept, dropped = _trim(entries, tz)
    grid = layout(month, first, tz, today, kept)
    more = {d.date.isoformat(): (len(d.items) + dropped[d.date] - DAY_LIMIT,
                                 more_link(agenda_cursor(d.date, tz)))
            for week in grid for d in week if len(d.items) + dropped[d.date] > DAY_LIMIT}
    view = MonthView(
        caption=month_label(month, lang),
        weekdays=[(names["abbreviated"][i], names["wide"][i]) for i in order],
        weeks=[[_day(d, lang, links) for d in week] for week in grid],
        empty=not any(d.items and d.in_month for week in grid for d in week))
    return view, more
