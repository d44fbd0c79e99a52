"""The manage page's edit form for an event or a call: ``/hubs/{name}/events/edit``.

The form is the compose form filled in with the item as it is; sending it calls the
same service as ``ionode event edit`` / ``ionode call edit``
(:func:`node.hubs.events.edit.revise`): the same checks and messages, an ``Update`` with
a newer ``updated``, and the Note Mastodon users read when the time, place or way to
join changed. Its organizer may edit an item, and so may the hub's stewards. An event's
form also replaces or removes its image (a new one needs its alt text, as on the compose
form), and the Update carries the new ``attachment``. A call
series is edited as a whole, without its time (each occurrence moves on its own).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.hubs.events.edit import revise
from node.hubs.events.rules import EventSpec, Online, Place
from node.hubs.events.service import StoredEvent, load_event
from node.hubs.hub.publish import HubError
from node.media.files import attach
from node.runtime import Node
from node.web.auth import login_required
from node.web.forms import verify_session_form
from node.web.hub_admin_views import (
    REFUSALS,
    done,
    hub_access,
    in_transaction,
    reading,
    shown,
)
from node.web.hub_forms import FIELDS, Values, call_input, event_spec, field, past
from node.web.hub_manage import Access, hub_item_kind
from node.web.item_images import item_images
from node.web.templating import render
from node.web.uploads import ImageUpload, image_upload, read_upload_form

EDIT_FIELDS = {"event": (*FIELDS["event"], "remove_image"),
               "call": tuple(f for f in FIELDS["call"] if f not in ("repeat", "weeks", "rrule"))}
LOCAL = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


def edit_values(spec: EventSpec) -> dict[str, str]:
    """The form's fields for ``spec`` as it is now (the inverse of the compose form)."""
    values = {"title": spec.title, "start": spec.start.strftime(LOCAL),
              "timezone": spec.timezone, "description": spec.description, "past": ""}
    if spec.call is None:
        place = spec.location if isinstance(spec.location, Place) else None
        online = spec.location if isinstance(spec.location, Online) else None
        return values | {
            "end": spec.end.strftime(LOCAL), "place_name": place.name if place else "",
            "place_address": place.address if place else "",
            "online_url": online.url if online else "",
            "capacity": "" if spec.capacity is None else str(spec.capacity),
            "image_alt": "", "remove_image": ""}
    call = spec.call
    return values | {
        "duration": str(int((spec.end - spec.start).total_seconds() // 60)),
        "call_url": call.call_url, "dial_in": call.dial_in, "access_code": call.access_code,
        "facilitator": call.facilitator, "agenda": call.agenda,
        "breakout_rooms": "\n".join(call.breakout_rooms)}


def _form_values(form: Any, kind: str) -> dict[str, str]:
    return {name: field(form, name) for name in EDIT_FIELDS[kind]}


def _current(conn: Connection, access: Access, uri: str) -> tuple[str, StoredEvent]:
    """(kind, event) of the event or call ``uri`` of this hub, or :class:`HubError`."""
    kind = hub_item_kind(conn, access.target, uri)
    if kind not in EDIT_FIELDS:
        raise HubError(f"{uri} is not an event or a call")
    return kind, load_event(conn, uri)


def new_images(node: Node, conn: Connection, access: Access, image: ImageUpload | None,
               remove: bool) -> list[dict[str, Any]] | None:
    """The event's images after the edit: a new upload replaces them, ``remove`` takes
    them off, neither keeps them (None). The upload is stored by the editor."""
    if image is not None:
        return [attach(node, conn, image.image, image.alt, access.actor_uri)]
    return [] if remove else None


def save(node: Node, conn: Connection, access: Access, uri: str, values: Values,
         image: ImageUpload | None = None) -> str:
    """Read the form as the compose form is read, then revise the item with it."""
    kind, current = _current(conn, access, uri)
    spec = event_spec(values) if kind == "event" else replace(  # a call's form has no text
        call_input(values)[0], description=current.spec.description)
    attachments = new_images(node, conn, access, image, bool(values.get("remove_image")))
    revise(node, conn, actor=access.username, uri=uri, spec=spec, call=kind == "call",
           past=past(values), attachments=attachments if kind == "event" else None)
    return "event-edited"


async def edit_page(request: Request, access: Access, uri: str, kind: str, values: Values, *,
                    event: StoredEvent, status: int = 200, error: str = "") -> Response:
    actor = access.target.actor
    context = {"access": access, "title": actor.display_name or actor.username,
               "hub_url": actor.uri, "manage_url": access.manage_url, "uri": uri,
               "kind": kind, "v": values, "series": bool(event.spec.rrule), "error": error,
               "images": item_images(event.document),
               "action": f"/hubs/{access.name}/events/edit"}
    return await render(request, "hub_event_edit.html", context, status=status)


async def _found(request: Request, access: Access, uri: str) -> tuple[str, StoredEvent]:
    def work(node: Node, conn: Connection) -> tuple[str, StoredEvent]:
        return _current(conn, access, uri)

    try:
        return await reading(request, work)
    except HubError:
        raise HTTPException(404) from None


@login_required
async def edit_form(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/events/edit?uri=...: the event or call, ready to change."""
    access = await hub_access(request, login)
    uri = request.query_params.get("uri", "")
    kind, event = await _found(request, access, uri)
    return await edit_page(request, access, uri, kind, edit_values(event.spec), event=event)


@login_required
async def edit_submit(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/events/edit: send the Update, or show the form with the refusal.

    An event's form is multipart: a new image (with its alt text, as on the compose
    form, :mod:`node.web.uploads`) replaces the event's, or a box removes it."""
    form = await read_upload_form(request)
    try:
        verify_session_form(request, form, login)
        access = await hub_access(request, login)
        uri = field(form, "uri")
        kind, event = await _found(request, access, uri)
        values = _form_values(form, kind)
        try:
            image = await image_upload(request, form) if kind == "event" else None
            code = await in_transaction(
                request, lambda node, conn: save(node, conn, access, uri, values, image))
        except REFUSALS as exc:  # every service refuses with a message for the organizer
            return await edit_page(request, access, uri, kind, values, event=event,
                                   status=400, error=shown(exc))
    finally:
        await form.close()
    return done(access, code)


def routes() -> list[BaseRoute]:
    return [Route("/hubs/{name}/events/edit", edit_form, methods=["GET"]),
            Route("/hubs/{name}/events/edit", edit_submit, methods=["POST"])]
