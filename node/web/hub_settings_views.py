"""Creating a hub (``/hubs/new``) and its settings page (``/hubs/{name}/settings``).

Both call the services the CLI calls (:func:`node.hubs.hub.service.create_hub` for
``ionode hub create``, :func:`node.hubs.hub.settings.apply_settings` for ``ionode hub
set``), so the browser is refused the same things with the same words. A refusal
re-renders the form with what was typed and the message (400); success redirects
(303). Links are one ``NAME=URL`` a line (the CLI's ``--link``), tags are separated by
spaces or commas (the CLI's repeated ``--tag``).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.hubs.hub.policy import FOLLOW_POLICIES, POSTING_POLICIES
from node.hubs.hub.service import create_hub
from node.hubs.hub.settings import HubSettings, apply_settings, hub_zone, link_pair
from node.runtime import Node, node_of
from node.web.auth import login_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import REFUSALS, in_transaction, shown
from node.web.hub_forms import field
from node.web.hub_manage import Access
from node.web.hub_stewards import admin_context, back_to, steward_access, steward_form
from node.web.i18n import N_
from node.web.item_text import plain_text
from node.web.templating import render

NEW_FIELDS = ("name", "title", "summary", "timezone")
SETTINGS_FIELDS = ("title", "summary", "links", "tags", "region", "timezone",
                   "follow_policy", "posting_policy")
FLASHES = {"created": N_("Hub created: you are its admin. Fill in the rest of its profile "
                         "here."),
           "saved": N_("Settings saved."),
           "sent": N_("Settings saved: the hub's followers got its new profile.")}
# The services' fixed refusals as this page shows them (:func:`shown`), marked so the
# page looks them up in the reader's language.
REFUSAL_TEXTS = (N_("A hub needs a title."), N_("A hub title may have at most 200 characters."))
_TAG_SPLIT = re.compile(r"[\s,]+")


def new_values(form: FormData | None = None) -> dict[str, str]:
    return {name: field(form, name) if form is not None else "" for name in NEW_FIELDS}


async def new_page(request: Request, values: dict[str, str], *, status: int = 200,
                   error: str = "") -> Response:
    return await render(request, "hub_new.html",
                        {"v": values, "error": error,
                         "node_zone": node_of(request).settings.timezone}, status=status)


@login_required
async def new_form(request: Request, login: Login) -> Response:
    """GET /hubs/new: name, title, mission and timezone of a new hub (the organizer's own
    timezone first, if they set one: a hub made without one showed every time in the
    node's, UTC by default, to an assembly on the other side of the world)."""
    return await new_page(request, {**new_values(), "timezone": login.account.timezone or ""})


@login_required
async def new_submit(request: Request, login: Login) -> Response:
    """POST /hubs/new: the hub, with the organizer who made it as its admin."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    values = new_values(form)

    def work(node: Node, conn: Connection) -> str:
        actor = create_hub(conn, base_url=node.settings.url, name=values["name"].strip(),
                           title=values["title"], summary=values["summary"],
                           now=node.clock(), admins=[login.actor.uri],
                           timezone=hub_zone(values["timezone"]), keys=node.actor_keys)
        return actor.username

    try:
        name = await in_transaction(request, work)
    except REFUSALS as exc:
        return await new_page(request, values, status=400, error=shown(exc))
    return RedirectResponse(f"/hubs/{name}/settings?done=created", status_code=303)


def current_values(access: Access) -> dict[str, str]:
    """The settings form as the hub is now."""
    hub, actor = access.target.hub, access.target.actor
    links = "\n".join(f"{link['name']}={link['url']}" for link in hub.links or [])
    return {"title": actor.display_name, "links": links, "tags": " ".join(hub.tags or []),
            "summary": hub.summary_source or plain_text(actor.summary or ""),
            "region": hub.region, "timezone": hub.timezone,
            "follow_policy": hub.follow_policy, "posting_policy": hub.posting_policy}


def requested(values: dict[str, str]) -> HubSettings:
    """The form as a :class:`HubSettings`: every setting given, as ``hub set`` would."""
    lines = [line for line in values["links"].splitlines() if line.strip()]
    return HubSettings(
        title=values["title"], summary=values["summary"], region=values["region"],
        tags=[tag for tag in _TAG_SPLIT.split(values["tags"]) if tag],
        links=[link_pair(line) for line in lines], timezone=values["timezone"],
        follow_policy=values["follow_policy"], posting_policy=values["posting_policy"])


async def settings_page(request: Request, access: Access, values: dict[str, str], *,
                        status: int = 200, error: str = "") -> Response:
    flash = "" if error else FLASHES.get(request.query_params.get("done", ""), "")
    context: dict[str, Any] = {
        **admin_context(access, "settings"), "v": values, "error": error, "flash": flash,
        "node_zone": node_of(request).settings.timezone,
        "follow_policies": FOLLOW_POLICIES, "posting_policies": POSTING_POLICIES}
    return await render(request, "hub_settings.html", context, status=status)


@login_required
async def settings_form(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/settings: the hub's profile and policies (admins)."""
    access = await steward_access(request, login)
    return await settings_page(request, access, current_values(access))


@login_required
async def settings_submit(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/settings: store them; a changed profile goes to followers."""
    form, access = await steward_form(request, login)
    values = {name: field(form, name) for name in SETTINGS_FIELDS}
    try:
        result = await in_transaction(request, lambda node, conn: apply_settings(
            node, conn, access.target, requested(values)))
    except REFUSALS as exc:
        return await settings_page(request, access, values, status=400, error=shown(exc))
    return back_to(access, "settings", "sent" if result.profile_changed else "saved")


def first_routes() -> list[BaseRoute]:
    """Routes that must come before the actor routes (``/hubs/{name}`` would take
    ``/hubs/new``)."""
    return [Route("/hubs/new", new_form, methods=["GET"]),
            Route("/hubs/new", new_submit, methods=["POST"])]


def routes() -> list[BaseRoute]:
    return [Route("/hubs/{name}/settings", settings_form, methods=["GET"]),
            Route("/hubs/{name}/settings", settings_submit, methods=["POST"])]
