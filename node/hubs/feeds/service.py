"""Hubs subscribing to the RSS, Atom or iCalendar feeds of their group's own website.

* :func:`subscribe` checks the URL (http(s), the address policy), the hub and
  duplicates, then fetches and parses the feed before storing anything: a refused
  subscription is a :class:`HubError` and leaves no row. That first fetch is the first
  poll (see :mod:`node.hubs.feeds.publish` for what it publishes).
* :func:`poll_due_feeds` (the worker loop) claims due subscriptions by moving their
  ``next_poll_at`` forward by a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two
  workers never poll one feed at once and a crashed poll is retried after the lease.
  Each fetch is a conditional GET through the safe fetcher (SSRF guard on every hop,
  total deadline, 1 MB cap, at most 3 redirects). Success (200 or 304) polls again
  after :data:`POLL_INTERVAL`; a failure doubles the wait per failure in a row, up to
  :data:`MAX_BACKOFF`, and keeps the reason in ``last_error``.
* :func:`unsubscribe` removes the subscription and what it had recorded; the hub's
  Notes stay (they are the hub's posts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urldefrag

import anyio
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from node.activitypub.fetch import FetchedDocument, FetchFailed, NotModified, canonical_url
from node.activitypub.ssrf import check_url
from node.hosts import BadURL
from node.hubs.feeds.publish import record_entries
from node.hubs.feeds.rules import FEED_ACCEPT, FEED_MEDIA_TYPES, Feed, FeedError, parse_feed
from node.hubs.hub.models import FeedSubscription
from node.hubs.hub.publish import HubError, HubTarget, hub_by_id, load_hub
from node.messages import N_, Text, refusal
from node.runtime import Node

log = logging.getLogger(__name__)

POLL_INTERVAL = timedelta(minutes=30)
MAX_BACKOFF = timedelta(hours=24)
CLAIM_LEASE = timedelta(minutes=10)  # longer than any poll: fetch deadline + publishing
MAX_URL = 1024
MAX_ETAG, MAX_LAST_MODIFIED = 500, 100  # the columns' lengths

_subs = FeedSubscription.__table__  # type: ignore[attr-defined]
_ACTIVE = _subs.c.unsubscribed_at.is_(None)


@dataclass(frozen=True)
class Subscribed:
    """A new subscription and what its first poll did."""

    url: str
    title: str
    published: int


@dataclass(frozen=True)
class PollOutcome:
    """One poll of one subscription."""

    url: str
    published: int = 0
    not_modified: bool = False
    error: str | None = None


def feed_url(url: str) -> str:
    """One spelling per feed: host canonical (lower case, IDNA, no default port), no
    fragment; :class:`HubError` unless it is an http(s) URL with a host."""
    try:
        return canonical_url(urldefrag(url.strip()).url)
    except BadURL as exc:
        # not the URL parser's English ('... is not an http(s) URL') inside the sentence
        raise HubError(Text(N_("a feed needs an http(s) URL with a host, not %(url)s"),
                            url=repr(url.strip()))) from exc


def check_feed_url(url: str, *, allow_private: bool) -> str:
    """The URL to subscribe to, or :class:`HubError` saying why not."""
    candidate = feed_url(url)
    if len(candidate) > MAX_URL:
        raise HubError(Text(
            N_("a feed URL may have at most %(MAX_URL)s characters"),
            MAX_URL=MAX_URL))
    reason = check_url(candidate, allow_private=allow_private)
    if reason:
        raise HubError(Text(
            N_("refusing %(candidate)s: %(reason)s"),
            candidate=candidate, reason=reason))
    return candidate


def backoff(failures: int) -> timedelta:
    """The wait after ``failures`` failed polls in a row: doubling, capped at a day."""
    return min(POLL_INTERVAL * (1 << min(max(failures, 0), 16)), MAX_BACKOFF)


def list_feeds(conn: Connection, hub_name: str) -> list[FeedSubscription]:
    """The hub's subscriptions, by URL."""
    target = load_hub(conn, hub_name)
    rows = conn.execute(select(_subs).where(_subs.c.hub_id == target.hub.id, _ACTIVE)
                        .order_by(_subs.c.url))
    return [FeedSubscription(**row._mapping) for row in rows]


def unsubscribe(conn: Connection, hub_name: str, url: str, *, now: datetime) -> None:
    """Stop polling ``url`` for the hub; :class:`HubError` if it was not subscribed.

    The subscription is kept, marked unsubscribed, with the entries it has seen: a
    later subscription to the same feed republishes only entries never seen before.
    """
    target = load_hub(conn, hub_name)
    found = conn.execute(  # locked first, so a poll under way cannot record entries now
        select(_subs.c.id).where(_subs.c.hub_id == target.hub.id, _ACTIVE,
                                 _subs.c.url == feed_url(url)).with_for_update()
    ).first()
    if found is None:
        raise HubError(Text(
            N_("%(hub_name)s is not subscribed to %(url)s"),
            hub_name=hub_name, url=url))
    conn.execute(update(_subs).where(_subs.c.id == found.id).values(
        unsubscribed_at=now, etag=None, last_modified=None))


