"""``/news/reports``: the reports queue of the node's admins and news moderators.

Open reports oldest first, each with what was reported, why, the comment, where it
came from (a form, the command line, or another server's Flag) and whether a Flag went
to a remote origin. A moderator dismisses a report or acts on it: ``removed`` deletes
this node's reported items (the Delete goes out), ``forwarded`` records that remote
content is its origin's to judge. Each decision enters the public moderation log with
the moderator's role only (:mod:`node.newswire.reports.decisions`).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.newswire.errors import NewsError
from node.newswire.reports.decisions import act, dismiss
from node.newswire.reports.service import reports
from node.runtime import Node, node_of
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import in_transaction
from node.web.i18n import N_
from node.web.news_moderation_views import moderator_required
from node.web.news_views import field
from node.web.templating import render

SAVED = {
    "dismissed": N_("The report is dismissed; the decision is in the public log."),
    "removed": N_("The item is removed and its deletion sent; the decision is in the "
                  "public log."),
    "forwarded": N_("The report is closed as forwarded; the decision is in the public log."),
}


def _queue(node: Node) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return {"open": reports(conn), "recent": [r for r in reports(conn, open_only=False,
                                                                      limit=20)
                                                   if r.state != "open"]}


async def queue_response(request: Request, *, status: int = 200, **values: Any) -> Response:
    data = await run_in_threadpool(_queue, node_of(request))
    context = {"flash": SAVED.get(request.query_params.get("saved", ""), ""), "error": "",
               "error_for": 0, **data, **values}
    return await render(request, "reports_queue.html", context, status=status)


def _report_id(request: Request) -> int:
    value = str(request.path_params["id"])
    if not value.isdigit() or len(value) > 12:
        raise HTTPException(404)
    return int(value)


@moderator_required
async def reports_page(request: Request, login: Login, role: str) -> Response:
    """GET /news/reports."""
    return await queue_response(request)


@moderator_required
async def decide(request: Request, login: Login, role: str) -> Response:
    """POST /news/reports/{id}: ``decision`` is dismiss, removed or forwarded."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    report_id = _report_id(request)
    decision, note = field(form, "decision"), field(form, "note")
    try:
        if decision == "dismiss":
            await in_transaction(request, lambda node, conn: dismiss(
                node, conn, report_id, role=role, note=note))
        else:
            await in_transaction(request, lambda node, conn: act(
                node, conn, report_id, role=role, action=decision, note=note))
    except NewsError as exc:
        return await queue_response(request, status=400, error=str(exc), error_for=report_id)
    saved = "dismissed" if decision == "dismiss" else decision
    return RedirectResponse(f"/news/reports?saved={saved}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/news/reports", reports_page, methods=["GET"]),
        Route("/news/reports/{id}", decide, methods=["POST"]),
    ]
