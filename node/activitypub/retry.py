"""Pure retry policy: delivery backoff over ~3 days and the circuit breaker's open window.

Mastodon retries a delivery 16 times with Sidekiq's ``count**4 + 15`` seconds plus
jitter, spanning about 2-3 days (INTEROP.md "Delivery"; Sidekiq's default retry delay,
used by ``ActivityPub::DeliveryWorker``): long enough to ride out a weekend outage of a
small server, short enough that a dead server stops costing work. Here:

* the delay after the ``n``-th failed attempt is ``(15 + n**4) s * (1 + JITTER * rand)``,
  capped at :data:`MAX_DELAY`; jitter spreads the retries of a fan-out so a recovering
  server is not hit by all of them in the same second;
* :data:`MAX_ATTEMPTS` = 17 (the first try and 16 retries), so the whole schedule spans
  2.8-3.5 days;
* a server's ``Retry-After`` is honoured up to :data:`RETRY_AFTER_CAP`, but never
  sooner than the attempt's minimum backoff: ``Retry-After: 0`` must not turn a
  back-off into a tight loop, and a hostile server must not park a row for a year.

Nothing here reads a clock or a random source: ``now`` and ``rand`` are passed in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_ATTEMPTS = 17
BASE_SECONDS = 15
JITTER = 0.25
MAX_DELAY = timedelta(days=1)
RETRY_AFTER_CAP = timedelta(days=1)

BREAKER_THRESHOLD = 10
BREAKER_FIRST_OPEN = timedelta(minutes=1)
BREAKER_MAX_OPEN = timedelta(days=1)


def _check(attempt: int, rand: float) -> None:
    if attempt < 1:
        raise ValueError(f"attempt counts failed attempts and starts at 1, got {attempt}")
    if not 0.0 <= rand < 1.0:
        raise ValueError(f"rand must be in [0, 1), got {rand}")


def backoff_delay(attempt: int, *, rand: float) -> timedelta:
    """The wait after the ``attempt``-th failed attempt (1-based), with jitter ``rand``.

    Monotone non-decreasing in ``attempt`` for a fixed ``rand`` and never above
    :data:`MAX_DELAY`.
    """
    _check(attempt, rand)
    seconds = (BASE_SECONDS + attempt**4) * (1.0 + JITTER * rand)
    return timedelta(seconds=min(seconds, MAX_DELAY.total_seconds()))


def next_attempt(
    attempt: int, now: datetime, rand: float, retry_after: timedelta | None
) -> datetime | None:
    """When to try again after the ``attempt``-th failure, or ``None`` to give up.

    ``retry_after`` (from a 429/503 ``Retry-After``) replaces the backoff when it is
    longer than the attempt's minimum backoff, capped at :data:`RETRY_AFTER_CAP`.
    """
    _check(attempt, rand)
    if attempt >= MAX_ATTEMPTS:
        return None
    delay = backoff_delay(attempt, rand=rand)
    if retry_after is not None:
        floor = backoff_delay(attempt, rand=0.0)
        delay = max(floor, min(retry_after, RETRY_AFTER_CAP))
    return now + delay


def total_span(rand: float) -> timedelta:
    """The time from the first failure to giving up when every attempt fails."""
    return sum(
        (backoff_delay(n, rand=rand) for n in range(1, MAX_ATTEMPTS)), start=timedelta()
    )


def breaker_open_for(previous: timedelta | None) -> timedelta:
    """How long a host's circuit breaker stays open after it trips.

    ``previous`` is the length of the last open window when the half-open probe that
    followed it failed (``None`` on a first trip). Each failed probe doubles the
    window, from :data:`BREAKER_FIRST_OPEN` (Mastodon's Stoplight cool-off is 60 s)
    up to :data:`BREAKER_MAX_OPEN`, so a dead host costs one request per window.
    """
    if previous is None or previous < BREAKER_FIRST_OPEN:
        return BREAKER_FIRST_OPEN
    return min(previous * 2, BREAKER_MAX_OPEN)
