"""``/network/directory``: every hub this node knows, searchable and filterable.

The query is the network domain's (:mod:`node.network.directory_query`); this module
brings this node's own hubs up to date first (:func:`node.network.directory.sync_local`,
a few rows), reads the reader's search and filters from GET parameters (a plain form,
no JavaScript), and offers per hub what the reader can do: follow it (this node's hubs
through the remote-follow page every hub has, another node's hubs from their own page,
or by their handle in any fediverse app) and, for the stewards of a hub here, link
their hub to it (the hub's links page, the handle filled in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup
from sqlalchemy import Connection, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.activitypub.local_actors import USERNAME_RE
from node.activitypub.models import LocalActor
from node.hubs.hub.models import Hub, HubMember
from node.hubs.hub.your_hubs import your_hubs
from node.keyset import TextKey, parse_row_id, parse_text_key
from node.network.directory import sync_local
from node.network.directory_query import (
    DirectoryEntry,
    DirectoryFilters,
    DirectoryPage,
    directory_page,
    facets,
    title_key,
)
from node.runtime import Node
from node.web.auth import current_login
from node.web.hub_admin_views import in_transaction
from node.web.hub_forms import KINDS
from node.web.i18n import N_
from node.web.markup import sanitized_markup
from node.web.templating import render

PAGE = "/network/directory"
POST_HERE = "/network/post"
LIMITS = {"q": 200, "tag": 60, "region": 200, "node": 255}
STEWARDS = ("admin", "moderator")
_actors = LocalActor.__table__  # type: ignore[attr-defined]
_hubs = Hub.__table__  # type: ignore[attr-defined]
_members = HubMember.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Listed:
    """A directory entry and how the reader follows it."""

    hub: DirectoryEntry
    mission: Markup  # the Group's summary, sanitised again as it is shown
    follow_url: str  # this node's remote-follow page, or the hub's own page
    handle: str  # @name@host, for any fediverse app's search
    pick: str  # how a compose form names it as a target: its name here, else its id


def filters_of(request: Request) -> DirectoryFilters | None:
    """The reader's search and filters; None when one can match nothing (too long,
    control characters)."""
    values = {k: request.query_params.get(k, "").strip() for k in LIMITS}
    if any(len(v) > LIMITS[k] or not v.isprintable() for k, v in values.items()):
        return None
    return DirectoryFilters(search=values["q"], tag=values["tag"].lower(),
                            region=values["region"], node=values["node"].lower())


def cursor(request: Request) -> TextKey | int | None:
    """The ``after`` cursor (the last listed hub's sort key and id), or a former link's
    bare hub id (:func:`node.keyset.parse_row_id`); else a 400."""
    value = request.query_params.get("after")
    if value is None:
        return None
    readable = len(value) <= 350 and "\x00" not in value
    key = (parse_text_key(value) or parse_row_id(value)) if readable else None
    if key is None:
        raise HTTPException(400, N_("This link is broken: its \u201cafter\u201d is not "
                                   "where a \u201cMore hubs\u201d link starts."))
    return key


def steward_hubs(conn: Connection, actor_uri: str | None) -> list[str]:
    """The names of this node's hubs the reader is an admin or moderator of."""
    if actor_uri is None:
        return []
    return list(conn.execute(
        select(_actors.c.username).join(_hubs, _hubs.c.actor_id == _actors.c.id)
        .join(_members, _members.c.hub_id == _hubs.c.id)
        .where(_members.c.actor_uri == actor_uri, _members.c.role.in_(STEWARDS),
               _actors.c.deleted_at.is_(None))
        .order_by(_actors.c.username)).scalars())


def listed(node: Node, entry: DirectoryEntry) -> Listed:
    name = entry.handle.split("@", 1)[0]
    follow = f"/hubs/{quote(name)}/follow" if entry.local and name else entry.url
    return Listed(entry, sanitized_markup(entry.summary), follow,
                  f"@{entry.handle}" if entry.handle else "",
                  name if entry.local and name else entry.uri)


#: ``post_kind`` of the /account compose form's "Find a hub in the directory"
ACCOUNT = "account"


def posting(request: Request) -> dict[str, str]:
    """The hub and kind a compose form's "Find a hub in the directory" came from: kept
    by the page's links, so that "Post here" goes straight back to that form."""
    values = {k: request.query_params.get(k, "") for k in ("post_from", "post_kind")}
    if values["post_kind"] == ACCOUNT:  # the /account form: posted as the person
        return {"post_kind": ACCOUNT}
    if not USERNAME_RE.fullmatch(values["post_from"]) or values["post_kind"] not in KINDS:
        return {}
    return values


def post_here(entry: Listed, posting: dict[str, str]) -> str:
    """Where "Post here" leads: the compose form the reader came from, else the page
    where they choose which of their hubs they post from."""
    if posting.get("post_kind") == ACCOUNT:
        return f"/account?{urlencode({'to': entry.pick})}#post-heading"
    if posting:
        return (f"/hubs/{posting['post_from']}/post/{posting['post_kind']}?"
                + urlencode({"to": entry.pick}))
    return f"{POST_HERE}?{urlencode({'to': entry.pick})}"


def _page(node: Node, conn: Connection, filters: DirectoryFilters | None,
          given: TextKey | int | None, reader: str | None) -> dict[str, Any]:
    sync_local(conn, node.settings.url, node.services.actor_sources.extras, node.clock())
    after = title_key(conn, given) if isinstance(given, int) else given
    page = directory_page(conn, filters, after=after) if filters else DirectoryPage([], None)
    shown = filters or DirectoryFilters()
    query = shown.query()
    more = f"{PAGE}?{urlencode({**query, 'after': str(page.after)})}" if page.after else ""
    return {**feed_links(node.settings.url, query),
            "entries": [listed(node, e) for e in page.entries], "filters": shown,
            "facets": facets(conn), "more": more, "filtered": filters is None or bool(query),
            "my_hubs": steward_hubs(conn, reader), "first_page": after is None,
            "member_of": [h.name for h in your_hubs(conn, reader)] if reader else []}


def feed_links(base: str, query: dict[str, str]) -> dict[str, str]:
    """The page's Atom feed and calendar, with the reader's filters (the calendar also
    as ``webcal://``, which makes a browser hand it to the calendar app)."""
    tail = f"?{urlencode(query)}" if query else ""
    ics = f"{base}{PAGE}.ics{tail}"
    return {"atom_url": f"{PAGE}.atom{tail}", "ics_url": ics,
            "webcal_url": "webcal://" + ics.split("://", 1)[1]}


async def directory(request: Request) -> Response:
    """GET /network/directory."""
    filters, after = filters_of(request), cursor(request)
    login = await current_login(request)
    reader = login.actor.uri if login is not None else None
    context = await in_transaction(request, lambda node, conn: _page(node, conn, filters,
                                                                     after, reader))
    # the operator follows a hub of another node for the whole node (/admin/network)
    context["operator"] = login is not None and login.account.is_admin
    context["posting"] = posting(request) if context["member_of"] else {}
    context["post_here"] = post_here
    if context["posting"] and context["more"]:
        context["more"] += "&" + urlencode(context["posting"])
    return await render(request, "network_directory.html", context)


def routes() -> list[BaseRoute]:
    return [Route(PAGE, directory, methods=["GET"])]
