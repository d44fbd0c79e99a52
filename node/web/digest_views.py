"""The digest's public pages: the digests (``/news/digests``, one at
``/news/digests/{id}``), subscribing from the news front page (double opt-in), the
confirmation link and unsubscribing.

``/news/unsubscribe/{id}/{signature}`` is the URL of every mail's ``List-Unsubscribe``:
a GET shows a page with a button, and a POST unsubscribes at once, without a CSRF token
or cookie, as RFC 8058 section 3.2 wants of one-click unsubscription (the signed URL is
the authority; the mail client posts ``List-Unsubscribe=One-Click``). The confirmation
link's GET also only shows a button: link scanners in mail systems fetch links, and a
GET must not subscribe anyone.
"""

from __future__ import annotations

from typing import Any

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.newswire.digest.confirmation import send_confirmation
from node.newswire.digest.progress import Digest, digest, digests
from node.newswire.digest.subscribers import (
    TOO_MANY,
    confirm,
    pending_for,
    signed_subscriber,
    subscribe,
    unsubscribe,
)
from node.newswire.errors import NewsError
from node.runtime import node_of
from node.web import dates
from node.web.auth import client_of
from node.web.forms import read_form, verify_public_form
from node.web.hub_admin_views import in_transaction, reading
from node.web.i18n import locale_of
from node.web.news_views import cursor, field, sends_mail
from node.web.templating import render

NO_STORE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def period_days(request: Request, shown: list[Digest]) -> dict[int, tuple[str, str]]:
    """Each digest's first and last day, in the reader's language and the node's zone."""
    zone, lang = node_of(request).settings.timezone, locale_of(request)
    return {d.id: (dates.day(d.period_start, zone, lang), dates.day(d.period_end, zone, lang))
            for d in shown}


def _number(request: Request, name: str) -> int:
    value = str(request.path_params[name])
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise HTTPException(404)
    return int(value)


async def digests_page(request: Request) -> Response:
    """GET /news/digests: every digest, newest first."""
    before = cursor(request)
    found, older = await reading(request, lambda node, conn: digests(conn, before))
    return await render(request, "news_digests.html", {"digests": found, "older": older,
                                                       "days": period_days(request, found)})


async def digest_page(request: Request) -> Response:
    """GET /news/digests/{id}: one digest, the page its Article and mails link to."""
    digest_id = _number(request, "id")
    found = await reading(request, lambda node, conn: digest(conn, digest_id))
    if found is None:
        raise HTTPException(404)
    return await render(request, "news_digest.html",
                        {"digest": found, "days": period_days(request, [found])[found.id]})


async def subscribe_submit(request: Request) -> Response:
    """POST /news/subscribe: record the address as pending and mail the link; refused,
    nothing stored, on a node that sends no e-mail (the link could never arrive)."""
    form = await read_form(request)
    await verify_public_form(request, form)
    if not sends_mail(node_of(request)):
        return await render(request, "news_subscribe.html",
                            {"step": "no-mail", "error": "", "email": ""}, status=409)
    email, lang, client = field(form, "email"), locale_of(request), client_of(request)
    if field(form, "website"):  # the honeypot: a person leaves it empty
        return RedirectResponse("/news/subscribe", status_code=303)
    try:
        token = await in_transaction(request, lambda node, conn: subscribe(
            conn, email, lang, node.clock(), client))
    except NewsError as exc:
        status = 429 if str(exc) == TOO_MANY else 400
        return await render(request, "news_subscribe.html",
                            {"step": "form", "error": exc.args[0], "email": email},
                            status=status)
    task = (BackgroundTask(send_confirmation, node_of(request), email.strip().lower(), token,
                           lang) if token else None)
    return RedirectResponse("/news/subscribe", status_code=303, background=task)


async def subscribe_page(request: Request) -> Response:
    """GET /news/subscribe: where the form leads: a confirmation link is on its way."""
    return await render(request, "news_subscribe.html", {"step": "pending", "error": "",
                                                         "email": ""})


async def confirm_page(request: Request) -> Response:
    """GET /news/subscribe/confirm/{token}: a button that confirms (nothing changes)."""
    token = str(request.path_params["token"])
    found = await reading(request, lambda node, conn: pending_for(conn, token, node.clock()))
    context: dict[str, Any] = {"step": "confirm" if found else "bad-token", "error": "",
                               "email": found.email if found else "", "token": token}
    return await render(request, "news_subscribe.html", context,
                        status=200 if found else 404, headers=NO_STORE)


async def confirm_submit(request: Request) -> Response:
    """POST /news/subscribe/confirm/{token}: the address is confirmed."""
    form = await read_form(request)
    await verify_public_form(request, form)
    token = str(request.path_params["token"])
    try:
        found = await in_transaction(request, lambda node, conn: confirm(
            conn, token, node.clock()))
    except NewsError:
        return await render(request, "news_subscribe.html",
                            {"step": "bad-token", "error": "", "email": ""}, status=404,
                            headers=NO_STORE)
    return await render(request, "news_subscribe.html",
                        {"step": "confirmed", "error": "", "email": found.email},
                        headers=NO_STORE)


async def unsubscribe_view(request: Request) -> Response:
    """GET shows a confirm button; POST (the button, or a mail client's one-click POST)
    unsubscribes."""
    subscriber_id, signature = _number(request, "id"), str(request.path_params["sig"])
    found = await reading(request, lambda node, conn: signed_subscriber(
        conn, node.settings.secret_key, subscriber_id, signature))
    if found is None:
        raise HTTPException(404, "This unsubscribe link is unknown.")
    if request.method == "POST":
        await in_transaction(request, lambda node, conn: unsubscribe(
            conn, subscriber_id, node.clock()))
        step = "unsubscribed"
    else:
        step = "unsubscribed" if found.state == "unsubscribed" else "unsubscribe"
    return await render(request, "news_subscribe.html",
                        {"step": step, "error": "", "email": found.email,
                         "action": request.url.path}, headers=NO_STORE)


def routes() -> list[BaseRoute]:
    return [
        Route("/news/digests", digests_page, methods=["GET"]),
        Route("/news/digests/{id}", digest_page, methods=["GET"]),
        Route("/news/subscribe", subscribe_page, methods=["GET"]),
        Route("/news/subscribe", subscribe_submit, methods=["POST"]),
        Route("/news/subscribe/confirm/{token}", confirm_page, methods=["GET"]),
        Route("/news/subscribe/confirm/{token}", confirm_submit, methods=["POST"]),
        Route("/news/unsubscribe/{id}/{sig}", unsubscribe_view, methods=["GET", "POST"]),
    ]
