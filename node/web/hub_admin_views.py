"""The organizer's hub pages: ``/hubs/{name}/manage``, the compose forms and the buttons.

Every page needs a signed-in organizer who is a member of the hub (any role; 403
otherwise, 404 for no such hub). Each form carries the session's CSRF token; a refusal
re-renders the form with the message (status 400) and stores nothing; success redirects
(303) to the manage page with a ``?done=`` flash. Publishing, moderation and the rules
of who may do what belong to the domain services (:mod:`node.web.hub_actions`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.activitypub.local_actors import ActorError
from node.hubs.crosspost.resolve import resolve_targets, split_targets
from node.media.checks import ImageError
from node.newswire.forwards.service import forwarded
from node.runtime import Node, node_of
from node.text import TextError
from node.web.auth import Endpoint, login_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_actions import ACTIONS, FLASHES, IMAGE_KINDS, Action, edit, post_kind
from node.web.hub_admin_nav import admin_links
from node.web.hub_forms import KINDS, FormError, Values, blank_values, field, form_values
from node.web.hub_manage import (
    Access,
    default_timezone,
    find_access,
    item_document,
    manage_data,
)
from node.web.i18n import N_, Sentence, Text, locale_of, refusal
from node.web.item_targets_view import targets_path
from node.web.item_text import source_text
from node.web.target_picks import pick_list, picked
from node.web.templating import render
from node.web.uploads import image_upload, read_upload_form
from node.zones import ZoneError

T = TypeVar("T")
KIND_LABELS = {"update": N_("Update"), "minutes": N_("Minutes or a report"),
               "event": N_("Event"), "call": N_("Conference call"), "poll": N_("Straw poll")}
TIMED = ("event", "call")
#: The services' refusals, written for the organizer (hubs, polls and accounts: ActorError;
#: events and calls: ZoneError, which ScheduleError and EventError extend; the forms; a
#: post's text; an image, node.media.images). Any other ValueError is a bug whose text
#: (a ``fromisoformat`` message, say) means nothing to a member: a 500.
REFUSALS = (ActorError, ZoneError, FormError, TextError, ImageError)


def shown(exc: Exception) -> str:
    """A service's refusal as a sentence: capital first letter, full stop.

    A refusal raised as a :class:`Text` stays one (a :class:`Sentence`), so that
    ``render`` shows it in the reader's language and makes the sentence after that.
    """
    message = refusal(exc)
    if isinstance(message, Text):
        return Sentence(message.msgid, **message.values)
    # a plain sentence is a msgid too: looked up first, made a sentence after
    return Sentence(message) if message.strip() else N_("That was refused.")


async def in_transaction(request: Request, work: Callable[[Node, Connection], T]) -> T:
    """Run ``work`` in one transaction off the event loop; an exception rolls it back."""
    node = node_of(request)

    def run() -> T:
        with node.engine.begin() as conn:
            return work(node, conn)

    return await run_in_threadpool(run)


async def reading(request: Request, work: Callable[[Node, Connection], T]) -> T:
    node = node_of(request)

    def run() -> T:
        with node.engine.connect() as conn:
            return work(node, conn)

    return await run_in_threadpool(run)


async def hub_access(request: Request, login: Login) -> Access:
    """The signed-in organizer's role in the hub of the path; 404 or 403 otherwise."""
    name = str(request.path_params.get("name", ""))
    found = await reading(request, lambda node, conn: find_access(conn, name, login.actor))
    if found is None:
        raise HTTPException(404)
    target, role = found
    if role is None:
        raise HTTPException(403, Text(N_("Only members of %(hub)s can manage it or post into "
                                         "it here. Ask one of its admins to add you."),
                                      hub=target.actor.display_name))
    return Access(target=target, role=role, actor_uri=login.actor.uri,
                  username=login.actor.username)


def _hub(access: Access) -> dict[str, Any]:
    actor = access.target.actor
    return {"access": access, "title": actor.display_name or actor.username,
            "hub_url": actor.uri, "manage_url": access.manage_url,
            "zone": access.target.hub.timezone}  # "": the node's IONODE_TIMEZONE


def done(access: Access, code: str) -> RedirectResponse:
    return RedirectResponse(f"{access.manage_url}?done={code}", status_code=303)


async def manage_page(request: Request, access: Access, *, status: int = 200,
                      error: str = "", retry: Mapping[str, str] | None = None) -> Response:
    """The manage page; after a refused button, ``retry`` holds what that button's form
    sent (its item's ``uri`` and fields), so a mistyped new start comes back to fix."""
    lang = locale_of(request)
    data = await reading(request, lambda node, conn: manage_data(conn, access, node.clock(),
                                                                 lang))
    sent = await reading(request, lambda node, conn: forwarded(
        conn, [item.uri for item in data.items])) if access.steward else set()
    flash = "" if error else FLASHES.get(request.query_params.get("done", ""), "")
    context = {**_hub(access), "data": data, "error": error, "flash": flash, "sent": sent,
               "kinds": KIND_LABELS, "admin_pages": admin_links(access),
               "current_page": "manage", "retry": retry or {}}
    return await render(request, "hub_manage.html", context, status=status)


