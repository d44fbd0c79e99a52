"""``/news/queue`` and ``/news/conduct/edit``: the news moderators' pages.

The queue is for node admins and news moderators (:mod:`node.newswire.moderation.roles`):
anonymous visitors are sent to sign in, other organizers get a 403. Approving may edit
the title and text (the published Article then says it was edited); rejecting cites a
clause of the current Code of Conduct. Editing the Code of Conduct and the Principles
of Accountability is for node admins only. Merging closes an item as a duplicate of
another (waiting or published) one. Every form carries the session's CSRF token.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.newswire.conduct.rules import DOCUMENTS, clauses
from node.newswire.conduct.service import current, publish_version
from node.newswire.errors import NewsError
from node.newswire.moderation.merge import NO_TARGET, candidates, merge
from node.newswire.moderation.roles import NOT_MODERATOR, role_of
from node.newswire.moderation.service import approve, reject, waiting
from node.runtime import Node, node_of
from node.web.admin_views import admin_required
from node.web.auth import Endpoint, LoginEndpoint, login_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import in_transaction
from node.web.i18n import N_
from node.web.news_views import field
from node.web.templating import render

SAVED = {
    "approved": N_("The news is published and on its way to the newswire's followers."),
    "rejected": N_("The news is rejected; the decision is in the public log."),
    "merged": N_("The news is merged as a duplicate; the decision is in the public log."),
    "conduct": N_("The new version is published."),
}


def _role(node: Node, login: Login) -> str | None:
    with node.engine.connect() as conn:
        return role_of(conn, login.account.id)


def moderator_required(endpoint: Any) -> Endpoint:
    """``login_required``, a 403 for organizers who do not moderate the news; the
    endpoint gets the moderator's role."""

    @functools.wraps(endpoint)
    async def guarded(request: Request, login: Login) -> Response:
        role = await run_in_threadpool(_role, node_of(request), login)
        if role is None:
            raise HTTPException(403, NOT_MODERATOR)
        response: Response = await endpoint(request, login, role)
        return response

    inner: LoginEndpoint = guarded
    return login_required(inner)


def _queue(node: Node) -> dict[str, Any]:
    with node.engine.connect() as conn:
        conduct = current(conn, "conduct")
        return {"items": waiting(conn), "conduct": conduct, "candidates": candidates(conn),
                "clauses": clauses(conduct.markdown) if conduct else []}


async def queue_response(request: Request, *, status: int = 200, **values: Any) -> Response:
    data = await run_in_threadpool(_queue, node_of(request))
    context = {"flash": SAVED.get(request.query_params.get("saved", ""), ""), "error": "",
               "error_for": 0, "typed": {}, **data, **values}
    return await render(request, "news_queue.html", context, status=status)


@moderator_required
async def queue_page(request: Request, login: Login, role: str) -> Response:
    """GET /news/queue."""
    return await queue_response(request)


def _item_id(request: Request) -> int:
    value = str(request.path_params["id"])
    if not value.isdigit() or len(value) > 12:
        raise HTTPException(404)
    return int(value)


@moderator_required
async def approve_submit(request: Request, login: Login, role: str) -> Response:
    """POST /news/queue/{id}/approve: publish, with the moderators' edits if any."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    item_id = _item_id(request)
    title, body = field(form, "title"), field(form, "body")
    try:
        await in_transaction(request, lambda node, conn: approve(
            node, conn, item_id, role=role, title=title, body=body))
    except NewsError as exc:
        return await queue_response(request, status=400, error=str(exc), error_for=item_id,
                                    typed={"title": title, "body": body})
    return RedirectResponse("/news/queue?saved=approved", status_code=303)


@moderator_required
async def reject_submit(request: Request, login: Login, role: str) -> Response:
    """POST /news/queue/{id}/reject: reject citing a clause; logged publicly."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    item_id = _item_id(request)
    clause, note = field(form, "clause"), field(form, "note")
    try:
        await in_transaction(request, lambda node, conn: reject(
            node, conn, item_id, role=role, clause=clause, note=note))
    except NewsError as exc:
        return await queue_response(request, status=400, error=str(exc), error_for=item_id,
                                    typed={"note": note})
    return RedirectResponse("/news/queue?saved=rejected", status_code=303)


@moderator_required
async def merge_submit(request: Request, login: Login, role: str) -> Response:
    """POST /news/queue/{id}/merge: close the item as a duplicate of item ``into``."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    item_id, into = _item_id(request), field(form, "into").strip().lstrip("#")
    try:
        if not into.isdigit() or len(into) > 12:
            raise NewsError(NO_TARGET)
        await in_transaction(request, lambda node, conn: merge(
            node, conn, item_id, into=int(into), role=role))
    except NewsError as exc:
        return await queue_response(request, status=400, error=str(exc), error_for=item_id,
                                    typed={"into": into})
    return RedirectResponse("/news/queue?saved=merged", status_code=303)


def _documents(node: Node) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return {doc: current(conn, doc) for doc in DOCUMENTS}


async def conduct_edit_response(request: Request, *, status: int = 200,
                                **values: Any) -> Response:
    shown = await run_in_threadpool(_documents, node_of(request))
    typed = {doc: (v.markdown if v else "") for doc, v in shown.items()}
    context = {"flash": SAVED.get(request.query_params.get("saved", ""), ""), "error": "",
               "error_for": "", "shown": shown, "typed": typed, **values}
    if "typed_one" in values:
        context["typed"] = {**typed, **values["typed_one"]}
    return await render(request, "news_conduct_edit.html", context, status=status)


@admin_required
async def conduct_edit(request: Request, login: Login) -> Response:
    """GET /news/conduct/edit (node admins)."""
    return await conduct_edit_response(request)


@admin_required
async def conduct_submit(request: Request, login: Login) -> Response:
    """POST /news/conduct/edit: a new version of one document."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    document, text = field(form, "document"), field(form, "markdown")
    try:
        await in_transaction(request, lambda node, conn: publish_version(
            conn, document, text, node.clock()))
    except NewsError as exc:
        return await conduct_edit_response(request, status=400, error=str(exc),
                                           error_for=document, typed_one={document: text})
    return RedirectResponse("/news/conduct/edit?saved=conduct", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/news/queue", queue_page, methods=["GET"]),
        Route("/news/queue/{id}/approve", approve_submit, methods=["POST"]),
        Route("/news/queue/{id}/reject", reject_submit, methods=["POST"]),
        Route("/news/queue/{id}/merge", merge_submit, methods=["POST"]),
        Route("/news/conduct/edit", conduct_edit, methods=["GET"]),
        Route("/news/conduct/edit", conduct_submit, methods=["POST"]),
    ]
