"""Routes of events and calls: iCalendar feeds, "add to calendar" files, attendees, ``/ns``.

* ``/hubs/{name}/calendar.ics``: a hub's published events, calls and call series.
* ``/calendar.ics``: the same for every hub of the node (a cross-posted event once).
* ``/events/{id}.ics``: one event, call or series (``/objects/{id}``), as an attachment.
* ``/calendar/event.ics?id=URI``: the same for any Event published in one of our hubs,
  such as one a remote member posted (the calendar pages' "add to calendar").
* ``/objects/{id}/attendees``: the FEP-8a8e attendees collection (:mod:`.rsvp`).
* ``/ns``: ionode's JSON-LD extension context (:mod:`node.hubs.hub.vocab`) as
  ``application/ld+json``.

Feeds hold what ended at most :data:`PAST` ago and everything later (and every series),
so a subscribed calendar keeps recent history without growing forever. Each event or
series is serialised once per change (``hub_item.updated_at``, which every Update
bumps, and the stored object's ``updated``) and kept in the app's
:class:`~node.hubs.events.calendar.BlockCache`. An item that cannot be exported (a remote
Event without a readable start) is skipped and logged: one odd item never fails a feed.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Collection, Hashable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Engine, or_, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.activitypub.local_actors import USERNAME_RE
from node.activitypub.models import LocalActor, StoredObject
from node.activitypub.vocab import is_public
from node.hubs.events import calendar
from node.hubs.events.rsvp import attendees_endpoint, event_row
from node.hubs.events.series import occurrence_documents, series_row
from node.hubs.hub.links import hub_handle, linked_origins, source_uris
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.publish import HubError, load_hub
from node.hubs.hub.vocab import ionode_context_document
from node.runtime import node_of

log = logging.getLogger(__name__)

PAST = timedelta(days=90)
CALENDAR = "text/calendar"
_ID = re.compile(r"[A-Za-z0-9_-]{1,200}")
_item = HubItem.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


def calendar_rows(conn: Connection, now: datetime, hub_id: int | None = None,
                  hub_ids: Collection[int] | None = None) -> list[Any]:
    """Published event and call items of live hubs (one hub, or all) in the window;
    with ``hub_ids``, the own items of those hubs (what linked hubs shared is theirs).

    Only index columns: documents are read for what the block cache does not hold.
    """
    joined = _item.join(_objects, _objects.c.uri == _item.c.object_uri).join(
        _hub, _hub.c.id == _item.c.hub_id).join(_actor, _actor.c.id == _hub.c.actor_id)
    query = (select(_item.c.object_uri, _item.c.series_id, _item.c.starts_at,
                    _item.c.updated_at, _objects.c.updated)
             .select_from(joined)
             .where(_item.c.kind.in_(("event", "call")), _item.c.state == "published",
                    _objects.c.type == "Event",
                    _objects.c.deleted_at.is_(None), _actor.c.deleted_at.is_(None),
                    or_(_item.c.ends_at.is_(None), _item.c.ends_at >= now - PAST))
             .order_by(_item.c.id))
    if hub_id is not None:
        query = query.where(_item.c.hub_id == hub_id)
    if hub_ids is not None:
        query = query.where(_item.c.hub_id.in_(list(hub_ids)), _item.c.linked_from.is_(None))
    return list(conn.execute(query))


class Wanted(NamedTuple):
    """One block of a feed: its cache key and the objects it is made of (series first)."""

    key: Hashable
    uris: tuple[str, ...]
    series: bool = False


def plan(rows: list[Any]) -> list[Wanted]:
    """Lone events and calls, and each series with its occurrences; each object once.

    A series' own item is the undated one (:mod:`node.hubs.calls.service`); an occurrence whose
    series is not listed is shown as a lone event.
    """
    seen: set[str] = set()
    lone: list[tuple[str, Any]] = []
    masters: dict[int, tuple[str, Any]] = {}
    occurrences: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    for uri, series_id, starts_at, item_stamp, object_stamp in rows:
        stamp = (item_stamp, object_stamp)  # either changes when the event does
        if uri in seen:
            continue
        seen.add(uri)
        if series_id is None:
            lone.append((uri, stamp))
        elif starts_at is None:
            masters[series_id] = (uri, stamp)
        else:
            occurrences[series_id].append((uri, stamp))
    lone += [r for key, rs in occurrences.items() if key not in masters for r in rs]
    wanted = [Wanted(("event", uri, stamp), (uri,)) for uri, stamp in lone]
    for key, (uri, stamp) in masters.items():
        parts = sorted(occurrences[key])
        wanted.append(Wanted(("series", uri, stamp, tuple(parts)),
                             (uri, *(u for u, _ in parts)), series=True))
    return wanted


def documents(conn: Connection, uris: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(uris), 500):
        query = select(_objects.c.uri, _objects.c.document).where(
            _objects.c.uri.in_(uris[start:start + 500]))
        found.update({r.uri: dict(r.document) for r in conn.execute(query)
                      if isinstance(r.document, dict)})
    return found


def feed_blocks(conn: Connection, cache: calendar.BlockCache, now: datetime,
                hub_id: int | None = None, *, hub_ids: Collection[int] | None = None
                ) -> list[calendar.Block]:
    """The feed's blocks, serialised only for objects that changed since last time."""
    linked = {} if hub_id is None else linked_origins(conn, hub_id)
    followed = set() if hub_id is None else source_uris(conn, hub_id)
    origins = {uri: hub_handle(hub) for uri, hub in linked.items()}
    from_source = {uri for uri, hub in linked.items() if hub in followed}
    wanted = [_marked(w, origins, from_source)
              for w in plan(calendar_rows(conn, now, hub_id, hub_ids))]
    cached = cache.get_many([w.key for w in wanted])
    docs = documents(conn, [u for w, c in zip(wanted, cached, strict=True) if c is None
                            for u in w.uris])
    blocks = []
    for w, made in zip(wanted, cached, strict=True):
        if made is None and all(u in docs for u in w.uris):
            made = _serialise(cache, w, [docs[u] for u in w.uris], origins.get(w.uris[0], ""),
                              w.uris[0] in from_source)
        if made is not None:
            blocks.append(made)
    return blocks