async def subscribe(node: Node, hub_name: str, url: str) -> Subscribed:
    """Subscribe the hub to a feed after fetching and parsing it (its first poll)."""
    clean = check_feed_url(url, allow_private=node.services.fetcher.allow_private)
    await anyio.to_thread.run_sync(_check_new, node, hub_name, clean)
    result = await node.services.fetcher.fetch_document(
        clean, accept=FEED_ACCEPT, media_types=FEED_MEDIA_TYPES)
    if not isinstance(result, FetchedDocument):
        raise HubError(Text(
            N_("cannot subscribe to %(clean)s: %(value)s"),
            clean=clean, value=fetch_error(result)))
    try:
        feed = await anyio.to_thread.run_sync(_parse, result)
    except FeedError as exc:
        raise HubError(Text(
            N_("cannot subscribe to %(clean)s: %(exc)s"),
            clean=clean, exc=refusal(exc))) from exc
    return await anyio.to_thread.run_sync(_insert, node, hub_name, clean, result, feed)


def _check_new(node: Node, hub_name: str, url: str) -> None:
    with node.engine.connect() as conn:
        target = load_hub(conn, hub_name)
        if _find(conn, target, url) is not None:
            raise HubError(Text(
                N_("%(hub_name)s is already subscribed to %(url)s"),
                hub_name=hub_name, url=url))


def _find(conn: Connection, target: HubTarget, url: str) -> Any:
    return conn.execute(select(_subs.c.id).where(_subs.c.hub_id == target.hub.id, _ACTIVE,
                                                 _subs.c.url == url)).first()


def _parse(fetched: FetchedDocument) -> Feed:
    return parse_feed(fetched.body, content_type=fetched.content_type, url=fetched.url)


def _insert(node: Node, hub_name: str, url: str, fetched: FetchedDocument,
            feed: Feed) -> Subscribed:
    now = node.clock()
    try:
        with node.engine.begin() as conn:
            target = load_hub(conn, hub_name)
            values = {"title": feed.title, "next_poll_at": now + POLL_INTERVAL,
                      "last_polled_at": now, "failures": 0, "last_error": None,
                      **_validators(fetched)}
            subscription_id = _resubscribe(conn, target, url, values) or _subscribe(
                conn, target, url, {**values, "created_at": now})
            published = record_entries(node, conn, target, subscription_id, feed, now,
                                       first=True)
    except IntegrityError as exc:  # a concurrent subscribe won
        raise HubError(Text(
            N_("%(hub_name)s is already subscribed to %(url)s"),
            hub_name=hub_name, url=url)) from exc
    return Subscribed(url=url, title=feed.title, published=published)


def _resubscribe(conn: Connection, target: HubTarget, url: str,
                 values: dict[str, Any]) -> int | None:
    """Reactivate an earlier subscription to ``url`` (keeping its seen entries)."""
    stmt = (update(_subs).where(_subs.c.hub_id == target.hub.id, _subs.c.url == url,
                                _subs.c.unsubscribed_at.is_not(None))
            .values(unsubscribed_at=None, **values).returning(_subs.c.id))
    return conn.execute(stmt).scalar()


def _subscribe(conn: Connection, target: HubTarget, url: str, values: dict[str, Any]) -> int:
    inserted = conn.execute(insert(_subs).values(hub_id=target.hub.id, url=url, **values)
                            .returning(_subs.c.id)).scalar_one()
    return int(inserted)


def fetch_error(result: FetchFailed | NotModified) -> str:
    """A reason an organizer can act on."""
    if isinstance(result, NotModified):
        return "the server answered 304 Not Modified to an unconditional request"
    if result.reason.startswith("media type") and "text/html" in result.reason:
        return "the address serves a web page (text/html), not an RSS, Atom or iCalendar feed"
    return result.reason


def _validators(result: FetchedDocument | NotModified) -> dict[str, str | None]:
    etag, modified = result.etag, result.last_modified
    return {"etag": etag if etag and len(etag) <= MAX_ETAG else None,
            "last_modified": modified if modified and len(modified) <= MAX_LAST_MODIFIED
            else None}


# --- polling -----------------------------------------------------------------------


async def poll_due_feeds(node: Node, *, limit: int = 20) -> int:
    """Poll up to ``limit`` due subscriptions at once; the number polled."""
    rows = await anyio.to_thread.run_sync(_claim, node.engine, node.clock(), limit, None)
    return len(await _poll_all(node, rows))


