"""One-time sign-up links (``/invite/{token}``).

The link carries a random token (256 bits); the ``invite`` table keeps only its SHA-256,
like session tokens, so a leaked backup holds no usable link. A link expires after
:data:`LIFETIME` and works once: redeeming marks it used with a conditional UPDATE
(``... WHERE used_at IS NULL AND expires_at > now``) inside the transaction that creates
the account. Of two sign-ups racing with one link, the database lets exactly one UPDATE
match (PostgreSQL re-checks the WHERE after the first commits; SQLite serialises
writers); the other gets :class:`InviteError` and its transaction stores nothing. A
refused sign-up (name taken, short password) rolls back, and the link stays usable.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, insert, select, update

from node.accounts.models import Invite
from node.accounts.node_settings import invites_open
from node.accounts.service import AccountError
from node.accounts.sessions import token_hash
from node.accounts.users import User, create_user
from node.activitypub.keys import KeySource, generate_actor_keys
from node.password_cost import PasswordCost

LIFETIME = timedelta(days=7)
MAX_TOKEN = 128
INVITE_PATH = "/invite/"

_invite = Invite.__table__  # type: ignore[attr-defined]


class InviteError(AccountError):
    """The link cannot be used (unknown, expired or already used): one message for all."""


INVALID = "this invitation link has expired or was already used"
CLOSED = "registrations on this node are closed: an admin can open them again"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def invite_link(base_url: str, token: str) -> str:
    return f"{base_url}{INVITE_PATH}{token}"


def create_invite(conn: Connection, *, now: datetime, created_by: int | None = None,
                  lifetime: timedelta = LIFETIME) -> tuple[str, datetime]:
    """A new link's token (shown once, never stored) and when it expires."""
    if not invites_open(conn):
        raise InviteError(CLOSED)
    token = secrets.token_urlsafe(32)
    expires = _utc(now) + lifetime
    conn.execute(insert(_invite).values(token_hash=token_hash(token), created_by=created_by,
                                        created_at=_utc(now), expires_at=expires))
    return token, expires


def _usable(token: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (_invite.c.token_hash == token_hash(token), _invite.c.used_at.is_(None),
            _invite.c.expires_at > _utc(now))


def check_invite(conn: Connection, token: str, now: datetime) -> None:
    """Raise :class:`InviteError` unless ``token`` is a live, unused link."""
    if not token or len(token) > MAX_TOKEN:
        raise InviteError(INVALID)
    if not invites_open(conn):
        raise InviteError(CLOSED)
    if conn.execute(select(_invite.c.id).where(*_usable(token, now))).first() is None:
        raise InviteError(INVALID)


def redeem_invite(conn: Connection, token: str, *, base_url: str, username: str,
                  password: str, now: datetime, cost: PasswordCost,
                  display_name: str = "", keys: KeySource = generate_actor_keys) -> User:
    """Use the link once and create the account, in the caller's transaction."""
    check_invite(conn, token, now)
    claimed = conn.execute(update(_invite).where(*_usable(token, now)).values(used_at=_utc(now)))
    if claimed.rowcount != 1:
        raise InviteError(INVALID)
    user = create_user(conn, base_url=base_url, username=username, password=password,
                       now=now, cost=cost, display_name=display_name, keys=keys)
    conn.execute(update(_invite).where(_invite.c.token_hash == token_hash(token))
                 .values(used_by=user.account_id))
    return user


def open_invites(conn: Connection, now: datetime) -> list[datetime]:
    """When each unused, unexpired link expires, soonest first (for the admin page)."""
    rows = conn.execute(select(_invite.c.expires_at).where(
        _invite.c.used_at.is_(None), _invite.c.expires_at > _utc(now))
        .order_by(_invite.c.expires_at))
    return [_utc(moment) for moment in rows.scalars()]
