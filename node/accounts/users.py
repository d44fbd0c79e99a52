"""The node's users as an admin sees them: create, list, disable and enable.

Shared by the ``/admin`` page and ``ionode user create|list|disable|enable`` so both
give the same refusals. A node admin (``account.is_admin``) is the node's operator:
``ionode user create --admin`` makes one, and the first account created on a node is
always one, so a fresh node is never left without someone who can reach ``/admin``.
Disabling an account ends its sessions at once (the rows are deleted) and sign-in then
treats it as unknown; the last enabled admin can never be disabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select, update

from node.accounts.models import Account
from node.accounts.passwords import check_policy
from node.accounts.service import AccountError, create_account
from node.accounts.sessions import end_sessions
from node.activitypub.keys import KeySource, generate_actor_keys
from node.activitypub.local_actors import USERNAME_RE, create_local_actor
from node.activitypub.models import LocalActor
from node.messages import N_, Text
from node.password_cost import PasswordCost

_account = Account.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]

MAX_DISPLAY_NAME = 200  # the local_actor.display_name column


class UserError(AccountError):
    """A refused change to a user; the message is shown to the admin as is."""


@dataclass(frozen=True)
class User:
    """One local organizer with an account, as the admin list shows it."""

    account_id: int
    username: str
    display_name: str
    uri: str
    is_admin: bool
    disabled: bool
    created_at: datetime


def display_name_of(value: str) -> str:
    """A display name stripped and checked (empty means "use the username")."""
    value = " ".join(value.split())
    if len(value) > MAX_DISPLAY_NAME:
        raise UserError(Text(
            N_("the display name must be at most %(MAX_DISPLAY_NAME)s characters long"),
            MAX_DISPLAY_NAME=MAX_DISPLAY_NAME))
    return value


def create_user(conn: Connection, *, base_url: str, username: str, password: str,
                now: datetime, cost: PasswordCost, display_name: str = "",
                admin: bool = False, keys: KeySource = generate_actor_keys) -> User:
    """A Person actor with an account; the node's first account is always an admin."""
    check_policy(password)  # before any row, so a refused password leaves nothing behind
    name = display_name_of(display_name)
    first = conn.execute(select(func.count()).select_from(_account)).scalar_one() == 0
    actor = create_local_actor(conn, base_url=base_url, kind="person", username=username,
                               display_name=name, now=now, keys=keys)
    assert actor.id is not None
    account = create_account(conn, actor_id=actor.id, password=password, now=now,
                             cost=cost, is_admin=admin or first)
    assert account.id is not None
    return User(account.id, actor.username, actor.display_name, actor.uri, account.is_admin,
                False, now)


def _users_query() -> Select[Any]:
    return (select(_account.c.id, _actor.c.username, _actor.c.display_name, _actor.c.uri,
                   _account.c.is_admin, _account.c.disabled_at, _account.c.created_at)
            .join(_actor, _actor.c.id == _account.c.actor_id)
            .where(_actor.c.deleted_at.is_(None)))


def _user(row: Row[Any]) -> User:
    r = row._mapping
    return User(r["id"], r["username"], r["display_name"], r["uri"], bool(r["is_admin"]),
                r["disabled_at"] is not None, r["created_at"])


def list_users(conn: Connection) -> list[User]:
    """Every account, by username."""
    return [_user(row) for row in conn.execute(_users_query().order_by(_actor.c.username))]


def has_users(conn: Connection) -> bool:
    """Whether the node has an account yet (the start banner's hint is for a new node)."""
    return conn.execute(_users_query().limit(1)).first() is not None


def find_user(conn: Connection, username: str) -> User:
    """The user called ``username`` (a leading ``@`` is ignored), or :class:`UserError`."""
    name = username.strip().lstrip("@").lower()
    if not USERNAME_RE.fullmatch(name):  # never a name (a NUL would be a 500 on PostgreSQL)
        raise UserError(Text(N_("there is no user %(name)s on this node"), name=repr(name)))
    row = conn.execute(_users_query().where(_actor.c.username == name)).first()
    if row is None:
        raise UserError(Text(N_("there is no user %(name)s on this node"), name=repr(name)))
    return _user(row)


def _enabled_admins(conn: Connection) -> int:
    return int(conn.execute(
        select(func.count()).select_from(_account.join(_actor, _actor.c.id == _account.c.actor_id))
        .where(_account.c.is_admin.is_(True), _account.c.disabled_at.is_(None),
               _actor.c.deleted_at.is_(None))).scalar_one())


def set_disabled(conn: Connection, username: str, *, disabled: bool, now: datetime) -> User:
    """Disable (ending every session) or enable a user; the last admin stays enabled.

    Two admins disabling each other at once must not both see "two admins left": a
    disable first writes to every admin row (a no-op), which locks those rows on
    PostgreSQL and takes the write lock on SQLite before anything is counted, so the
    second transaction waits and then counts what the first committed.
    """
    if disabled:
        conn.execute(update(_account).where(_account.c.is_admin.is_(True))
                     .values(is_admin=True))
    user = find_user(conn, username)
    if disabled and user.is_admin and not user.disabled and _enabled_admins(conn) <= 1:
        raise UserError(Text(
            N_("the last node admin cannot be disabled: make another admin first")))
    conn.execute(update(_account).where(_account.c.id == user.account_id)
                 .values(disabled_at=now if disabled else None))
    if disabled:
        end_sessions(conn, user.account_id)
    return find_user(conn, user.username)
