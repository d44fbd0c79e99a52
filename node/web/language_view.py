"""``/language/{code}``: the footer's language links set the ``lang`` cookie.

A plain link (no form, no JavaScript): the choice is a display preference, not an
action on anyone's data, so a GET that sets a cookie and goes back is enough (the
cookie is SameSite=Lax and HttpOnly like the session's). It overrides the browser's
``Accept-Language`` from then on (see :mod:`node.web.i18n`).

The way back is the ``Referer`` (sent for same-origin links under our
``Referrer-Policy: same-origin``), not a ``next`` parameter in the link: the footer
then reads the same on every page, so a 404 for a private post stays byte for byte
the 404 for a missing one (SECURITY.md "Privacy").
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.runtime import node_of
from node.web.auth import safe_next, secure_cookies
from node.web.i18n import LANG_COOKIE, available_locales

ONE_YEAR = 365 * 24 * 3600


async def choose_language(request: Request) -> Response:
    """Remember the language for this browser, then go back to the page it came from."""
    code = str(request.path_params["code"])
    if code not in available_locales():
        raise HTTPException(404)
    settings = node_of(request).settings
    response = RedirectResponse(_back(request.headers.get("referer"), settings.url), 303)
    response.set_cookie(LANG_COOKIE, code, max_age=ONE_YEAR, path="/", httponly=True,
                        secure=secure_cookies(settings), samesite="lax")
    return response


def _back(referer: str | None, origin: str) -> str:
    """The page the link was on when it is one of ours, else the front page."""
    try:
        parts = urlsplit(referer or "")
    except ValueError:
        return "/"
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return "/"
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), "/")


def routes() -> list[BaseRoute]:
    return [Route("/language/{code}", choose_language, methods=["GET"])]
