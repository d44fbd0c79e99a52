"""``/account``: the signed-in organizer's page: their hubs and what waits for them
there, the compose form, and their settings (:mod:`node.web.account_settings_views`).

Publishing an update belongs to the domain layer
(:func:`node.hubs.updates.service.post_update`): this view validates the form, hands
the text over, and shows the author any refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.activitypub.models import LocalActor
from node.hubs.crosspost.resolve import resolve_targets, split_targets
from node.hubs.crosspost.targets import RemoteHub
from node.hubs.hub.policy import postable_hubs
from node.hubs.hub.your_hubs import your_hubs
from node.hubs.updates.service import post_update
from node.runtime import node_of
from node.web.auth import current_login, login_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import shown
from node.web.hub_forms import field
from node.web.i18n import N_, Text
from node.web.item_targets_view import targets_path
from node.web.network_directory import ACCOUNT
from node.web.queries import ActorLink, local_actors
from node.web.target_picks import describe, picked
from node.web.templating import render

MAX_TEXT = 5000
MAX_HUBS = 20
POSTED = "/account?posted=1"
FIND = urlencode({"post_kind": ACCOUNT})  # the directory's "Post here" comes back here


def _hubs(engine: Engine, host: str) -> list[ActorLink]:
    with engine.connect() as conn:
        return local_actors(conn, "group", host)


def _page_data(engine: Engine, base_url: str, host: str, actor_uri: str,
               chosen: Sequence[str]) -> dict[str, Any]:
    """The page's lists. The compose form offers only the hubs that take the organizer's
    post: a hub for members only is not offered to someone who is no member (it was, and
    the post was then refused with the text lost from view). ``chosen``: hubs ticked from
    the directory (``?to=``, or the ``pick`` boxes of a refused form), a hub of this node
    ticked among "Post into hubs", one of another node offered as the hub compose forms
    offer it (:func:`node.web.target_picks.describe`)."""
    with engine.connect() as conn:
        hubs = local_actors(conn, "group", host)
        names = {h.username for h in hubs}
        open_to = postable_hubs(conn, list(names), actor_uri)
        return {"hubs": [h for h in hubs if h.username in open_to],
                "your_hubs": your_hubs(conn, actor_uri),
                "chosen_here": [v for v in chosen if v in open_to],
                "picks": [describe(conn, v, base_url) for v in chosen if v not in names]}


SAVED = {"profile": N_("Your settings are saved."), "password": N_("Your password is changed.")}


async def account_response(request: Request, login: Login, *, status: int = 200,
                           **values: Any) -> Response:
    """The account page; ``values`` carry a refused form's error (``error_for`` names the
    form: post, profile or password) and what was typed."""
    node = node_of(request)
    chosen = values.pop("chosen", None)
    if chosen is None:
        chosen = picked(request.query_params.getlist("to"), node.settings.url)
    data = await run_in_threadpool(_page_data, node.engine, node.settings.url,
                                   node.settings.host, login.actor.uri, chosen)
    saved = SAVED.get(request.query_params.get("saved", ""), "")
    context = {**data, "text": "", "selected": data["chosen_here"], "elsewhere": "",
               "error": "", "error_for": "", "find_hubs": f"/network/directory?{FIND}",
               "flash": saved, "posted": request.query_params.get("posted") == "1",
               "display_name": login.actor.display_name, "timezone": login.account.timezone,
               **values}
    return await render(request, "account.html", context, status=status)


async def _page(request: Request, *, status: int = 200, **values: Any) -> Response:
    login = await current_login(request)
    assert login is not None
    return await account_response(request, login, status=status, error_for="post", **values)


@login_required
async def account_page(request: Request, login: Login) -> Response:
    """GET /account: who you are, your hubs, the compose form and your settings."""
    return await account_response(request, login)


def post_text(form: FormData) -> str:
    """The text field with browser line endings (CRLF) counted as one character."""
    raw = form.get("text")
    return raw.replace("\r\n", "\n").strip() if isinstance(raw, str) else ""


def text_error(text: str) -> str:
    if not text:
        return N_("Write something before posting.")
    if len(text) > MAX_TEXT:
        return Text(N_("A post can be at most %(most)d characters (this one has %(count)d)."),
                    most=MAX_TEXT, count=len(text))
    return ""


def chosen_hubs(form: FormData) -> list[str]:
    """Distinct hub names in the order ticked."""
    names = [v for v in form.getlist("hub") if isinstance(v, str)]
    return list(dict.fromkeys(names))


async def _publish(request: Request, actor: LocalActor, text: str, hubs: Sequence[str],
                   elsewhere: Sequence[RemoteHub]) -> str:
    node = node_of(request)

    def publish() -> str:
        with node.engine.begin() as conn:
            return str(post_update(node, conn, actor.username, text, list(hubs),
                                   remote=elsewhere).note["id"])

    return await run_in_threadpool(publish)


@login_required
async def account_post(request: Request, login: Login) -> Response:
    """POST /account/post: validate, then hand the note to the publishing service."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    text, hubs = post_text(form), chosen_hubs(form)
    node = node_of(request)
    known = {h.username for h in await run_in_threadpool(_hubs, node.engine,
                                                               node.settings.host)}
    error = text_error(text)
    if not error and (len(hubs) > MAX_HUBS or not set(hubs) <= known):
        error = N_("Choose hubs from the list on this page.")
    elsewhere = field(form, "elsewhere")
    chosen = [v for v in picked(form.getlist("pick"), node.settings.url) if v not in known]
    if error:
        return await _page(request, status=400, text=text, selected=hubs, error=error,
                           elsewhere=elsewhere, chosen=chosen)
    try:  # hubs of other nodes, ticked or by handle: looked up before the transaction
        targets = await resolve_targets(node, [*chosen, *split_targets(elsewhere)])
        remote, hubs = targets.remote, list(dict.fromkeys([*hubs, *targets.local]))
        uri = await _publish(request, login.actor, text, hubs, remote)
    except ValueError as exc:  # the publishing service refuses with a message for the author
        return await _page(request, status=400, text=text, selected=hubs, error=shown(exc),
                           elsewhere=elsewhere, chosen=chosen)
    if remote or len(hubs) > 1:  # a cross-post: where it stands in each hub
        return RedirectResponse(targets_path(node, uri), status_code=303)
    return RedirectResponse(POSTED, status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/account", account_page, methods=["GET"]),
        Route("/account/post", account_post, methods=["POST"]),
    ]
