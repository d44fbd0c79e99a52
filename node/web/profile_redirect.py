"""``/@{name}``: the profile address that mentions link to, for this node's own actors.

A mention ``@nate@philly.example`` (or ``@nate@localhost:8401`` on a development node) is
written as a link to ``https://philly.example/@nate``, the shape Mastodon and most
fediverse servers answer (:func:`node.text.mention_url`). This node's actors live at
their kind's path (``/users/nate``, ``/hubs/portshutdown``, ``/news``), so the short
address redirects there, and a mention of a local account or hub leads to its page.
"""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.activitypub.actor_views import ACTOR_PATHS
from node.activitypub.local_actors import USERNAME_RE, find_by_username
from node.runtime import node_of


def _path(engine: Engine, name: str) -> str | None:
    with engine.connect() as conn:
        actor = find_by_username(conn, name)
    if actor is None or actor.deleted_at is not None or actor.kind not in ACTOR_PATHS:
        return None
    return ACTOR_PATHS[actor.kind].format(name=actor.username)


async def profile(request: Request) -> Response:
    """GET /@{name}: 301 to the local actor's page; 404 for any other name."""
    name = str(request.path_params["name"])
    if not USERNAME_RE.fullmatch(name):
        raise HTTPException(404)
    path = await run_in_threadpool(_path, node_of(request).engine, name)
    if path is None:
        raise HTTPException(404)
    return RedirectResponse(path, status_code=301)


def routes() -> list[BaseRoute]:
    return [Route("/@{name}", profile, methods=["GET"])]
