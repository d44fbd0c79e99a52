"""The report form (``/report?object=URI`` or ``?account=URI``), a reporter's private
tracking page and a signed-in reporter's list of their reports (issue 10 item 7).

Anyone may report, signed in or not; the form carries a CSRF token (the session's or
the pre-session cookie's, as the news form does), a honeypot field and a per-address
limit. The rules are the newswire's (:mod:`node.newswire.reports`), shared with
``ionode report``: a refused report comes back with the refusal and what was typed,
and nothing is stored. "Include my identity" is offered only to signed-in reporters
of remote content: only then is there someone to name and somewhere to name them.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.newswire.conduct.rules import Clause, clauses
from node.newswire.conduct.service import in_force
from node.newswire.errors import NewsError
from node.newswire.reports.filing import Typed, submit_report, target_of
from node.newswire.reports.service import TOO_MANY, reports_by, track
from node.newswire.reports.targets import Target
from node.runtime import Node, node_of
from node.web.auth import client_of, current_login, login_required
from node.web.forms import read_form, verify_anonymous_form, verify_session_form
from node.web.hub_admin_views import shown
from node.web.news_views import field
from node.web.templating import render

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def _clauses(node: Node) -> tuple[list[Clause], bool]:
    """The clauses a report may name, and whether they are the default Code of
    Conduct's (whose texts the page translates)."""
    with node.engine.connect() as conn:
        conduct = in_force(conn, "conduct")
    return (clauses(conduct.markdown), conduct.default) if conduct else ([], False)


def _typed(values: Any) -> Typed:
    return Typed(object_uri=str(values.get("object") or ""),
                 account_uri=str(values.get("account") or ""))


async def _target(node: Node, typed: Typed) -> Target:
    try:
        return await run_in_threadpool(target_of, node, typed)
    except NewsError as exc:
        raise HTTPException(404, str(exc)) from exc


async def _form_page(request: Request, typed: Typed, target: Target, *, status: int = 200,
                     error: str = "") -> Response:
    node, login = node_of(request), await current_login(request)
    found, default = await run_in_threadpool(_clauses, node)
    context = {"typed": typed, "target": target, "error": error, "signed_in": login is not None,
               "clauses": found, "default_conduct": default}
    return await render(request, "report_form.html", context, status=status, headers=PRIVATE)


async def report_form(request: Request) -> Response:
    """GET /report?object=URI (or ?account=URI): what is reported, and the form."""
    typed = _typed(request.query_params)
    return await _form_page(request, typed, await _target(node_of(request), typed))


async def report_submit(request: Request) -> Response:
    """POST /report: store the report (and forward it), then show its tracking page."""
    form = await read_form(request)
    login = await current_login(request)
    if login is not None:
        verify_session_form(request, form, login)
    else:
        verify_anonymous_form(request, form)
    node = node_of(request)
    typed = Typed(object_uri=field(form, "object"), account_uri=field(form, "account"),
                  reason=field(form, "reason"), comment=field(form, "comment"),
                  honeypot=field(form, "website"),
                  include_identity=login is not None and field(form, "identity") == "yes")
    target = await _target(node, typed)
    try:
        filed = await submit_report(node, typed, source="web", client=client_of(request),
                                    reporter_account_id=login.account.id if login else None)
    except NewsError as exc:
        status = 429 if str(exc) == TOO_MANY else 400
        return await _form_page(request, typed, target, status=status, error=shown(exc))
    return RedirectResponse(f"/report/track/{filed.token}?new=1", status_code=303)


async def track_page(request: Request) -> Response:
    """GET /report/track/{token}: the outcome of one report, for whoever holds the link."""
    token, node = str(request.path_params["token"]), node_of(request)

    def load() -> Any:
        with node.engine.connect() as conn:
            return track(conn, token)

    found = await run_in_threadpool(load)
    if found is None:
        raise HTTPException(404, "This tracking link is unknown.")
    context = {"outcome": found, "new": request.query_params.get("new") == "1",
               "link": f"{node.settings.url}/report/track/{token}"}
    return await render(request, "report_track.html", context, headers=PRIVATE)


@login_required
async def my_reports(request: Request, login: Login) -> Response:
    """GET /account/reports: the signed-in organizer's reports and their outcomes."""
    node, account_id = node_of(request), login.account.id
    assert account_id is not None

    def load() -> Any:
        with node.engine.connect() as conn:
            return reports_by(conn, account_id)

    outcomes = await run_in_threadpool(load)
    return await render(request, "report_mine.html", {"outcomes": outcomes}, headers=PRIVATE)


def routes() -> list[BaseRoute]:
    return [
        Route("/report", report_form, methods=["GET"]),
        Route("/report", report_submit, methods=["POST"]),
        Route("/report/track/{token}", track_page, methods=["GET"]),
        Route("/account/reports", my_reports, methods=["GET"]),
    ]
