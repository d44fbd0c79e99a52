"""``/network/post?to=HUB``: "Post here" from the directory (issue 9 item 6).

An organizer posts from one of their hubs (the compose forms live at
``/hubs/{name}/post/{kind}``), so this page asks which of their hubs they post from and
what kind of item they write, with a plain GET form (no JavaScript), then sends them to
that compose form with the chosen hub ticked (``?to=``). A hub of this node they are a
member of is offered as itself: posting straight into it needs no cross-post.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.hubs.hub.your_hubs import your_hubs
from node.runtime import node_of
from node.web.auth import login_required
from node.web.hub_admin_views import KIND_LABELS, reading
from node.web.hub_forms import KINDS
from node.web.target_picks import describe, picked
from node.web.templating import render

PATH = "/network/post"


def compose_url(hub: str, kind: str, target: str) -> str:
    """The compose form of ``kind`` in ``hub``, ``target`` ticked (unless it is ``hub``)."""
    path = f"/hubs/{hub}/post/{kind}"
    return path if target == hub else f"{path}?{urlencode({'to': target})}"


@login_required
async def post_here(request: Request, login: Login) -> Response:
    """GET /network/post?to=HUB[&from=MINE&kind=KIND]."""
    node = node_of(request)
    chosen = picked([request.query_params.get("to", "")], node.settings.url)
    mine = await reading(request, lambda node, conn: your_hubs(conn, login.actor.uri))
    names = [hub.name for hub in mine]
    source, kind = request.query_params.get("from", ""), request.query_params.get("kind", "")
    if chosen and source in names and kind in KINDS:
        return RedirectResponse(compose_url(source, kind, chosen[0]), status_code=303)
    target = (
        await reading(request, lambda node, conn: describe(conn, chosen[0], node.settings.url))
        if chosen
        else None
    )
    default = (
        source
        if source in names
        else (
            target.value
            if target is not None and target.value in names
            else (names[0] if names else "")
        )
    )
    context = {
        "target": target,
        "hubs": mine,
        "default": default,
        "kind": kind if kind in KINDS else "update",
        "kinds": KIND_LABELS,
    }
    return await render(request, "post_here.html", context, status=200 if target else 400)


def routes() -> list[BaseRoute]:
    return [Route(PATH, post_here, methods=["GET"])]
