"""Tables of the protocol layer.

The ORM classes declare the schema (alembic migrations are generated from them); hot
paths (inbox acceptance, delivery claims) use SQLAlchemy Core statements on
``Model.__table__`` instead of ORM sessions, because the ORM costs most of the CPU at
thousands of requests per second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field

from node.columns import TableModel, timestamp


class LocalActor(TableModel, table=True):
    """An actor this node speaks for: the node itself, an organizer, a hub, the newswire.

    One username namespace covers every kind (ARCHITECTURE.md section 2).
    """

    __tablename__ = "local_actor"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    kind: str = Field(max_length=16)  # node | person | group | service
    uri: str = Field(unique=True, max_length=512)
    display_name: str = Field(default="", max_length=200)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    icon_url: str | None = Field(default=None, max_length=1024)
    manually_approves_followers: bool = False
    discoverable: bool = True
    profile_fields: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON))
    rsa_private_pem: str = Field(sa_column=Column(Text, nullable=False))
    rsa_public_pem: str = Field(sa_column=Column(Text, nullable=False))
    ed25519_private: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    ed25519_public_multibase: str = Field(max_length=128)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    deleted_at: datetime | None = timestamp(nullable=True)


class RemoteActor(TableModel, table=True):
    """A cached remote actor document and its keys, refreshed by policy."""

    __tablename__ = "remote_actor"

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(unique=True, max_length=1024)
    host: str = Field(index=True, max_length=255)
    kind: str = Field(max_length=32)
    preferred_username: str = Field(default="", max_length=255)
    display_name: str = Field(default="", max_length=500)
    inbox: str = Field(max_length=1024)
    shared_inbox: str | None = Field(default=None, max_length=1024)
    key_id: str | None = Field(default=None, max_length=1024, index=True)
    public_key_pem: str | None = Field(default=None, sa_column=Column(Text))
    multikeys: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    document: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    fetched_at: datetime = timestamp()
    gone: bool = False


class Follow(TableModel, table=True):
    """A follow relation between two actor URIs, either side local or remote.

    ``inbox`` and ``shared_inbox`` are the follower's, copied at acceptance so fan-out
    is a single query. Only ``accepted`` rows receive deliveries (SECURITY.md:
    a Follow counted before its Accept leaked followers-only posts at Pixelfed).
    """

    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("follower", "following", name="uq_follow_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    follower: str = Field(max_length=1024, index=True)
    following: str = Field(max_length=1024, index=True)
    activity_id: str = Field(max_length=1024)
    state: str = Field(max_length=16)  # pending | accepted | rejected
    inbox: str | None = Field(default=None, max_length=1024)
    shared_inbox: str | None = Field(default=None, max_length=1024)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class StoredObject(TableModel, table=True):
    """An ActivityStreams object, ours or a remote one we received, or its tombstone.

    A Delete that arrives before its Create leaves a row with ``deleted_at`` set and
    no document; the later Create is then refused when the deleter is one of its
    authors (Mastodon remembers the same).
    """

    __tablename__ = "stored_object"

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(unique=True, max_length=1024)
    type: str = Field(max_length=64)
    attributed_to: str | None = Field(default=None, max_length=1024, index=True)
    #: every author (``attributedTo`` may list several), fixed by the first Create; for
    #: a Delete that came before its Create, who deleted it (activitypub/authorship.py)
    authors: list[str] | None = Field(default=None, sa_column=Column(JSON))
    local: bool = False
    document: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    published: datetime | None = timestamp(nullable=True)
    updated: datetime | None = timestamp(nullable=True)
    received_at: datetime = timestamp()
    deleted_at: datetime | None = timestamp(nullable=True)


class OutboxActivity(TableModel, table=True):
    """An activity a local actor published; the outbox collection lists these."""

    __tablename__ = "outbox_activity"
    __table_args__ = (Index("ix_outbox_actor_id", "actor_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(unique=True, max_length=1024)
    actor_id: int = Field(foreign_key="local_actor.id")
    type: str = Field(max_length=64)
    object_uri: str | None = Field(default=None, max_length=1024)
    public: bool = True
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    published: datetime = timestamp()


class InboxItem(TableModel, table=True):
    """A received, authenticated activity waiting for (or done with) its handler.

    The unique ``activity_id`` is the dedupe: a second delivery of the same activity
    is dropped by the database, not by a racy check in Python.
    """

    __tablename__ = "inbox_item"
    __table_args__ = (Index("ix_inbox_item_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: str = Field(unique=True, max_length=1024)
    actor: str = Field(max_length=1024)
    type: str = Field(max_length=64)
    object_type: str | None = Field(default=None, max_length=64)
    recipient: str | None = Field(default=None, max_length=1024)
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: str = Field(max_length=16)  # queued | claimed | done | ignored | failed
    attempts: int = 0
    due_at: datetime = timestamp()
    claimed_until: datetime | None = timestamp(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    received_at: datetime = timestamp()
    error: str | None = Field(default=None, sa_column=Column(Text))


class Delivery(TableModel, table=True):
    """One activity to one inbox: a row moving through the state machine in delivery.py."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="outbox_activity.id", index=True)
    sender_id: int = Field(foreign_key="local_actor.id")
    inbox: str = Field(max_length=1024)
    host: str = Field(max_length=255, index=True)
    state: str = Field(max_length=16)  # queued | claimed | sent | failed | gone
    attempts: int = 0
    due_at: datetime = timestamp()
    claimed_until: datetime | None = timestamp(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    last_status: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = timestamp()
    finished_at: datetime | None = timestamp(nullable=True)


class HostHealth(TableModel, table=True):
    """Per-host circuit breaker: consecutive failures and when the breaker closes again."""

    __tablename__ = "host_health"

    host: str = Field(primary_key=True, max_length=255)
    consecutive_failures: int = 0
    open_until: datetime | None = timestamp(nullable=True)
    last_failure_at: datetime | None = timestamp(nullable=True)
    last_success_at: datetime | None = timestamp(nullable=True)


class Interaction(TableModel, table=True):
    """A Like or Announce of an object by an actor; one per (type, actor, object).

    Undo removes the row; counting rows gives the public totals ("twinkle fingers").
    """

    __tablename__ = "interaction"
    __table_args__ = (UniqueConstraint("type", "actor", "object_uri", name="uq_interaction"),)

    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(max_length=16)  # Like | Announce
    actor: str = Field(max_length=1024)
    object_uri: str = Field(max_length=1024, index=True)
    activity_id: str = Field(max_length=1024, unique=True)
    created_at: datetime = timestamp()
