"""Reading the public moderation log, newest first, a page at a time (keyset on id).

An entry holds what was decided, when, on which news (its title), the clause cited
and the moderator's role; never the submitter's contact, never the moderator's name.
Blocks and the allowlist are logged here too, with their public reason, on no news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from node.newswire.models import NewsItem, NewsLogEntry

PAGE = 50

_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_item = NewsItem.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LogEntry:
    id: int
    at: datetime
    #: approved | edited | rejected | picked | withdrawn (a pick whose original was
    #: deleted; role ``node``); on a report: dismissed | removed |
    #: forwarded; blocked | unblocked | allowed | disallowed | mode (issue 10 item 8:
    #: ``title`` is then the domain, account or mode, ``note`` the public reason)
    action: str
    title: str
    clause: str
    note: str
    role: str
    object_uri: str | None  # the Article, for approved news


def log_page(conn: Connection, before: int | None = None,
             limit: int = PAGE) -> tuple[list[LogEntry], int | None]:
    """A page of entries and the cursor of the next (older) page, if any."""
    # a decision on a report or a block has no news item: an outer join
    query = (select(_log, _item.c.object_uri).outerjoin(_item, _item.c.id == _log.c.item_id)
             .order_by(_log.c.id.desc()).limit(limit + 1))
    if before is not None:
        query = query.where(_log.c.id < before)
    rows = conn.execute(query).all()
    entries = [LogEntry(r.id, r.at, r.action, r.title, r.clause, r.note, r.role,
                        r.object_uri if r.action != "rejected" else None)
               for r in rows[:limit]]
    return entries, (entries[-1].id if len(rows) > limit else None)
