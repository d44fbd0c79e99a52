"""Reading the digests: the list, one digest, and how its mail is going."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from node.newswire.digest.models import DigestMail, NewsDigest
from node.newswire.digest.withdrawn import live

STATES = ("queued", "sending", "sent", "failed", "bounced")
PAGE = 20

_digest = NewsDigest.__table__  # type: ignore[attr-defined]
_mail = DigestMail.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Digest:
    id: int
    title: str
    period_start: datetime
    period_end: datetime
    created_at: datetime
    object_uri: str
    entries: list[dict[str, Any]] = field(default_factory=list)
    mail: Counter[str] = field(default_factory=Counter)

    @property
    def mail_total(self) -> int:
        return sum(self.mail.values())


def _digest_of(row: Any, mail: Counter[str], entries: bool) -> Digest:
    return Digest(row.id, row.title, row.period_start, row.period_end, row.created_at,
                  row.object_uri, list(row.entries or []) if entries else [], mail)


def mail_counts(conn: Connection, digest_ids: list[int]) -> dict[int, Counter[str]]:
    counts: dict[int, Counter[str]] = {i: Counter() for i in digest_ids}
    if digest_ids:
        rows = conn.execute(select(_mail.c.digest_id, _mail.c.state, func.count())
                            .where(_mail.c.digest_id.in_(digest_ids))
                            .group_by(_mail.c.digest_id, _mail.c.state))
        for digest_id, state, count in rows:
            counts[digest_id][state] = count
    return counts


def digests(conn: Connection, before: int | None = None, limit: int = PAGE,
            with_entries: bool = False) -> tuple[list[Digest], int | None]:
    """Newest first, a page at a time (``before``: the last id shown)."""
    columns = [c for c in _digest.c if with_entries or c.name != "entries"]
    query = select(*columns).order_by(_digest.c.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(_digest.c.id < before)
    rows = conn.execute(query).all()
    counts = mail_counts(conn, [r.id for r in rows[:limit]])
    found = [_digest_of(r, counts[r.id], with_entries) for r in rows[:limit]]
    return found, (found[-1].id if len(rows) > limit else None)


def digest(conn: Connection, digest_id: int) -> Digest | None:
    """One digest with its entries, less those withdrawn since (its page)."""
    row = conn.execute(select(_digest).where(_digest.c.id == digest_id)).first()
    if row is None:
        return None
    found = _digest_of(row, mail_counts(conn, [digest_id])[digest_id], True)
    return replace(found, entries=live(conn, found.entries))
