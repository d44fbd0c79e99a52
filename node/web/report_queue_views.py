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

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.newswire.reports.decisions import act, dismiss
from node.newswire.reports.service import reports
from node.runtime import Node
from node.web.i18n import N_
from node.web.moderation_queue import ModerationQueue, decision_form, moderator_required
from node.web.news_views import field

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


QUEUE = ModerationQueue("/news/reports", "reports_queue.html", _queue, SAVED, {"error_for": 0})


@moderator_required
async def decide(request: Request, login: Login, role: str) -> Response:
    """POST /news/reports/{id}: ``decision`` is dismiss, removed or forwarded."""
    form, report_id = await decision_form(request, login)
    decision, note = field(form, "decision"), field(form, "note")

    def work(node: Node, conn: Connection) -> object:
        if decision == "dismiss":
            return dismiss(node, conn, report_id, role=role, note=note)
        return act(node, conn, report_id, role=role, action=decision, note=note)

    return await QUEUE.decide(request, report_id, work,
                              "dismissed" if decision == "dismiss" else decision)


def routes() -> list[BaseRoute]:
    return [
        QUEUE.page_route(),
        Route("/news/reports/{id}", decide, methods=["POST"]),
    ]
