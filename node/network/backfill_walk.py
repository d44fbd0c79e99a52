"""One step of a backfill: the actor's document and ``featured``, or one outbox page.

A backfill moves through phases (``start`` > ``outbox`` > ``finished``); each step
reads one document and leaves the cursor (``phase``, ``next_url``) and counters in the
job's :class:`Cursor`, which the runner writes back after every step: a run that is
killed resumes at the page it was on, and what it stored before is not counted twice
(``network_item`` is unique per object).

Each item is taken as a relayed one is (:func:`node.network.unwrap.unwrap`): with its
author's valid FEP-8b32 proof, or as refetched from its origin; a tampered copy is
refused and logged. Outbox pages list newest first (ActivityPub section 5.1), so the
walk stops at the first item older than the age limit. ``Delete`` activities met on
the way are applied (newest first, they come before the ``Create`` they undo, which
is then refused as deleted); an ``Update`` stores the object as it was last edited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from node.activitypub.authorship import authors_of
from node.activitypub.dispatch import Ignore, Retry
from node.activitypub.fetch import FetchFailed
from node.activitypub.handling import HandlerContext
from node.activitypub.remote_objects import (
    apply_delete,
    is_tombstoned,
    parse_time,
    store_remote,
    update_remote,
)
from node.activitypub.vocab import is_public, ref
from node.network.backfill import enqueue
from node.network.directory import learn_group
from node.network.models import NetworkItem
from node.network.receive import forget_item, record_origin, reindex
from node.network.unwrap import Received, unwrap
from node.services import BackfillHook

_item = NetworkItem.__table__  # type: ignore[attr-defined]
NODE_TYPES = frozenset({"Application", "Service", "Organization"})
COLLECTIONS = frozenset({"OrderedCollection", "Collection"})


class StepFailed(Exception):
    """A document the step needs could not be fetched; ``retryable`` says if it may."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


@dataclass
class Limits:
    items: int
    pages: int
    hubs: int
    oldest: datetime  # items published before this end the walk


@dataclass
class Cursor:
    """Where a backfill is and what it did (the job row's mutable columns)."""

    actor: str
    follower: str
    phase: str
    next_url: str | None
    pages: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    last_error: str = ""
    outcome: str = ""

    @property
    def seen(self) -> int:
        return self.stored + self.duplicates + self.refused

    def finish(self, outcome: str) -> None:
        self.phase, self.next_url, self.outcome = "finished", None, outcome


async def fetch(ctx: HandlerContext, url: str) -> dict[str, Any]:
    fetched = await ctx.fetcher.fetch_activity(url)
    if isinstance(fetched, FetchFailed):
        raise StepFailed(f"{url}: {fetched.reason}", fetched.retryable)
    return fetched.document


def items_of(page: Mapping[str, Any]) -> list[Any]:
    found = page.get("orderedItems", page.get("items"))
    return list(found) if isinstance(found, list) else []


async def step(ctx: HandlerContext, cursor: Cursor, limits: Limits,
               hooks: Sequence[BackfillHook] = ()) -> None:
    """Advance ``cursor`` by one document; ``hooks`` see each item kept."""
    if cursor.phase == "start":
        await _start(ctx, cursor, limits, hooks)
    elif cursor.phase == "outbox" and cursor.next_url:
        await _outbox_page(ctx, cursor, limits, cursor.next_url, hooks)
    else:
        cursor.finish(cursor.outcome or "nothing more to read")


async def _start(ctx: HandlerContext, cursor: Cursor, limits: Limits,
                 hooks: Sequence[BackfillHook]) -> None:
    """The actor's document (a Group enters the directory) and its ``featured``."""
    document = await fetch(ctx, cursor.actor)
    now = ctx.clock()
    if document.get("type") == "Group":
        followers = await follower_count(ctx, document)
        await ctx.db(lambda conn: learn_group(conn, document, now, followers=followers))
    featured = ref(document.get("featured"))
    if featured:
        collection = await fetch(ctx, featured)
        first = collection.get("first")
        page = await fetch(ctx, first) if isinstance(first, str) else (
            first if isinstance(first, Mapping) else collection)
        if document.get("type") in NODE_TYPES:
            await _queue_hubs(ctx, cursor, items_of(page), limits)
        else:
            for item in items_of(page)[:limits.items]:
                await take(ctx, cursor, item, pinned=True, limits=limits, hooks=hooks)
    outbox = ref(document.get("outbox"))
    cursor.phase, cursor.next_url = "outbox", outbox
    if outbox is None:
        cursor.finish("the actor has no outbox")


