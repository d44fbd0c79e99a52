"""What remote servers and browsers GET: actors, their collections, objects, activities.

Every actor and object URL is content negotiated (:mod:`node.activitypub.negotiation`):
ActivityStreams JSON for servers, for browsers the HTML page the web layer registered
(:class:`~node.activitypub.html_pages.HtmlPages`), both with ``Vary: Accept``; the HTML
carries ``Link: <id>; rel="alternate"`` to the JSON.

* Actors (ActivityPub §4.1) answer unsigned, so key lookups cannot deadlock between two
  servers that both sign their GETs (INTEROP.md); a deleted one answers 410 with a
  Tombstone, on which Mastodon drops its copy.
* Collections (ActivityPub §5): outbox pages of public activities, newest first;
  followers/following publish only ``totalItems`` unless
  :func:`~node.activitypub.collections.may_list_members` allows the viewer;
  ``featured`` lists pinned objects inline, as Mastodon does.
* Domain packages contribute without being imported here: the node's
  :class:`~node.activitypub.actor_sources.ActorSources` lists an actor's pinned objects
  and adds fields to its document (a hub's header ``image``), never replacing one.
* Objects and activities are found by their full URI. Anything not public answers the
  same 404 as anything missing (SECURITY.md, Mastodon GHSA-gwhw-gcjx-72v8).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final, NoReturn

import orjson
from sqlalchemy import Connection, Engine, func, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.activitypub.actor_document import actor_document, actor_type, tombstone
from node.activitypub.actor_sources import with_extras
from node.activitypub.collections import (
    PageError,
    inline_collection,
    may_list_members,
    ordered_collection,
    ordered_collection_page,
    parse_page,
    window,
)
from node.activitypub.local_actors import (
    SINGLE_KINDS,
    USERNAME_RE,
    find_by_kind,
    find_by_username,
)
from node.activitypub.models import Follow, LocalActor, OutboxActivity, StoredObject
from node.activitypub.negotiation import ACTIVITY_JSON, preferred_as_type
from node.activitypub.vocab import is_public
from node.runtime import node_of

Endpoint = Callable[[Request], Awaitable[Response]]
ACTOR_PATHS: Final = {
    "node": "/actor",
    "person": "/users/{name}",
    "group": "/hubs/{name}",
    "service": "/services/{name}",
    "newswire": "/news",
}
NOT_FOUND_MESSAGE: Final = "not found"  # one answer for "missing" and "not for you"
MAX_URI = 1024  # the longest uri column; longer paths cannot name anything we store

_follows = Follow.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


def as_json(doc: Any, media_type: str | None, status: int = 200) -> Response:
    """JSON in exactly the negotiated AS media type (Mastodon rejects any other)."""
    headers = {"Vary": "Accept"}
    return Response(orjson.dumps(doc), status, headers, media_type or ACTIVITY_JSON)


def _error(status: int, message: str) -> NoReturn:
    """Raise the error; the web layer's handler answers a browser with a page and
    everyone else with ``{"error": message}`` (node.web.errors)."""
    raise HTTPException(status, message, headers={"Vary": "Accept"})


def _with_alternate(response: Response, json_url: str) -> Response:
    response.headers.add_vary_header("Accept")
    response.headers.append("Link", f'<{json_url}>; rel="alternate"; type="{ACTIVITY_JSON}"')
    return response


def requesting_actor(request: Request) -> str | None:
    """The actor proven by a verified HTTP signature on this GET, None when anonymous.

    The hook for authorized fetch: signature middleware sets ``request.state.signed_actor``.
    """
    viewer = getattr(request.state, "signed_actor", None)
    return viewer if isinstance(viewer, str) else None


def _load_actor(engine: Engine, kind: str, username: str | None) -> LocalActor | None:
    with engine.connect() as conn:
        if kind in SINGLE_KINDS:
            actor = find_by_kind(conn, kind)
        else:
            actor = find_by_username(conn, username or "")
    return actor if actor is not None and actor.kind == kind else None


async def _actor_of(request: Request, kind: str) -> LocalActor | None:
    """The actor the path names; the path's kind must be the actor's kind."""
    username = request.path_params.get("name")
    if kind not in SINGLE_KINDS and not USERNAME_RE.fullmatch(username or ""):
        return None
    return await run_in_threadpool(_load_actor, node_of(request).engine, kind, username)


def _actor_endpoint(kind: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        actor = await _actor_of(request, kind)
        if actor is None:
            return _error(404, NOT_FOUND_MESSAGE)
        media = preferred_as_type(request.headers.get("accept"))
        if actor.deleted_at is not None:
            return as_json(tombstone(actor.uri, actor_type(actor), actor.deleted_at), media, 410)
        page = node_of(request).services.pages.actor
        if media is None and page is not None:
            return _with_alternate(await page(request, actor), actor.uri)
        document = actor_document(actor, base_url=node_of(request).settings.url)
        extras = node_of(request).services.actor_sources.extras
        if extras is not None:
            added = await run_in_threadpool(_call, node_of(request).engine, extras, actor)
            document = with_extras(document, added)
        return as_json(document, media)

    return endpoint


def _call(engine: Engine, source: Callable[[Connection, LocalActor], Any],
          actor: LocalActor) -> Any:
    with engine.connect() as conn:
        return source(conn, actor)


def _count(engine: Engine, query: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _rows(engine: Engine, query: Any) -> list[Any]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


async def _paged(
    request: Request, collection_id: str, count: Any, items: Any, listable: bool = True
) -> dict[str, Any]:
    """The collection or its requested page; ``count``/``items`` are the row queries."""
    page = parse_page(request.query_params.getlist("page"))
    engine = node_of(request).engine
    total = await run_in_threadpool(_count, engine, count)
    if page is None or not listable:
        return ordered_collection(collection_id, total, paged=listable)
    span = window(page, total)
    rows = (
        []
        if span.empty
        else await run_in_threadpool(_rows, engine, items.offset(span.offset).limit(span.limit))
    )
    return ordered_collection_page(collection_id, page, total, rows)


def _outbox_queries(actor: LocalActor, _: Request) -> tuple[Any, Any, bool]:
    where = (_outbox.c.actor_id == actor.id, _outbox.c.public.is_(True))
    count = select(func.count()).select_from(_outbox).where(*where)
    items = select(_outbox.c.document).where(*where).order_by(_outbox.c.id.desc())
    return count, items, True


def _follow_queries(side: str, member: str) -> Callable[..., tuple[Any, Any, bool]]:
    """followers: rows whose ``following`` is the actor, listing ``follower`` (and back)."""

    def queries(actor: LocalActor, request: Request) -> tuple[Any, Any, bool]:
        where = (_follows.c[side] == actor.uri, _follows.c.state == "accepted")
        count = select(func.count()).select_from(_follows).where(*where)
        items = select(_follows.c[member]).where(*where).order_by(_follows.c.id.desc())
        return count, items, may_list_members(requesting_actor(request), owner=actor.uri)

    return queries


def _collection_endpoint(kind: str, suffix: str, queries: Callable[..., Any] | None) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        actor = await _actor_of(request, kind)
        if actor is None:
            return _error(404, NOT_FOUND_MESSAGE)
        if actor.deleted_at is not None:
            return _error(410, "this actor has been deleted")
        media = preferred_as_type(request.headers.get("accept"))
        collection_id = f"{actor.uri}{suffix}"
        if queries is None:  # featured: pinned objects, from the registered source if any
            source = node_of(request).services.actor_sources.featured
            items = [] if source is None else list(
                await run_in_threadpool(_call, node_of(request).engine, source, actor))
            return as_json(inline_collection(collection_id, items), media)
        count, items, listable = queries(actor, request)
        try:
            doc = await _paged(request, collection_id, count, items, listable)
        except PageError as exc:
            return _error(400, str(exc))
        return as_json(doc, media)

    return endpoint


def _request_uri(request: Request) -> str | None:
    """The full URI of the requested document, or None when it cannot name one."""
    uri = f"{node_of(request).settings.url}{request.url.path}"
    return uri if len(uri) <= MAX_URI and uri.isprintable() else None


def _first(engine: Engine, table: Any, uri: str, model: type[Any]) -> Any:
    with engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.uri == uri)).first()
    return model(**row._mapping) if row is not None else None


async def object_endpoint(request: Request) -> Response:
    """``/objects/{id}``: a local stored object, or its Tombstone once deleted (410)."""
    uri = _request_uri(request)
    engine = node_of(request).engine
    obj = await run_in_threadpool(_first, engine, _objects, uri, StoredObject) if uri else None
    if obj is None or not obj.local:
        return _error(404, NOT_FOUND_MESSAGE)
    media = preferred_as_type(request.headers.get("accept"))
    if obj.deleted_at is not None:
        return as_json(tombstone(obj.uri, obj.type, obj.deleted_at), media, 410)
    if not isinstance(obj.document, dict) or not is_public(obj.document):
        return _error(404, NOT_FOUND_MESSAGE)
    page = node_of(request).services.pages.object
    if media is None and page is not None:
        return _with_alternate(await page(request, obj), obj.uri)
    return as_json(obj.document, media)


async def activity_endpoint(request: Request) -> Response:
    """``/activities/{id}``: a public activity of a local actor, as it was delivered.

    Browsers get the page of the activity's object when that is one of our public
    objects; activities have no page of their own, so otherwise they get the JSON.
    """
    uri = _request_uri(request)
    engine = node_of(request).engine
    activity = (
        await run_in_threadpool(_first, engine, _outbox, uri, OutboxActivity) if uri else None
    )
    if activity is None or not activity.public:
        return _error(404, NOT_FOUND_MESSAGE)
    media = preferred_as_type(request.headers.get("accept"))
    page = node_of(request).services.pages.object
    if media is None and page is not None and activity.object_uri:
        obj = await run_in_threadpool(_first, engine, _objects, activity.object_uri, StoredObject)
        if (
            obj is not None
            and obj.local
            and obj.deleted_at is None
            and is_public(obj.document or {})
        ):
            return _with_alternate(await page(request, obj), activity.uri)
    return as_json(activity.document, media)


COLLECTIONS: Final[dict[str, Callable[..., Any] | None]] = {
    "/outbox": _outbox_queries,
    "/followers": _follow_queries("following", "follower"),
    "/following": _follow_queries("follower", "following"),
    "/collections/featured": None,
}


def routes() -> list[BaseRoute]:
    table: list[BaseRoute] = []
    for kind, path in ACTOR_PATHS.items():
        table.append(Route(path, _actor_endpoint(kind), methods=["GET"]))
        for suffix, queries in COLLECTIONS.items():
            endpoint = _collection_endpoint(kind, suffix, queries)
            table.append(Route(f"{path}{suffix}", endpoint, methods=["GET"]))
    table.append(Route("/objects/{id}", object_endpoint, methods=["GET"]))
    table.append(Route("/activities/{id}", activity_endpoint, methods=["GET"]))
    return table
