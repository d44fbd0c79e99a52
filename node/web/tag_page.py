"""``/tags/{name}``: the items of this node's hubs that carry a hashtag, newest first.

Every ``#hashtag`` a post shows links here (:class:`node.text.TagLinks`), so a reader
who follows one finds the other posts about it instead of a 404. Times are in the
node's timezone (the items come from several hubs), and in the reader's own beside it.
The list is a keyset (``?before=``, the publication time and id where the walk
stopped, :mod:`node.keyset`), newest publication first like every other list; a former
link's bare ``hub_item`` id reads that row's time (or gives the first page).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.hubs.hub.tagged import tagged_key, tagged_page
from node.keyset import TimeKey
from node.runtime import Node
from node.text import HASHTAG
from node.web.auth import current_login, reader_zone
from node.web.hub_admin_views import reading
from node.web.hub_cards import Reading, card
from node.web.hub_lists import LIST_PAGE, before_of
from node.web.i18n import locale_of
from node.web.queries import authors
from node.web.templating import render

MAX_TAG = 100


def tag_name(given: str) -> str:
    """The hashtag of the path (``/tags/Dockworkers``), lower case, or a 404: only what a
    post could tag (node.text.HASHTAG) names a page."""
    match = HASHTAG.fullmatch(f"#{given}")
    if len(given) > MAX_TAG or match is None:
        raise HTTPException(404)
    return given.casefold()


def _listed(node: Node, conn: Connection, tag: str, given: TimeKey | int | None, lang: str,
            reader: str | None) -> dict[str, Any]:
    before = tagged_key(conn, given) if isinstance(given, int) else given
    page = tagged_page(conn, tag, before=before, limit=LIST_PAGE)
    people = authors(conn, {item.author for item in page.items}, node.settings.host)
    view = Reading(zone=node.settings.timezone, lang=lang, now=node.clock(), authors=people,
                   likes={}, notices={}, series={}, base=node.settings.url,
                   reader_zone=reader)
    return {"tag": tag, "items": [card(item, view) for item in page.items],
            "next_url": f"/tags/{tag}?before={page.before}" if page.before else ""}


async def tag_page(request: Request) -> Response:
    tag = tag_name(request.path_params["name"])
    before, lang = before_of(request), locale_of(request)
    reader = reader_zone(await current_login(request))
    context = await reading(request, lambda node, conn: _listed(node, conn, tag, before, lang,
                                                                reader))
    return await render(request, "tag.html", context)


def routes() -> list[BaseRoute]:
    return [Route("/tags/{name}", tag_page, methods=["GET"])]
