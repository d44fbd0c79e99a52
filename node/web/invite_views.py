"""``/invite/{token}``: the sign-up page a one-time link opens.

Anyone holding the link may sign up once (:mod:`node.accounts.invites`); the account
is created and signed in within one transaction, so a link is never used without an
account to show for it. An unknown, expired or used link gets one answer (404), which
tells nothing about which it was.
"""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.invites import CLOSED, InviteError, check_invite, redeem_invite
from node.accounts.passwords import PasswordError
from node.accounts.service import AccountError
from node.accounts.sessions import SESSION_COOKIE, create_session, delete_session
from node.activitypub.local_actors import ActorError
from node.runtime import Node, node_of
from node.web.account_settings_views import field
from node.web.auth import clear_cookie, set_session_cookie
from node.web.forms import presession_cookie, read_form, verify_public_form
from node.web.hub_admin_views import shown
from node.web.i18n import N_
from node.web.templating import render

INVALID = N_("This invitation link has expired or was already used. Ask an admin of "
             "this node for a new one.")
REFUSALS = (N_("The two passwords differ."),)


def refusal(exc: InviteError) -> str:
    """The page's sentence: registrations closed, or the one answer for a dead link."""
    return str(exc) if str(exc) == CLOSED else INVALID


def _check(node: Node, token: str) -> str:
    with node.engine.connect() as conn:
        try:
            check_invite(conn, token, node.clock())
        except InviteError as exc:
            return shown(exc)
    return ""


async def _page(request: Request, *, status: int = 200, **values: object) -> Response:
    context = {"token": request.path_params["token"], "usable": True, "error": "",
               "error_for": "username", "username": "", "display_name": "", **values}
    return await render(request, "invite.html", context, status=status)


async def invite_form(request: Request) -> Response:
    """GET /invite/{token}: the sign-up form, or the one answer for a dead link."""
    dead = await run_in_threadpool(_check, node_of(request), request.path_params["token"])
    if dead:
        return await _page(request, status=404, usable=False, error=dead)
    return await _page(request)


def _sign_up(node: Node, token: str, username: str, display_name: str,
             password: str) -> str:
    with node.engine.begin() as conn:
        user = redeem_invite(conn, token, base_url=node.settings.url, username=username,
                             password=password, now=node.clock(),
                             cost=node.settings.password_cost, display_name=display_name,
                             keys=node.actor_keys)
        session_token, _ = create_session(conn, user.account_id, node.clock())
    return session_token


def _end(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        delete_session(conn, token)


async def invite_submit(request: Request) -> Response:
    """POST /invite/{token}: create the account, sign it in, go to its account page."""
    form = await read_form(request)
    await verify_public_form(request, form)
    node, token = node_of(request), str(request.path_params["token"])
    username, display_name = field(form, "username").strip(), field(form, "display_name")
    password = field(form, "password")
    typed = {"username": username[:64], "display_name": display_name}
    try:
        if password != field(form, "password_again"):
            raise PasswordError(N_("The two passwords differ."))
        session_token = await run_in_threadpool(_sign_up, node, token, username,
                                                display_name, password)
    except InviteError as exc:
        return await _page(request, status=404, usable=False, error=shown(exc))
    except PasswordError as exc:  # the passwords' refusal is described by their field
        return await _page(request, status=400, error=shown(exc), error_for="password", **typed)
    except (AccountError, ActorError) as exc:
        return await _page(request, status=400, error=shown(exc), **typed)
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # a new sign-in replaces whatever session this browser had
        await run_in_threadpool(_end, node.engine, old)
    response = RedirectResponse("/account", status_code=303)
    set_session_cookie(response, node.settings, session_token)
    clear_cookie(response, node.settings, presession_cookie(node.settings))
    return response


def routes() -> list[BaseRoute]:
    return [
        Route("/invite/{token}", invite_form, methods=["GET"]),
        Route("/invite/{token}", invite_submit, methods=["POST"]),
    ]
