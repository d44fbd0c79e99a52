"""``/news/queue`` and ``/news/conduct/edit``: the news moderators' pages.

The queue is for node admins and news moderators (:mod:`node.newswire.moderation.roles`):
anonymous visitors are sent to sign in, other organizers get a 403. Approving may edit
the title and text (the published Article then says it was edited); rejecting cites a
clause of the current Code of Conduct. Editing the Code of Conduct and the Principles
of Accountability is for node admins only. Merging closes an item as a duplicate of
another (waiting or published) one. Every form carries the session's CSRF token.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.newswire.conduct.default import default_markdown
from node.newswire.conduct.rules import DOCUMENTS, clauses
from node.newswire.conduct.service import current, in_force, publish_version
from node.newswire.errors import NewsError
from node.newswire.moderation.merge import NO_TARGET, candidates, merge
from node.newswire.moderation.service import approve, reject, waiting
from node.runtime import Node, node_of
from node.web.admin_views import admin_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import in_transaction
from node.web.i18n import N_, translator
from node.web.moderation_queue import (
    MAX_ID_DIGITS,
    ModerationQueue,
    decision_form,
    moderator_required,
)
from node.web.news_views import field
from node.web.templating import render

SAVED = {
    "approved": N_("The news is published and on its way to the newswire's followers."),
    "rejected": N_("The news is rejected; the decision is in the public log."),
    "merged": N_("The news is merged as a duplicate; the decision is in the public log."),
    "conduct": N_("The new version is published."),
}


def _queue(node: Node) -> dict[str, Any]:
    with node.engine.connect() as conn:
        conduct = in_force(conn, "conduct")
        return {"items": waiting(conn), "conduct": conduct, "candidates": candidates(conn),
                "clauses": clauses(conduct.markdown) if conduct else []}


QUEUE = ModerationQueue("/news/queue", "news_queue.html", _queue, SAVED,
                        {"error_for": 0, "typed": {}})


@moderator_required
async def approve_submit(request: Request, login: Login, role: str) -> Response:
    """POST /news/queue/{id}/approve: publish, with the moderators' edits if any."""
    form, item_id = await decision_form(request, login)
    title, body = field(form, "title"), field(form, "body")
    return await QUEUE.decide(request, item_id, lambda node, conn: approve(
        node, conn, item_id, role=role, title=title, body=body), "approved",
        typed={"title": title, "body": body})


@moderator_required
async def reject_submit(request: Request, login: Login, role: str) -> Response:
    """POST /news/queue/{id}/reject: reject citing a clause; logged publicly."""
    form, item_id = await decision_form(request, login)
    clause, note = field(form, "clause"), field(form, "note")
    return await QUEUE.decide(request, item_id, lambda node, conn: reject(
        node, conn, item_id, role=role, clause=clause, note=note), "rejected",
        typed={"note": note})


@moderator_required
async def merge_submit(request: Request, login: Login, role: str) -> Response:
    """POST /news/queue/{id}/merge: close the item as a duplicate of item ``into``."""
    form, item_id = await decision_form(request, login)
    into = field(form, "into").strip().lstrip("#")

    def work(node: Node, conn: Connection) -> object:
        if not (into.isascii() and into.isdigit()) or len(into) > MAX_ID_DIGITS:
            raise NewsError(NO_TARGET)
        return merge(node, conn, item_id, into=int(into), role=role)

    return await QUEUE.decide(request, item_id, work, "merged", typed={"into": into})


def _documents(node: Node) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return {doc: current(conn, doc) for doc in DOCUMENTS}


async def conduct_edit_response(request: Request, *, status: int = 200,
                                **values: Any) -> Response:
    shown = await run_in_threadpool(_documents, node_of(request))
    # the default Code of Conduct, in the admin's language, is the text to start from
    default = default_markdown(translator(request).gettext)
    typed = {doc: (v.markdown if v else default if doc == "conduct" else "")
             for doc, v in shown.items()}
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
        QUEUE.page_route(),
        Route("/news/queue/{id}/approve", approve_submit, methods=["POST"]),
        Route("/news/queue/{id}/reject", reject_submit, methods=["POST"]),
        Route("/news/queue/{id}/merge", merge_submit, methods=["POST"]),
        Route("/news/conduct/edit", conduct_edit, methods=["GET"]),
        Route("/news/conduct/edit", conduct_submit, methods=["POST"]),
    ]
