"""Who moderates the news: the node's admins, and accounts given the news-moderator
role (``ionode news moderator add NAME``). The public log names the role only, never
the person: moderators of small assemblies are easy to find and to pressure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from node.accounts.models import Account
from node.activitypub.models import LocalActor
from node.newswire.errors import NewsError
from node.newswire.models import NewsModerator

NOT_MODERATOR = "only the node's admins and news moderators may moderate the news"
NO_SUCH_USER = "there is no organizer of that name on this node"
ALREADY = "that organizer is already a news moderator"
NOT_ONE = "that organizer is not a news moderator"

_account = Account.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_moderator = NewsModerator.__table__  # type: ignore[attr-defined]


def role_of(conn: Connection, account_id: int | None) -> str | None:
    """``admin``, ``moderator`` or None (not allowed to moderate the news)."""
    if account_id is None:
        return None
    row = conn.execute(select(_account.c.is_admin, _account.c.disabled_at)
                       .where(_account.c.id == account_id)).first()
    if row is None or row.disabled_at is not None:
        return None
    if row.is_admin:
        return "admin"
    found = conn.execute(select(_moderator.c.id)
                         .where(_moderator.c.account_id == account_id)).first()
    return "moderator" if found else None


def account_id_of(conn: Connection, username: str) -> int:
    found = conn.execute(select(_account.c.id).join(_actor, _actor.c.id == _account.c.actor_id)
                         .where(_actor.c.username == username.strip().lstrip("@"))).first()
    if found is None:
        raise NewsError(NO_SUCH_USER)
    return int(found.id)


def role_of_user(conn: Connection, username: str) -> str:
    """The role ``username`` moderates with, or a refusal."""
    role = role_of(conn, account_id_of(conn, username))
    if role is None:
        raise NewsError(NOT_MODERATOR)
    return role


def add_moderator(conn: Connection, username: str, now: datetime) -> None:
    account_id = account_id_of(conn, username)
    if conn.execute(select(_moderator.c.id)
                    .where(_moderator.c.account_id == account_id)).first():
        raise NewsError(ALREADY)
    conn.execute(insert(_moderator).values(account_id=account_id, added_at=now))


def remove_moderator(conn: Connection, username: str) -> None:
    account_id = account_id_of(conn, username)
    if not conn.execute(delete(_moderator).where(_moderator.c.account_id == account_id)
                        ).rowcount:
        raise NewsError(NOT_ONE)


def list_moderators(conn: Connection) -> list[str]:
    rows = conn.execute(select(_actor.c.username)
                        .join(_account, _account.c.actor_id == _actor.c.id)
                        .join(_moderator, _moderator.c.account_id == _account.c.id)
                        .order_by(_actor.c.username))
    return list(rows.scalars())
