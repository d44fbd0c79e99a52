"""The month grid's rules (node.hubs.events.month) and the week's first day per locale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from node.hubs.events.month import (
    Month,
    MonthError,
    by_day,
    layout,
    local_dates,
    parse_month,
    weeks,
    window,
)
from node.web.calendar_view import week_locale

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY, SUNDAY = 0, 6


@dataclass(frozen=True)
class Item:
    name: str
    start: datetime
    end: datetime


def at(text: str, tz: ZoneInfo = MADRID) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def item(name: str, start: str, end: str, tz: ZoneInfo = MADRID) -> Item:
    return Item(name, at(start, tz), at(end, tz))


@pytest.mark.parametrize(("lang", "header", "first"), [
    ("en", None, MONDAY),  # CLDR "001": plain English starts weeks on Monday
    ("en", "en-US,en;q=0.8", SUNDAY),  # ... the United States on Sunday
    ("en", "en-GB", MONDAY),
    ("es", "es-ES,es;q=0.9", MONDAY),
    ("es", "es-MX", SUNDAY),
    ("es", "fr-FR, es", MONDAY),  # another language's region does not count
    ("en", "xx-!!, en-US", SUNDAY),  # an unreadable tag is skipped
])
def test_the_week_starts_on_the_locales_first_day(lang: str, header: str | None,
                                                  first: int) -> None:
    assert week_locale(lang, header).first_week_day == first


def test_weeks_start_on_the_given_day_and_cover_the_month_with_its_neighbours() -> None:
    # February 2026: Sunday 1st to Saturday 28th.
    monday = weeks(Month(2026, 2), MONDAY)
    assert monday[0][0] == date(2026, 1, 26) and monday[-1][-1] == date(2026, 3, 1)
    assert len(monday) == 5 and all(len(w) == 7 for w in monday)
    assert all(w[0].weekday() == MONDAY for w in monday)
    sunday = weeks(Month(2026, 2), SUNDAY)
    assert sunday[0][0] == date(2026, 2, 1) and sunday[-1][-1] == date(2026, 2, 28)
    assert len(sunday) == 4  # a February that fills exactly four weeks
    # August 2026 from Monday: Saturday 1st to Monday 31st spans six rows.
    assert len(weeks(Month(2026, 8), MONDAY)) == 6


def test_months_step_over_the_year_and_parse_strictly() -> None:
    assert Month(2026, 12).next == Month(2027, 1)
    assert Month(2027, 1).previous == Month(2026, 12)
    assert str(Month(2026, 3)) == "2026-03" and Month(2026, 2).last == date(2026, 2, 28)
    assert parse_month(" 2028-02 ") == Month(2028, 2) and Month(2028, 2).last.day == 29
    for bad in ("2026-13", "2026-00", "2026-1", "26-01", "2026/01", "", "0000-01", "9999-12"):
        with pytest.raises(MonthError):
            parse_month(bad)


def test_days_outside_the_month_and_today_are_flagged() -> None:
    grid = layout(Month(2026, 12), MONDAY, MADRID, date(2026, 12, 4), [])
    days = [d for w in grid for d in w]
    assert [d.date for d in days if not d.in_month] == [
        date(2026, 11, 30), date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)]
    assert [d.date for d in days if d.today] == [date(2026, 12, 4)]


def test_an_event_spanning_midnight_is_on_both_days() -> None:
    late = item("late assembly", "2026-12-04T22:00", "2026-12-05T01:00")
    to_midnight = item("ends at midnight", "2026-12-06T20:00", "2026-12-07T00:00")
    grid = layout(Month(2026, 12), MONDAY, MADRID, date(2026, 12, 1), [late, to_midnight])
    by_date = {d.date: d for w in grid for d in w}
    assert [(p.item.name, p.continued) for p in by_date[date(2026, 12, 4)].items] == [
        ("late assembly", False)]
    assert [(p.item.name, p.continued) for p in by_date[date(2026, 12, 5)].items] == [
        ("late assembly", True)]
    # DTEND is exclusive: an end at midnight sharp does not reach the next day.
    assert [p.item.name for p in by_date[date(2026, 12, 6)].items] == ["ends at midnight"]
    assert by_date[date(2026, 12, 7)].items == ()


def test_items_land_on_the_local_date_of_the_zone_shown() -> None:
    # 23:30 in New York on 3 Dec is 05:30 on 4 Dec in Madrid.
    call = item("call", "2026-12-03T23:30", "2026-12-04T00:15", NEW_YORK)
    assert local_dates(call, NEW_YORK) == (date(2026, 12, 3), date(2026, 12, 4))
    assert local_dates(call, MADRID) == (date(2026, 12, 4), date(2026, 12, 4))


def test_the_day_clocks_go_back_is_one_day_of_25_hours() -> None:
    # Madrid leaves summer time at 03:00 on Sunday 25 October 2026 (01:00 UTC).
    grid = weeks(Month(2026, 10), MONDAY)
    start, end = window([d for w in grid for d in w], MADRID)
    assert start == datetime(2026, 9, 27, 22, tzinfo=UTC)  # 28 Sep 00:00 CEST
    assert end == datetime(2026, 11, 1, 23, tzinfo=UTC)  # 2 Nov 00:00 CET
    before = Item("before", datetime(2026, 10, 24, 22, 30, tzinfo=UTC),
                  datetime(2026, 10, 24, 23, 30, tzinfo=UTC))  # 00:30 CEST on the 25th
    after = Item("after", datetime(2026, 10, 25, 23, 30, tzinfo=UTC),
                 datetime(2026, 10, 26, 0, 30, tzinfo=UTC))  # 00:30 CET on the 26th
    placed = layout(Month(2026, 10), MONDAY, MADRID, date(2026, 10, 1), [before, after])
    by_date = {d.date: [p.item.name for p in d.items] for w in placed for d in w}
    assert by_date[date(2026, 10, 25)] == ["before"]
    assert by_date[date(2026, 10, 26)] == ["after"]


def test_the_day_clocks_spring_forward_keeps_its_evening_items() -> None:
    # New York skips 02:00-03:00 on 8 March 2026; a weekly 19:00 call is still at 19:00.
    calls = [Item(f"call {n}", at(f"2026-03-{d:02d}T19:00", NEW_YORK),
                  at(f"2026-03-{d:02d}T20:00", NEW_YORK)) for n, d in enumerate((1, 8, 15))]
    grid = layout(Month(2026, 3), SUNDAY, NEW_YORK, date(2026, 3, 1), calls)
    placed = {d.date: [p.local_start.hour for p in d.items] for w in grid for d in w}
    assert placed[date(2026, 3, 1)] == placed[date(2026, 3, 8)] == placed[date(2026, 3, 15)] \
        == [19]


def test_items_of_a_day_run_ongoing_first_then_by_start() -> None:
    items = [item("noon", "2026-12-05T12:00", "2026-12-05T13:00"),
             item("overnight", "2026-12-04T23:00", "2026-12-05T02:00"),
             item("morning", "2026-12-05T09:00", "2026-12-05T10:00")]
    grid = layout(Month(2026, 12), MONDAY, MADRID, date(2026, 12, 1), items)
    (day,) = [d for w in grid for d in w if d.date == date(2026, 12, 5)]
    assert [p.item.name for p in day.items] == ["overnight", "morning", "noon"]


def test_an_item_outside_the_grid_is_not_placed_and_a_long_one_is_clipped() -> None:
    gone = item("last month", "2026-10-01T10:00", "2026-10-01T11:00")
    camp = item("camp", "2026-11-20T10:00", "2026-12-03T18:00")
    grid = layout(Month(2026, 12), MONDAY, MADRID, date(2026, 12, 1), [gone, camp])
    shown = [d.date for w in grid for d in w if d.items]
    assert shown == [date(2026, 11, 30) + timedelta(days=n) for n in range(4)]


def test_the_agenda_groups_by_local_start_date() -> None:
    items = [item("a", "2026-12-04T09:00", "2026-12-04T10:00"),
             item("b", "2026-12-04T23:30", "2026-12-05T00:30"),
             item("c", "2026-12-05T08:00", "2026-12-05T09:00")]
    groups = by_day(items, MADRID)
    assert [(d, [i.name for i in group]) for d, group in groups] == [
        (date(2026, 12, 4), ["a", "b"]), (date(2026, 12, 5), ["c"])]
    tokyo = by_day(items, ZoneInfo("Asia/Tokyo"))  # 8 hours later: b moves to the 5th
    assert [(d, [i.name for i in group]) for d, group in tokyo] == [
        (date(2026, 12, 4), ["a"]), (date(2026, 12, 5), ["b", "c"])]
