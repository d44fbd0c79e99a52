"""Accounts of organizers: creation, password checks and the whole sign-in step.

Used by the web login form and by ``ionode user create NAME --password-stdin``. All
functions take an open connection so the caller decides the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from node.accounts import ratelimit
from node.accounts.models import Account
from node.accounts.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from node.accounts.sessions import create_session, delete_expired
from node.activitypub.models import LocalActor
from node.messages import N_, Text
from node.password_cost import PasswordCost

_account = Account.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


class AccountError(ValueError):
    """Refused account creation; the message is shown to the operator as is."""


def create_account(
    conn: Connection, *, actor_id: int, password: str, now: datetime, cost: PasswordCost,
    is_admin: bool = False
) -> Account:
    """Give the local Person actor ``actor_id`` a password (raises PasswordError/AccountError)."""
    kind = conn.execute(
        select(_actor.c.kind).where(_actor.c.id == actor_id, _actor.c.deleted_at.is_(None))
    ).scalar_one_or_none()
    if kind != "person":
        raise AccountError(Text(
            N_("actor %(actor_id)s is not a local organizer (Person)"),
            actor_id=actor_id))
    values: dict[str, Any] = {
        "actor_id": actor_id,
        "password_hash": hash_password(password, cost),
        "is_admin": is_admin,
        "created_at": now,
    }
    try:
        new_id = conn.execute(insert(_account).values(**values)).inserted_primary_key
    except IntegrityError as exc:
        raise AccountError(Text(
            N_("actor %(actor_id)s already has an account"),
            actor_id=actor_id)) from exc
    assert new_id is not None
    return Account(id=new_id[0], **values)


def set_password(conn: Connection, account_id: int, password: str, cost: PasswordCost
                 ) -> None:
    """Replace an account's password (raises PasswordError when it breaks the policy)."""
    conn.execute(
        update(_account).where(_account.c.id == account_id)
        .values(password_hash=hash_password(password, cost))
    )


def _account_of(conn: Connection, username: str) -> Account | None:
    row = conn.execute(
        select(_account).join(_actor, _actor.c.id == _account.c.actor_id).where(
            _actor.c.username == ratelimit.username_key(username),
            _actor.c.kind == "person",
            _actor.c.deleted_at.is_(None),
            _account.c.disabled_at.is_(None),  # a disabled account signs in as no one
        )
    ).first()
    return Account(**row._mapping) if row else None


def authenticate(conn: Connection, username: str, password: str, now: datetime,
                 cost: PasswordCost) -> Account | None:
    """The account when ``password`` is right, else None, taking about the same time
    whether or not the username exists (a dummy hash is verified for unknown names).
    A hash made at another ``cost`` than the node's is replaced."""
    account = _account_of(conn, username)
    if account is None:
        verify_password(dummy_hash(cost), password)
        return None
    if not verify_password(account.password_hash, password):
        return None
    if needs_rehash(account.password_hash, cost):
        account.password_hash = hash_password(password, cost)
        conn.execute(
            update(_account).where(_account.c.id == account.id)
            .values(password_hash=account.password_hash)
        )
    return account


@dataclass(frozen=True)
class SignedIn:
    account: Account
    token: str  # the cookie value; the database keeps only its hash


@dataclass(frozen=True)
class Refused:
    """Wrong username or password (the answer never says which)."""


@dataclass(frozen=True)
class Limited:
    retry_after: int  # seconds


SignInResult = SignedIn | Refused | Limited


def sign_in(
    conn: Connection, *, username: str, password: str, client: str, now: datetime,
    cost: PasswordCost
) -> SignInResult:
    """Rate limit, check the password, count the failure or start a session."""
    wait = ratelimit.retry_after(conn, username, client, now)
    if wait:
        return Limited(retry_after=wait)
    account = authenticate(conn, username, password, now, cost)
    if account is None or account.id is None:
        ratelimit.record_failure(conn, username, client, now)
        return Refused()
    ratelimit.clear_username(conn, username)
    delete_expired(conn, account.id, now)
    token, _ = create_session(conn, account.id, now)
    return SignedIn(account=account, token=token)
