"""``/account``: the signed-in organizer's page and its compose form.

Publishing an update belongs to the domain layer
(:func:`node.hubs.updates.service.post_update`): this view validates the form, hands
the text over, and shows the author any refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.accounts.sessions import Login
from node.activitypub.models import LocalActor
from node.hubs.updates.service import post_update
from node.runtime import node_of
from node.web.auth import login_required
from node.web.forms import read_form, verify_session_form
from node.web.i18n import N_, Text
from node.web.queries import ActorLink, local_actors
from node.web.templating import render

MAX_TEXT = 5000
MAX_HUBS = 20
POSTED = "/account?posted=1"


def _hubs(engine: Engine, host: str) -> list[ActorLink]:
    with engine.connect() as conn:
        return local_actors(conn, "group", host)


async def _page(request: Request, *, status: int = 200, **values: Any) -> Response:
    node = node_of(request)
    hubs = await run_in_threadpool(_hubs, node.engine, node.settings.host)
    context = {"hubs": hubs, "text": "", "selected": [],
               "error": "", "posted": request.query_params.get("posted") == "1", **values}
    return await render(request, "account.html", context, status=status)


@login_required
async def account_page(request: Request, login: Login) -> Response:
    """GET /account: who you are, and the compose form."""
    return await _page(request)


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


async def _publish(request: Request, actor: LocalActor, text: str, hubs: Sequence[str]) -> None:
    node = node_of(request)

    def publish() -> None:
        with node.engine.begin() as conn:
            post_update(node, conn, actor.username, text, list(hubs))

    await run_in_threadpool(publish)


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
    if error:
        return await _page(request, status=400, text=text, selected=hubs, error=error)
    try:
        await _publish(request, login.actor, text, hubs)
    except ValueError as exc:  # the publishing service refuses with a message for the author
        return await _page(request, status=400, text=text, selected=hubs, error=str(exc))
    return RedirectResponse(POSTED, status_code=303)
