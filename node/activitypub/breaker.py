"""Per-host circuit breaker for deliveries, kept in the ``host_health`` table.

Mastodon's delivery worker trips a breaker after 10 consecutive failures (Stoplight,
``STOPLIGHT_FAILURE_THRESHOLD = 10``, 60 s cool-off; INTEROP.md "Delivery"). Without one,
a dead server with thousands of followers' rows costs thousands of timeouts per retry
round. Here, per canonical host:

* closed: deliveries go out; every temporary failure (:class:`~.classify.Retry`) adds
  one to ``consecutive_failures``; any answer that shows the host is alive (2xx, 410,
  other 4xx) resets it;
* open (``open_until`` in the future, set when the count reaches the threshold): rows
  for the host are pushed back to ``open_until`` without a request and without
  counting an attempt, so a long outage does not burn the rows' retry budget;
* half-open (``open_until`` passed, count still at the threshold): one probe per batch
  goes out, the batch's other rows wait for its result; a success closes the breaker,
  a failure reopens it for twice as long (:func:`~.retry.breaker_open_for`).

The state is in the database so every worker process shares it, and it expires by
time alone: nothing has to run for a breaker to become half-open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, bindparam, func, select, update

from node.activitypub.models import HostHealth
from node.activitypub.retry import BREAKER_THRESHOLD, breaker_open_for
from node.clock import as_utc
from node.db import upsert_insert

_health = HostHealth.__table__  # type: ignore[attr-defined]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


@dataclass(frozen=True)
class Health:
    """One host's breaker counters (times in UTC)."""

    consecutive_failures: int = 0
    open_until: datetime | None = None
    last_failure_at: datetime | None = None

    def state(self, now: datetime) -> BreakerState:
        if self.open_until is not None and self.open_until > now:
            return BreakerState.OPEN
        if self.consecutive_failures >= BREAKER_THRESHOLD:
            return BreakerState.HALF_OPEN
        return BreakerState.CLOSED


class _HasHost(Protocol):
    @property
    def host(self) -> str: ...


J = TypeVar("J", bound=_HasHost)


def _health_of(row: Any) -> Health:
    return Health(
        consecutive_failures=row.consecutive_failures,
        open_until=as_utc(row.open_until) if row.open_until else None,
        last_failure_at=as_utc(row.last_failure_at) if row.last_failure_at else None,
    )


def load_health(conn: Connection, hosts: Iterable[str]) -> dict[str, Health]:
    """The breaker counters of ``hosts`` that have any (absent means healthy)."""
    wanted = sorted(set(hosts))
    if not wanted:
        return {}
    rows = conn.execute(select(_health).where(_health.c.host.in_(wanted)))
    return {row.host: _health_of(row) for row in rows}


def plan_batch(
    jobs: Sequence[J], health: Mapping[str, Health], now: datetime
) -> tuple[list[J], list[tuple[J, datetime]]]:
    """Split claimed jobs into those to send now and those pushed back to a time.

    Open host: pushed to ``open_until``. Half-open host: the first job is the probe,
    the others are pushed to ``now`` (claimed again once the probe's result is stored).
    """
    send: list[J] = []
    pushed: list[tuple[J, datetime]] = []
    probing: set[str] = set()
    for job in jobs:
        host = health.get(job.host, Health())
        state = host.state(now)
        if state is BreakerState.OPEN and host.open_until is not None:
            pushed.append((job, host.open_until))
        elif state is BreakerState.HALF_OPEN and job.host in probing:
            pushed.append((job, now))
        else:
            probing.add(job.host)
            send.append(job)
    return send, pushed


def health_after(old: Health, *, alive: bool, failures: int, now: datetime) -> Health:
    """The counters after a batch saw the host ``alive`` or fail ``failures`` times."""
    if alive:
        return Health(last_failure_at=old.last_failure_at)
    count = old.consecutive_failures + failures
    if old.state(now) is BreakerState.OPEN:
        # Requests sent before the breaker opened: counted, but the window (measured
        # from ``last_failure_at``, the failure that opened it) is left alone.
        return Health(count, old.open_until, old.last_failure_at)
    open_until = old.open_until
    if count >= BREAKER_THRESHOLD:
        previous = None
        if old.open_until is not None and old.last_failure_at is not None:
            previous = old.open_until - old.last_failure_at
        open_until = now + breaker_open_for(previous)
    return Health(consecutive_failures=count, open_until=open_until, last_failure_at=now)


def _ensure_rows(conn: Connection, hosts: list[str]) -> None:
    """Create missing rows (sorted, so concurrent workers lock in the same order)."""
    rows = [{"host": h, "consecutive_failures": 0} for h in hosts]
    stmt = upsert_insert(conn.dialect.name, _health).values(rows)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["host"]))


def record_health(
    conn: Connection, observations: Iterable[tuple[str, bool]], now: datetime
) -> None:
    """Update the breakers from ``(host, alive)`` observations of one batch.

    Runs in the batch's transaction; rows are locked in host order (``FOR UPDATE`` on
    PostgreSQL; SQLite holds the write lock already) so two workers cannot deadlock.
    """
    alive: set[str] = set()
    failures: dict[str, int] = {}
    for host, ok in observations:
        if ok:
            alive.add(host)
        else:
            failures[host] = failures.get(host, 0) + 1
    failing = sorted(set(failures) - alive)
    if failing:
        _ensure_rows(conn, failing)
    touched = sorted(alive | set(failing))
    if not touched:
        return
    query = select(_health).where(_health.c.host.in_(touched)).order_by(_health.c.host)
    changes = []
    for row in conn.execute(query.with_for_update()):
        old = _health_of(row)
        new = health_after(old, alive=row.host in alive, failures=failures.get(row.host, 0),
                           now=now)
        if new != old:
            changes.append(_params(row.host, new, now if row.host in alive else None))
    if changes:
        conn.execute(_UPDATE, changes)


def _params(host: str, health: Health, success_at: datetime | None) -> dict[str, Any]:
    return {
        "b_host": host,
        "v_failures": health.consecutive_failures,
        "v_open_until": health.open_until,
        "v_last_failure_at": health.last_failure_at,
        "v_last_success_at": success_at,
    }


_UPDATE = (
    update(_health)
    .where(_health.c.host == bindparam("b_host"))
    .values(
        consecutive_failures=bindparam("v_failures"),
        open_until=bindparam("v_open_until"),
        last_failure_at=bindparam("v_last_failure_at"),
        last_success_at=func.coalesce(bindparam("v_last_success_at"), _health.c.last_success_at),
    )
)
