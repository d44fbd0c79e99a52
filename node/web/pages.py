"""Public HTML pages of actors and objects, served to browsers at the same URLs as the
ActivityPub JSON: :func:`html_pages` registers both with the protocol's content
negotiation when the node is built.

Both pages re-sanitise stored HTML before showing it, even though it was sanitised
on the way in: a bug or an old row must not become script on our origin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from node.accounts.sessions import Login
from node.activitypub.html_pages import HtmlPages
from node.activitypub.models import LocalActor, StoredObject
from node.hubs.hub.models import Hub, HubItem
from node.media.srcsets import COLUMN_SIZES, srcsets
from node.runtime import Node, node_of
from node.web.auth import current_login
from node.web.hub_page import hub_page
from node.web.item_images import item_images
from node.web.markup import sanitized_markup
from node.web.poll_page import flash_of, poll_page
from node.web.queries import (
    KIND_LABELS,
    author_link,
    followers_count,
    is_public,
    post_view,
    recent_public_posts,
    web_url,
)
from node.web.rsvp_page import rsvp_page
from node.web.templating import render

_hub = Hub.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]


def _actor_context(engine: Engine, actor: LocalActor) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            "followers": followers_count(conn, actor.uri),
            "posts": recent_public_posts(conn, actor.uri),
        }


async def actor_page(request: Request, actor: LocalActor) -> Response:
    """Profile of a local actor: name, handle, kind, summary, followers, recent posts."""
    if actor.deleted_at is not None:
        raise HTTPException(404)
    if actor.kind == "group":
        return await hub_page(request, actor)
    node = node_of(request)
    data = await run_in_threadpool(_actor_context, node.engine, actor)
    context = {
        "actor": actor,
        "handle": f"@{actor.username}@{node.settings.host}",
        "kind_label": KIND_LABELS.get(actor.kind, actor.kind),
        "summary": sanitized_markup(actor.summary),
        "alternate": actor.uri,
        **data,
    }
    return await render(request, "actor.html", context)


def _object_context(engine: Engine, node: Node, obj: StoredObject,
                    login: Login | None) -> dict[str, Any]:
    """Author, the timezone of the hub that holds the item, a Question's poll, and the
    ``srcset`` of its attachments uploaded here (:mod:`node.media.srcsets`)."""
    with engine.connect() as conn:
        return {
            "author": author_link(conn, obj.attributed_to, node.settings.host),
            "zone": hub_zone_of(conn, obj.uri) or node.settings.timezone,
            "poll": poll_page(conn, node, obj, login) if obj.type == "Question" else None,
            "rsvp": rsvp_page(conn, node, obj, login) if obj.type == "Event" else None,
            "srcsets": srcsets(conn, node.settings.url,
                               [image.url for image in item_images(obj.document or {})]),
            "column_sizes": COLUMN_SIZES,
        }


def hub_zone_of(conn: Connection, uri: str) -> str:
    """The timezone of the first hub that published ``uri``; "" when none set one."""
    zone = conn.execute(select(_hub.c.timezone).join(_item, _item.c.hub_id == _hub.c.id)
                        .where(_item.c.object_uri == uri, _item.c.state == "published")
                        .order_by(_item.c.id).limit(1)).scalar()
    return zone if isinstance(zone, str) else ""


async def object_page(request: Request, obj: StoredObject, *, status: int = 200,
                      error: str = "") -> Response:
    """One public post with its author; anything deleted or not public is one plain 404.

    A poll (Question) shows its options, tallies and vote form (:mod:`node.web.poll_page`);
    times are shown in the timezone of the hub the item is in.
    """
    if obj.deleted_at is not None or not is_public(obj.document):
        raise HTTPException(404)
    node = node_of(request)
    login = await current_login(request)
    data = await run_in_threadpool(_object_context, node.engine, node, obj, login)
    context = {"post": post_view(obj), "alternate": web_url(obj.uri), "error": error,
               "flash": "" if error else flash_of(request), **data}
    return await render(request, "object.html", context, status=status)


def html_pages() -> HtmlPages:
    """The pages this layer registers with the protocol's content negotiation."""
    return HtmlPages(actor=actor_page, object=object_page)
