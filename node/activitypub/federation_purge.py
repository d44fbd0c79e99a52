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
A blocked *account* is also told that its follows are over (:func:`reject_follows`):
its server keeps its own list of who follows whom and hands every post that reaches
its shared inbox (for another follower there) to its local followers; Mastodon drops
the follow on ``Reject{Follow}`` (``app/lib/activitypub/activity/reject.rb``, as its
"remove follower" sends). The Reject goes to that server's shared inbox, the one
address of it still served (the account's own inbox is refused like the account).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ColumnElement, Connection, delete, or_, select, update

from node.activitypub.federation_policy import Rules, domain_forms
from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import Follow, StoredObject
from node.activitypub.outbox import Outbox
from node.activitypub.vocab import activity

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


def reject_follows(conn: Connection, outbox: Outbox, blocked: str, now: datetime) -> int:
    """Queue ``Reject{Follow}`` from each local actor ``blocked`` follows (or asked to);
    call before :func:`withdraw` cuts the rows. How many were queued."""
    rows = conn.execute(select(_follow.c.following, _follow.c.activity_id, _follow.c.inbox,
                               _follow.c.shared_inbox).where(_follow.c.follower == blocked)
                        .order_by(_follow.c.id)).all()
    queued = 0
    for row in rows:
        local, inbox = find_by_uri(conn, row.following), row.shared_inbox or row.inbox
        if local is None or not inbox:
            continue
        follow = {"id": row.activity_id, "type": "Follow", "actor": blocked,
                  "object": local.uri}
        reject = activity("Reject", id=outbox.new_id("activities"), actor=local.uri,
                          object=follow, published=now, to=[blocked])
        outbox.publish(conn, actor=local, activity=reject, now=now, to_followers=False,
                       inboxes=[inbox])
        queued += 1
    return queued
