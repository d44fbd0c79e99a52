"""``/admin/digest``: the digest's schedule, its progress and its subscribers, for node
admins (the same services as ``ionode news digest`` and ``ionode news subscribers``).

Making a digest here only queues its mail; the workers send it at the SMTP server's
pace, and this page shows how far they are (queued, sending, sent, failed, bounced).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.newswire.digest.progress import STATES, digests
from node.newswire.digest.schedule import (
    WEEKDAYS,
    clear_schedule,
    next_slot,
    read_schedule,
    set_schedule,
)
from node.newswire.digest.subscribers import subscriber_counts
from node.newswire.digest.tasks import digest_now
from node.newswire.errors import NewsError
from node.runtime import Node, node_of
from node.web.admin_views import admin_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import in_transaction
from node.web.i18n import N_
from node.web.news_views import field
from node.web.templating import render

SAVED = {
    "schedule": N_("The schedule is saved."),
    "off": N_("No digest is made automatically now."),
    "made": N_("The digest is made; its mail is queued and the workers send it."),
    "empty": N_("No news was approved since the last digest: no digest was made."),
}
DAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
             N_("Saturday"), N_("Sunday"))


def _data(node: Node) -> dict[str, Any]:
    with node.engine.connect() as conn:
        schedule = read_schedule(conn)
        recent, _ = digests(conn, limit=10)
        return {"schedule": schedule, "digests": recent, "counts": subscriber_counts(conn),
                "next": next_slot(node.clock(), schedule, node.settings.timezone)
                if schedule else None}


async def digest_admin_response(request: Request, *, status: int = 200,
                                **values: Any) -> Response:
    node = node_of(request)
    data = await run_in_threadpool(_data, node)
    context = {"flash": SAVED.get(request.query_params.get("saved", ""), ""), "error": "",
               "weekdays": list(zip(WEEKDAYS, DAY_NAMES, strict=True)), "states": STATES,
               "smtp": bool(node.settings.smtp_url), "zone": node.settings.timezone,
               **data, **values}
    return await render(request, "admin_digest.html", context, status=status)


@admin_required
async def digest_admin(request: Request, login: Login) -> Response:
    """GET /admin/digest."""
    return await digest_admin_response(request)


@admin_required
async def schedule_submit(request: Request, login: Login) -> Response:
    """POST /admin/digest/schedule: set the weekday and hour, or turn it off."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    weekday, hour = field(form, "weekday"), field(form, "hour")
    if weekday == "off":
        await in_transaction(request, lambda node, conn: clear_schedule(conn))
        return RedirectResponse("/admin/digest?saved=off", status_code=303)
    try:
        await in_transaction(request, lambda node, conn: set_schedule(
            conn, weekday, hour, node.clock()))
    except NewsError as exc:
        return await digest_admin_response(request, status=400, error=exc.args[0])
    return RedirectResponse("/admin/digest?saved=schedule", status_code=303)


@admin_required
async def run_submit(request: Request, login: Login) -> Response:
    """POST /admin/digest/run: make the digest of the news since the last one, now."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    node = node_of(request)
    made = await run_in_threadpool(lambda: digest_now(node, node.clock()))
    return RedirectResponse(f"/admin/digest?saved={'made' if made else 'empty'}",
                            status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/digest", digest_admin, methods=["GET"]),
        Route("/admin/digest/schedule", schedule_submit, methods=["POST"]),
        Route("/admin/digest/run", run_submit, methods=["POST"]),
    ]
