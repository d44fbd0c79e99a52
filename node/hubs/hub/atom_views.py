"""``GET /hubs/{name}/feed.atom``: the hub's newest published items as Atom 1.0.

Only public, not deleted objects the hub published are listed (held and refused posts
never), newest first, at most :data:`FEED_SIZE`. Stored HTML is sanitised again on the
way out, as the HTML pages do. An ``ETag`` lets feed readers poll with
``If-None-Match`` and get ``304 Not Modified`` (RFC 9110 §13.1.2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.activitypub.local_actors import USERNAME_RE
from node.activitypub.models import LocalActor, RemoteActor, StoredObject
from node.activitypub.remote_objects import parse_time
from node.activitypub.vocab import is_public
from node.clock import as_utc
from node.html import sanitize_html
from node.hubs.hub.atom import ATOM_TYPE, FeedEntry, FeedInfo, atom_feed, plain_title
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import HubError, HubTarget, load_hub
from node.runtime import node_of

FEED_SIZE = 50
MEDIA_TYPE = f"{ATOM_TYPE}; charset=utf-8"
_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_local = LocalActor.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]



def _web(value: object, fallback: str) -> str:
    """``value`` when it is an http(s) URL (``url`` may also be a Link), else ``fallback``."""
    if isinstance(value, Mapping):
        value = value.get("href")
    if isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
        return value
    return fallback


def author_names(conn: Connection, uris: Sequence[str]) -> dict[str, str]:
    """Display names of local and cached remote actors, by URI."""
    names: dict[str, str] = {}
    for table in (_remote, _local):
        query = select(table.c.uri, table.c.display_name).where(table.c.uri.in_(set(uris)))
        names.update((uri, name) for uri, name in conn.execute(query) if name)
    return names


def feed_entries(conn: Connection, target: HubTarget, limit: int = FEED_SIZE) -> list[FeedEntry]:
    """The hub's published, live, public items, newest first."""
    rows = conn.execute(
        select(_objects.c.uri, _objects.c.document, _objects.c.published, _item.c.author_uri,
               _item.c.created_at)
        .join(_item, _item.c.object_uri == _objects.c.uri)
        .where(_item.c.hub_id == target.hub.id, _item.c.state == "published",
               _objects.c.deleted_at.is_(None))
        .order_by(_item.c.created_at.desc(), _item.c.id.desc()).limit(limit)).all()
    live = [r for r in rows if isinstance(r.document, dict) and is_public(r.document)]
    names = author_names(conn, [r.author_uri for r in live])
    return [_entry(r, names.get(r.author_uri, "")) for r in live]


def _entry(row: Any, author_name: str) -> FeedEntry:
    document: dict[str, Any] = row.document
    content = sanitize_html(str(document.get("content") or ""))
    published = as_utc(parse_time(document.get("published")) or row.published or row.created_at)
    updated = parse_time(document.get("updated")) or published
    summary = document.get("summary")
    return FeedEntry(
        id=row.uri, title=plain_title(document.get("name"), content),
        url=_web(document.get("url"), row.uri), author_name=author_name,
        author_uri=row.author_uri, published=published, updated=max(published, as_utc(updated)),
        content_html=content,
        summary_html=sanitize_html(summary) if isinstance(summary, str) else "")


def hub_feed(conn: Connection, name: str) -> bytes | None:
    """The Atom document of hub ``name``, or None when there is no such hub."""
    try:
        target = load_hub(conn, name)
    except HubError:
        return None
    entries = feed_entries(conn, target)
    actor = target.actor
    info = FeedInfo(
        id=f"{actor.uri}/feed.atom", title=actor.display_name or actor.username,
        self_url=f"{actor.uri}/feed.atom", alternate_url=actor.uri,
        author_name=actor.display_name or actor.username, author_uri=actor.uri,
        updated=max([as_utc(actor.updated_at), *(e.updated for e in entries)]),
        subtitle_html=sanitize_html(actor.summary), icon=actor.icon_url)
    return atom_feed(info, entries)


def _render(engine: Engine, name: str) -> bytes | None:
    with engine.connect() as conn:
        return hub_feed(conn, name)


async def feed_endpoint(request: Request) -> Response:
    name = str(request.path_params.get("name", ""))
    body = await run_in_threadpool(_render, node_of(request).engine, name) if USERNAME_RE.fullmatch(
        name) else None
    if body is None:
        return Response("not found", 404, media_type="text/plain")
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, 200, headers, MEDIA_TYPE)


def routes() -> list[BaseRoute]:
    return [Route("/hubs/{name}/feed.atom", feed_endpoint, methods=["GET"])]
