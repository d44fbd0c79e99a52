"""The digest mails' row states and claims (the per-recipient record).

``queued -> sending`` is a claim: the worker's id and an expiry, as
:mod:`node.jobs` does for deliveries (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one
atomic ``UPDATE ... RETURNING`` on SQLite), but a claim whose worker died is taken
again only while ``data_at`` is empty, that is while the SMTP server cannot have the
message yet. A dead worker's row with ``data_at`` set may have been accepted: it is
:func:`swept <sweep_interrupted>` to ``failed`` and never sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update

from node.clock import as_utc
from node.newswire.digest.models import DigestMail

MAX_ATTEMPTS = 8
INTERRUPTED = ("the sending worker stopped while the SMTP server was taking the message; "
               "it is not sent again, so that nobody gets it twice")

_mail = DigestMail.__table__  # type: ignore[attr-defined]


def backoff(attempts: int) -> timedelta:
    """Wait before retry ``attempts`` (1, 2, ...): 2, 4, 8 ... minutes, at most 6 hours."""
    wait: timedelta = timedelta(minutes=2) * 2 ** max(attempts - 1, 0)
    return min(wait, timedelta(hours=6))


def claim_mails(engine: Engine, *, now: datetime, ttl: timedelta, limit: int,
                worker: str) -> list[int]:
    """Take up to ``limit`` due mails for ``worker``; their ids, oldest first."""
    now = as_utc(now)
    due = or_(and_(_mail.c.state == "queued", _mail.c.due_at <= now),
              and_(_mail.c.state == "sending", _mail.c.claimed_until < now,
                   _mail.c.data_at.is_(None)))
    picked = select(_mail.c.id).where(due).order_by(_mail.c.due_at, _mail.c.id).limit(limit)
    values = {"state": "sending", "claimed_until": now + ttl, "claimed_by": worker}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            cte = picked.with_for_update(skip_locked=True).cte("picked")
            stmt = update(_mail).where(_mail.c.id == cte.c.id)
        else:
            stmt = update(_mail).where(_mail.c.id.in_(picked.scalar_subquery()))
        ids = [row[0] for row in conn.execute(stmt.values(**values).returning(_mail.c.id))]
    return sorted(ids)


def sweep_interrupted(engine: Engine, now: datetime) -> int:
    """Mails whose worker died during DATA: ``failed``, never sent again."""
    with engine.begin() as conn:
        return conn.execute(update(_mail).where(
            _mail.c.state == "sending", _mail.c.claimed_until < as_utc(now),
            _mail.c.data_at.is_not(None)).values(
            state="failed", error=INTERRUPTED, claimed_by=None, claimed_until=None)).rowcount


def mine(mail_id: int, worker: str) -> Any:
    return and_(_mail.c.id == mail_id, _mail.c.claimed_by == worker,
                _mail.c.state == "sending")


def start_data(engine: Engine, mail_id: int, worker: str, now: datetime,
               ttl: timedelta) -> bool:
    """Record that DATA begins, if the claim is still ours (renewed for the DATA)."""
    with engine.begin() as conn:
        return conn.execute(update(_mail).where(mine(mail_id, worker)).values(
            data_at=now, claimed_until=as_utc(now) + ttl)).rowcount == 1


def finish(engine: Engine, mail_id: int, worker: str, **values: Any) -> bool:
    """End our claim with ``values`` (``state`` and its details)."""
    with engine.begin() as conn:
        return conn.execute(update(_mail).where(mine(mail_id, worker)).values(
            claimed_by=None, claimed_until=None, **values)).rowcount == 1


def retry_later(engine: Engine, mail_id: int, worker: str, now: datetime, attempts: int,
                error: str) -> bool:
    """A temporary failure before the server took the message: queue it again, or give
    up after :data:`MAX_ATTEMPTS`."""
    tried = attempts + 1
    if tried >= MAX_ATTEMPTS:
        return finish(engine, mail_id, worker, state="failed", attempts=tried,
                      error=error[:1000], data_at=None)
    return finish(engine, mail_id, worker, state="queued", attempts=tried,
                  due_at=as_utc(now) + backoff(tried), error=error[:1000], data_at=None)


def put_back(engine: Engine, ids: Sequence[int], worker: str) -> None:
    """Unsent claims of a batch cut short: due again at once, no attempt counted."""
    if not ids:
        return
    with engine.begin() as conn:
        conn.execute(update(_mail).where(_mail.c.id.in_(list(ids)),
                                         _mail.c.claimed_by == worker,
                                         _mail.c.state == "sending",
                                         _mail.c.data_at.is_(None))
                     .values(state="queued", claimed_by=None, claimed_until=None))
