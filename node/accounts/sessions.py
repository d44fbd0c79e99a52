"""Server-side sign-in sessions.

The browser's cookie holds a random token; the database stores only its SHA-256, so
a leaked database backup cannot be replayed as cookies. Logging out deletes the row,
which ends the session everywhere at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Table, delete, insert, select

from node.accounts.csrf import new_secret
from node.accounts.models import Account, LoginSession
from node.activitypub.models import LocalActor

SESSION_COOKIE = "ionode_session"
LIFETIME = timedelta(days=14)

_session = LoginSession.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Login:
    """A signed-in organizer: the account, its Person actor and the session row."""

    account: Account
    actor: LocalActor
    session: LoginSession


def token_hash(token: str) -> str:
    """What the database stores for a cookie token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def create_session(conn: Connection, account_id: int, now: datetime) -> tuple[str, LoginSession]:
    """Start a session; returns the cookie token (shown once, never stored) and the row."""
    now = _utc(now)
    token = secrets.token_urlsafe(32)
    values: dict[str, Any] = {
        "token_hash": token_hash(token),
        "account_id": account_id,
        "csrf_token": new_secret(),
        "created_at": now,
        "expires_at": now + LIFETIME,
    }
    new_id = conn.execute(insert(_session).values(**values)).inserted_primary_key
    assert new_id is not None
    return token, LoginSession(id=new_id[0], **values)


def _row_of(row: Row[Any], table: Table) -> dict[str, Any]:
    return {column.name: row._mapping[column] for column in table.c}


def find_login(conn: Connection, token: str, now: datetime) -> Login | None:
    """The live session of ``token`` with its account and actor, or None."""
    if not token or len(token) > 128:
        return None
    query = (
        select(_session, _account, _actor)
        .join(_account, _account.c.id == _session.c.account_id)
        .join(_actor, _actor.c.id == _account.c.actor_id)
        .where(
            _session.c.token_hash == token_hash(token),
            _session.c.expires_at > _utc(now),
            _actor.c.deleted_at.is_(None),
            _account.c.disabled_at.is_(None),
        )
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return Login(
        account=Account(**_row_of(row, _account)),
        actor=LocalActor(**_row_of(row, _actor)),
        session=LoginSession(**_row_of(row, _session)),
    )


def delete_session(conn: Connection, token: str) -> None:
    """End the session of ``token`` (logout)."""
    conn.execute(delete(_session).where(_session.c.token_hash == token_hash(token)))


def delete_expired(conn: Connection, account_id: int, now: datetime) -> None:
    """Drop an account's expired sessions (done at each sign-in, so rows never pile up)."""
    conn.execute(
        delete(_session).where(
            _session.c.account_id == account_id, _session.c.expires_at <= _utc(now)
        )
    )


def end_sessions(conn: Connection, account_id: int) -> int:
    """End every session of an account (disabled by an admin); how many there were."""
    return conn.execute(delete(_session).where(_session.c.account_id == account_id)).rowcount


def end_other_sessions(conn: Connection, account_id: int, keep: int | None) -> None:
    """End an account's sessions but ``keep`` (the browser that changed the password)."""
    conn.execute(delete(_session).where(_session.c.account_id == account_id,
                                        _session.c.id != keep))
