"""When the digest is made: a weekday and an hour in the node's timezone, set by the
operator (``ionode news digest schedule``, the digest admin page) and kept in
``node_setting``.

A slot is one scheduled moment ("Monday 09:00 Europe/Madrid" in a given week). The
periodic task makes the digest of the latest slot that has passed, once (the digest
table is unique per slot), and never for a slot before the schedule was set, so
setting a schedule on a Wednesday for Mondays does not send last Monday's at once.
Wall times are taken in the zone each week, so a slot stays at 09:00 across daylight
saving changes (an hour that a change skips falls forward, as zoneinfo resolves it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete

from node.clock import as_utc
from node.messages import N_, Text
from node.newswire.errors import NewsError
from node.node_record import NodeSetting, read_settings, write_setting
from node.zones import zone_or_utc

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KEYS = ("digest_weekday", "digest_hour", "digest_since")
BAD_WEEKDAY = N_("the weekday must be one of monday ... sunday")
BAD_HOUR = N_("the hour must be a whole number from 0 to 23")

_setting = NodeSetting.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Schedule:
    weekday: int  # 0 = Monday, as datetime.weekday()
    hour: int
    since: datetime  # when the operator set it: no slot before this is made

    @property
    def weekday_name(self) -> str:
        return WEEKDAYS[self.weekday]


def check_weekday(value: str) -> int:
    name = value.strip().lower()
    for number, day in enumerate(WEEKDAYS):
        if name and (name == day or (len(name) >= 3 and day.startswith(name))):
            return number
    raise NewsError(Text(BAD_WEEKDAY))


def check_hour(value: str | int) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 0 <= int(text) <= 23:
        raise NewsError(Text(BAD_HOUR))
    return int(text)


def last_slot(now: datetime, schedule: Schedule, zone_name: str) -> datetime:
    """The latest scheduled moment at or before ``now`` (UTC)."""
    tz = zone_or_utc(zone_name)
    local = as_utc(now).astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - schedule.weekday) % 7)
    for back in (0, 7):
        wall = datetime(day.year, day.month, day.day, schedule.hour) - timedelta(days=back)
        slot = wall.replace(tzinfo=tz).astimezone(UTC)
        if slot <= as_utc(now):
            return slot
    raise AssertionError("a slot a week back is always in the past")


def next_slot(now: datetime, schedule: Schedule, zone_name: str) -> datetime:
    """The next scheduled moment after ``now`` (for the admin page and the CLI)."""
    tz = zone_or_utc(zone_name)
    previous = last_slot(now, schedule, zone_name).astimezone(tz).replace(tzinfo=None)
    return (previous + timedelta(days=7)).replace(tzinfo=tz).astimezone(UTC)


def read_schedule(conn: Connection) -> Schedule | None:
    stored = read_settings(conn)
    if not all(stored.get(key) for key in KEYS):
        return None
    return Schedule(int(stored["digest_weekday"]), int(stored["digest_hour"]),
                    as_utc(datetime.fromisoformat(stored["digest_since"])))


def set_schedule(conn: Connection, weekday: str, hour: str | int, now: datetime) -> Schedule:
    """Set (or change) the schedule; refused input changes nothing."""
    schedule = Schedule(check_weekday(weekday), check_hour(hour), as_utc(now))
    write_setting(conn, "digest_weekday", str(schedule.weekday))
    write_setting(conn, "digest_hour", str(schedule.hour))
    write_setting(conn, "digest_since", schedule.since.isoformat())
    return schedule


def clear_schedule(conn: Connection) -> None:
    """No automatic digest; ``ionode news digest run`` still makes one."""
    conn.execute(delete(_setting).where(_setting.c.key.in_(KEYS)))
