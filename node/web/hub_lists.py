"""``/hubs/{name}/updates`` and ``/hubs/{name}/minutes``: all of a hub's updates or
minutes, newest first, a page at a time.

Items are in publication order (a linked hub's backfilled history below what is new).
Pages are a keyset: ``?before=<cursor>`` lists the items older than the cursor (the
publication time and id of the row where the previous page stopped, :mod:`node.keyset`:
the values, so a deleted boundary item changes nothing), so a page shows the same items
however many arrive meanwhile, and a deep page costs what the first one does (no
OFFSET). The hub page shows the newest few and links here for the rest.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.hubs.hub.dashboard import MINUTES, UPDATES, item_key, page_of
from node.hubs.hub.links import source_uris
from node.hubs.hub.publish import HubError, load_hub
from node.keyset import TimeKey, parse_row_id, parse_time_key
from node.runtime import Node
from node.web.auth import current_login, reader_zone
from node.web.hub_admin_views import reading
from node.web.hub_cards import Reading, card
from node.web.i18n import N_, locale_of
from node.web.queries import authors
from node.web.sharing import hub_alternates, share
from node.web.templating import render

LIST_PAGE = 20
LISTS = {"updates": (UPDATES, N_("Updates")), "minutes": (MINUTES, N_("Minutes"))}


def before_of(request: Request) -> TimeKey | int | None:
    """The cursor of an "Older" link, a former link's bare item id
    (:func:`node.keyset.parse_row_id`), or none (the newest page); anything else is a
    404."""
    given = request.query_params.get("before")
    if given is None:
        return None
    key = parse_time_key(given) or parse_row_id(given)
    if key is None:
        raise HTTPException(404)
    return key


def _list(node: Node, conn: Connection, name: str, which: str, given: TimeKey | int | None,
          lang: str, reader: str | None) -> dict[str, Any] | None:
    try:
        target = load_hub(conn, name)
    except HubError:
        return None
    assert target.hub.id is not None
    kinds = LISTS[which][0]
    before = item_key(conn, target.hub.id, kinds, given) if isinstance(given, int) else given
    page = page_of(conn, target.hub.id, kinds, before=before, limit=LIST_PAGE)
    people = authors(conn, {item.author for item in page.items}, node.settings.host)
    origins = authors(conn, {item.linked_from for item in page.items}, node.settings.host)
    zone = target.hub.timezone or node.settings.timezone
    view = Reading(zone=zone, lang=lang, now=node.clock(), authors=people, likes={},
                   notices={}, series={}, base=node.settings.url, reader_zone=reader,
                   origins=origins, sources=frozenset(source_uris(conn, target.hub.id)))
    actor = target.actor
    return {"actor": actor, "hub_path": f"/hubs/{name}", "heading": LISTS[which][1],
            "items": [card(item, view) for item in page.items], "zone": zone,
            "next_url": f"/hubs/{name}/{which}?before={page.before}" if page.before else "",
            "share": share(title=actor.display_name or name, html=actor.summary,
                           url=actor.uri, alternates=hub_alternates(actor.uri,
                                                                    actor.display_name or ""))}


async def item_list(request: Request) -> Response:
    name, which = request.path_params["name"], request.url.path.rsplit("/", 1)[-1]
    before, lang = before_of(request), locale_of(request)
    reader = reader_zone(await current_login(request))
    context = await reading(request, lambda node, conn: _list(node, conn, name, which, before,
                                                              lang, reader))
    if context is None:
        raise HTTPException(404)
    return await render(request, "hub_items.html", context)


def routes() -> list[BaseRoute]:
    return [Route(f"/hubs/{{name}}/{which}", item_list, methods=["GET"]) for which in LISTS]