async def follower_count(ctx: HandlerContext, document: Mapping[str, Any]) -> int | None:
    """The Group's follower count: its followers collection's ``totalItems``."""
    url = ref(document.get("followers"))
    if url is None:
        return None
    fetched = await ctx.fetcher.fetch_activity(url)
    if isinstance(fetched, FetchFailed):
        return None
    total = fetched.document.get("totalItems")
    return total if isinstance(total, int) and total >= 0 else None


async def _queue_hubs(ctx: HandlerContext, cursor: Cursor, listed: list[Any],
                      limits: Limits) -> None:
    """A node lists its hubs in ``featured``: each is backfilled as a row of its own."""
    hubs = [uri for uri in (ref(item) for item in listed) if uri and not ctx.is_local(uri)]
    now = ctx.clock()

    def queue(conn: Connection) -> None:
        for hub in hubs[:limits.hubs]:
            enqueue(conn, hub, cursor.follower, now, parent=cursor.actor, again=True)

    await ctx.db(queue)


async def _outbox_page(ctx: HandlerContext, cursor: Cursor, limits: Limits,
                       url: str, hooks: Sequence[BackfillHook]) -> None:
    document = await fetch(ctx, url)
    if document.get("type") in COLLECTIONS:
        first = document.get("first")
        if isinstance(first, str):  # the collection names its first page: read it next
            cursor.next_url = first
            return
        document = dict(first) if isinstance(first, Mapping) else document
    cursor.pages += 1
    for item in items_of(document):
        if cursor.seen >= limits.items:
            cursor.finish(f"reached the limit of {limits.items} items")
            return
        if not await take(ctx, cursor, item, limits=limits, hooks=hooks):
            cursor.finish("reached the age limit")
            return
    following = ref(document.get("next"))
    if following is None or following == url:
        cursor.finish("read the whole outbox")
    elif cursor.pages >= limits.pages:
        cursor.finish(f"reached the limit of {limits.pages} pages")
    else:
        cursor.next_url = following


def _too_old(document: object, limits: Limits) -> bool:
    when = parse_time(document.get("published")) if isinstance(document, Mapping) else None
    return when is not None and when < limits.oldest


async def take(ctx: HandlerContext, cursor: Cursor, item: object, *, limits: Limits,
               pinned: bool = False, hooks: Sequence[BackfillHook] = ()) -> bool:
    """Verify and store one item; False when it is past the age limit (stop here).
    An item kept (new, or here already by another path) goes to ``hooks`` too, in the
    same transaction: a hub linking the walked hub shows its history."""
    if not pinned and _too_old(item, limits):
        return False
    try:
        received = await unwrap(ctx, item, cursor.actor)
        if not pinned and _too_old(received.document, limits):
            return False
        if ctx.is_local(received.uri):
            raise Ignore("our own object")
        if received.document is not None and not is_public(received.document):
            raise Ignore("not public")
        now = ctx.clock()
        outcome = await ctx.db(lambda conn: _kept(conn, received, cursor, now, hooks))
    except (Ignore, Retry) as exc:
        cursor.refused += 1
        cursor.last_error = str(exc)[:500]
        return True
    if outcome == "stored":
        cursor.stored += 1
    elif outcome == "duplicate":
        cursor.duplicates += 1
    return True


def _kept(conn: Connection, received: Received, cursor: Cursor, now: datetime,
          hooks: Sequence[BackfillHook]) -> str:
    outcome = keep(conn, received, cursor.actor, now)
    if outcome != "applied" and received.document is not None:
        for hook in hooks:
            hook(conn, cursor.follower, cursor.actor, received.document, now)
    return outcome


def keep(conn: Connection, received: Received, via: str, now: datetime) -> str:
    """``stored``, ``duplicate`` (it came before, by any path) or ``applied`` (a Delete)."""
    if received.action == "delete":
        if apply_delete(conn, received.uri, str(received.actor), now) is None:
            forget_item(conn, received.uri)  # off the timeline and the calendar too
        return "applied"
    if received.action == "unshare" or received.document is None:
        return "applied"
    if is_tombstoned(conn, received.uri, authors_of(received.document)):
        raise Ignore("deleted by its author")
    known = conn.execute(select(_item.c.id).where(_item.c.object_uri == received.uri)).first()
    store_remote(conn, received.document, now)
    # an edit this node missed (it was down, or followed after the original came):
    # taken when newer, and the calendar and the tags follow it
    if received.action == "update" and received.actor is not None and update_remote(
            conn, received.document, received.actor).problem is None:
        reindex(conn, received.uri, received.document)
    record_origin(conn, received, via, now)
    return "duplicate" if known else "stored"
