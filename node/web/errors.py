"""Error answers: an HTML page for browsers, a small JSON object for everyone else.

Who gets which is decided by ``Accept`` (:func:`node.activitypub.negotiation.prefers_html`):
a browser names ``text/html``; ActivityPub peers ask for ActivityStreams JSON; curl
(``*/*``) and scripts without an Accept header get JSON too. The page is in the
reader's language, says what happened and what the person can do, and links home.

Never a stack trace: unexpected exceptions are logged once and answered with a plain
500 page (:mod:`node.web.server_errors`). One 404 text covers "does not exist" and
"not for you" (SECURITY.md "Privacy": different errors revealed private posts at
Mastodon).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ExceptionHandler

from node.activitypub.negotiation import prefers_html
from node.web.i18n import N_, translated, translator
from node.web.security import SECURITY_HEADERS
from node.web.templating import render

log = logging.getLogger(__name__)

TITLES = {
    400: N_("Bad request"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    410: N_("Gone"),
    413: N_("Too large"),
    415: N_("Unsupported form"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
    503: N_("Not available"),
}
EXPLANATIONS = {
    403: N_("You are not allowed to do that."),
    404: N_("There is nothing here, or it is not public."),
    405: N_("This address does not answer that kind of request."),
    410: N_("What was here has been deleted."),
    413: N_("What you sent is larger than this node accepts."),
    429: N_("Too many attempts. Wait a little and try again."),
    500: N_("The node hit an error. It has been logged; please try again later."),
    503: N_("This is not available right now."),
}
ADVICE = {
    400: N_("Go back, check what you entered and send it again."),
    403: N_("Check that you are signed in with the right account. If you think you should "
            "be allowed, ask the hub's admins, or the node's admins for the node's own "
            "pages."),
    404: N_("Check the address for typing mistakes, or find what you are looking for "
            "from the front page."),
    405: N_("Go back and use the links and buttons on the page instead."),
    410: N_("Find what is still here from the front page."),
    413: N_("Go back and send something smaller: a shorter text or a smaller file."),
    415: N_("Go back and send the form from its page."),
    500: N_("Try again in a few minutes. If it keeps happening, tell the people who run "
            "this node what you were doing."),
    503: N_("Try again in a few minutes."),
}
UNKNOWN = N_("Error")
_HIDDEN_DETAIL = frozenset({404, 500})  # pages: one text for these, whatever the code said
_NO_DETAIL = frozenset({500})  # JSON: programs may read the detail, never a 500's


def wants_html(request: Request) -> bool:
    """Browsers get pages; federation peers, API clients and curl get JSON."""
    return prefers_html(request.headers.get("accept"))


def _explanation(status: int, detail: str | None, hidden: frozenset[int]) -> str:
    if detail and status not in hidden:
        return detail
    return EXPLANATIONS.get(status, TITLES.get(status, UNKNOWN))


def _retry_minutes(headers: Mapping[str, str]) -> int | None:
    """``Retry-After`` (delay-seconds) as whole minutes, rounded up, for the 429 page."""
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after", "")
    return max(1, -(-int(value) // 60)) if value.isdigit() else None


def page_context(request: Request, status: int, detail: str | None,
                 headers: Mapping[str, str]) -> dict[str, Any]:
    """What error.html shows, in the reader's language."""
    t = translator(request)
    minutes = _retry_minutes(headers) if status == 429 else None
    advice = t.gettext(ADVICE[status]) if status in ADVICE else ""
    if minutes is not None:
        advice = t.ngettext("You can try again in %(num)d minute.",
                            "You can try again in %(num)d minutes.", minutes) % {"num": minutes}
    message = translated(t, _explanation(status, detail, _HIDDEN_DETAIL))
    return {"status": status, "title": t.gettext(TITLES.get(status, UNKNOWN)),
            "message": message, "advice": advice}


async def error_response(
    request: Request,
    status: int,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The answer for an error ``status`` with a human ``detail`` (never internals)."""
    all_headers = {**SECURITY_HEADERS, **(headers or {})}
    if not wants_html(request):
        return JSONResponse({"error": _explanation(status, detail, _NO_DETAIL)}, status_code=status,
                            headers=all_headers)
    context = page_context(request, status, detail, all_headers)
    return await render(request, "error.html", context, status=status, headers=all_headers,
                        with_login=status != 500)


async def http_exception(request: Request, exc: Exception) -> Response:
    """Raised ``HTTPException``s (404 from the router, 403 from CSRF checks, ...)."""
    assert isinstance(exc, HTTPException)
    detail = exc.detail if exc.detail != _phrase(exc.status_code) else None
    return await error_response(request, exc.status_code, detail, exc.headers)


async def server_error_response(request: Request) -> Response:
    """The 500 answer, revealing nothing; a plain text one if even the page fails."""
    try:
        return await error_response(request, 500)
    except Exception:  # the error page itself failed (e.g. templates missing)
        log.exception("the error page failed too")
        return PlainTextResponse("Internal Server Error", status_code=500,
                                 headers=SECURITY_HEADERS)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def exception_handlers() -> dict[Any, ExceptionHandler]:
    """The handlers to pass to ``Starlette(exception_handlers=...)``.

    Not ``Exception``: Starlette's handler for it re-raises after answering, so the
    server logged every traceback a second time. :class:`ServerErrorPages` answers those.
    """
    return {HTTPException: http_exception}
