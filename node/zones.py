"""IANA timezones and wall times: one rule for every zone name the node accepts.

A base helper (no layer above it is imported). The node's ``IONODE_TIMEZONE``, each
hub's timezone, an event's or a call's timezone and a feed's TZID are all checked by
:func:`zone`, so a name is accepted everywhere or nowhere. The names are those of the
IANA tz database (RFC 6557) that :func:`zoneinfo.available_timezones` lists, without
the ``posix/`` and ``right/`` copies, ``posixrules`` and the host's ``localtime``: those
are files of a system's zoneinfo directory, not zone names another server would know.

Wall times follow RFC 5545 section 3.3.5 (a DATE-TIME with TZID is a local time): a
local time the clocks skip, or one they repeat, is refused with a message rather than
guessed, and pages show stored UTC instants in the hub's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

from node.messages import N_, Text

DEFAULT_ZONE = "UTC"
MAX_ZONE = 64  # the hub.timezone column
#: Entries of a zoneinfo directory that are not IANA zone names.
NOT_ZONES = frozenset({"posixrules", "localtime"})
NOT_ZONE_PREFIXES = ("posix/", "right/")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ZoneError(ValueError):
    """A refused timezone name or wall time; the message says what to give instead."""


@cache
def known_zones() -> frozenset[str]:
    """The accepted IANA names: :func:`available_timezones` without the aliases."""
    return frozenset(name for name in available_timezones()
                     if name not in NOT_ZONES and not name.startswith(NOT_ZONE_PREFIXES)
                     and len(name) <= MAX_ZONE)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA timezone ``name``, or :class:`ZoneError` naming the problem."""
    if name not in known_zones():
        raise ZoneError(Text(
            N_("unknown timezone %(name)s: use an IANA name such as Europe/Madrid, "
               "America/New_York or UTC"),
            name=repr(name)))
    return ZoneInfo(name)


def check_zone(name: str) -> str:
    """``name`` stripped when it is a known IANA timezone, else :class:`ZoneError`."""
    name = name.strip()
    zone(name)
    return name


def zone_or_utc(name: str) -> ZoneInfo:
    """The zone ``name``, or UTC when it is empty or unknown (an optional TZID, a
    Windows name from another server): the instants are kept, shown in UTC."""
    try:
        return zone(name or DEFAULT_ZONE)
    except ZoneError:
        return zone(DEFAULT_ZONE)


def localize(naive: datetime, tz_name: str) -> datetime:
    """``naive`` as a wall time in ``tz_name``; refused when it is skipped or repeated."""
    tz = zone(tz_name)
    early, late = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    shown = naive.strftime("%Y-%m-%d %H:%M")
    if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise ZoneError(Text(
            N_("%(shown)s does not exist in %(tz_name)s: the clocks skip it at the "
               "daylight-saving change; pick another time"),
            shown=shown, tz_name=tz_name))
    raise ZoneError(Text(
        N_("%(shown)s happens twice in %(tz_name)s: the clocks go back at the daylight-saving "
           "change; pick another time"),
        shown=shown, tz_name=tz_name))


def parse_local(text: str, tz_name: str) -> datetime:
    """``"2026-12-12 19:00"`` read as a wall time in ``tz_name``."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise ZoneError(Text(
            N_("cannot read the time %(text)s: write it as YYYY-MM-DD HH:MM"),
            text=repr(text)),
                        ) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(zone(tz_name))
    return localize(parsed.replace(second=0, microsecond=0), tz_name)


def in_zone(moment: datetime, name: str) -> datetime:
    """``moment`` (naive means UTC, as SQLite returns it) as a wall time in ``name``.

    An unknown name falls back to UTC: a page never fails over a time.
    """
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(zone_or_utc(name))


def shown_time(moment: datetime | None, name: str = DEFAULT_ZONE) -> str:
    """``2026-12-04 15:00 CET``: a readable time in the zone ``name``."""
    if moment is None:
        return ""
    local = in_zone(moment, name)
    label = local.tzname() or name
    if label.startswith(("+", "-")):  # zones without an abbreviation: name the zone
        label = f"{name} (UTC{label})"
    return f"{local:%Y-%m-%d %H:%M} {label}"


def day_text(moment: datetime) -> str:
    """``Sat 12 Dec 2026``."""
    return f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def clock_text(moment: datetime) -> str:
    """``7:00 PM``."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def when_text(start: datetime, end: datetime, tz_name: str) -> str:
    """``Sat 12 Dec 2026, 7:00 PM to 9:00 PM PST (America/Los_Angeles)``."""
    tz = zone(tz_name)
    s, e = start.astimezone(tz), end.astimezone(tz)
    s_abbr, e_abbr = s.tzname() or "", e.tzname() or ""
    if s.date() != e.date():
        span = f"{clock_text(s)} {s_abbr} to {day_text(e)}, {clock_text(e)} {e_abbr}"
    elif s_abbr != e_abbr:
        span = f"{clock_text(s)} {s_abbr} to {clock_text(e)} {e_abbr}"
    else:
        span = f"{clock_text(s)} to {clock_text(e)} {e_abbr}"
    return f"{day_text(s)}, {span} ({tz_name})"


def read_instant(value: object, tz: ZoneInfo | None = None) -> datetime | None:
    """An xsd:dateTime as an aware datetime in ``tz`` (UTC by default); None if unreadable.

    AS2 requires an offset but not every server sends one: a time without one is read in
    ``tz`` (an Event's own ``timezone``, else UTC), so callers always compare aware values.
    """
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    zone_of_reading = tz or UTC
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone_of_reading)
    return moment.astimezone(zone_of_reading)
