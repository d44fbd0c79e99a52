"""Hub membership: local or remote actors with a role (admin, moderator, member)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from node.hubs.hub.models import HubMember
from node.hubs.hub.policy import ROLES
from node.hubs.hub.publish import HubError, HubTarget

_member = HubMember.__table__  # type: ignore[attr-defined]


def set_member(conn: Connection, target: HubTarget, actor_uri: str, role: str,
               now: datetime) -> None:
    """Add ``actor_uri`` to the hub with ``role``, or change its role."""
    if role not in ROLES:
        raise HubError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    where = (_member.c.hub_id == target.hub.id, _member.c.actor_uri == actor_uri)
    if conn.execute(select(_member.c.id).where(*where)).first() is None:
        conn.execute(insert(_member).values(hub_id=target.hub.id, actor_uri=actor_uri,
                                            role=role, added_at=now))
    else:
        conn.execute(update(_member).where(*where).values(role=role))


def remove_member(conn: Connection, target: HubTarget, actor_uri: str) -> None:
    removed = conn.execute(delete(_member).where(
        _member.c.hub_id == target.hub.id, _member.c.actor_uri == actor_uri)).rowcount
    if removed == 0:
        raise HubError(f"{actor_uri} is not a member of {target.name}")


def members(conn: Connection, target: HubTarget) -> list[tuple[str, str]]:
    """(actor URI, role) of every member, stewards first."""
    order = {role: i for i, role in enumerate(ROLES)}
    rows = conn.execute(select(_member.c.actor_uri, _member.c.role)
                        .where(_member.c.hub_id == target.hub.id)).all()
    return sorted(((r.actor_uri, r.role) for r in rows), key=lambda m: (order[m[1]], m[0]))