async def poll_now(node: Node, hub_name: str | None = None) -> list[PollOutcome]:
    """Poll every subscription of the hub (or of every hub) now, whatever its schedule."""
    def due_now() -> list[RowMapping]:
        now = node.clock()
        with node.engine.begin() as conn:
            hub_id = load_hub(conn, hub_name).hub.id if hub_name else None
            stmt = update(_subs).where(_ACTIVE).values(next_poll_at=now)
            conn.execute(stmt if hub_id is None else stmt.where(_subs.c.hub_id == hub_id))
        return _claim(node.engine, now, 10_000, hub_id)

    return await _poll_all(node, await anyio.to_thread.run_sync(due_now))


def _claim(engine: Engine, now: datetime, limit: int, hub_id: int | None) -> list[RowMapping]:
    """Take due subscriptions by pushing ``next_poll_at`` a lease ahead (atomic)."""
    picked = select(_subs.c.id).where(_subs.c.next_poll_at <= now, _ACTIVE)
    if hub_id is not None:
        picked = picked.where(_subs.c.hub_id == hub_id)
    picked = picked.order_by(_subs.c.next_poll_at, _subs.c.id).limit(limit)
    lease = {"next_poll_at": now + CLAIM_LEASE}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            cte = picked.with_for_update(skip_locked=True).cte("picked")
            stmt = update(_subs).where(_subs.c.id == cte.c.id, _subs.c.next_poll_at <= now)
        else:  # SQLite serialises writers: one UPDATE ... IN (SELECT) is atomic
            stmt = update(_subs).where(_subs.c.id.in_(picked.scalar_subquery()))
        return list(conn.execute(stmt.values(**lease).returning(*_subs.c)).mappings().all())


async def _poll_all(node: Node, rows: list[RowMapping]) -> list[PollOutcome]:
    outcomes: list[PollOutcome] = []

    async def one(row: RowMapping) -> None:
        outcomes.append(await _poll_one(node, row))

    async with anyio.create_task_group() as group:
        for row in rows:
            group.start_soon(one, row)
    return outcomes


async def _poll_one(node: Node, row: RowMapping) -> PollOutcome:
    """Fetch, parse and record one subscription; never raises."""
    try:
        result = await node.services.fetcher.fetch_document(
            row["url"], accept=FEED_ACCEPT, media_types=FEED_MEDIA_TYPES,
            etag=row["etag"], last_modified=row["last_modified"])
        if isinstance(result, FetchFailed):
            return await anyio.to_thread.run_sync(_failed, node, row, fetch_error(result))
        if isinstance(result, NotModified):
            return await anyio.to_thread.run_sync(_not_modified, node, row, result)
        feed = await anyio.to_thread.run_sync(_parse, result)
        return await anyio.to_thread.run_sync(_store, node, row, result, feed)
    except FeedError as exc:
        return await anyio.to_thread.run_sync(_failed, node, row, str(exc))
    except Exception as exc:  # one broken feed must not stop the worker loop
        log.exception("polling feed %s failed", row["url"])
        return await anyio.to_thread.run_sync(_failed, node, row,
                                              f"internal error: {type(exc).__name__}")


def _reschedule(conn: Connection, row: RowMapping, now: datetime, **values: Any) -> bool:
    """Write the poll's result; False when the hub unsubscribed meanwhile."""
    stmt = update(_subs).where(_subs.c.id == row["id"], _ACTIVE).values(last_polled_at=now,
                                                                       **values)
    return bool(conn.execute(stmt).rowcount == 1)


def _succeeded(now: datetime) -> dict[str, Any]:
    return {"failures": 0, "last_error": None, "next_poll_at": now + POLL_INTERVAL}


def _store(node: Node, row: RowMapping, fetched: FetchedDocument, feed: Feed) -> PollOutcome:
    now = node.clock()
    with node.engine.begin() as conn:
        target = hub_by_id(conn, row["hub_id"])
        if target is None:
            return _failed_in(conn, row, now, "the hub no longer exists")
        title = {"title": feed.title} if feed.title else {}
        if not _reschedule(conn, row, now, **_succeeded(now), **_validators(fetched), **title):
            return PollOutcome(row["url"], error="unsubscribed while polling")
        published = record_entries(node, conn, target, row["id"], feed, now)
    return PollOutcome(row["url"], published=published)


def _not_modified(node: Node, row: RowMapping, result: NotModified) -> PollOutcome:
    now = node.clock()
    fresh = {k: v for k, v in _validators(result).items() if v}  # 304s may omit them
    with node.engine.begin() as conn:
        _reschedule(conn, row, now, **_succeeded(now), **fresh)
    return PollOutcome(row["url"], not_modified=True)


def _failed(node: Node, row: RowMapping, reason: str) -> PollOutcome:
    with node.engine.begin() as conn:
        return _failed_in(conn, row, node.clock(), reason)


def _failed_in(conn: Connection, row: RowMapping, now: datetime, reason: str) -> PollOutcome:
    failures = int(row["failures"]) + 1
    _reschedule(conn, row, now, failures=failures, last_error=reason[:2000],
                next_poll_at=now + backoff(failures))
    return PollOutcome(row["url"], error=reason)

