"""The delivery state machine, and the classification of one delivery POST's answer.

Pure: no I/O, no clock, no randomness (``now`` and ``rand`` are passed in), so every
rule below is unit-tested. :mod:`.delivery` does the I/O and re-exports these names.

Classification: sent, retry later, gone, or failed for good.

Rules (ARCHITECTURE.md section 6, INTEROP.md "Delivery", SECURITY.md "Durability"):

* only 2xx is delivered: Takahē counted 5xx answers as sent and silently lost them;
* 429 and 503 are retried, honouring ``Retry-After`` (RFC 9110 section 10.2.3: a
  number of seconds or an HTTP-date);
* other 5xx, 401 (the receiver could not fetch our key yet, or clocks disagree), 408,
  timeouts and connection errors are retried with backoff (Mastodon retries the same);
* 410 means the inbox's actor is gone (Mastodon deletes its copy on 410);
* other 4xx are permanent: resending the same signed bytes will not change the answer;
* 3xx is permanent too: a POST is not re-sent to a redirect target (RFC 9110 section
  15.4 lets clients turn it into a GET, and the signature covers the original target).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from node.activitypub.retry import next_attempt


class DeliveryState(StrEnum):
    """The states of a ``delivery`` row; ``sent``, ``failed`` and ``gone`` are final."""

    QUEUED = "queued"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    GONE = "gone"


S = DeliveryState
#: Every legal move. ``claimed -> claimed`` is another worker retaking an expired claim;
#: ``claimed -> queued`` is a retry or a push-back by the open circuit breaker.
TRANSITIONS: dict[DeliveryState, frozenset[DeliveryState]] = {
    S.QUEUED: frozenset({S.CLAIMED}),
    S.CLAIMED: frozenset({S.CLAIMED, S.QUEUED, S.SENT, S.FAILED, S.GONE}),
    S.SENT: frozenset(),
    S.FAILED: frozenset(),
    S.GONE: frozenset(),
}


class IllegalTransition(ValueError):
    """A delivery was asked to move along an edge :data:`TRANSITIONS` does not have."""


def transition(current: str, target: str) -> DeliveryState:
    """``target`` if ``current -> target`` is legal, else raise :class:`IllegalTransition`."""
    try:
        source, goal = DeliveryState(current), DeliveryState(target)
    except ValueError as exc:
        raise IllegalTransition(f"unknown delivery state in {current!r} -> {target!r}") from exc
    if goal not in TRANSITIONS[source]:
        raise IllegalTransition(f"a delivery cannot go from {source} to {goal}")
    return goal


RETRY_STATUSES = frozenset({401, 408})
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class Sent:
    """A 2xx answer: the receiver accepted the activity."""


@dataclass(frozen=True)
class Retry:
    """A temporary failure; try again later (``retry_after`` when the server said when)."""

    reason: str
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class Gone:
    """410 Gone: the recipient no longer exists; stop delivering and drop the follower."""

    reason: str


@dataclass(frozen=True)
class Failed:
    """A permanent failure: resending would get the same answer."""

    reason: str


Outcome = Sent | Retry | Gone | Failed


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as a delay from ``now``: delay-seconds or an HTTP-date.

    Unparseable values are ignored (``None``: plain backoff applies); a date in the
    past is a zero delay.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that works on plain dicts too."""
    found = headers.get(name)
    if found is not None:
        return found
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def classify(
    status: int | None, headers: Mapping[str, str], error: str | None, now: datetime
) -> Outcome:
    """The :data:`Outcome` of a delivery that got ``status`` (or raised ``error``)."""
    if status is None:
        return Retry(error or "no response")
    if 200 <= status < 300:
        return Sent()
    if status in RETRY_AFTER_STATUSES:
        delay = parse_retry_after(_header(headers, "Retry-After"), now)
        return Retry(f"HTTP {status}", delay)
    if status == 410:
        return Gone("HTTP 410: the recipient is gone")
    if status in RETRY_STATUSES or 500 <= status < 600:
        return Retry(f"HTTP {status}")
    if 300 <= status < 400:
        return Failed(f"HTTP {status}: redirects are not followed for a signed POST")
    if 400 <= status < 500:
        return Failed(f"HTTP {status}")
    return Retry(f"HTTP {status}: not a valid status code")


def with_detail(outcome: Outcome, detail: str) -> Outcome:
    """The outcome with ``detail`` (the start of the response body) added to its reason."""
    if isinstance(outcome, Sent) or not detail:
        return outcome
    return replace(outcome, reason=f"{outcome.reason}: {detail}")


@dataclass(frozen=True)
class Settlement:
    """What a claimed row becomes after an outcome (``due_at`` ``None``: unchanged)."""

    state: DeliveryState
    attempts: int
    last_status: int | None
    last_error: str | None
    due_at: datetime | None = None
    finished_at: datetime | None = None


def settle(
    outcome: Outcome, *, status: int | None, attempts: int, now: datetime, rand: float
) -> Settlement:
    """Move a claimed row after its ``attempts``-th attempt ended in ``outcome``.

    A retry is scheduled by :func:`~.retry.next_attempt`; when the schedule is exhausted
    the row fails for good (it is kept, with the reason, for the organizer to see).
    """
    if isinstance(outcome, Sent):
        goal, error, due, done = S.SENT, None, None, now
    elif isinstance(outcome, Retry):
        due = next_attempt(attempts, now, rand, outcome.retry_after)
        goal, error, done = S.QUEUED, outcome.reason, None
        if due is None:
            goal, error, done = S.FAILED, f"gave up after {attempts} attempts: {error}", now
    else:
        goal = S.GONE if isinstance(outcome, Gone) else S.FAILED
        error, due, done = outcome.reason, None, now
    transition(S.CLAIMED, goal)
    return Settlement(goal, attempts, status, error, due, done)


@dataclass(frozen=True)
class Job:
    """The fields of a claimed delivery row the worker needs."""

    id: int
    activity_id: int
    sender_id: int
    inbox: str
    host: str
    attempts: int
    due_at: datetime
    last_status: int | None
    last_error: str | None


@dataclass(frozen=True)
class Result:
    """What happened to one delivery: the outcome and the status it came from."""

    job: Job
    outcome: Outcome
    status: int | None = None


def pushed_back(job: Job, due: datetime) -> Settlement:
    """Back to the queue without a request (open breaker): not an attempt."""
    transition(S.CLAIMED, S.QUEUED)
    return Settlement(S.QUEUED, job.attempts, job.last_status, job.last_error, due)


def row_values(job: Job, settled: Settlement) -> dict[str, Any]:
    """The full column set of a released row (one shape, so a batch is one executemany)."""
    return {
        "state": settled.state.value,
        "attempts": settled.attempts,
        "due_at": settled.due_at or job.due_at,
        "last_status": settled.last_status,
        "last_error": settled.last_error,
        "finished_at": settled.finished_at,
    }
