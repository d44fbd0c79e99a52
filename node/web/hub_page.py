"""The hub page: what browsers get at a hub's URL (issue 8, items 3 and 7).

A header (title, mission, the hub's images when it has them, how to follow), then
sections a person reads in order: pinned, next up, open polls (vote here when signed
in), updates and minutes (the newest few; older ones on their own keyset-paged lists,
:mod:`node.web.hub_lists`), results of closed polls, and a few members. Every item is a
card (:mod:`node.web.hub_cards`) shown once. Open Graph and ``rel=alternate`` tags let a
shared link preview the hub and lead feed readers and calendars to its feeds.

Everything shown comes from signed documents sanitised again here (as every page does)
and reduced to small view models, so the template decides nothing about safety.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.models import LocalActor
from node.hubs.hub.dashboard import Dashboard, build_dashboard
from node.hubs.hub.links import source_uris
from node.hubs.hub.models import Hub, PollVote
from node.hubs.hub.policy import STEWARDS, member_role
from node.network.origins import posted_in
from node.runtime import node_of
from node.web.auth import current_login, reader_zone
from node.web.hub_cards import Reading, card
from node.web.i18n import locale_of
from node.web.markup import sanitized_markup
from node.web.queries import authors, web_url
from node.web.sharing import hub_alternates, share
from node.web.templating import render

_hub = Hub.__table__  # type: ignore[attr-defined]
_votes = PollVote.__table__  # type: ignore[attr-defined]


def _load(request: Request, actor: LocalActor) -> tuple[Hub, Dashboard, Reading] | None:
    node = node_of(request)
    now = node.clock()
    with node.engine.connect() as conn:
        row = conn.execute(select(_hub).where(_hub.c.actor_id == actor.id)).first()
        if row is None:
            return None
        hub = Hub(**row._mapping)
        board = build_dashboard(conn, hub, actor, now)
        people = authors(conn, {item.author for item in board.shown}, node.settings.host)
        origins = authors(conn, {item.linked_from for item in board.shown},
                          node.settings.host)
        shared = posted_in(conn, [item.uri for item in board.shown])
        followed = frozenset(source_uris(conn, int(hub.id or 0)))
    reading = Reading(zone=hub.timezone or node.settings.timezone, lang=locale_of(request),
                      now=now, authors=people, likes=board.likes, notices=board.notices,
                      series=board.series, base=node.settings.url, origins=origins,
                      posted_in=shared, sources=followed)
    return hub, board, reading


def _role(engine: Engine, hub_id: int, actor_uri: str) -> str | None:
    with engine.connect() as conn:
        return member_role(conn, hub_id, actor_uri)


def _voted(engine: Engine, voter: str, polls: list[str]) -> set[str]:
    """The shown polls the signed-in organizer voted on: they show the tally, not the form."""
    if not polls:
        return set()
    with engine.connect() as conn:
        return set(conn.execute(select(_votes.c.question_uri).distinct().where(
            _votes.c.voter == voter, _votes.c.question_uri.in_(polls))).scalars())


async def role_in(request: Request, hub: Hub) -> str | None:
    """The signed-in organizer's role in the hub, if any: a member sees "Manage", a
    steward also a "hide" button on linked hubs' items."""
    login = await current_login(request)
    if login is None or hub.id is None:
        return None
    return await run_in_threadpool(_role, node_of(request).engine, hub.id, login.actor.uri)



def member_handle(uri: str) -> str:
    """``@name@host`` from an actor URI of the usual ``https://host/.../name`` shape."""
    host = uri.split("://", 1)[-1].split("/", 1)[0]
    return f"@{uri.rstrip('/').rsplit('/', 1)[-1]}@{host}"


def _sections(board: Dashboard, reading: Reading) -> dict[str, Any]:
    return {
        "pinned": [card(i, reading) for i in board.pinned],
        "upcoming": [card(i, reading) for i in board.upcoming],
        "polls": [card(i, reading) for i in board.polls],
        "results": [card(i, reading) for i in board.results],
        "updates": [card(i, reading) for i in board.updates.items],
        "minutes": [card(i, reading) for i in board.minutes.items],
        "updates_before": board.updates.before, "minutes_before": board.minutes.before,
    }


async def hub_page(request: Request, actor: LocalActor) -> Response:
    """The hub's header and its sections; times in the hub's timezone."""
    node = node_of(request)
    loaded = await run_in_threadpool(_load, request, actor)
    if loaded is None:
        raise HTTPException(404)
    hub, board, reading = loaded
    path, login = f"/hubs/{actor.username}", await current_login(request)
    reading = replace(reading, reader_zone=reader_zone(login))
    role = await role_in(request, hub)
    voted = await run_in_threadpool(_voted, node.engine, login.actor.uri,
                                    [i.uri for i in board.polls]) if login else set()
    context = {
        "zone": reading.zone, "actor": actor, "hub": hub, "path": path,
        "handle": f"@{actor.username}@{node.settings.host}",
        "mission": sanitized_markup(actor.summary), "alternate": actor.uri,
        "avatar": web_url(actor.icon_url), "header_image": web_url(hub.header_url),
        # the hub's own stewards get "Manage" where others get "Follow": following
        # one's own hub from it makes no sense
        "follow_url": "" if role in STEWARDS else f"{path}/follow", "voted": voted,
        "links": [(link.get("name", ""), web_url(link.get("url"))) for link in hub.links],
        **_sections(board, reading),
        "members": [(web_url(uri), member_handle(uri), role) for uri, role in board.members],
        "member_count": board.member_count, "followers": board.followers,
        "calendar_url": f"{actor.uri}/calendar.ics", "atom_url": f"{actor.uri}/feed.atom",
        "manage_url": f"{path}/manage" if role else "",
        "hide_url": f"{path}/links/hide" if role in STEWARDS else "",
        "share": share(title=actor.display_name or actor.username, html=actor.summary,
                       url=actor.uri, image=hub.header_url or actor.icon_url,
                       alternates=hub_alternates(actor.uri, actor.display_name or "")),
    }
    return await render(request, "hub.html", context)
