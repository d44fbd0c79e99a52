"""Follow, vote and RSVP "from your account": one page and one flow for every target.

``/hubs/{name}/follow`` and ``/users/{name}/follow`` (follow a hub or an organizer),
``/objects/{id}/interact`` (vote on a poll, RSVP to an event). GET shows what to
search for on one's own server (the handle ``@name@host`` or the object's address,
ready to copy) and a form asking for the visitor's fediverse handle. POST looks the
handle up with WebFinger on the visitor's server and sends the browser there (303) with
the server's subscribe template filled in (:mod:`node.activitypub.remote_interaction`);
when that cannot be done the page comes back with the reason, what was typed, and the
address to search for by hand.

The POST is CSRF-checked like every form and limited per client address
(:func:`node.accounts.ratelimit.action_retry_after`), since each one makes the node
fetch from a server the visitor names. These pages relax ``form-action`` to any https
origin (http too on loopback development nodes): browsers apply ``form-action`` to
the redirect after a form is sent (CSP Level 3), and the redirect goes to the
visitor's server.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.ratelimit import action_retry_after, record_action
from node.activitypub.local_actors import USERNAME_RE, find_by_username
from node.activitypub.models import StoredObject
from node.activitypub.remote_interaction import MAX_HANDLE, NotSent, handle_of, interaction_url
from node.runtime import Node, node_of
from node.settings import Settings
from node.web.auth import client_of
from node.web.forms import read_form, verify_public_form
from node.web.hub_admin_views import in_transaction, reading
from node.web.i18n import N_
from node.web.queries import is_public, object_uri
from node.web.security import CONTENT_SECURITY_POLICY
from node.web.templating import render

log = logging.getLogger(__name__)
_objects = StoredObject.__table__  # type: ignore[attr-defined]
ACTION = "interact"  # what the rate limit counts these lookups under
OBJECT_KINDS = {"Question": "poll", "Event": "event"}
REFUSALS = {
    "malformed": N_("Type your handle as @name@server, for example @ana@mastodon.social."),
    "unreachable": N_("Your server could not be reached, or it does not know that account. "
                      "Check your handle, or search for the address above on your server."),
    "no-template": N_("Your server does not say where to send you. Search for the address "
                      "above on your server instead."),
    "limited": N_("Too many tries from your connection. Wait a few minutes and try again."),
}


@dataclass(frozen=True)
class Target:
    """What the visitor wants to interact with, as the page and the redirect need it."""

    kind: str  # hub, person, poll or event: picks the page's words
    name: str  # a hub's or person's name, an event's title ("" for a poll)
    address: str  # what to search for on one's server: @name@host or the object's URL
    uri: str  # what fills the template's {uri}: name@host or the object's URL
    back: str  # the page the visitor came from
    path: str  # this page


def _actor_target(conn: Connection, settings: Settings, kind: str, name: str,
                  path: str) -> Target | None:
    name = name.lower()
    actor = find_by_username(conn, name) if USERNAME_RE.fullmatch(name) else None
    if actor is None or actor.kind != kind or actor.deleted_at is not None:
        return None
    account = f"{actor.username}@{settings.host}"
    return Target(kind="hub" if kind == "group" else kind,
                  name=actor.display_name or actor.username, address=f"@{account}",
                  uri=account, back=actor.uri, path=path)


def _object_target(conn: Connection, settings: Settings, object_id: str,
                   path: str) -> Target | None:
    uri = object_uri(settings.url, object_id)
    if uri is None:
        return None
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    if row is None or not row.local or row.deleted_at is not None:
        return None
    kind = OBJECT_KINDS.get(row.type)
    if kind is None or not is_public(row.document):
        return None
    title = row.document.get("name") if kind == "event" else ""
    return Target(kind=kind, name=title if isinstance(title, str) else "", address=uri,
                  uri=uri, back=uri, path=path)


Finder = Callable[[Connection, Settings, str, str], "Target | None"]
Endpoint = Callable[[Request], Awaitable[Response]]


def _finder(kind: str) -> Finder:
    if kind == "object":
        return _object_target
    return lambda conn, settings, name, path: _actor_target(conn, settings, kind, name, path)


async def _target(request: Request, find: Finder) -> Target:
    key = str(request.path_params.get("name") or request.path_params.get("id") or "")
    found = await reading(request, lambda node, conn: find(conn, node.settings, key,
                                                           request.url.path))
    if found is None:
        raise HTTPException(404)
    return found


def form_csp(settings: Settings) -> str:
    """The page's policy: the form may lead to any https origin (and http on loopback)."""
    sources = "'self' https:" + (" http:" if settings.fetch_private_allowed else "")
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action {sources}")


async def _page(request: Request, target: Target, *, handle: str = "", error: str = "",
                status: int = 200, retry_after: int = 0) -> Response:
    headers = {"Content-Security-Policy": form_csp(node_of(request).settings)}
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    context = {"target": target, "handle": handle, "error": error}
    return await render(request, "remote_interact.html", context, status=status,
                        headers=headers)


def _count(conn: Connection, client: str, now: datetime) -> int:
    """Seconds to wait, or 0 after counting this lookup."""
    wait = action_retry_after(conn, ACTION, client, now)
    if not wait:
        record_action(conn, ACTION, client, now)
    return wait


async def _submit(request: Request, target: Target) -> Response:
    form = await read_form(request)
    await verify_public_form(request, form)
    typed = form.get("handle")
    handle = typed.strip()[:MAX_HANDLE + 1] if isinstance(typed, str) else ""
    if handle_of(handle) is None:
        return await _page(request, target, handle=handle, error=REFUSALS["malformed"],
                           status=400)
    node: Node = node_of(request)
    client = client_of(request)
    wait = await in_transaction(request, lambda node, conn: _count(conn, client, node.clock()))
    if wait:
        return await _page(request, target, handle=handle, error=REFUSALS["limited"],
                           status=429, retry_after=wait)
    sent = await interaction_url(node.services.fetcher, handle, target.uri)
    if isinstance(sent, NotSent):
        log.debug("remote interaction with %s not sent: %s", target.uri, sent.detail)
        return await _page(request, target, handle=handle, error=REFUSALS[sent.why],
                           status=400)
    return RedirectResponse(sent, status_code=303)


def _endpoints(kind: str) -> tuple[Endpoint, Endpoint]:
    find = _finder(kind)

    async def show(request: Request) -> Response:
        return await _page(request, await _target(request, find))

    async def submit(request: Request) -> Response:
        return await _submit(request, await _target(request, find))

    return show, submit


def routes() -> list[BaseRoute]:
    table: list[BaseRoute] = []
    for path, kind in (("/hubs/{name}/follow", "group"), ("/users/{name}/follow", "person"),
                       ("/objects/{id}/interact", "object")):
        show, submit = _endpoints(kind)
        table.append(Route(path, show, methods=["GET"]))
        table.append(Route(path, submit, methods=["POST"]))
    return table
