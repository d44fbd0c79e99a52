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


def fixed_clock(at: datetime) -> Clock:
    """A clock frozen at ``at`` (tests and benchmarks)."""
    return lambda: at
