"""The network newswire's pages (issue 10 item 5): ``/news/network`` (the news of the
sources ``@news`` follows, each once, with its origin; moderators pick from it), its
Atom feed, and ``/news/sources`` (moderators follow and unfollow sources).

The services are the newswire's (:mod:`node.newswire.network_news`), shared with
``ionode news follow|unfollow|following|network|pick``. Remote HTML reaches the page
only through :func:`~node.web.markup.sanitized_markup`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.clock import as_utc
from node.hubs.hub.atom import FeedEntry, FeedInfo, atom_feed
from node.hubs.hub.atom_views import MEDIA_TYPE
from node.newswire.errors import NewsError
from node.newswire.moderation.roles import role_of
from node.newswire.network_news.service import NetworkEntry, network_page, pick
from node.newswire.network_news.sources import (
    find_source,
    follow_source,
    sources,
    unfollow_source,
)
from node.runtime import Node, node_of
from node.web.auth import current_login
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import in_transaction
from node.web.i18n import N_
from node.web.markup import sanitized_markup
from node.web.moderation_queue import moderator_required
from node.web.news_views import cursor, field
from node.web.templating import render

SAVED = {
    "picked": N_("Picked: the newswire shared it with its followers; the decision is in "
                 "the public log."),
    "followed": N_("Follow sent: the source's news arrives once it accepts."),
    "unfollowed": N_("The newswire no longer follows that source."),
}


def _network(node: Node, before: int | None, account_id: int | None) -> dict[str, Any]:
    with node.engine.connect() as conn:
        entries, older = network_page(conn, before)
        return {"entries": entries, "older": older,
                "moderates": role_of(conn, account_id) is not None}


async def network_response(request: Request, *, status: int = 200, error: str = "",
                           error_for: int = 0) -> Response:
    login = await current_login(request)
    data = await run_in_threadpool(_network, node_of(request), cursor(request),
                                   login.account.id if login else None)
    context = {**data, "error": error, "error_for": error_for,
               "flash": SAVED.get(request.query_params.get("saved", ""), ""),
               "texts": {e.id: sanitized_markup(e.content_html) for e in data["entries"]}}
    return await render(request, "news_network.html", context, status=status)


async def network_view(request: Request) -> Response:
    """GET /news/network: network news, newest first."""
    return await network_response(request)


def _network_id(request: Request) -> int:
    value = str(request.path_params["id"])
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise HTTPException(404)
    return int(value)


@moderator_required
async def pick_submit(request: Request, login: Login, role: str) -> Response:
    """POST /news/network/{id}/pick: ``@news`` Announces the item; logged publicly."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    network_id = _network_id(request)
    try:
        await in_transaction(request, lambda node, conn: pick(node, conn, network_id,
                                                              role=role))
    except NewsError as exc:
        return await network_response(request, status=400, error=str(exc),
                                      error_for=network_id)
    return RedirectResponse("/news/network?saved=picked", status_code=303)


def network_feed(node: Node) -> bytes:
    with node.engine.connect() as conn:
        entries, _ = network_page(conn)
    base = node.settings.url
    name = f"{node.settings.node_name} network news"
    items = [_feed_entry(e) for e in entries]
    info = FeedInfo(id=f"{base}/news/network/feed.atom", title=name,
                    self_url=f"{base}/news/network/feed.atom",
                    alternate_url=f"{base}/news/network", author_name=name,
                    author_uri=f"{base}/news",
                    updated=max([e.updated for e in items], default=as_utc(node.clock())))
    return atom_feed(info, items)


def _feed_entry(e: NetworkEntry) -> FeedEntry:
    return FeedEntry(id=e.object_uri, title=e.title or e.url, url=e.url,
                     author_name=e.author_handle, author_uri=e.author_uri,
                     published=as_utc(e.received_at), updated=as_utc(e.received_at),
                     content_html=e.content_html)


async def network_feed_view(request: Request) -> Response:
    """GET /news/network/feed.atom."""
    body = await run_in_threadpool(network_feed, node_of(request))
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, 200, headers, MEDIA_TYPE)


async def sources_response(request: Request, *, status: int = 200, error: str = "",
                           typed: str = "") -> Response:
    node = node_of(request)

    def load() -> Any:
        with node.engine.connect() as conn:
            return sources(conn, node.settings.url)

    context = {"sources": await run_in_threadpool(load), "error": error, "typed": typed,
               "flash": SAVED.get(request.query_params.get("saved", ""), "")}
    return await render(request, "news_sources.html", context, status=status)


@moderator_required
async def sources_page(request: Request, login: Login, role: str) -> Response:
    """GET /news/sources: the sources ``@news`` follows, and a form to follow one."""
    return await sources_response(request)


@moderator_required
async def follow_submit(request: Request, login: Login, role: str) -> Response:
    """POST /news/sources/follow: look the source up, then queue the Follow."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    typed = field(form, "source")
    try:
        target = await find_source(node_of(request), typed)
        await in_transaction(request, lambda node, conn: follow_source(node, conn, target))
    except NewsError as exc:
        return await sources_response(request, status=400, error=str(exc), typed=typed)
    return RedirectResponse("/news/sources?saved=followed", status_code=303)


@moderator_required
async def unfollow_submit(request: Request, login: Login, role: str) -> Response:
    """POST /news/sources/unfollow: Undo the Follow of one source."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    uri = field(form, "uri")
    try:
        await in_transaction(request, lambda node, conn: unfollow_source(node, conn, uri))
    except NewsError as exc:
        return await sources_response(request, status=400, error=str(exc))
    return RedirectResponse("/news/sources?saved=unfollowed", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/news/network", network_view, methods=["GET"]),
        Route("/news/network/feed.atom", network_feed_view, methods=["GET"]),
        Route("/news/network/{id}/pick", pick_submit, methods=["POST"]),
        Route("/news/sources", sources_page, methods=["GET"]),
        Route("/news/sources/follow", follow_submit, methods=["POST"]),
        Route("/news/sources/unfollow", unfollow_submit, methods=["POST"]),
    ]
