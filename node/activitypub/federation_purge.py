"""What a new block does to what is already here: stored items go, follows are cut.

Removal rather than filtering at query time: the hub pages, the network timeline, the
news pages, calendars, Atom and iCalendar feeds all read ``stored_object`` through
their own queries, and each already leaves out deleted objects. Tombstoning the blocked
actor's (or domain's) objects once, when the block is made, hides them from every one
of those queries, and from any query written later, without a policy check in each;
new content is refused at the door, so nothing comes back. It is what Mastodon does
when it suspends a domain. The cost: lifting the block does not bring old items back
(their tombstones also refuse a redelivered Create of the same id); new ones arrive.

Follows both ways are cut, so the blocked side gets no delivery and sends nothing we
asked for (a block is the end of the relation, as Mastodon's domain block "suspend").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ColumnElement, Connection, delete, or_, select, update

from node.activitypub.federation_policy import Rules, domain_forms
from node.activitypub.models import Follow, StoredObject

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]


def _rules_of(kind: str, target: str, local_host: str) -> Rules:
    if kind == "actor":
        return Rules(blocked_actors=frozenset({target}), local_host=local_host)
    return Rules(blocked_domains=domain_forms(target), local_host=local_host)


def _like(column: Column[str], kind: str, target: str) -> ColumnElement[bool]:
    """A cheap SQL pre-filter; the policy function decides on each row found."""
    if kind == "actor":
        return column == target
    return or_(*(column.contains(form) for form in domain_forms(target)))


def withdraw(conn: Connection, kind: str, target: str, local_host: str,
             now: datetime) -> tuple[int, int]:
    """Tombstone the blocked side's stored objects and cut its follows; the counts."""
    rules = _rules_of(kind, target, local_host)
    candidates = conn.execute(
        select(_objects.c.id, _objects.c.uri, _objects.c.attributed_to)
        .where(_objects.c.local.is_(False), _objects.c.deleted_at.is_(None),
               or_(_like(_objects.c.attributed_to, kind, target),
                   _like(_objects.c.uri, kind, target)))).all()
    hidden = [r.id for r in candidates
              if rules.refusal(r.attributed_to) or (kind == "domain" and rules.refusal(r.uri))]
    if hidden:
        conn.execute(update(_objects).where(_objects.c.id.in_(hidden))
                     .values(document=None, deleted_at=now))
    follows = conn.execute(select(_follow.c.id, _follow.c.follower, _follow.c.following)
                           .where(or_(_like(_follow.c.follower, kind, target),
                                      _like(_follow.c.following, kind, target)))).all()
    cut = [r.id for r in follows if rules.refusal(r.follower) or rules.refusal(r.following)]
    if cut:
        conn.execute(delete(_follow).where(_follow.c.id.in_(cut)))
    return len(hidden), len(cut)
