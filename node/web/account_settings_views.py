"""``/account/profile`` and ``/account/password``: what organizers change about
themselves. The rules are the domain's (:mod:`node.accounts.profile`); a refused form
shows the account page again with the refusal beside the form and what was typed
(never the passwords)."""

from __future__ import annotations

from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.passwords import PasswordError
from node.accounts.profile import change_password, set_profile
from node.accounts.service import AccountError
from node.accounts.sessions import Login
from node.runtime import Node, node_of
from node.web.account_views import account_response
from node.web.auth import client_of, login_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import shown
from node.web.i18n import N_
from node.zones import ZoneError

FIELD_LIMIT = 1024

# The domain's refusals a person meets here, marked so the page shows them translated
# (node.web.templating looks an error up in the catalogue before showing it).
REFUSALS = (
    N_("the current password is wrong"),
    N_("too many wrong passwords: wait a few minutes and try again"),
    N_("the password must be at least 10 characters long"),
    N_("the password must be at most 1024 characters long"),
    N_("the display name must be at most 200 characters long"),
)


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:FIELD_LIMIT + 1] if isinstance(value, str) else ""


def _save_profile(node: Node, login: Login, display_name: str, timezone: str) -> None:
    assert login.account.id is not None
    with node.engine.begin() as conn:
        set_profile(node, conn, login.actor, login.account.id, display_name=display_name,
                    timezone=timezone)


@login_required
async def profile_submit(request: Request, login: Login) -> Response:
    """POST /account/profile: display name and personal timezone."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    display_name, timezone = field(form, "display_name"), field(form, "timezone")
    try:
        await run_in_threadpool(_save_profile, node_of(request), login, display_name,
                                timezone)
    except (AccountError, ZoneError) as exc:
        return await account_response(request, login, status=400, error=shown(exc),
                                      error_for="profile", display_name=display_name,
                                      timezone=timezone)
    return RedirectResponse("/account?saved=profile", status_code=303)


def _change(node: Node, login: Login, current: str, new: str, client: str,
            now: datetime) -> None:
    with node.engine.begin() as conn:  # a wrong current password is counted, then refused
        refusal = change_password(conn, login, current, new, client=client, now=now,
                                  cost=node.settings.password_cost)
    if refusal:
        raise PasswordError(refusal)


@login_required
async def password_submit(request: Request, login: Login) -> Response:
    """POST /account/password: the current password, then the new one twice."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    current, new = field(form, "current_password"), field(form, "new_password")
    node = node_of(request)
    try:
        if new != field(form, "new_password_again"):
            raise PasswordError(N_("The two new passwords differ."))
        await run_in_threadpool(_change, node, login, current, new, client_of(request),
                                node.clock())
    except PasswordError as exc:
        return await account_response(request, login, status=400, error=shown(exc),
                                      error_for="password")
    return RedirectResponse("/account?saved=password", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/account/profile", profile_submit, methods=["POST"]),
        Route("/account/password", password_submit, methods=["POST"]),
    ]
