"""Public HTML pages of actors and objects, served to browsers at the same URLs as the
ActivityPub JSON: :func:`html_pages` registers both with the protocol's content
negotiation when the node is built.

Both pages re-sanitise stored HTML before showing it, even though it was sanitised
on the way in: a bug or an old row must not become script on our origin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.html_pages import HtmlPages
from node.activitypub.models import LocalActor, StoredObject
from node.runtime import node_of
from node.web.hub_page import hub_page
from node.web.markup import sanitized_markup
from node.web.queries import (
    KIND_LABELS,
    ActorLink,
    author_link,
    followers_count,
    is_public,
    post_view,
    recent_public_posts,
    web_url,
)
from node.web.templating import render


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


def _author(engine: Engine, uri: str | None, host: str) -> ActorLink | None:
    with engine.connect() as conn:
        return author_link(conn, uri, host)


async def object_page(request: Request, obj: StoredObject) -> Response:
    """One public post with its author; anything deleted or not public is one plain 404."""
    if obj.deleted_at is not None or not is_public(obj.document):
        raise HTTPException(404)
    node = node_of(request)
    author = await run_in_threadpool(_author, node.engine, obj.attributed_to, node.settings.host)
    context = {"post": post_view(obj), "author": author, "alternate": web_url(obj.uri)}
    return await render(request, "object.html", context)


def html_pages() -> HtmlPages:
    """The pages this layer registers with the protocol's content negotiation."""
    return HtmlPages(actor=actor_page, object=object_page)
