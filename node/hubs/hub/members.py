"""Hub membership: local or remote actors with a role (admin, moderator, member).

A hub always keeps an admin once it has one: removing or demoting its last admin is
refused (:func:`keep_an_admin`), since nobody could then manage the hub, change its
settings or name a new admin. The hub's row is locked first, so two stewards demoting
each other at the same moment cannot both pass the count (PostgreSQL ``FOR UPDATE``;
SQLite runs one writer at a time).
"""

from __future__ import annotations

from datetime import datetime

from anyio import to_thread
from sqlalchemy import Connection, delete, insert, select, update

from node.activitypub.following import find_target
from node.hubs.hub.models import Hub, HubMember
from node.hubs.hub.policy import ROLES
from node.hubs.hub.publish import HubError, HubTarget, organizer
from node.messages import N_, Text
from node.runtime import Node

_member = HubMember.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]


def keep_an_admin(conn: Connection, target: HubTarget, actor_uri: str) -> None:
    """Refuse to take away the admin role of ``actor_uri`` when it is the hub's last admin.

    The hub row is locked by a no-op write before the admins are read: ``SELECT ... FOR
    UPDATE`` locks it on PostgreSQL but is ignored by SQLite, where two admins demoting
    each other at once both read two admins and both succeeded. The write takes SQLite's
    write lock too, so the second waits and then reads what the first committed.
    """
    conn.execute(_hub.update().where(_hub.c.id == target.hub.id).values(id=_hub.c.id))
    admins = conn.execute(select(_member.c.actor_uri).where(
        _member.c.hub_id == target.hub.id, _member.c.role == "admin")).scalars().all()
    if list(admins) == [actor_uri]:
        raise HubError(Text(
            N_("%(actor_uri)s is the last admin of %(name)s, who could then not be managed: "
               "first make another member admin (ionode hub member add %(name)s WHO --role "
               "admin)"),
            actor_uri=actor_uri, name=target.name))


def set_member(conn: Connection, target: HubTarget, actor_uri: str, role: str,
               now: datetime) -> None:
    """Add ``actor_uri`` to the hub with ``role``, or change its role."""
    if role not in ROLES:
        raise HubError(Text(
            N_("role must be one of %(value)s, not %(role)s"),
            value=', '.join(ROLES), role=repr(role)))
    where = (_member.c.hub_id == target.hub.id, _member.c.actor_uri == actor_uri)
    if conn.execute(select(_member.c.id).where(*where)).first() is None:
        conn.execute(insert(_member).values(hub_id=target.hub.id, actor_uri=actor_uri,
                                            role=role, added_at=now))
        return
    if role != "admin":
        keep_an_admin(conn, target, actor_uri)
    conn.execute(update(_member).where(*where).values(role=role))


def change_role(conn: Connection, target: HubTarget, actor_uri: str, role: str,
                now: datetime) -> None:
    """A new role for someone already in the hub (:func:`set_member` also adds)."""
    found = conn.execute(select(_member.c.id).where(
        _member.c.hub_id == target.hub.id, _member.c.actor_uri == actor_uri)).first()
    if found is None:
        raise HubError(Text(
            N_("%(actor_uri)s is not a member of %(name)s"),
            actor_uri=actor_uri, name=target.name))
    set_member(conn, target, actor_uri, role, now)


def remove_member(conn: Connection, target: HubTarget, actor_uri: str) -> None:
    """Take ``actor_uri`` out of the hub; never its last admin."""
    keep_an_admin(conn, target, actor_uri)
    removed = conn.execute(delete(_member).where(
        _member.c.hub_id == target.hub.id, _member.c.actor_uri == actor_uri)).rowcount
    if removed == 0:
        raise HubError(Text(
            N_("%(actor_uri)s is not a member of %(name)s"),
            actor_uri=actor_uri, name=target.name))


def members(conn: Connection, target: HubTarget) -> list[tuple[str, str]]:
    """(actor URI, role) of every member, stewards first."""
    order = {role: i for i, role in enumerate(ROLES)}
    rows = conn.execute(select(_member.c.actor_uri, _member.c.role)
                        .where(_member.c.hub_id == target.hub.id)).all()
    return sorted(((r.actor_uri, r.role) for r in rows), key=lambda m: (order[m[1]], m[0]))


async def resolve_member(node: Node, who: str) -> str:
    """The actor URI of ``who``: a local organizer's username, or a remote account
    (``@user@host``, ``acct:user@host``, an actor URL) found through WebFinger and the
    actor cache; the CLI's ``hub member`` and the members page both ask here."""
    who = who.strip()
    if not who:
        raise HubError(Text(N_("give a local username, @user@host or an actor URL")))
    if "@" in who or "://" in who:
        return (await find_target(node, who)).uri

    def local() -> str:
        with node.engine.connect() as conn:
            return organizer(conn, who).uri

    return await to_thread.run_sync(local)
