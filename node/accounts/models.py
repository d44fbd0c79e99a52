"""Tables for organizer sign-in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field

from node.columns import TableModel


class Account(TableModel, table=True):
    """Credentials of a local Person actor."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="local_actor.id", unique=True)
    password_hash: str = Field(max_length=255)
    is_admin: bool = False  # a node admin (operator): the /admin page
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # The IANA zone pages show times in for this reader; "" means the hub's or node's.
    timezone: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    # Set when an admin disabled the account: no sign-in, no session.
    disabled_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class LoginSession(TableModel, table=True):
    """A server-side session; the cookie holds only a random token whose hash is stored."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=128)
    account_id: int = Field(foreign_key="account.id", index=True)
    csrf_token: str = Field(max_length=128)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class LoginAttempt(TableModel, table=True):
    """Failed sign-ins, counted per username and per client address for rate limiting."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    client: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class Invite(TableModel, table=True):
    """A one-time sign-up link: the link holds a random token, the table only its hash."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=128)
    created_by: int | None = Field(default=None, foreign_key="account.id")  # None: the CLI
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    used_by: int | None = Field(default=None, foreign_key="account.id")
