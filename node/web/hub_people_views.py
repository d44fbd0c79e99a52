"""A hub's members page (``/hubs/{name}/members``) and follow requests page
(``/hubs/{name}/requests``).

Members: add a local organizer by username or anyone on the fediverse by handle
(``@user@host``, found through WebFinger and the actor cache, as ``ionode hub member
add`` does: :func:`node.hubs.hub.members.resolve_member`), change a role, remove; the
hub's last admin is never removed or demoted (the service refuses, the page shows why).
Follow requests: approve or reject, as ``ionode hub approve|reject`` does. Members are
for admins, follow requests for admins and moderators (:mod:`node.web.hub_stewards`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.hubs.hub.follow_requests import approve, pending, reject
from node.hubs.hub.members import (
    change_role,
    members,
    remove_member,
    resolve_member,
    set_member,
)
from node.hubs.hub.policy import ROLES, STEWARDS
from node.runtime import node_of
from node.web.auth import login_required
from node.web.hub_admin_views import REFUSALS, in_transaction, reading, shown
from node.web.hub_forms import field
from node.web.hub_manage import Access
from node.web.hub_page import member_handle
from node.web.hub_stewards import admin_context, back_to, steward_access, steward_form
from node.web.i18n import N_
from node.web.queries import author_link
from node.web.templating import render

FLASHES = {"added": N_("Member added."), "role": N_("Role changed."),
           "removed": N_("Member removed."), "approved": N_("Follow request approved."),
           "rejected": N_("Follow request rejected.")}


@dataclass(frozen=True)
class Person:
    """A member or a follower as the pages show them: name, handle, link."""

    uri: str
    name: str
    handle: str
    url: str
    role: str = ""
    requested_at: datetime | None = None
    link: bool = False  # a hub asking to link (:mod:`node.hubs.hub.links`)

    @property
    def node(self) -> str:
        """The host of the actor's node (from its handle)."""
        return self.handle.rsplit("@", 1)[-1]


def person(conn: Connection, uri: str, host: str, **extra: Any) -> Person:
    link = author_link(conn, uri, host)
    handle = (link.handle if link and link.handle else member_handle(uri))
    name = link.name if link and link.name != uri else handle
    return Person(uri=uri, name=name, handle=handle, url=link.url if link else "", **extra)


def member_list(conn: Connection, access: Access, host: str) -> list[Person]:
    return [person(conn, uri, host, role=role) for uri, role in members(conn, access.target)]


def request_list(conn: Connection, access: Access, host: str) -> list[Person]:
    return [person(conn, r.follower, host, requested_at=r.requested_at, link=r.link)
            for r in pending(conn, access.target)]


def flash_of(request: Request, error: str) -> str:
    return "" if error else FLASHES.get(request.query_params.get("done", ""), "")


async def members_page(request: Request, access: Access, *, status: int = 200,
                       error: str = "", error_for: str = "",
                       typed: dict[str, str] | None = None) -> Response:
    host = node_of(request).settings.host
    people = await reading(request, lambda node, conn: member_list(conn, access, host))
    if error_for not in ("add", *(p.uri for p in people)):
        error_for = ""  # no row to show it by (not a member): at the top of the page
    context = {**admin_context(access, "members"), "people": people, "roles": ROLES,
               "error": error, "error_for": error_for, "flash": flash_of(request, error),
               "v": typed or {"who": "", "role": "member"}}
    return await render(request, "hub_members.html", context, status=status)


@login_required
async def members_view(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/members: who is in the hub, with what role."""
    return await members_page(request, await steward_access(request, login))


@login_required
async def member_add(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/members/add: a local username or a fediverse handle."""
    form, access = await steward_form(request, login)
    typed = {"who": field(form, "who"), "role": field(form, "role")}
    try:
        uri = await resolve_member(node_of(request), typed["who"])
        await in_transaction(request, lambda node, conn: set_member(
            conn, access.target, uri, typed["role"], node.clock()))
    except REFUSALS as exc:
        return await members_page(request, access, status=400, error=shown(exc),
                                  error_for="add", typed=typed)
    return back_to(access, "members", "added")


@login_required
async def member_role(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/members/role: another role for a member (never the last admin's)."""
    form, access = await steward_form(request, login)
    uri, role = field(form, "member"), field(form, "role")
    try:
        await in_transaction(request, lambda node, conn: change_role(
            conn, access.target, uri, role, node.clock()))
    except REFUSALS as exc:
        return await members_page(request, access, status=400, error=shown(exc),
                                  error_for=uri)
    return back_to(access, "members", "role")


@login_required
async def member_remove(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/members/remove: take someone out (never the last admin)."""
    form, access = await steward_form(request, login)
    uri = field(form, "member")
    try:
        await in_transaction(request, lambda node, conn: remove_member(conn, access.target,
                                                                       uri))
    except REFUSALS as exc:
        return await members_page(request, access, status=400, error=shown(exc),
                                  error_for=uri)
    if uri == access.actor_uri:  # they left: the members page is no longer theirs
        return RedirectResponse(f"/hubs/{access.name}", status_code=303)
    return back_to(access, "members", "removed")


async def requests_page(request: Request, access: Access, *, status: int = 200,
                        error: str = "") -> Response:
    host = node_of(request).settings.host
    people = await reading(request, lambda node, conn: request_list(conn, access, host))
    context = {**admin_context(access, "requests"), "people": people, "error": error,
               "flash": flash_of(request, error), "zone": access.target.hub.timezone,
               "approval": access.target.hub.follow_policy == "approval"}
    return await render(request, "hub_requests.html", context, status=status)


@login_required
async def requests_view(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/requests: pending follow requests (admins and moderators)."""
    return await requests_page(request, await steward_access(request, login, STEWARDS))


def answer_endpoint(approving: bool) -> Any:
    @login_required
    async def endpoint(request: Request, login: Login) -> Response:
        """POST /hubs/{name}/requests/approve|reject: answer one follow request."""
        form, access = await steward_form(request, login, STEWARDS)
        follower, back = field(form, "follower"), field(form, "link_back") == "yes"
        try:
            await in_transaction(request, lambda node, conn: approve(
                node, conn, access.target, follower, by=access.actor_uri, link_back=back)
                if approving else reject(node, conn, access.target, follower,
                                         by=access.actor_uri))
        except REFUSALS as exc:
            return await requests_page(request, access, status=400, error=shown(exc))
        return back_to(access, "requests", "approved" if approving else "rejected")

    return endpoint


def routes() -> list[BaseRoute]:
    return [Route("/hubs/{name}/members", members_view, methods=["GET"]),
            Route("/hubs/{name}/members/add", member_add, methods=["POST"]),
            Route("/hubs/{name}/members/role", member_role, methods=["POST"]),
            Route("/hubs/{name}/members/remove", member_remove, methods=["POST"]),
            Route("/hubs/{name}/requests", requests_view, methods=["GET"]),
            Route("/hubs/{name}/requests/approve", answer_endpoint(True), methods=["POST"]),
            Route("/hubs/{name}/requests/reject", answer_endpoint(False), methods=["POST"])]
