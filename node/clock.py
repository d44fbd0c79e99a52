"""An injectable clock: protocol code takes ``now`` instead of reading the system time.

Signature windows, backoff schedules and cache expiry are all tested by passing a
fixed clock, the way Fedify's ``currentTime`` option works.
"""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime.

    SQLite hands timezone-aware columns back naive; they were stored in UTC.
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def fixed_clock(at: datetime) -> Clock:
    """A clock frozen at ``at`` (tests and benchmarks)."""
    return lambda: at
