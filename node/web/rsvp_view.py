"""``POST /objects/{id}/rsvp``: a signed-in organizer says they are going, or not.

One click: the form carries ``going=yes`` or ``going=no`` and the session's CSRF token;
the RSVP service (:func:`node.hubs.events.attend.rsvp`) keeps the place and publishes
the ``Join`` or ``Leave``. Success goes back (303) to the event with a ``?done=`` flash;
a refusal (cancelled, over, full) shows the event page again with the reason, status 400.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.activitypub.models import StoredObject
from node.hubs.events.attend import RsvpError, rsvp
from node.hubs.events.rsvp import event_row
from node.runtime import node_of
from node.web.auth import login_required
from node.web.hub_admin_views import in_transaction, reading
from node.web.i18n import N_
from node.web.object_forms import object_form
from node.web.pages import object_page
from node.web.poll_page import path_of

REASONS = {"the event is cancelled": N_("This event is cancelled."),
           "the event is over": N_("This event is over."),
           "the event is full": N_("This event is full.")}


@login_required
async def rsvp_submit(request: Request, login: Login) -> Response:
    form, uri = await object_form(request, login)
    node = node_of(request)
    row = await reading(request, lambda node, conn: event_row(conn, uri))
    if row is None:
        raise HTTPException(404)
    answer = form.get("going")
    if answer not in ("yes", "no"):
        raise HTTPException(400, N_("The form could not be read."))
    going = answer == "yes"
    try:
        await in_transaction(request, lambda node, conn: rsvp(
            node, conn, login.actor.username, uri, going))
    except RsvpError as exc:
        obj = StoredObject(**row._mapping)
        return await object_page(request, obj, status=400,
                                 error=REASONS.get(str(exc), N_("That was refused.")))
    code = "going" if going else "not-going"
    return RedirectResponse(f"{path_of(uri, node)}?done={code}#rsvp", status_code=303)


def routes() -> list[BaseRoute]:
    return [Route("/objects/{id}/rsvp", rsvp_submit, methods=["POST"])]