def _marked(wanted: Wanted, origins: dict[str, str], from_source: set[str]) -> Wanted:
    """A linked hub's or a source's lone event is its own block in a hub's feed: marked
    with its origin (the node's feed, and the origin hub's, show it unmarked)."""
    origin = origins.get(wanted.uris[0])
    if origin is None or wanted.series:
        return wanted
    mark = "source" if wanted.uris[0] in from_source else "linked"
    return Wanted((mark, origin, wanted.key), wanted.uris)


def _serialise(cache: calendar.BlockCache, wanted: Wanted,
               docs: list[dict[str, Any]], origin: str = "",
               source: bool = False) -> calendar.Block | None:
    """The block of one event or series; None (logged) when its documents cannot be
    read: one odd item, such as a remote Event without a start, never fails the feed."""
    first, *rest = docs
    try:
        made = (calendar.series_block(calendar.SeriesEntry(first, rest)) if wanted.series
                else calendar.event_block(first, origin, source))
    except Exception:
        log.warning("calendar: skipping %s, which cannot be exported", wanted.uris[0],
                    exc_info=True)
        return None
    return cache.put(wanted.key, made)


def _ics(body: bytes, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "public, max-age=300"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, 200, headers, media_type=CALENDAR)


def _not_found() -> Response:
    return Response(orjson.dumps({"error": "not found"}), 404, media_type="application/json")


def block_cache(request: Request) -> calendar.BlockCache:
    """The app's cache of serialised blocks (one per running node)."""
    state = request.app.state
    if getattr(state, "calendar_blocks", None) is None:
        state.calendar_blocks = calendar.BlockCache()
    cache: calendar.BlockCache = state.calendar_blocks
    return cache


def _hub_feed(engine: Engine, cache: calendar.BlockCache, name: str, now: datetime
              ) -> bytes | None:
    with engine.connect() as conn:
        try:
            target = load_hub(conn, name)
        except HubError:
            return None
        blocks = feed_blocks(conn, cache, now, target.hub.id)
    title = target.actor.display_name or name
    return calendar.assemble(title, blocks, f"Events and calls of {title}")


