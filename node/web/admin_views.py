"""``/admin``: the node operator's page, for node admins only (``account.is_admin``).

Sections: the node's name, description and registrations (live settings,
:mod:`node.accounts.node_settings`), the users (create, disable, enable), one-time
invite links, and what needs a restart. Every rule is the domain's, shared with
``ionode user ...`` and ``ionode node set``; a refused form comes back with the refusal
beside it and what was typed (never a password). Anonymous visitors are sent to sign
in; signed-in organizers who are not admins get a 403.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.invites import create_invite, invite_link, open_invites
from node.accounts.node_settings import apply_node_settings
from node.accounts.passwords import PasswordError
from node.accounts.service import AccountError
from node.accounts.sessions import Login
from node.accounts.users import User, UserError, create_user, list_users, set_disabled
from node.activitypub.local_actors import ActorError
from node.node_record import REGISTRATION_CHOICES, NodeProfile, node_profile
from node.runtime import Node, node_of
from node.web.account_settings_views import field
from node.web.auth import Endpoint, LoginEndpoint, login_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import in_transaction, shown
from node.web.i18n import N_
from node.web.live_profile import forget_profile
from node.web.templating import render

SAVED = {
    "node": N_("The node's settings are saved."),
    "created": N_("The account is created."),
    "disabled": N_("The account is disabled and its sessions ended."),
    "enabled": N_("The account is enabled."),
}
# The domain's refusals a person meets here, marked so the page shows them translated.
REFUSALS = (
    N_("the node needs a name"),
    N_("the node's name must be at most 100 characters long"),
    N_("the description must be at most 2000 characters long"),
    N_("registrations must be invite or closed"),
    N_("the last node admin cannot be disabled: make another admin first"),
    N_("registrations on this node are closed: an admin can open them again"),
)
#: Settings read from the environment at start, shown so the admin knows where they are.
RESTART_SETTINGS = ("IONODE_URL", "IONODE_DATABASE", "IONODE_SECRET_KEY", "IONODE_HOST",
                    "IONODE_PORT", "IONODE_TIMEZONE", "IONODE_AUTHORIZED_FETCH",
                    "IONODE_ALLOW_PRIVATE_ADDRESSES", "IONODE_INBOX_WORKERS",
                    "IONODE_DELIVERY_WORKERS", "IONODE_LOG_LEVEL", "IONODE_ACCESS_LOG")
NOT_ADMIN = N_("Only the node's admins can open this page.")


def admin_required(endpoint: LoginEndpoint) -> Endpoint:
    """``login_required``, and a 403 for organizers who are not node admins."""

    @functools.wraps(endpoint)
    async def guarded(request: Request, login: Login) -> Response:
        if not login.account.is_admin:
            raise HTTPException(403, NOT_ADMIN)
        return await endpoint(request, login)

    return login_required(guarded)


def _data(node: Node) -> tuple[NodeProfile, list[User], list[datetime]]:
    with node.engine.connect() as conn:
        return (node_profile(conn, node.settings.node_name), list_users(conn),
                open_invites(conn, node.clock()))


async def admin_response(request: Request, *, status: int = 200, **values: Any) -> Response:
    """The admin page; ``values`` carry a refused form (``error_for``) and what was typed."""
    node = node_of(request)
    profile, users, invites = await run_in_threadpool(_data, node)
    context = {
        "profile": profile, "users": users, "invites": invites,
        "choices": REGISTRATION_CHOICES, "restart_settings": RESTART_SETTINGS,
        "flash": SAVED.get(request.query_params.get("saved", ""), ""),
        "error": "", "error_for": "", "error_field": "", "invite": "",
        "new_user": {"username": "", "display_name": "", "admin": False},
        "name": profile.name, "description": profile.description,
        "registrations": profile.registrations, **values,
    }
    return await render(request, "admin.html", context, status=status)


@admin_required
async def admin_page(request: Request, login: Login) -> Response:
    """GET /admin."""
    return await admin_response(request)


@admin_required
async def node_submit(request: Request, login: Login) -> Response:
    """POST /admin/node: name, description and registrations."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    typed = {key: field(form, key) for key in ("name", "description", "registrations")}
    try:
        await in_transaction(request, lambda node, conn: apply_node_settings(
            node, conn, **typed))
    except AccountError as exc:
        return await admin_response(request, status=400, error=shown(exc), error_for="node",
                                    **typed)
    forget_profile(request)
    return RedirectResponse("/admin?saved=node", status_code=303)


@admin_required
async def user_submit(request: Request, login: Login) -> Response:
    """POST /admin/users: a new account with an initial password."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    username, display_name = field(form, "username").strip(), field(form, "display_name")
    admin, password = form.get("admin") == "1", field(form, "password")
    typed = {"username": username, "display_name": display_name, "admin": admin}
    try:
        await in_transaction(request, lambda node, conn: create_user(
            conn, base_url=node.settings.url, username=username, password=password,
            now=node.clock(), cost=node.settings.password_cost, display_name=display_name,
            admin=admin, keys=node.actor_keys))
    except (AccountError, ActorError, PasswordError) as exc:
        return await admin_response(request, status=400, error=shown(exc), error_for="user",
                                    error_field=_field_of(exc), new_user=typed)
    return RedirectResponse("/admin?saved=created", status_code=303)


def _field_of(exc: Exception) -> str:
    """Which field of the new-account form a refusal is about, for aria-describedby:
    the password's policy, the display name's length (UserError), else the username."""
    if isinstance(exc, PasswordError):
        return "password"
    return "display_name" if isinstance(exc, UserError) else "username"


@admin_required
async def invite_submit(request: Request, login: Login) -> Response:
    """POST /admin/invites: a one-time link, shown once on the page that answers."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    try:
        token, _expires = await in_transaction(request, lambda node, conn: create_invite(
            conn, now=node.clock(), created_by=login.account.id))
    except AccountError as exc:
        return await admin_response(request, status=400, error=shown(exc), error_for="invite")
    return await admin_response(request, invite=invite_link(node_of(request).settings.url,
                                                            token))


def _switch(disabled: bool) -> Endpoint:
    @admin_required
    async def submit(request: Request, login: Login) -> Response:
        form = await read_form(request)
        verify_session_form(request, form, login)
        name = str(request.path_params["name"])
        try:
            await in_transaction(request, lambda node, conn: set_disabled(
                conn, name, disabled=disabled, now=node.clock()))
        except AccountError as exc:
            return await admin_response(request, status=400, error=shown(exc),
                                        error_for="users")
        return RedirectResponse(f"/admin?saved={'disabled' if disabled else 'enabled'}",
                                status_code=303)

    return submit


def routes() -> list[BaseRoute]:
    return [
        Route("/admin", admin_page, methods=["GET"]),
        Route("/admin/node", node_submit, methods=["POST"]),
        Route("/admin/users", user_submit, methods=["POST"]),
        Route("/admin/invites", invite_submit, methods=["POST"]),
        Route("/admin/users/{name}/disable", _switch(True), methods=["POST"]),
        Route("/admin/users/{name}/enable", _switch(False), methods=["POST"]),
    ]
