"""Error answers: an HTML page for browsers, a small JSON object for everyone else.

Never a stack trace: unexpected exceptions are logged and answered with a plain 500
page. One 404 text covers "does not exist" and "not for you" (SECURITY.md "Privacy":
different errors revealed private posts at Mastodon).
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

from node.web.security import SECURITY_HEADERS
from node.web.templating import render

log = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    415: "Unsupported form",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Not available",
}
EXPLANATIONS = {
    403: "You are not allowed to do that.",
    404: "There is nothing here, or it is not public.",
    429: "Too many attempts. Wait a little and try again.",
    500: "The node hit an error. It has been logged; please try again later.",
    503: "This is not available right now.",
}


def wants_html(request: Request) -> bool:
    """Browsers ask for text/html; federation peers and scripts get JSON errors."""
    return "text/html" in request.headers.get("accept", "")


def _explanation(status: int, detail: str | None) -> str:
    if detail and status != 500:
        return detail
    return EXPLANATIONS.get(status, TITLES.get(status, "Error"))


async def error_response(
    request: Request,
    status: int,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The answer for an error ``status`` with a human ``detail`` (never internals)."""
    all_headers = {**SECURITY_HEADERS, **(headers or {})}
    message = _explanation(status, detail)
    if not wants_html(request):
        return JSONResponse({"error": message}, status_code=status, headers=all_headers)
    context = {"status": status, "title": TITLES.get(status, "Error"), "message": message}
    return await render(request, "error.html", context, status=status, headers=all_headers,
                        with_login=status != 500)


async def http_exception(request: Request, exc: Exception) -> Response:
    """Raised ``HTTPException``s (404 from the router, 403 from CSRF checks, ...)."""
    assert isinstance(exc, HTTPException)
    detail = exc.detail if exc.detail != _phrase(exc.status_code) else None
    return await error_response(request, exc.status_code, detail, exc.headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """Anything unexpected: log it, show a plain page, reveal nothing."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    try:
        return await error_response(request, 500)
    except Exception:  # the error page itself failed (e.g. templates missing)
        log.exception("error page failed")
        return PlainTextResponse("Internal Server Error", status_code=500,
                                 headers=SECURITY_HEADERS)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def exception_handlers() -> dict[Any, ExceptionHandler]:
    """The handlers to pass to ``Starlette(exception_handlers=...)``."""
    return {HTTPException: http_exception, Exception: server_error}
