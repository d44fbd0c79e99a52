"""Who may open a hub's admin pages (settings, members, follow requests, feeds).

The rules are the services' own: changing a hub's settings, its members and its
feeds is for its admins (the operator's ``ionode hub set|member`` and ``ionode feed``
on the command line); answering follow requests is for stewards, admins and
moderators alike (:func:`node.hubs.hub.moderation.require_steward`). Anyone else who is
signed in gets a 403 page saying whom to ask; a visitor who is not signed in is sent
to sign in first (:func:`node.web.auth.login_required`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from node.accounts.sessions import Login
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_nav import ADMINS, admin_links
from node.web.hub_admin_views import hub_access
from node.web.hub_manage import Access
from node.web.i18n import N_, Text


async def steward_access(request: Request, login: Login,
                         roles: Collection[str] = ADMINS) -> Access:
    """The organizer's access when their role is in ``roles``; 404 or 403 otherwise."""
    access = await hub_access(request, login)
    if access.role not in roles:
        title = access.target.actor.display_name or access.name
        message = (N_("Only the admins of %(hub)s can change this. Ask one of them.")
                   if roles == ADMINS else
                   N_("Only the admins and moderators of %(hub)s can do this. Ask one of "
                      "them."))
        raise HTTPException(403, Text(message, hub=title))
    return access


async def steward_form(request: Request, login: Login,
                       roles: Collection[str] = ADMINS) -> tuple[FormData, Access]:
    """A POST of an admin page: its form (the session's token checked) and the access."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    return form, await steward_access(request, login, roles)


def admin_context(access: Access, current: str) -> dict[str, Any]:
    """What every admin page's template needs: the hub, the navigation, where we are."""
    actor = access.target.actor
    return {"access": access, "title": actor.display_name or actor.username,
            "hub_url": actor.uri, "manage_url": access.manage_url,
            "admin_pages": admin_links(access), "current_page": current}


def back_to(access: Access, page: str, code: str) -> RedirectResponse:
    """303 to one of the hub's admin pages with a ``?done=`` flash."""
    return RedirectResponse(f"/hubs/{access.name}/{page}?done={code}", status_code=303)
