"""``/admin/blocks``: moderators block accounts and domains and keep the allowlist.

The same services as ``ionode block ...`` and ``ionode allow ...``
(:mod:`node.newswire.blocks.service`), so the same rules and refusals. For node admins
and news moderators (:func:`node.web.news_moderation_views.moderator_required`); every
POST carries the session's CSRF token; a refused form comes back with the refusal beside
it and what was typed. After each change this process's policy cache is dropped, so the
next request is already judged by the new policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.newswire.blocks.service import (
    allow,
    block,
    disallow,
    overview,
    resolve_target,
    set_mode,
    unblock,
)
from node.newswire.errors import NewsError
from node.runtime import Node, node_of
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import in_transaction, shown
from node.web.i18n import N_
from node.web.moderation_queue import moderator_required
from node.web.news_views import field
from node.web.templating import render

PAGE = "/admin/blocks"
SAVED = {
    "block": N_("The block is saved and listed in the public moderation log."),
    "unblock": N_("The block is lifted."),
    "mode": N_("The federation mode is saved."),
    "allow": N_("The domain is on the allowlist."),
    "disallow": N_("The domain is no longer on the allowlist."),
}


def _data(node: Node) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return {"view": overview(conn)}


async def blocks_response(request: Request, *, status: int = 200, **values: Any) -> Response:
    """The page; ``values`` carry a refused form (``error_for``) and what was typed."""
    data = await run_in_threadpool(_data, node_of(request))
    account = request.query_params.get("account", "")  # shown only if it is a block here
    listed = {rule.target for rule in data["view"].actors}
    context = {**data,
               "flash": SAVED.get(request.query_params.get("saved", ""), ""),
               "blocked_account": account if account in listed else "",
               "error": "", "error_for": "", "target": "", "reason": "", "domain": "",
               **values}
    return await render(request, "admin_blocks.html", context, status=status)


@moderator_required
async def blocks_page(request: Request, login: Login, role: str) -> Response:
    """GET /admin/blocks."""
    return await blocks_response(request)


async def _change(request: Request, what: str, work: Callable[[Node, Connection], object],
                  account: str = "", **typed: str) -> Response:
    try:
        await in_transaction(request, work)
    except NewsError as exc:
        return await blocks_response(request, status=400, error=shown(exc),
                                     error_for=what, **typed)
    node_of(request).services.policy.invalidate()
    also = f"&{urlencode({'account': account})}" if account else ""
    return RedirectResponse(f"{PAGE}?saved={what}{also}", status_code=303)


@moderator_required
async def block_submit(request: Request, login: Login, role: str) -> Response:
    """POST /admin/blocks/add: an account (looked up first) or a domain, with a reason."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    text, reason = field(form, "target"), field(form, "reason")
    try:
        target = await resolve_target(node_of(request), text)
    except NewsError as exc:
        return await blocks_response(request, status=400, error=shown(exc),
                                     error_for="block", target=text, reason=reason)
    return await _change(request, "block", lambda node, conn: block(
        node, conn, target, reason, role=role),
        account=target.value if target.kind == "actor" else "", target=text, reason=reason)


@moderator_required
async def unblock_submit(request: Request, login: Login, role: str) -> Response:
    """POST /admin/blocks/remove."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    text = field(form, "target")
    try:
        target = await resolve_target(node_of(request), text)
    except NewsError as exc:
        return await blocks_response(request, status=400, error=shown(exc),
                                     error_for="blocks")
    return await _change(request, "unblock", lambda node, conn: unblock(
        node, conn, target, role=role))


@moderator_required
async def mode_submit(request: Request, login: Login, role: str) -> Response:
    """POST /admin/blocks/mode: open, or allowlist."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    mode = field(form, "mode")
    return await _change(request, "mode", lambda node, conn: set_mode(
        node, conn, mode, role=role))


@moderator_required
async def allow_submit(request: Request, login: Login, role: str) -> Response:
    """POST /admin/blocks/allow."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    domain, reason = field(form, "domain"), field(form, "reason")
    return await _change(request, "allow", lambda node, conn: allow(
        node, conn, domain, reason, role=role), domain=domain)


@moderator_required
async def disallow_submit(request: Request, login: Login, role: str) -> Response:
    """POST /admin/blocks/disallow."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    domain = field(form, "domain")
    return await _change(request, "disallow", lambda node, conn: disallow(
        node, conn, domain, role=role))


def routes() -> list[BaseRoute]:
    return [
        Route(PAGE, blocks_page, methods=["GET"]),
        Route(f"{PAGE}/add", block_submit, methods=["POST"]),
        Route(f"{PAGE}/remove", unblock_submit, methods=["POST"]),
        Route(f"{PAGE}/mode", mode_submit, methods=["POST"]),
        Route(f"{PAGE}/allow", allow_submit, methods=["POST"]),
        Route(f"{PAGE}/disallow", disallow_submit, methods=["POST"]),
    ]
