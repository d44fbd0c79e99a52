"""A hub's outside feeds page (``/hubs/{name}/feeds``): the RSS, Atom and iCalendar
feeds it republishes, for its admins.

Adding one is ``ionode feed add``: :func:`node.hubs.feeds.service.subscribe` checks the
URL, fetches and parses the feed before storing anything, and refuses with a message
the page shows beside the typed URL. Removing is ``ionode feed remove``. The list shows
each feed's state as ``ionode feed list`` does: when it was last fetched, how many
fetches failed in a row and the last error.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.hubs.feeds.service import list_feeds, subscribe, unsubscribe
from node.runtime import node_of
from node.web.auth import login_required
from node.web.hub_admin_views import REFUSALS, in_transaction, reading, shown
from node.web.hub_forms import field
from node.web.hub_manage import Access
from node.web.hub_stewards import admin_context, back_to, steward_access, steward_form
from node.web.i18n import N_
from node.web.queries import web_url
from node.web.templating import render

FLASHES = {"added": N_("Feed added: its newest entries went out, later ones follow as "
                       "they appear."),
           "removed": N_("Feed removed. What it brought in stays in the hub.")}


async def feeds_page(request: Request, access: Access, *, status: int = 200,
                     error: str = "", typed: str = "") -> Response:
    feeds = await reading(request, lambda node, conn: list_feeds(conn, access.name))
    flash = "" if error else FLASHES.get(request.query_params.get("done", ""), "")
    context = {**admin_context(access, "feeds"), "feeds": feeds, "error": error,
               "flash": flash, "typed": typed, "zone": access.target.hub.timezone,
               "link": web_url}
    return await render(request, "hub_feeds.html", context, status=status)


@login_required
async def feeds_view(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/feeds: the hub's feeds and how their last fetches went."""
    return await feeds_page(request, await steward_access(request, login))


@login_required
async def feed_add(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/feeds/add: subscribe, after a first fetch that must succeed."""
    form, access = await steward_form(request, login)
    url = field(form, "feed")
    try:
        await subscribe(node_of(request), access.name, url)
    except REFUSALS as exc:
        return await feeds_page(request, access, status=400, error=shown(exc), typed=url)
    return back_to(access, "feeds", "added")


@login_required
async def feed_remove(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/feeds/remove: stop republishing a feed."""
    form, access = await steward_form(request, login)
    try:
        await in_transaction(request, lambda node, conn: unsubscribe(
            conn, access.name, field(form, "feed"), now=node.clock()))
    except REFUSALS as exc:
        return await feeds_page(request, access, status=400, error=shown(exc))
    return back_to(access, "feeds", "removed")


def routes() -> list[BaseRoute]:
    return [Route("/hubs/{name}/feeds", feeds_view, methods=["GET"]),
            Route("/hubs/{name}/feeds/add", feed_add, methods=["POST"]),
            Route("/hubs/{name}/feeds/remove", feed_remove, methods=["POST"])]
