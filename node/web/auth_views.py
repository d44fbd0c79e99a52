"""``/login`` and ``/logout``.

The login POST checks, in this order: CSRF (a forged form never reaches the password
check), the rate limit (a limited caller costs no argon2 work), then the password.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.service import Limited, Refused, SignInResult, sign_in
from node.accounts.sessions import SESSION_COOKIE, delete_session
from node.runtime import Node, node_of
from node.web.auth import (
    clear_cookie,
    client_of,
    current_login,
    safe_next,
    set_session_cookie,
)
from node.web.errors import error_response
from node.web.forms import presession_cookie, read_form, verify_anonymous_form, verify_session_form
from node.web.i18n import N_
from node.web.templating import render

_FIELD_LIMIT = 1024  # longest username or password field read


def _field(value: object) -> str:
    return value[:_FIELD_LIMIT + 1] if isinstance(value, str) else ""


async def login_form(request: Request) -> Response:
    """GET /login: the form, or straight on to ``next`` when already signed in."""
    target = safe_next(request.query_params.get("next"))
    if await current_login(request) is not None:
        return RedirectResponse(target, status_code=303)
    return await render(request, "login.html", {"next": target, "username": "", "error": ""})


def _sign_in(node: Node, username: str, password: str, client: str,
             now: datetime) -> SignInResult:
    with node.engine.begin() as conn:
        return sign_in(conn, username=username, password=password, client=client, now=now,
                       cost=node.settings.password_cost)


async def login_submit(request: Request) -> Response:
    """POST /login: start a session and go to ``next``."""
    form = await read_form(request)
    verify_anonymous_form(request, form)
    node = node_of(request)
    username, password = _field(form.get("username")), _field(form.get("password"))
    target = safe_next(_field(form.get("next")))
    result = await run_in_threadpool(
        _sign_in, node, username, password, client_of(request), node.clock()
    )
    if isinstance(result, Limited):
        return await error_response(
            request, 429, N_("Too many failed sign-in attempts. Wait a few minutes and try again."),
            headers={"Retry-After": str(result.retry_after)},
        )
    if isinstance(result, Refused):
        context = {"next": target, "username": username[:64],
                   "error": N_("Wrong username or password.")}
        return await render(request, "login.html", context, status=400)
    response = RedirectResponse(target, status_code=303)
    await _end_old_session(request)
    set_session_cookie(response, node.settings, result.token)
    clear_cookie(response, node.settings, presession_cookie(node.settings))
    return response


def _delete(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        delete_session(conn, token)


async def _end_old_session(request: Request) -> None:
    """A new sign-in replaces whatever session this browser had (no session fixation)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(_delete, node_of(request).engine, token)


async def logout(request: Request) -> Response:
    """POST /logout: delete the session row, so the cookie is worthless everywhere."""
    form = await read_form(request)
    login = await current_login(request)
    response = RedirectResponse("/", status_code=303)
    if login is None:
        return response
    verify_session_form(request, form, login)
    await _end_old_session(request)
    clear_cookie(response, node_of(request).settings, SESSION_COOKIE)
    return response


def routes() -> list[BaseRoute]:
    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]
