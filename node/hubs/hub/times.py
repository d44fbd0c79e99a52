"""When a hub's items happen and close, read from their documents: one reading for the
hub's index and dashboard and for each kind's own pages, votes and calendars.

An Event's times are wall times in its own ``timezone`` (FEP-8a8e): a time without an
offset is read there, an unknown zone is UTC (:func:`node.zones.zone_or_utc`). A
``Question`` closes as AS2 Vocabulary section 3.3 and Mastodon have it (``closed``,
``endTime``). Pure: ``now`` is passed in. The kinds build on these (events' documents,
polls' votes); the hub reads them without depending on any kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from node.zones import read_instant, zone_or_utc


def event_zone(document: Mapping[str, Any]) -> ZoneInfo:
    """An Event's ``timezone`` (optional: UTC if absent or unknown)."""
    name = document.get("timezone")
    return zone_or_utc(name if isinstance(name, str) else "")


def event_times(document: Mapping[str, Any]) -> tuple[datetime, datetime] | None:
    """An Event's start and end in its zone; None without a readable ``startTime``.

    No readable end, or one before the start, is an end at the start (RFC 5545 section
    3.6.1: an event without DTEND ends when it starts).
    """
    tz = event_zone(document)
    start = read_instant(document.get("startTime"), tz)
    if start is None:
        return None
    end = read_instant(document.get("endTime"), tz)
    return start, end if end is not None and end >= start else start


def ends_at(document: Mapping[str, Any]) -> datetime | None:
    """The poll's ``endTime``; None when it has none or it cannot be read."""
    return read_instant(document.get("endTime"))


def closed_at(document: Mapping[str, Any], now: datetime) -> datetime | None:
    """When the poll closed, or None while it is open: the one "is the poll closed" rule
    of the dashboard, the manage page, the poll page and voting.

    ``closed`` (any value) closes it, at that time if readable, else at its end or
    ``now``. Otherwise an ``endTime`` that has passed closes it. An ``endTime`` that
    cannot be read is no known end: the poll stays open until its origin sends
    ``closed`` (Mastodon likewise treats a poll without ``endTime`` as open).
    """
    if document.get("closed"):
        return read_instant(document.get("closed")) or ends_at(document) or now
    end = ends_at(document)
    return end if end is not None and end <= now else None


def is_open(document: Mapping[str, Any], now: datetime) -> bool:
    """True while the poll takes votes (:func:`closed_at`)."""
    return closed_at(document, now) is None
