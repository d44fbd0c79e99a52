"""Failed sign-in counting in the ``login_attempt`` table.

After :data:`USERNAME_LIMIT` failures for one username, or :data:`CLIENT_LIMIT` from one
client address, within :data:`WINDOW`, further attempts are refused before the password
is even checked, so guessing costs the attacker time and costs us no argon2 work.
Counting lives in the database (not in memory) so every worker process sees it.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from node.accounts.models import LoginAttempt

USERNAME_LIMIT = 5
CLIENT_LIMIT = 20
WINDOW = timedelta(minutes=15)
_KEY_LENGTH = 64  # the columns' width

_attempt = LoginAttempt.__table__  # type: ignore[attr-defined]


def username_key(username: str) -> str:
    """The form of a typed username that failures are counted under."""
    return username.strip().lstrip("@").lower()[:_KEY_LENGTH]


def client_key(address: str | None) -> str:
    """The client an attempt is counted against: an IPv4 address or an IPv6 /64.

    One IPv6 host usually controls a whole /64, so counting single addresses would
    give it billions of fresh budgets.
    """
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:_KEY_LENGTH]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _utc(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _retry_after(conn: Connection, column: str, key: str, limit: int, now: datetime) -> int:
    """Seconds until fewer than ``limit`` failures under ``key`` remain in the window; 0 if so."""
    since = now - WINDOW
    col = _attempt.c[column]
    count = conn.execute(
        select(func.count()).select_from(_attempt).where(col == key, _attempt.c.at > since)
    ).scalar_one()
    if count < limit:
        return 0
    # The window reopens when the limit-th most recent failure ages out.
    times = conn.execute(
        select(_attempt.c.at).where(col == key, _attempt.c.at > since)
        .order_by(_attempt.c.at.desc()).limit(limit)
    ).scalars().all()
    reopens = _utc(times[-1]) + WINDOW
    return max(1, math.ceil((reopens - now).total_seconds()))


def retry_after(conn: Connection, username: str, client: str, now: datetime) -> int:
    """Seconds the caller must wait before another attempt; 0 when it may try now."""
    now = _utc(now)
    return max(
        _retry_after(conn, "username", username_key(username), USERNAME_LIMIT, now),
        _retry_after(conn, "client", client[:_KEY_LENGTH], CLIENT_LIMIT, now),
    )


def record_failure(conn: Connection, username: str, client: str, now: datetime) -> None:
    """Count one failed attempt, and forget attempts older than the window."""
    now = _utc(now)
    conn.execute(delete(_attempt).where(_attempt.c.at <= now - WINDOW))
    conn.execute(
        insert(_attempt).values(username=username_key(username), client=client[:_KEY_LENGTH],
                                at=now)
    )


def clear_username(conn: Connection, username: str) -> None:
    """Forget a username's failures after it signed in successfully."""
    conn.execute(delete(_attempt).where(_attempt.c.username == username_key(username)))


# Actions other than sign-in that cost the node outbound work (remote interaction looks
# up the visitor's server): counted in the same table, under a username no account can
# have (names are [a-z0-9_]) and a client key prefixed with the action, so they never
# count towards, or are cleared by, sign-in.
ACTION_LIMIT = 20


def _action_keys(action: str, client: str) -> tuple[str, str]:
    return f"!{action}"[:_KEY_LENGTH], f"{action} {client}"[:_KEY_LENGTH]


def action_retry_after(conn: Connection, action: str, client: str, now: datetime,
                       limit: int = ACTION_LIMIT) -> int:
    """Seconds before ``client`` may do ``action`` again (``limit`` per :data:`WINDOW`)."""
    _, key = _action_keys(action, client)
    return _retry_after(conn, "client", key, limit, _utc(now))


def record_action(conn: Connection, action: str, client: str, now: datetime) -> None:
    """Count one ``action`` by ``client``, and forget attempts older than the window."""
    username, key = _action_keys(action, client)
    now = _utc(now)
    conn.execute(delete(_attempt).where(_attempt.c.at <= now - WINDOW))
    conn.execute(insert(_attempt).values(username=username, client=key, at=now))
