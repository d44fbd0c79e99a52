"""Storing a submission, the per-address limit, and the private tracking link.

The tracking token is random (``secrets``) and only its SHA-256 is stored, like
sessions and invites: a leaked database names no tracking link. The limit counts
stored submissions per client address (an IPv4 address or an IPv6 /64, as sign-in
failures are counted, :func:`node.accounts.ratelimit.client_key`) in the database, so
every worker process sees the same count; a refused form stores nothing and counts
nothing.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from node.newswire.errors import NewsError
from node.newswire.models import NewsItem, NewsSubmitAttempt
from node.newswire.submissions.rules import Submission

SUBMIT_LIMIT = 5
WINDOW = timedelta(hours=1)
TOO_MANY = "too many submissions from your address: try again in an hour"

_item = NewsItem.__table__  # type: ignore[attr-defined]
_attempt = NewsSubmitAttempt.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Tracking:
    """What a submitter may see through their tracking link (never the contact)."""

    title: str
    state: str  # waiting | approved | rejected | removed (after a report)
    submitted_at: datetime
    decided_at: datetime | None
    object_uri: str | None
    clause: str
    edited: bool
    merged_title: str = ""  # state merged: the item it was merged into, and its page
    merged_uri: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tracking_link(base_url: str, token: str) -> str:
    return f"{base_url}/news/track/{token}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def retry_after(conn: Connection, client: str, now: datetime,
                limit: int = SUBMIT_LIMIT) -> int:
    """Seconds before ``client`` may submit again; 0 when it may now."""
    since = _utc(now) - WINDOW
    where = (_attempt.c.client == client[:64], _attempt.c.at > since)
    count = conn.execute(select(func.count()).select_from(_attempt).where(*where)).scalar_one()
    if count < limit:
        return 0
    oldest = conn.execute(select(_attempt.c.at).where(*where).order_by(_attempt.c.at.desc())
                          .limit(limit)).scalars().all()[-1]
    return max(1, math.ceil((_utc(oldest) + WINDOW - _utc(now)).total_seconds()))


def count_attempt(conn: Connection, client: str, now: datetime) -> None:
    """Count one stored submission against ``client``, forgetting those out of the window."""
    conn.execute(delete(_attempt).where(_attempt.c.at <= _utc(now) - WINDOW))
    conn.execute(insert(_attempt).values(client=client[:64], at=now))


def store_submission(conn: Connection, submission: Submission, *, now: datetime,
                     client: str | None = None, **sender: str) -> tuple[int, str]:
    """Store a checked submission; its id and the tracking token (shown once).

    ``client`` (the web form's address) is counted against :data:`SUBMIT_LIMIT`; the
    command line, run by the operator, passes none. ``sender`` are the ``submitter_*``
    and ``submitted_object`` columns of a submission from the fediverse.
    """
    if client is not None:
        if retry_after(conn, client, now):
            raise NewsError(TOO_MANY)
        count_attempt(conn, client, now)
    token = secrets.token_urlsafe(24)
    new_id = conn.execute(insert(_item).values(
        token_hash=token_hash(token), title=submission.title, body=submission.body,
        links=list(submission.links), source_url=submission.source_url,
        submitter_name=submission.submitter_name, contact_email=submission.contact_email,
        state="waiting", edited=False, clause="", submitted_at=now, **sender,
    )).inserted_primary_key
    assert new_id is not None
    return int(new_id[0]), token


def track(conn: Connection, token: str) -> Tracking | None:
    """The state behind a tracking token; None for an unknown one."""
    if not token or len(token) > 100:
        return None
    row = conn.execute(select(_item).where(_item.c.token_hash == token_hash(token))).first()
    if row is None:
        return None
    into = None
    if row.state == "merged" and row.merged_into is not None:
        into = conn.execute(select(_item.c.title, _item.c.state, _item.c.object_uri)
                            .where(_item.c.id == row.merged_into)).first()
    return Tracking(title=row.title, state=row.state, submitted_at=row.submitted_at,
                    decided_at=row.decided_at, object_uri=row.object_uri, clause=row.clause,
                    edited=row.edited, merged_title=into.title if into else "",
                    merged_uri=into.object_uri if into and into.state in ("approved",
                                                                          "picked") else None)
