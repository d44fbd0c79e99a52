"""Running straw polls: create into hubs, count votes, close, publish tallies with Update.

Votes are counted here whoever casts them: a local organizer (the CLI) or a remote
actor (:mod:`node.hubs.polls.votes`). Every change of the counts rewrites the stored
Question, re-signed (FEP-8b32), so ``/objects/{id}`` always serves live totals: Mastodon
refetches a remote poll at most once a minute while it is viewed (INTEROP.md, "Objects").

Followers get the totals in an ``Update{Question}`` WITHOUT ``updated``: Mastodon then
refreshes only the poll and records no edit (``ActivityPub::ProcessStatusUpdateService``,
``handle_implicit_update!``; its own ``UpdatePollSerializer`` sends the same). Updates
are debounced, as Mastodon debounces its own (``DistributePollUpdateWorker``, 3 min):
:func:`publish_due_tallies` sends at most one per poll whose totals differ from the last
published ones; closing a poll (by hand, or when ``endTime`` passes) publishes at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import anyio
from sqlalchemy import Connection, delete, distinct, func, select, update

from node.activitypub.delivery import deliveries_for_followers
from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import LocalActor, OutboxActivity, RemoteActor, StoredObject
from node.activitypub.outbox import Outbox
from node.activitypub.vocab import activity, refs
from node.db import upsert_insert
from node.hubs.crosspost.targets import RemoteHub
from node.hubs.hub import times
from node.hubs.hub.models import HubItem, PollVote
from node.hubs.hub.policy import STEWARDS, member_role
from node.hubs.hub.publish import ItemResult, load_hub, organizer, publish_item
from node.hubs.polls import rules as polls
from node.hubs.polls.rules import PollError, PollSpec, Tally
from node.messages import N_, Text
from node.runtime import Node

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_items = HubItem.__table__  # type: ignore[attr-defined]
_votes = PollVote.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]

log = logging.getLogger(__name__)
Cast = Literal["counted", "duplicate", "refused"]


@dataclass(frozen=True)
class VoteOutcome:
    """Which options were counted, which were counted before, and why others were not."""

    counted: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()


def create_poll(node: Node, conn: Connection, author_name: str, hub_names: Sequence[str],
                spec: PollSpec, remote: Sequence[RemoteHub] = ()) -> ItemResult:
    """Publish the Question by ``author_name`` into the named hubs (kind ``poll``), and
    into ``remote`` hubs of other nodes (:mod:`node.hubs.crosspost`)."""
    author = organizer(conn, author_name, PollError)
    if not hub_names:
        raise PollError(Text(N_("a poll goes into at least one hub (--hub)")))
    hubs = [load_hub(conn, name) for name in dict.fromkeys(hub_names)]
    document = polls.question_document(spec, id=node.services.outbox.new_id("objects"),
                                 author=author.uri, hubs=[t.actor.uri for t in hubs],
                                 now=node.clock())
    return publish_item(node, conn, author=author, obj=document, kind="poll", hubs=hubs,
                        ends_at=spec.end_time, remote=remote)


def _our_items(uri: str) -> list[Any]:
    """The hub items of our poll ``uri`` (a remote poll posted into a hub is not ours)."""
    return [_items.c.object_uri == uri, _items.c.kind == "poll", _items.c.origin == "local"]


def _local_question(uri: str) -> list[Any]:
    return [_objects.c.uri == uri, _objects.c.local.is_(True), _objects.c.type == "Question",
            _objects.c.deleted_at.is_(None)]


def stored_question(conn: Connection, uri: str) -> dict[str, Any] | None:
    """A live Question we have, ours or a remote one (not locked)."""
    document = conn.execute(select(_objects.c.document).where(
        _objects.c.uri == uri, _objects.c.type == "Question", _objects.c.deleted_at.is_(None))
    ).scalar()
    return dict(document) if isinstance(document, Mapping) else None


def live_question(conn: Connection, uri: str) -> dict[str, Any] | None:
    """The document of a live local Question (not locked)."""
    document = conn.execute(select(_objects.c.document).where(*_local_question(uri))).scalar()
    return dict(document) if isinstance(document, Mapping) else None


def lock_question(conn: Connection, uri: str) -> dict[str, Any] | None:
    """Lock a live local Question for this transaction, then read it.

    A no-op UPDATE takes PostgreSQL's row lock and SQLite's write lock, so concurrent
    votes on one poll count one after the other and never rewrite stale totals.
    """
    locked = conn.execute(update(_objects).where(*_local_question(uri))
                          .values(type=_objects.c.type)).rowcount
    return live_question(conn, uri) if locked else None


def count_votes(conn: Connection, uri: str, options: Sequence[str]) -> Tally:
    """Votes per option and distinct voters, counted by the database."""
    where = _votes.c.question_uri == uri
    per_option = conn.execute(select(_votes.c.option, func.count())
                              .where(where).group_by(_votes.c.option)).all()
    voters = conn.execute(select(func.count(distinct(_votes.c.voter))).where(where)).scalar()
    return polls.tally_from(options, {row[0]: int(row[1]) for row in per_option}, int(voters or 0))


def record_votes(outbox: Outbox, conn: Connection, uri: str, voter: str, names: Sequence[str],
                 activity_id: str, now: datetime) -> VoteOutcome | None:
    """Count ``voter``'s choices on the local poll ``uri``; None when it is no such poll.

    Takes the outbox (to sign the new tally) and the time, not the node: the inbox
    handler calls it with only the services it was given.
    """
    document = lock_question(conn, uri)
    if document is None:
        return None
    reason = polls.closed_reason(document, now)
    if reason is not None:
        return VoteOutcome(refused=(reason,))
    results: dict[Cast, list[str]] = {"counted": [], "duplicate": [], "refused": []}
    for name in dict.fromkeys(names):
        kind, detail = cast_vote(conn, document, voter, name, activity_id, now)
        results[kind].append(detail)
    if results["counted"]:
        tally = count_votes(conn, uri, polls.options_of(document))
        _resign(outbox, conn, polls.with_tally(document, tally), now)
    return VoteOutcome(tuple(results["counted"]), tuple(results["duplicate"]),
                       tuple(results["refused"]))


def cast_vote(conn: Connection, document: Mapping[str, Any], voter: str, name: str,
              activity_id: str, now: datetime) -> tuple[Cast, str]:
    """Record one vote: counted, a duplicate (the unique constraint), or refused and why.

    The caller holds the poll's lock (:func:`lock_question`) for a local poll.
    """
    uri = str(document["id"])
    if name not in polls.options_of(document):
        return "refused", f"the poll has no option {name!r}"
    inserted = conn.execute(upsert_insert(conn.dialect.name, _votes).values(
        question_uri=uri, voter=voter, option=name, activity_id=activity_id[:1024],
        voted_at=now).on_conflict_do_nothing().returning(_votes.c.id)).first()
    if inserted is None:  # no id returned: the unique constraint held it back
        return "duplicate", name
    if not polls.is_multiple(document):
        other = conn.execute(select(_votes.c.option).where(
            _votes.c.question_uri == uri, _votes.c.voter == voter, _votes.c.option != name)
        ).scalar()
        if other is not None:
            conn.execute(delete(_votes).where(_votes.c.question_uri == uri,
                                              _votes.c.voter == voter, _votes.c.option == name))
            return "refused", f"the poll takes one choice and {other!r} was chosen already"
    return "counted", name


def _author(conn: Connection, document: Mapping[str, Any]) -> LocalActor:
    author = find_by_uri(conn, str(document.get("attributedTo")))
    if author is None:
        raise PollError(Text(
            N_("the author of %(value)s is not on this node"),
            value=document.get('id')))
    return author


def _resign(outbox: Outbox, conn: Connection, document: Mapping[str, Any],
            now: datetime) -> dict[str, Any]:
    """Sign ``document`` again and replace the stored copy (``published`` is kept)."""
    signed = outbox.sign(_author(conn, document), document, now)
    conn.execute(update(_objects).where(_objects.c.uri == signed["id"])
                 .values(document=signed, updated=now))
    return signed


def _audience(node: Node, conn: Connection, document: Mapping[str, Any]) -> list[str]:
    """Besides the author's followers: followers of the hubs that shared the poll (they
    got it by Announce) and the remote voters, as Mastodon sends its poll updates."""
    hubs = [uri for uri in refs(document.get("to")) if uri.startswith(f"{node.settings.url}/hubs/")]
    inboxes = [inbox for hub in hubs for inbox in deliveries_for_followers(conn, hub)]
    voters = select(_votes.c.voter).where(_votes.c.question_uri == document["id"])
    rows = conn.execute(select(_remote.c.inbox, _remote.c.shared_inbox)
                        .where(_remote.c.uri.in_(voters), _remote.c.gone.is_(False))).all()
    return [*inboxes, *(row.shared_inbox or row.inbox for row in rows)]


def publish_update(node: Node, conn: Connection, document: Mapping[str, Any],
                   now: datetime) -> int:
    """Send ``Update{Question}`` with the stored, signed document; deliveries queued."""
    author = _author(conn, document)
    outbox = node.services.outbox
    update_activity = activity("Update", id=outbox.new_id("activities"), actor=author.uri,
                               object=dict(document), published=now,
                               to=refs(document.get("to")), cc=refs(document.get("cc")))
    return outbox.publish(conn, actor=author, activity=update_activity, now=now,
                          inboxes=_audience(node, conn, document)).deliveries


def _may_close(conn: Connection, closer: LocalActor, document: Mapping[str, Any]) -> bool:
    if document.get("attributedTo") == closer.uri:
        return True
    hub_ids = conn.execute(select(_items.c.hub_id).where(
        *_our_items(str(document["id"])))).scalars().all()
    return any(member_role(conn, hub_id, closer.uri) in STEWARDS for hub_id in hub_ids)


def close_poll(node: Node, conn: Connection, closer_name: str, uri: str) -> int:
    """Close a local poll now (its author, or an admin or moderator of one of its hubs)."""
    closer = organizer(conn, closer_name, PollError)
    document = lock_question(conn, uri)
    if document is None:
        raise PollError(Text(N_("no poll %(uri)s on this node"), uri=uri))
    if document.get("closed"):
        raise PollError(Text(N_("the poll already closed at %(value)s"), value=document['closed']))
    if not _may_close(conn, closer, document):
        raise PollError(Text(
            N_("%(closer_name)s may not close this poll: only its author or an admin or "
               "moderator of its hub may"),
            closer_name=closer_name))
    now = node.clock()
    end = times.ends_at(document)
    return _close(node, conn, document, min(now, end) if end else now, now)


def _close(node: Node, conn: Connection, document: Mapping[str, Any], at: datetime,
           now: datetime) -> int:
    """Final totals, ``closed``, the hub items settled, and the final Update sent."""
    uri = str(document["id"])
    tally = count_votes(conn, uri, polls.options_of(document))
    closed = polls.closed_document(polls.with_tally(document, tally), at)
    signed = _resign(node.services.outbox, conn, closed, now)
    conn.execute(update(_items).where(*_our_items(uri)).values(ends_at=at, updated_at=now))
    return publish_update(node, conn, signed, now)


async def publish_due_tallies(node: Node) -> int:
    """One ``Update`` per poll whose totals changed since its last Create or Update, and
    the final one of each poll whose ``endTime`` passed; the number of Updates sent.

    Run from the worker loop every ~30 s. Our poll is due while its hub items (origin
    ``local``) are not settled (``updated_at < ends_at``); closing settles them.
    """
    return await anyio.to_thread.run_sync(settle_polls, node)


def settle_polls(node: Node) -> int:
    """:func:`publish_due_tallies`, synchronously (one transaction per poll)."""
    with node.engine.connect() as conn:
        uris = conn.execute(select(_items.c.object_uri).where(
            _items.c.kind == "poll", _items.c.origin == "local",
            _items.c.updated_at < _items.c.ends_at).distinct()).scalars().all()
    sent = 0
    for uri in uris:
        try:
            with node.engine.begin() as conn:
                sent += _settle(node, conn, uri)
        except PollError as exc:  # one broken poll must not hold up the others
            log.warning("cannot settle poll %s: %s", uri, exc)
    return sent


def _settle(node: Node, conn: Connection, uri: str) -> int:
    now = node.clock()
    document = live_question(conn, uri)
    if document is None or document.get("closed"):  # deleted, or closed elsewhere
        conn.execute(update(_items).where(*_our_items(uri)).values(ends_at=now, updated_at=now))
        return 0
    if polls.closed_reason(document, now) is not None:
        locked = lock_question(conn, uri)
        if locked is None or locked.get("closed"):
            return 0
        end = times.ends_at(locked)
        _close(node, conn, locked, end or now, now)
        return 1
    if polls.tally_of(document) == _last_published(conn, _author(conn, document), uri):
        return 0
    publish_update(node, conn, document, now)
    return 1


def _last_published(conn: Connection, author: LocalActor, uri: str) -> Tally | None:
    """The totals the author's last Create or Update of ``uri`` carried."""
    document = conn.execute(select(_outbox.c.document).where(
        _outbox.c.actor_id == author.id, _outbox.c.object_uri == uri,
        _outbox.c.type.in_(("Create", "Update"))).order_by(_outbox.c.id.desc()).limit(1)
    ).scalar()
    obj = document.get("object") if isinstance(document, Mapping) else None
    return polls.tally_of(obj) if isinstance(obj, Mapping) else None
