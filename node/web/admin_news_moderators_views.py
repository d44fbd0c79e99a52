"""``/admin/news-moderators``: node admins give and take the news-moderator role.

The same service as ``ionode news moderator add|remove|list``
(:mod:`node.newswire.moderation.roles`), so the same refusals. Node admins only (a
moderator cannot appoint others); every POST carries the session's CSRF token; a refused
form comes back with the refusal beside it and what was typed.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.newswire.errors import NewsError
from node.newswire.moderation.roles import add_moderator, list_moderators, remove_moderator
from node.runtime import Node, node_of
from node.web.admin_views import admin_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import in_transaction
from node.web.i18n import N_
from node.web.news_views import field
from node.web.templating import render

PAGE = "/admin/news-moderators"
MAX_NAME = 100
SAVED = {
    "add": N_("The organizer is now a news moderator."),
    "remove": N_("The organizer is no longer a news moderator."),
}


def _data(node: Node) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return {"moderators": list_moderators(conn)}


async def moderators_response(request: Request, *, status: int = 200,
                              **values: Any) -> Response:
    context = {**await run_in_threadpool(_data, node_of(request)),
               "flash": SAVED.get(request.query_params.get("saved", ""), ""),
               "error": "", "error_for": "", "name": "", **values}
    return await render(request, "admin_news_moderators.html", context, status=status)


@admin_required
async def moderators_page(request: Request, login: Login) -> Response:
    """GET /admin/news-moderators."""
    return await moderators_response(request)


@admin_required
async def add_submit(request: Request, login: Login) -> Response:
    """POST /admin/news-moderators/add: a local organizer by username."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    name = field(form, "name").strip()[:MAX_NAME]
    try:
        await in_transaction(request, lambda node, conn: add_moderator(
            conn, name, node.clock()))
    except NewsError as exc:
        return await moderators_response(request, status=400, error=str(exc),
                                         error_for="add", name=name)
    return RedirectResponse(f"{PAGE}?saved=add", status_code=303)


@admin_required
async def remove_submit(request: Request, login: Login) -> Response:
    """POST /admin/news-moderators/remove."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    name = field(form, "name").strip()[:MAX_NAME]
    try:
        await in_transaction(request, lambda node, conn: remove_moderator(conn, name))
    except NewsError as exc:
        return await moderators_response(request, status=400, error=str(exc),
                                         error_for="list")
    return RedirectResponse(f"{PAGE}?saved=remove", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route(PAGE, moderators_page, methods=["GET"]),
        Route(f"{PAGE}/add", add_submit, methods=["POST"]),
        Route(f"{PAGE}/remove", remove_submit, methods=["POST"]),
    ]
