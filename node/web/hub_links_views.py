"""A hub's linked hubs page (``/hubs/{name}/links``), for its stewards, with the
sources it follows (:mod:`node.web.hub_sources_views` adds and removes them).

Link another hub by its handle (``@portshutdown@oakland.example``, found through
WebFinger by :func:`node.hubs.hub.links.find_hub`, as ``ionode hub link`` does), see
each link both ways (do we follow them, do they follow us), unlink, and show again the
linked items hidden from the hub page. Link requests from other hubs are answered on
the follow requests page (:mod:`node.web.hub_people_views`); a steward hides a linked
item with the button on its card (``POST /hubs/{name}/links/hide``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.hubs.hub.follow_requests import pending
from node.hubs.hub.links import Link, find_hub, hidden_items, link, links, set_hidden, unlink
from node.hubs.hub.policy import STEWARDS
from node.hubs.hub.sources import sources
from node.runtime import node_of
from node.web.auth import login_required
from node.web.hub_admin_views import REFUSALS, in_transaction, reading, shown
from node.web.hub_forms import field
from node.web.hub_manage import Access
from node.web.hub_people_views import Person, person
from node.web.hub_stewards import admin_context, back_to, steward_access, steward_form
from node.web.i18n import N_
from node.web.queries import web_url
from node.web.templating import render

FLASHES = {"asked": N_("Link requested: it starts when the other hub's stewards accept."),
           "unlinked": N_("Unlinked: the hub's items no longer show here."),
           "source-asked": N_("Follow requested: the source's items show here once it "
                              "accepts."),
           "source-removed": N_("No longer following the source: its items no longer show "
                                "here."),
           "unhidden": N_("The item shows on the hub page again.")}


@dataclass(frozen=True)
class LinkView:
    """A linked hub as the page lists it."""

    hub: Person
    link: Link


@dataclass(frozen=True)
class SourceView:
    """A source the hub follows (:mod:`node.hubs.hub.sources`) as the page lists it."""

    actor: Person
    state: str  # pending | accepted | rejected


@dataclass(frozen=True)
class Overview:
    links: list[LinkView]
    hidden: list[tuple[str, str]]  # (its web link or "", its id)
    requests: int  # link requests waiting on the requests page
    sources: list[SourceView]


def overview(conn: Connection, access: Access, host: str) -> Overview:
    found = [LinkView(person(conn, item.uri, host), item) for item in links(conn, access.target)]
    waiting = sum(1 for r in pending(conn, access.target) if r.link)
    followed = [SourceView(person(conn, s.uri, host), s.state)
                for s in sources(conn, access.target)]
    return Overview(found, [(web_url(u), u) for u in hidden_items(conn, access.target)],
                    waiting, followed)


async def links_page(request: Request, access: Access, *, status: int = 200,
                     error: str = "", typed: str = "", source_error: str = "",
                     source_typed: str = "") -> Response:
    host = node_of(request).settings.host
    seen = await reading(request, lambda node, conn: overview(conn, access, host))
    failed = error or source_error
    flash = "" if failed else FLASHES.get(request.query_params.get("done", ""), "")
    context = {**admin_context(access, "links"), "links": seen.links, "hidden": seen.hidden,
               "waiting": seen.requests, "error": error, "flash": flash, "typed": typed,
               "sources": seen.sources, "source_error": source_error,
               "source_typed": source_typed}
    return await render(request, "hub_links.html", context, status=status)


@login_required
async def links_view(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/links: the hub's links, both ways, and the form to add one
    (``?hub=`` fills it in: the directory's "Link with" button lands here)."""
    typed = request.query_params.get("hub", "")[:300]
    return await links_page(request, await steward_access(request, login, STEWARDS),
                            typed=typed)


@login_required
async def link_add(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/links/add: ask to link the hub named by a handle or URL."""
    form, access = await steward_form(request, login, STEWARDS)
    typed = field(form, "hub")
    node = node_of(request)
    try:
        other = await find_hub(node, typed)
        await in_transaction(request, lambda node, conn: link(
            node, conn, access.target, other, by=access.actor_uri))
    except REFUSALS as exc:
        return await links_page(request, access, status=400, error=shown(exc), typed=typed)
    return back_to(access, "links", "asked")


@login_required
async def link_remove(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/links/remove: unlink (Undo the follow; its items go)."""
    form, access = await steward_form(request, login, STEWARDS)
    try:
        await in_transaction(request, lambda node, conn: unlink(
            node, conn, access.target, field(form, "hub"), by=access.actor_uri))
    except REFUSALS as exc:
        return await links_page(request, access, status=400, error=shown(exc))
    return back_to(access, "links", "unlinked")


def hide_endpoint(hidden: bool) -> Any:
    @login_required
    async def endpoint(request: Request, login: Login) -> Response:
        """POST /hubs/{name}/links/hide|unhide: one linked item off or back on the page."""
        form, access = await steward_form(request, login, STEWARDS)
        try:
            await in_transaction(request, lambda node, conn: set_hidden(
                conn, access.target, field(form, "item"), hidden, by=access.actor_uri))
        except REFUSALS as exc:
            return await links_page(request, access, status=400, error=shown(exc))
        if hidden:
            return RedirectResponse(f"/hubs/{access.name}", status_code=303)
        return back_to(access, "links", "unhidden")

    return endpoint


def routes() -> list[BaseRoute]:
    return [Route("/hubs/{name}/links", links_view, methods=["GET"]),
            Route("/hubs/{name}/links/add", link_add, methods=["POST"]),
            Route("/hubs/{name}/links/remove", link_remove, methods=["POST"]),
            Route("/hubs/{name}/links/hide", hide_endpoint(True), methods=["POST"]),
            Route("/hubs/{name}/links/unhide", hide_endpoint(False), methods=["POST"])]
