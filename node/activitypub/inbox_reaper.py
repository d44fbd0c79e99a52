"""Items abandoned by a process that died while processing them.

A worker's claim on an inbox item expires when its process stops without recording an
outcome; :func:`node.jobs.claim` then hands the item to the next worker. If it was the
item that stopped the process (issue 7, 2.1: a deep document that crashed storage), the
next process would fall on it again, forever. So before claiming, abandoned items are
reaped: each counts one attempt, and one abandoned ``give_up_after`` times is failed
instead of being handed out again. The worker then processes items that have been
tried before one at a time, recording each outcome at once, so the innocent items of
a batch that crashed are not failed along with the poisoned one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, update

from node.activitypub.models import InboxItem
from node.clock import as_utc

_items = InboxItem.__table__  # type: ignore[attr-defined]


def reap_abandoned(engine: Engine, now: datetime, give_up_after: int) -> None:
    """Count an attempt for every item whose claim expired; fail the ones out of tries."""
    now = as_utc(now)
    expired = and_(_items.c.state == "claimed", _items.c.claimed_until < now)
    released = {"claimed_by": None, "claimed_until": None, "attempts": _items.c.attempts + 1}
    with engine.begin() as conn:
        conn.execute(update(_items).where(expired, _items.c.attempts + 1 >= give_up_after)
                     .values(state="failed", **released,
                             error=f"processing it stopped the process {give_up_after} times"))
        conn.execute(update(_items).where(expired).values(state="queued", **released))