async def hub_calendar(request: Request) -> Response:
    node = node_of(request)
    name = request.path_params["name"]
    body = (await run_in_threadpool(_hub_feed, node.engine, block_cache(request), name,
                                    node.clock())
            if USERNAME_RE.fullmatch(name) else None)
    return _not_found() if body is None else _ics(body)


def _node_feed(engine: Engine, cache: calendar.BlockCache, title: str, now: datetime) -> bytes:
    with engine.connect() as conn:
        blocks = feed_blocks(conn, cache, now)
    return calendar.assemble(title, blocks, f"Events and calls of {title}")


async def node_calendar(request: Request) -> Response:
    node = node_of(request)
    title = node.settings.node_name or node.settings.url
    return _ics(await run_in_threadpool(_node_feed, node.engine, block_cache(request), title,
                                        node.clock()))


def _single(engine: Engine, uri: str) -> bytes | None:
    with engine.connect() as conn:
        row = event_row(conn, uri)
        if row is None:
            return None
        series = series_row(conn, uri) if row.document.get("rrule") else None
        occurrences = occurrence_documents(conn, series.id) if series and series.id else []
    try:
        return calendar.single(dict(row.document), occurrences)
    except Exception:  # an odd stored document: "not found" rather than a 500
        log.warning("calendar: %s cannot be exported", uri, exc_info=True)
        return None


async def event_file(request: Request) -> Response:
    """``/events/{id}.ics``: "add to calendar" for the Event ``/objects/{id}``."""
    node = node_of(request)
    key = request.path_params["id"]
    if not _ID.fullmatch(key):
        return _not_found()
    body = await run_in_threadpool(_single, node.engine, f"{node.settings.url}/objects/{key}")
    return _not_found() if body is None else _ics(body, f"{key}.ics")


def _published_file(engine: Engine, uri: str) -> bytes | None:
    """The file of an Event published in a live hub of ours, local or remote."""
    joined = _item.join(_objects, _objects.c.uri == _item.c.object_uri).join(
        _hub, _hub.c.id == _item.c.hub_id).join(_actor, _actor.c.id == _hub.c.actor_id)
    with engine.connect() as conn:
        document = conn.execute(
            select(_objects.c.document).select_from(joined)
            .where(_item.c.object_uri == uri, _item.c.state == "published",
                   _objects.c.type == "Event", _objects.c.deleted_at.is_(None),
                   _actor.c.deleted_at.is_(None)).limit(1)).scalar()
    if not isinstance(document, dict) or not is_public(document):
        return None
    try:
        return calendar.single(dict(document))
    except Exception:  # an odd remote document: "not found" rather than a 500
        log.warning("calendar: %s cannot be exported", uri, exc_info=True)
        return None


async def hub_event_file(request: Request) -> Response:
    """``/calendar/event.ics?id=URI``: "add to calendar" for an Event in one of our hubs."""
    node = node_of(request)
    uri = request.query_params.get("id", "")
    if not uri or len(uri) > 1024:
        return _not_found()
    if uri.startswith(f"{node.settings.url}/objects/"):  # ours: with a series' overrides
        body = await run_in_threadpool(_single, node.engine, uri)
    else:
        body = await run_in_threadpool(_published_file, node.engine, uri)
    return _not_found() if body is None else _ics(body, "event.ics")


async def context_document(request: Request) -> Response:
    """``/ns``: the ionode extension context, the same document on every node."""
    body = orjson.dumps(ionode_context_document())
    return Response(body, 200, {"Cache-Control": "public, max-age=86400"},
                    media_type="application/ld+json")


def routes() -> list[BaseRoute]:
    return [
        Route("/hubs/{name}/calendar.ics", hub_calendar, methods=["GET"]),
        Route("/calendar.ics", node_calendar, methods=["GET"]),
        Route("/events/{id}.ics", event_file, methods=["GET"]),
        Route("/calendar/event.ics", hub_event_file, methods=["GET"]),
        Route("/objects/{id}/attendees", attendees_endpoint, methods=["GET"]),
        Route("/ns", context_document, methods=["GET"]),
    ]
