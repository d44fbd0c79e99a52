"""Recurring events, pure: an RRULE series in an IANA timezone, expanded and described.

A call series is the one recurring Event today (:mod:`node.hubs.calls`); the rule lives
with events so calendars and event documents read it without depending on calls.

A series is an RFC 5545 RRULE (section 3.3.10) anchored at a first start in an IANA
timezone. Occurrences are expanded with ``dateutil.rrule`` over *naive local* wall
times and only then placed in the zone, so "every Monday 7 PM America/New_York" stays
7 PM local across a daylight-saving change (RFC 5545 section 3.3.5: a DATE-TIME with
TZID is a local time). A local time the clocks skip is moved forward by the gap, a
repeated one takes its first occurrence, as RFC 5545 section 3.3.5 prescribes.

Refused, each with a message: an RRULE that never ends (no COUNT or UNTIL), one with
more than :data:`MAX_OCCURRENCES`, one repeating more often than daily, one that sets
the time of day itself (BYHOUR...), and one whose first occurrence is not the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from node.messages import N_, Text
from node.zones import ZoneError, clock_text, day_text, zone

MAX_OCCURRENCES = 500
FREQUENCIES = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
BY_TIME = ("BYHOUR", "BYMINUTE", "BYSECOND")
DESCRIBED = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "WKST"})
WEEKDAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday",
            "FR": "Friday", "SA": "Saturday", "SU": "Sunday"}
WEEKDAYS_BY_INDEX = tuple(WEEKDAYS)
ORDINALS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "5": "fifth",
            "-1": "last", "-2": "second to last"}


class ScheduleError(ZoneError):
    """A refused RRULE; the message says why and is shown as is. A refused timezone or
    wall time is the base :class:`ZoneError` (from :mod:`node.zones`)."""


def _parts(text: str) -> dict[str, str]:
    body = text.strip()
    body = body[6:] if body.upper().startswith("RRULE:") else body
    if not body or any(c in body for c in ":\r\n"):
        raise ScheduleError(Text(N_("give one RRULE, such as FREQ=WEEKLY;BYDAY=MO;COUNT=10")))
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        key, sep, value = (s.strip().upper() for s in piece.partition("="))
        if not sep or not key or not value or key in parts:
            raise ScheduleError(Text(N_("cannot read %(piece)s in the RRULE"), piece=repr(piece)))
        parts[key] = value
    return parts


def _check_parts(parts: dict[str, str]) -> None:
    freq = parts.get("FREQ", "")
    if freq not in FREQUENCIES:
        raise ScheduleError(Text(
            N_("a call repeats DAILY, WEEKLY, MONTHLY or YEARLY, not %(freq)s"),
            freq=repr(freq)))
    if any(key in parts for key in BY_TIME):
        raise ScheduleError(Text(
            N_("the time of day comes from the start: drop BYHOUR, BYMINUTE and BYSECOND from "
               "the RRULE")))
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise ScheduleError(Text(
            N_("an RRULE that never ends is refused: add COUNT=n or UNTIL=YYYYMMDD (at most "
               "%(MAX_OCCURRENCES)s occurrences)"),
            MAX_OCCURRENCES=MAX_OCCURRENCES))
    if "COUNT" in parts and "UNTIL" in parts:
        raise ScheduleError(Text(N_("give COUNT or UNTIL, not both (RFC 5545)")))
    count = parts.get("COUNT", "1")
    if not (count.isascii() and count.isdigit()) or not 1 <= int(count) <= MAX_OCCURRENCES:
        raise ScheduleError(Text(
            N_("COUNT must be a number from 1 to %(MAX_OCCURRENCES)s"),
            MAX_OCCURRENCES=MAX_OCCURRENCES))


def _until_utc(value: str, tz: ZoneInfo) -> datetime:
    """UNTIL as a UTC instant: ``...Z`` is UTC, a bare date means the end of that day."""
    try:
        if len(value) == 8:
            local = datetime.strptime(value, "%Y%m%d").replace(hour=23, minute=59, second=59)
            return local.replace(tzinfo=tz).astimezone(UTC)
        moment = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        raise ScheduleError(Text(
            N_("cannot read UNTIL=%(value)s: write YYYYMMDD"),
            value=value)) from None
    return moment.replace(tzinfo=UTC if value.endswith("Z") else tz).astimezone(UTC)


@dataclass(frozen=True)
class Recurrence:
    """A validated series: ``rule`` is canonical (UNTIL in UTC), ``start`` is aware."""

    rule: str
    start: datetime
    timezone: str

    @property
    def parts(self) -> dict[str, str]:
        return _parts(self.rule)

    def _expansion(self) -> Any:
        tz = zone(self.timezone)
        parts = self.parts
        body = ";".join(f"{k}={v}" for k, v in parts.items() if k != "UNTIL")
        naive_start = self.start.astimezone(tz).replace(tzinfo=None)
        from dateutil.rrule import rrulestr  # here: only recurring calls need it (issue 7)

        try:
            rule = rrulestr(body, dtstart=naive_start)
        except (ValueError, TypeError) as exc:
            raise ScheduleError(Text(N_("cannot read the RRULE: %(exc)s"), exc=exc)) from None
        if "UNTIL" in parts:
            until = _until_utc(parts["UNTIL"], tz).astimezone(tz).replace(tzinfo=None)
            rule = rule.replace(until=until)
        return rule

    def starts(self, after: datetime | None = None, limit: int = MAX_OCCURRENCES
               ) -> list[datetime]:
        """Occurrence starts (aware, in the series' zone) later than ``after``."""
        tz = zone(self.timezone)
        found: list[datetime] = []
        for naive in islice(self._expansion(), MAX_OCCURRENCES):
            moment = naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
            if after is None or moment > after:
                found.append(moment)
            if len(found) >= limit:
                break
        return found

    def describe(self) -> str:
        """``every Monday at 7:00 PM (America/New_York), 10 times from Mon 23 Nov 2026``."""
        return describe(self)


def parse_rrule(text: str, start: datetime, tz_name: str) -> Recurrence:
    """Validate ``text`` for a series whose first occurrence is ``start``."""
    tz = zone(tz_name)
    parts = _parts(text)
    _check_parts(parts)
    if "UNTIL" in parts:
        parts["UNTIL"] = _until_utc(parts["UNTIL"], tz).strftime("%Y%m%dT%H%M%SZ")
    series = Recurrence(";".join(f"{k}={v}" for k, v in parts.items()), start.astimezone(tz),
                        tz_name)
    expansion = list(islice(series._expansion(), MAX_OCCURRENCES + 1))
    if len(expansion) > MAX_OCCURRENCES:
        raise ScheduleError(Text(
            N_("the RRULE has more than %(MAX_OCCURRENCES)s occurrences: lower UNTIL"),
            MAX_OCCURRENCES=MAX_OCCURRENCES))
    if not expansion or expansion[0] != series.start.replace(tzinfo=None):
        raise ScheduleError(Text(
            N_("the start (%(value)s) must be the first occurrence of the RRULE: start on one "
               "of its days"),
            value=day_text(series.start)))
    return series


def _day_words(byday: str) -> str:
    words = []
    for token in byday.split(","):
        ordinal, day = token[:-2].lstrip("+"), token[-2:]
        words.append(" ".join(filter(None, [ORDINALS.get(ordinal, ordinal), WEEKDAYS[day]])))
    return " and ".join(words)


def describe(series: Recurrence) -> str:
    """The series in words; rules beyond the common shapes are quoted as RRULE."""
    parts, local = series.parts, series.start
    unit = FREQUENCIES[parts["FREQ"]]
    interval = int(parts.get("INTERVAL", "1"))
    every = f"every {interval} {unit}s" if interval > 1 else f"every {unit}"
    byday = parts.get("BYDAY") or (WEEKDAYS_BY_INDEX[local.weekday()] if unit == "week" else "")
    if byday and unit == "week" and interval == 1 and not any(c.isdigit() for c in byday):
        every = f"every {_day_words(byday)}"
    elif byday:
        every += f" on the {_day_words(byday)}" if unit != "week" else f" on {_day_words(byday)}"
    if "BYMONTHDAY" in parts:
        every += f" on day {parts['BYMONTHDAY']}"
    text = f"{every} at {clock_text(local)} ({series.timezone})"
    if "COUNT" in parts:
        text += f", {parts['COUNT']} times from {day_text(local)}"
    else:
        until = _until_utc(parts["UNTIL"], zone(series.timezone)).astimezone(local.tzinfo)
        text += f", from {day_text(local)} until {day_text(until)}"
    extra = set(parts) - DESCRIBED
    return text + (f" (RRULE {series.rule})" if extra else "")

