"""News by mention: ``Create`` and ``Delete`` hooks on the inbox dispatcher.

A remote ``Create{Note}`` or ``Create{Article}`` that addresses ``@news`` (in ``to`` or
``cc``, or a ``Mention`` of it; :func:`node.newswire.fediverse.rules.addresses`) and is
by its own author becomes a submission waiting in the queue, with its sender (actor,
``@user@host`` handle, inbox for the reply) and no e-mail. The inbox has verified the
signature; the object is read as the protocol handler reads it
(:func:`node.activitypub.handlers.objects.object_document`).

* a refused one (too long, a ``<script``, rate limit) stores nothing: the inbox item is
  marked ignored with the reason (:class:`Ignore`);
* when someone here follows the sender, the post is also left to the protocol handler,
  which stores it for them as any post (as hubs do, :mod:`node.hubs.hub.inbound`);
* a redelivered Create is recognised by the object's id (unique) and adds nothing;
* the limit: :data:`ACTOR_LIMIT` an hour per actor, :data:`HOST_LIMIT` per host,
  counted like the form's per-address limit
  (:func:`node.newswire.submissions.service.retry_after`).

A ``Delete`` of the object by its author withdraws a submission still waiting: its
text is dropped and it leaves the queue (a decided one is left to the protocol handler).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, select, update

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of, remote_actor
from node.activitypub.handlers.objects import followed_here, object_document
from node.activitypub.handling import HandlerContext
from node.activitypub.vocab import ref, refs
from node.newswire.errors import NewsError
from node.newswire.fediverse.rules import KINDS, addresses, submission_from
from node.newswire.models import NewsItem
from node.newswire.submissions.rules import Submission
from node.newswire.submissions.service import count_attempt, retry_after, store_submission

ACTOR_LIMIT = 5
HOST_LIMIT = 20
TOO_MANY = "too many submissions from this account or server: try again in an hour"

_item = NewsItem.__table__  # type: ignore[attr-defined]


def _concerns_news(create: Mapping[str, Any], news_uri: str) -> bool:
    """A cheap look before fetching: do the Create or its embedded object address @news?"""
    return any(isinstance(part, Mapping) and addresses(part, news_uri)
               for part in (create, create.get("object")))


async def on_create(ctx: HandlerContext, create: Mapping[str, Any]) -> bool:
    """The dispatcher hook: True when the Create was taken as news (or refused as such)."""
    news_uri = f"{ctx.base_url}/news"
    author = actor_of(create)
    if ctx.is_local(author) or not _concerns_news(create, news_uri):
        return False
    document = await object_document(ctx, create)
    if (document.get("type") not in KINDS or not addresses(document, news_uri)
            or author not in refs(document.get("attributedTo"))):
        return False
    followed = await ctx.db(lambda conn: followed_here(conn, author))
    try:
        submission = submission_from(document, news_uri)
        sender = await remote_actor(ctx, author)
        values = {"submitter_actor": author,
                  "submitter_handle": f"@{sender.preferred_username}@{sender.host}",
                  "submitter_inbox": sender.inbox, "submitted_object": str(ref(document))}
        await ctx.db(lambda conn: _store(conn, submission, values, ctx.clock()))
    except NewsError as exc:
        if followed:
            return False
        raise Ignore(f"news refused: {exc}") from exc
    return not followed  # someone here follows the sender: stored for them as usual


def _client_keys(actor: str) -> list[tuple[str, int]]:
    digest = hashlib.sha256(actor.encode()).hexdigest()[:48]
    return [(f"ap:{digest}", ACTOR_LIMIT), (f"host:{urlsplit(actor).hostname}", HOST_LIMIT)]


def _store(conn: Connection, submission: Submission, values: dict[str, str],
           now: datetime) -> None:
    found = conn.execute(select(_item.c.id).where(
        _item.c.submitted_object == values["submitted_object"])).first()
    if found is not None:
        return  # a redelivery, or the same object sent again: it is already in
    keys = _client_keys(values["submitter_actor"])
    if any(retry_after(conn, key, now, limit) for key, limit in keys):
        raise NewsError(TOO_MANY)
    for key, _limit in keys:
        count_attempt(conn, key, now)
    store_submission(conn, submission, now=now, **values)


async def on_delete(ctx: HandlerContext, delete_activity: Mapping[str, Any]) -> bool:
    """The author deletes a Note still waiting in the queue: it is withdrawn."""
    author = actor_of(delete_activity)
    uri = ref(delete_activity.get("object"))
    if uri is None or uri == author or ctx.is_local(uri):
        return False
    return await ctx.db(lambda conn: withdraw(conn, uri, author, ctx.clock()))


def withdraw(conn: Connection, object_uri: str, author: str, now: datetime) -> bool:
    """Withdraw the waiting submission of ``object_uri`` by ``author``; True if there was
    one. Its text goes; the row stays so a late redelivery is still known."""
    done = conn.execute(update(_item).where(
        _item.c.submitted_object == object_uri, _item.c.submitter_actor == author,
        _item.c.state == "waiting").values(state="withdrawn", title="", body="", links=[],
                                           decided_at=now))
    return done.rowcount == 1


def register(dispatcher: Dispatcher) -> None:
    dispatcher.add_hook("Create", on_create)
    dispatcher.add_hook("Delete", on_delete)
