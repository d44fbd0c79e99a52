"""Likes and Announces of objects: one per (type, actor, object), undone by id."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select

from node.activitypub.models import Interaction
from node.activitypub.vocab import ref
from node.db import upsert_insert

_interaction = Interaction.__table__  # type: ignore[attr-defined]


def record_interaction(conn: Connection, kind: str, activity: Mapping[str, Any],
                       object_uri: str, now: datetime) -> None:
    """Store a Like or Announce; a repeat by the same actor changes nothing."""
    conn.execute(upsert_insert(conn.dialect.name, _interaction).values(
        type=kind, actor=ref(activity.get("actor")), object_uri=object_uri,
        activity_id=activity["id"], created_at=now,
    ).on_conflict_do_nothing())


def remove_interaction(conn: Connection, actor: str, activity_id: str | None,
                       kind: str | None = None, object_uri: str | None = None) -> int:
    """Undo: by the undone activity's id, or by (type, actor, object)."""
    where = [_interaction.c.actor == actor]
    if activity_id is not None:
        where.append(_interaction.c.activity_id == activity_id)
    elif kind is not None and object_uri is not None:
        where += [_interaction.c.type == kind, _interaction.c.object_uri == object_uri]
    else:
        return 0
    return int(conn.execute(delete(_interaction).where(*where)).rowcount)


def count_interactions(conn: Connection, kind: str, object_uri: str) -> int:
    return int(conn.execute(select(func.count()).select_from(_interaction).where(
        _interaction.c.type == kind, _interaction.c.object_uri == object_uri)).scalar_one())
