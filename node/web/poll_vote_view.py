"""``POST /objects/{id}/vote``: a signed-in organizer votes on one of our polls.

Counted by the poll service (:func:`node.hubs.polls.votes.vote`) exactly as ``ionode poll
vote`` and the hub's manage page count it: a refusal (closed, no such option, a second
choice on a one-choice poll, nothing chosen) shows the poll page again with the
service's message and status 400, and stores nothing. Success redirects (303) back to
the poll with a ``?done=`` flash.
"""

from __future__ import annotations

from sqlalchemy import Connection, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.activitypub.models import StoredObject
from node.hubs.polls.service import live_question
from node.hubs.polls.votes import vote
from node.runtime import node_of
from node.web.auth import login_required
from node.web.hub_admin_views import in_transaction, reading, shown
from node.web.object_forms import object_form
from node.web.pages import object_page
from node.web.poll_page import path_of
from node.web.queries import is_public

_objects = StoredObject.__table__  # type: ignore[attr-defined]


def _question(conn: Connection, uri: str) -> StoredObject | None:
    """Our live Question at ``uri``, public, or None."""
    if live_question(conn, uri) is None:
        return None
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    obj = StoredObject(**row._mapping) if row is not None else None
    return obj if obj is not None and is_public(obj.document) else None


@login_required
async def vote_submit(request: Request, login: Login) -> Response:
    """Count the signed-in organizer's choices, or show the poll with the reason why not."""
    form, uri = await object_form(request, login)
    node = node_of(request)
    obj = await reading(request, lambda node, conn: _question(conn, uri))
    if obj is None:
        raise HTTPException(404)
    choices = [value for value in form.getlist("option") if isinstance(value, str)]
    try:
        outcome = await in_transaction(request, lambda node, conn: vote(
            node, conn, login.actor.username, uri, choices))
    except ValueError as exc:  # PollError: the service's message for the voter
        return await object_page(request, obj, status=400, error=shown(exc))
    code = "voted" if outcome.counted else "counted-before"
    return RedirectResponse(f"{path_of(uri, node)}?done={code}#poll", status_code=303)


def routes() -> list[BaseRoute]:
    return [Route("/objects/{id}/vote", vote_submit, methods=["POST"])]
