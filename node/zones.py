"""IANA timezone names, checked once and used to show times where people read them.

A base helper (no layer above it is imported): the node's ``IONODE_TIMEZONE`` and each
hub's timezone are validated here, and pages show stored UTC instants in the hub's zone.
Names are those of the IANA tz database (RFC 6557) as :mod:`zoneinfo` finds them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "UTC"
MAX_ZONE = 64  # the hub.timezone column


class ZoneError(ValueError):
    """Not an IANA timezone name; the message says what to give instead."""


@lru_cache(maxsize=64)
def zone_info(name: str) -> ZoneInfo:
    """The :class:`ZoneInfo` of ``name``, or :class:`ZoneError`."""
    if not name or len(name) > MAX_ZONE or not name.isprintable():
        raise ZoneError(f"unknown timezone {name!r}: use an IANA name such as "
                        "Europe/Madrid, America/New_York or UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # a path, a directory...
        raise ZoneError(f"unknown timezone {name!r}: use an IANA name such as "
                        "Europe/Madrid, America/New_York or UTC") from exc


def check_zone(name: str) -> str:
    """``name`` stripped when it is a known IANA timezone, else :class:`ZoneError`."""
    name = name.strip()
    zone_info(name)
    return name


def in_zone(moment: datetime, name: str) -> datetime:
    """``moment`` (naive means UTC, as SQLite returns it) as a wall time in ``name``.

    An unknown name falls back to UTC: a page never fails over a time.
    """
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    try:
        return aware.astimezone(zone_info(name))
    except ZoneError:
        return aware.astimezone(UTC)


def shown_time(moment: datetime | None, name: str = DEFAULT_ZONE) -> str:
    """``2026-12-04 15:00 CET``: a readable time in the zone ``name``."""
    if moment is None:
        return ""
    local = in_zone(moment, name)
    label = local.tzname() or name
    if label.startswith(("+", "-")):  # zones without an abbreviation: name the zone
        label = f"{name} (UTC{label})"
    return f"{local:%Y-%m-%d %H:%M} {label}"
