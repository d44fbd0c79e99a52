"""``GET /objects/{id}/targets``: where the author's item stands in each hub it went to.

Issue 9 item 6: the organizer who cross-posted an item sees, per target hub, whether it
is queued, delivered (no answer yet: held for moderation there, or not yet read),
published, held for moderation (a hub here), refused (with the hub's reason) or failing
(with the next retry and the last error), from :mod:`node.hubs.hub.crossposts`. While
any answer is outstanding, ``/static/targets.js`` (a file: the CSP allows no inline
script) fetches the table again every :data:`REFRESH` seconds into an ``aria-live``
region, with a button to stop; without JavaScript a "Refresh" link does it by hand.
(Not ``<meta http-equiv="refresh">``: a timed reload fails WCAG 2.2.1, as axe-core
says.) Only the author sees it (anyone else gets the same 404 as for no such item).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.hubs.hub.crossposts import TargetStatus, target_statuses
from node.hubs.hub.items import owned_document
from node.hubs.hub.publish import HubError
from node.runtime import Node, node_of
from node.web.auth import login_required, reader_zone
from node.web.dates import shown
from node.web.i18n import N_, locale_of, translator
from node.web.item_text import plain_text
from node.web.queries import object_uri
from node.web.templating import render

T = TypeVar("T")
#: Seconds between refreshes while a target has not answered.
REFRESH = 10
#: States that may still change without the author doing anything.
OPEN_STATES = frozenset({"queued", "delivered", "held", "failing"})
STATE_LABELS = {
    "queued": N_("Queued"), "delivered": N_("Delivered, waiting for the hub"),
    "published": N_("Published"), "held": N_("Held for moderation"),
    "refused": N_("Refused"), "failing": N_("Failing"), "failed": N_("Failed"),
}


def targets_path(node: Node, uri: str) -> str:
    """The targets page of our object ``uri`` (a path on this node)."""
    return f"{uri.removeprefix(node.settings.url)}/targets"


def _title(document: dict[str, Any]) -> str:
    name = document.get("name")
    if isinstance(name, str) and name:
        return name
    return plain_text(str(document.get("content") or ""), 80).split("\n")[0]


def _load(node: Node, conn: Connection, login: Login,
          uri: str) -> tuple[dict[str, Any], list[TargetStatus]] | None:
    try:
        document = owned_document(conn, login.actor, uri)
    except HubError:
        return None
    return document, target_statuses(conn, uri)


@login_required
async def targets_page(request: Request, login: Login) -> Response:
    node = node_of(request)
    uri = object_uri(node.settings.url, str(request.path_params["id"]))
    found = None if uri is None else await run_in_threadpool(
        _with_conn, node, lambda conn: _load(node, conn, login, uri))
    if found is None or uri is None:
        raise HTTPException(404)
    document, statuses = found
    lang, zone, now = locale_of(request), reader_zone(login) or node.settings.timezone, \
        node.clock()
    retries = {s.hub_uri: shown(s.next_retry, zone, lang, now)
               for s in statuses if s.next_retry is not None}
    # a hub here gave its policy's reason (a catalogue message; a moderator's own words
    # are not in it and stay as written); a hub elsewhere gave its own
    gettext = translator(request).gettext
    statuses = [replace(s, reason=gettext(s.reason)) if s.local and s.reason else s
                for s in statuses]
    context = {"item_url": uri.removeprefix(node.settings.url), "item_title": _title(document),
               "page_url": request.url.path,
               "statuses": statuses, "labels": STATE_LABELS, "retries": retries,
               "refresh": REFRESH if any(s.state in OPEN_STATES for s in statuses) else 0}
    return await render(request, "item_targets.html", context)


def _with_conn(node: Node, work: Callable[[Connection], T]) -> T:
    with node.engine.connect() as conn:
        return work(conn)


def routes() -> list[BaseRoute]:
    return [Route("/objects/{id}/targets", targets_page, methods=["GET"])]
