"""Who is signed in: the session cookie, ``current_account`` and ``login_required``.

Later pages (hub dashboards, newswire moderation) build on these helpers:

    @login_required
    async def dashboard(request: Request, login: Login) -> Response: ...
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import quote, urlsplit

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.accounts.models import Account
from node.accounts.ratelimit import client_key
from node.accounts.sessions import LIFETIME, SESSION_COOKIE, Login, find_login
from node.activitypub.models import LocalActor
from node.runtime import node_of
from node.settings import Settings

DEFAULT_NEXT = "/account"
_MAX_NEXT = 2000

Endpoint = Callable[[Request], Awaitable[Response]]
LoginEndpoint = Callable[[Request, Login], Awaitable[Response]]


def _lookup(engine: Engine, token: str, now: datetime) -> Login | None:
    with engine.connect() as conn:
        return find_login(conn, token, now)


async def current_login(request: Request) -> Login | None:
    """The signed-in organizer of this request, looked up once and cached on the request."""
    if hasattr(request.state, "login"):
        cached: Login | None = request.state.login
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    login = None
    if token:
        node = node_of(request)
        login = await run_in_threadpool(_lookup, node.engine, token, node.clock())
    request.state.login = login
    return login


def reader_zone(login: Login | None) -> str | None:
    """The signed-in reader's own timezone (their account setting), if they chose one:
    pages show times in the hub's zone, and in the reader's beside them when it differs."""
    return (login.account.timezone or None) if login is not None else None


async def current_account(request: Request) -> Account | None:
    login = await current_login(request)
    return login.account if login else None


async def current_actor(request: Request) -> LocalActor | None:
    """The signed-in organizer's Person actor."""
    login = await current_login(request)
    return login.actor if login else None


def safe_next(value: str | None, default: str = DEFAULT_NEXT) -> str:
    """``value`` if it is a path on this node, else ``default`` (no open redirect).

    Refuses ``//host``, ``/\\host`` (browsers read a backslash as a slash), schemes,
    and control characters (browsers drop tabs and newlines, turning ``/\\t/host``
    into ``//host``).
    """
    if not value or len(value) > _MAX_NEXT or not value.startswith("/"):
        return default
    if value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def login_redirect(request: Request) -> RedirectResponse:
    """Send the browser to the sign-in form, to come back here afterwards.

    After a refused POST the browser returns to the account page, since it cannot
    come back to a POST-only address with a GET.
    """
    target = DEFAULT_NEXT
    if request.method in ("GET", "HEAD"):
        target = request.url.path
        if request.url.query:
            target = f"{target}?{request.url.query}"
    return RedirectResponse(f"/login?next={quote(safe_next(target), safe='/')}",
                            status_code=303)


def login_required(endpoint: LoginEndpoint) -> Endpoint:
    """Run ``endpoint(request, login)`` for a signed-in organizer, else redirect to /login."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return login_redirect(request)
        return await endpoint(request, login)

    return guarded


def secure_cookies(settings: Settings) -> bool:
    """Cookies are Secure whenever the node is served over https."""
    return settings.url.startswith("https://")


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=int(LIFETIME.total_seconds()), path="/",
        secure=secure_cookies(settings), httponly=True, samesite="lax",
    )


def clear_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(
        name, path="/", secure=secure_cookies(settings), httponly=True, samesite="lax"
    )


def client_of(request: Request) -> str:
    """The address failed sign-ins are counted against (see ratelimit.client_key).

    Behind a reverse proxy this is only right when the server trusts the proxy's
    forwarded-for header (uvicorn ``--forwarded-allow-ips``).
    """
    return client_key(request.client.host if request.client else None)