@login_required
async def manage(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/manage: post into the hub; stewards also moderate it."""
    return await manage_page(request, await hub_access(request, login))


def kind_of(request: Request) -> str:
    kind = str(request.path_params.get("kind", ""))
    if kind not in KINDS:
        raise HTTPException(404)
    return kind


async def compose_page(request: Request, access: Access, kind: str, values: Values | None,
                       *, chosen: list[str] | None = None, status: int = 200,
                       error: str = "") -> Response:
    if values is None:
        zone = await reading(request, lambda node, conn: default_timezone(
            conn, access.target, node.settings.timezone))
        values = blank_values(kind, {"timezone": zone})
    picks = await reading(request, lambda node, conn: pick_list(
        conn, access, node.settings.url, chosen or []))
    if kind == "call":  # a call goes into its own hub and hubs elsewhere only
        picks = [p for p in picks if p.checked or not p.local]
    find = f"/network/directory?{urlencode({'post_from': access.name, 'post_kind': kind})}"
    context = {**_hub(access), "kind": kind, "label": KIND_LABELS[kind], "v": values,
               "error": error, "action": f"/hubs/{access.name}/post/{kind}",
               "with_image": kind in IMAGE_KINDS, "picks": picks, "find_hubs": find}
    return await render(request, "hub_post.html", context, status=status)


@login_required
async def compose(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/post/{kind}: the form for one kind of item; ``?to=`` ticks hubs
    chosen in the directory ("Post here")."""
    kind = kind_of(request)
    access = await hub_access(request, login)
    chosen = [v for v in picked(request.query_params.getlist("to"),
                                node_of(request).settings.url) if v != access.name]
    return await compose_page(request, access, kind, None, chosen=chosen)


@login_required
async def post(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/post/{kind}: publish into the hub, or show why not.

    The update and event forms are multipart, with an optional image and its alt text
    (:mod:`node.web.uploads`); a refused image is shown like any other refusal."""
    kind = kind_of(request)
    form = await (read_upload_form(request) if kind in IMAGE_KINDS else read_form(request))
    try:
        verify_session_form(request, form, login)
        access = await hub_access(request, login)
        values = form_values(form, kind)
        chosen = [v for v in picked(form.getlist("pick"), node_of(request).settings.url)
                  if v != access.name]
        try:
            image = await image_upload(request, form) if kind in IMAGE_KINDS else None
            targets = await resolve_targets(node_of(request),
                                            [*chosen, *split_targets(values["also_to"])])
            uri, state = await in_transaction(request, lambda node, conn: post_kind(
                node, conn, access, kind, values, image, targets))
        except REFUSALS as exc:  # every service refuses with a message for the organizer
            return await compose_page(request, access, kind, values, chosen=chosen,
                                      status=400, error=shown(exc))
    finally:
        await form.close()
    if targets.local or targets.remote:  # a cross-post: where it stands in each hub
        return RedirectResponse(targets_path(node_of(request), uri), status_code=303)
    return done(access, "held" if state == "held" else "posted")


async def edit_page(request: Request, access: Access, uri: str, text: str, *, title: str = "",
                    status: int = 200, error: str = "") -> Response:
    context = {**_hub(access), "uri": uri, "text": text, "item_title": title,
               "error": error}
    return await render(request, "hub_edit.html", context, status=status)


@login_required
async def edit_form(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/items/edit?uri=...: new text for an update or minutes."""
    access = await hub_access(request, login)
    uri = request.query_params.get("uri", "")
    document = await reading(request, lambda node, conn: item_document(conn, access.target, uri))
    if document is None or document.get("type") not in ("Note", "Article"):
        raise HTTPException(404)
    name = document.get("name")
    return await edit_page(request, access, uri, source_text(document),
                           title=name if isinstance(name, str) else "")


@login_required
async def edit_submit(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/items/edit: send the Update, or show the author's refusal."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    access = await hub_access(request, login)
    try:
        code = await in_transaction(request, lambda node, conn: edit(node, conn, access, form))
    except REFUSALS as exc:
        return await edit_page(request, access, field(form, "uri"), field(form, "text"),
                               status=400, error=shown(exc))
    return done(access, code)


def action_endpoint(action: Action) -> Endpoint:
    """POST /hubs/{name}/<path> for one of the manage page's buttons."""

    @login_required
    async def endpoint(request: Request, login: Login) -> Response:
        form = await read_form(request)
        verify_session_form(request, form, login)
        access = await hub_access(request, login)
        try:
            code = await in_transaction(
                request, lambda node, conn: action(node, conn, access, form))
        except REFUSALS as exc:
            sent = {key: value for key, value in form.multi_items() if isinstance(value, str)}
            return await manage_page(request, access, status=400, error=shown(exc),
                                     retry=sent)
        return done(access, code)

    return endpoint


def routes() -> list[BaseRoute]:
    table: list[BaseRoute] = [
        Route("/hubs/{name}/manage", manage, methods=["GET"]),
        Route("/hubs/{name}/post/{kind}", compose, methods=["GET"]),
        Route("/hubs/{name}/post/{kind}", post, methods=["POST"]),
        Route("/hubs/{name}/items/edit", edit_form, methods=["GET"]),
        Route("/hubs/{name}/items/edit", edit_submit, methods=["POST"]),
    ]
    for path, action in ACTIONS.items():
        table.append(Route(f"/hubs/{{name}}/{path}", action_endpoint(action), methods=["POST"],
                           name=f"hub_{path.replace('/', '_')}"))
    return table
