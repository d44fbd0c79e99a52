"""Casting votes: remote votes on our polls, and our organizers' votes on any poll.

On the wire a vote is ``Create{Note{name: <exact option text>, inReplyTo: <Question id>,
attributedTo: <voter>, to: <poll author>}}``, one Create per chosen option (INTEROP.md
"Objects"; Mastodon ``ActivityPub::Activity::Create#poll_vote?``). GoToSocial sends ONE
Create whose ``object`` is an array of such Notes (GoToSocial
``docs/federation/posts.md``, "Poll Votes"); both are taken.

:func:`take_vote` is a Create hook (:meth:`Dispatcher.add_hook`): it runs before the
protocol's Create handler, counts a vote on a live local Question and returns True, so
the vote is never stored as a reply. Anything else returns False and is handled as an
ordinary Create. Our organizers' votes on a remote poll go out in Mastodon's form,
which every server reads.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, select

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of
from node.activitypub.handling import HandlerContext
from node.activitypub.models import LocalActor, RemoteActor
from node.activitypub.outbox import Outbox
from node.activitypub.urls import same_host
from node.activitypub.vocab import ACTIVITY_CONTEXT, activity, ref, refs
from node.hubs.hub.publish import organizer
from node.hubs.polls import rules as polls
from node.hubs.polls.rules import PollError
from node.hubs.polls.service import (
    VoteOutcome,
    cast_vote,
    live_question,
    record_votes,
    stored_question,
)
from node.messages import N_, Text
from node.runtime import Node

log = logging.getLogger(__name__)
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


def vote_notes(activity: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The embedded objects that look like votes: Notes with a ``name`` and ``inReplyTo``
    (one object, or GoToSocial's array of them)."""
    obj = activity.get("object")
    items = obj if isinstance(obj, list) else [obj]
    return [dict(item) for item in items if isinstance(item, Mapping) and _is_vote(item)]


def _is_vote(item: Mapping[str, Any]) -> bool:
    kinds = item.get("type")
    name = item.get("name")
    return ("Note" in (kinds if isinstance(kinds, list) else [kinds])
            and isinstance(name, str) and bool(name) and ref(item.get("inReplyTo")) is not None)


async def take_vote(ctx: HandlerContext, create: Mapping[str, Any]) -> bool:
    """The Create hook: True when ``create`` voted on a live local Question."""
    notes = [note for note in vote_notes(create) if ctx.is_local(str(ref(note["inReplyTo"])))]
    if not notes:
        return False
    actor = actor_of(create)
    activity_id = str(create.get("id"))
    outcomes = await ctx.db(lambda conn: _count(ctx.outbox, conn, actor, activity_id, notes,
                                                 ctx.clock()))
    if outcomes is None:
        return False
    refused = [reason for outcome in outcomes for reason in outcome.refused]
    if refused and not any(o.counted or o.duplicates for o in outcomes):
        raise Ignore(f"vote refused: {'; '.join(refused)}")
    if refused:
        log.info("vote %s partly refused: %s", activity_id, "; ".join(refused))
    return True


def _count(outbox: Outbox, conn: Connection, actor: str, activity_id: str,
           notes: Sequence[Mapping[str, Any]], now: datetime) -> list[VoteOutcome] | None:
    """Each poll's votes counted; None when no note replies to a live local Question."""
    by_poll: dict[str, list[Mapping[str, Any]]] = {}
    for note in notes:
        by_poll.setdefault(str(ref(note["inReplyTo"])), []).append(note)
    questions = [uri for uri in by_poll if live_question(conn, uri) is not None]
    if not questions:
        return None
    outcomes: list[VoteOutcome] = []
    for uri in questions:
        group = by_poll[uri]
        if not all(_own(note, actor) for note in group):
            outcomes.append(VoteOutcome(refused=(
                "a vote must be attributed to the activity's actor, with an id on its host",)))
            continue
        outcome = record_votes(outbox, conn, uri, actor, [str(n["name"]) for n in group],
                               activity_id, now)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _own(note: Mapping[str, Any], actor: str) -> bool:
    note_id = ref(note)
    return (refs(note.get("attributedTo")) == [actor]
            and (note_id is None or same_host(note_id, actor)))


def register(dispatcher: Dispatcher) -> None:
    """Take votes before the protocol's Create handler stores anything."""
    dispatcher.add_hook("Create", take_vote)


def vote(node: Node, conn: Connection, voter_name: str, uri: str,
         names: Sequence[str]) -> VoteOutcome:
    """An organizer votes: counted here for our polls, sent to a remote poll's author.

    Any refusal (closed, unknown option, a second choice on a one-choice poll) refuses
    the whole vote and stores nothing.
    """
    voter = organizer(conn, voter_name, PollError)
    question = stored_question(conn, uri) or {}
    choices = list(dict.fromkeys(polls.chosen_option(question, name.strip())
                                 for name in names if name.strip()))
    if not choices:
        raise PollError(Text(N_("choose at least one option")))
    if uri.startswith(f"{node.settings.url}/"):
        outcome = record_votes(node.services.outbox, conn, uri, voter.uri, choices,
                               f"{voter.uri}#votes/{uuid4().hex}", node.clock())
    else:
        outcome = _send_votes(node, conn, voter, uri, choices)
    if outcome is None:
        raise PollError(Text(N_("no poll %(uri)s known on this node"), uri=uri))
    if outcome.refused:
        raise PollError("; ".join(outcome.refused))
    return outcome


def _send_votes(node: Node, conn: Connection, voter: LocalActor, uri: str,
                choices: Sequence[str]) -> VoteOutcome | None:
    """Record our vote on a remote poll (so it is sent once) and send one Create per option."""
    document = stored_question(conn, uri)
    if document is None:
        return None
    now = node.clock()
    reason = polls.closed_reason(document, now)
    if reason is not None:
        return VoteOutcome(refused=(reason,))
    author = str(ref(document.get("attributedTo")))
    inbox = conn.execute(select(_remote.c.inbox).where(_remote.c.uri == author)).scalar()
    if inbox is None:
        raise PollError(Text(
            N_("the poll's author %(author)s is not known here yet; try again"),
            author=author))
    outbox = node.services.outbox
    counted, duplicates = [], []
    for name in choices:
        create_id = outbox.new_id("activities")
        kind, detail = cast_vote(conn, document, voter.uri, name, create_id, now)
        if kind == "refused":
            return VoteOutcome(refused=(detail,))
        if kind == "duplicate":
            duplicates.append(name)
            continue
        note = {"@context": list(ACTIVITY_CONTEXT), "id": f"{voter.uri}#votes/{uuid4().hex}",
                "type": "Note", "name": name, "inReplyTo": uri, "attributedTo": voter.uri,
                "to": [author]}
        create = activity("Create", id=create_id, actor=voter.uri,
                          object=outbox.sign(voter, note, now), published=now, to=[author])
        outbox.publish(conn, actor=voter, activity=create, now=now, to_followers=False,
                       inboxes=[inbox])
        counted.append(name)
    return VoteOutcome(counted=tuple(counted), duplicates=tuple(duplicates))
