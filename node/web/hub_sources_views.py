"""The "Sources" section of a hub's linked hubs page: a steward has the hub follow a
Mobilizon group, a Gancio instance, a Mastodon account or a Lemmy community
(:func:`node.hubs.hub.sources.find_hub_source`, as ``ionode hub source add`` does), or
stops following one. Plain forms with CSRF tokens: no script needed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.hubs.hub.policy import STEWARDS
from node.hubs.hub.sources import add_source, find_hub_source, remove_source
from node.runtime import node_of
from node.web.auth import login_required
from node.web.hub_admin_views import REFUSALS, in_transaction, shown
from node.web.hub_forms import field
from node.web.hub_links_views import links_page
from node.web.hub_stewards import back_to, steward_form


@login_required
async def source_add(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/sources/add: follow the actor named by an address or URL."""
    form, access = await steward_form(request, login, STEWARDS)
    typed = field(form, "source")
    try:
        found = await find_hub_source(node_of(request), typed)
        await in_transaction(
            request,
            lambda node, conn: add_source(node, conn, access.target, found, by=access.actor_uri),
        )
    except REFUSALS as exc:
        return await links_page(
            request, access, status=400, source_error=shown(exc), source_typed=typed
        )
    return back_to(access, "links", "source-asked")


@login_required
async def source_remove(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/sources/remove: stop following (``Undo{Follow}``)."""
    form, access = await steward_form(request, login, STEWARDS)
    try:
        await in_transaction(
            request,
            lambda node, conn: remove_source(
                node, conn, access.target, field(form, "source"), by=access.actor_uri
            ),
        )
    except REFUSALS as exc:
        return await links_page(request, access, status=400, source_error=shown(exc))
    return back_to(access, "links", "source-removed")


def routes() -> list[BaseRoute]:
    return [
        Route("/hubs/{name}/sources/add", source_add, methods=["POST"]),
        Route("/hubs/{name}/sources/remove", source_remove, methods=["POST"]),
    ]
