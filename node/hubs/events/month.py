"""The month grid and the agenda's days, pure: which dates a page shows and what is on each.

A month grid is whole weeks that start on the reader's first day of the week (a locale
rule, CLDR ``firstDay``, which the page gets from Babel), from the week holding the 1st
to the week holding the last day: 4 to 6 rows, days of the months around it included
(the page dims them). Items are placed by the *local* dates they cover in the zone the
page shows times in, so an event from 22:00 to 01:00 is on two days, and the day a
daylight-saving change makes 23 or 25 hours long is still one day: local midnights are
computed per date in the zone, never by adding 24 hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 1900, 9998  # a month with a next one that date() can hold


class MonthError(ValueError):
    """A ``?month=`` the page cannot read."""


class Timed(Protocol):
    """What the grid needs of an item: aware start and end (end >= start)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


T = TypeVar("T", bound=Timed)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return self.next.first - timedelta(days=1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def readable(self) -> bool:
        """Whether :func:`parse_month` accepts this month (a page links no other)."""
        return FIRST_YEAR <= self.year <= LAST_YEAR

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str) -> Month:
    """``2026-12`` as a :class:`Month`, or :class:`MonthError`."""
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12 \
            or not FIRST_YEAR <= int(found.group(1)) <= LAST_YEAR:
        raise MonthError(f"cannot read the month {text!r}: write it as YYYY-MM")
    return Month(int(found.group(1)), int(found.group(2)))


def weeks(month: Month, first_weekday: int) -> list[list[date]]:
    """The grid's dates: weeks of 7 from ``first_weekday`` (0 Monday ... 6 Sunday)."""
    start = month.first - timedelta(days=(month.first.weekday() - first_weekday) % 7)
    end = month.last + timedelta(days=(first_weekday - 1 - month.last.weekday()) % 7)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [days[i:i + 7] for i in range(0, len(days), 7)]


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz``, in UTC (a skipped midnight: the instant
    the clocks jump to, as zoneinfo reads a skipped wall time with ``fold=0``)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def window(days: Sequence[date], tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants from the first date's local midnight to the day after the last's."""
    return midnight(days[0], tz), midnight(days[-1] + timedelta(days=1), tz)


def local_dates(item: Timed, tz: ZoneInfo) -> tuple[date, date]:
    """The first and last local dates ``item`` covers; an end at midnight sharp does not
    reach into the next day (RFC 5545 section 3.6.1: DTEND is exclusive)."""
    start, end = item.start.astimezone(tz), item.end.astimezone(tz)
    last = end.date()
    if end > start and end.time() == time(0):
        last -= timedelta(days=1)
    return start.date(), max(last, start.date())


@dataclass(frozen=True)
class Placed(Generic[T]):
    """An item on one day: ``continued`` when it began on an earlier day."""

    item: T
    local_start: datetime
    continued: bool


@dataclass(frozen=True)
class Day(Generic[T]):
    date: date
    in_month: bool
    today: bool
    items: tuple[Placed[T], ...]


def _sort_key(placed: Placed[T]) -> tuple[bool, datetime]:
    return (not placed.continued, placed.local_start)


def place(items: Iterable[T], days: Sequence[date], tz: ZoneInfo) -> dict[date, list[Placed[T]]]:
    """Each item on every shown date it covers, ongoing ones first, then by start."""
    shown = set(days)
    found: dict[date, list[Placed[T]]] = {d: [] for d in days}
    for item in items:
        first, last = local_dates(item, tz)
        local = item.start.astimezone(tz)
        day = max(first, days[0])
        while day <= min(last, days[-1]):
            if day in shown:
                found[day].append(Placed(item, local, day != first))
            day += timedelta(days=1)
    for placed in found.values():
        placed.sort(key=_sort_key)
    return found


def layout(month: Month, first_weekday: int, tz: ZoneInfo, today: date,
           items: Iterable[T]) -> list[list[Day[T]]]:
    """The month's weeks of days, each with its items in ``tz``."""
    grid = weeks(month, first_weekday)
    found = place(items, [d for week in grid for d in week], tz)
    return [[Day(d, Month.of(d) == month, d == today, tuple(found[d])) for d in week]
            for week in grid]


def by_day(items: Iterable[T], tz: ZoneInfo) -> list[tuple[date, list[T]]]:
    """The agenda's groups: items (already in start order) under their local start date."""
    groups: list[tuple[date, list[T]]] = []
    for item in items:
        day = item.start.astimezone(tz).date()
        if groups and groups[-1][0] == day:
            groups[-1][1].append(item)
        else:
            groups.append((day, [item]))
    return groups
