"""The hub dashboard page: what browsers get at a hub's URL.

Everything shown comes from signed documents sanitised again here (as every page does)
and reduced to small view models, so the template decides nothing about safety.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.models import LocalActor
from node.clock import as_utc
from node.hubs.events.rules import EventSpec, Online, Place, event_when, spec_from_document
from node.hubs.hub.dashboard import Dashboard, Item, build_dashboard
from node.hubs.hub.models import Hub
from node.hubs.hub.policy import member_role
from node.runtime import node_of
from node.web.auth import current_login
from node.web.markup import sanitized_markup
from node.web.poll_view import PollView, poll_view
from node.web.queries import web_url
from node.web.templating import render
from node.zones import ZoneError

_hub = Hub.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ItemView:
    uri: str
    kind: str
    title: str
    summary: Markup
    content: Markup
    published: datetime | None
    starts_at: datetime | None
    join_url: str
    place: str
    dial_in: str
    poll: PollView | None  # a Question's options, shares, voters and closing
    likes: int = 0
    when: str = ""  # an event's or call's start (and end) in words, in its timezone


def _text(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    return value if isinstance(value, str) else ""


def _event_spec(item: Item) -> EventSpec | None:
    """The Event as its own page and the calendars read it, or None (not an Event, or
    no readable start): then the raw fields are shown as they are."""
    if item.document.get("type") != "Event":
        return None
    try:
        return spec_from_document(item.document)
    except ZoneError:  # EventError and ScheduleError too
        return None


def _spec_fields(spec: EventSpec, document: dict[str, Any]) -> tuple[str, str, str]:
    """(title, place, join URL) read as :func:`spec_from_document` reads them, so a list
    or a PostalAddress-only ``location`` (Mobilizon) shows its place here too."""
    location = spec.location
    place = location.name if isinstance(location, Place) else ""
    online = location.url if isinstance(location, Online) else ""
    call = spec.call.call_url if spec.call is not None else ""
    join = web_url(online) or web_url(call) or web_url(_text(document, "callUrl"))
    return spec.title, place, join


def _location(document: dict[str, Any]) -> tuple[str, str]:
    """(place name, join URL) of an Event's Place or VirtualLocation."""
    location = document.get("location")
    if not isinstance(location, dict):
        return "", web_url(_text(document, "callUrl"))
    url = web_url(_text(location, "url")) or web_url(_text(document, "callUrl"))
    return _text(location, "name"), url


def _event_when(item: Item) -> str:
    """Every event card shows its start: in the event's words and zone when its document
    reads as an Event, else the indexed start in UTC (an odd remote document)."""
    if item.kind not in ("event", "call") or item.starts_at is None:
        return ""
    try:
        return event_when(spec_from_document(item.document))
    except ZoneError:  # EventError and ScheduleError too: no readable startTime
        return as_utc(item.starts_at).strftime("%Y-%m-%d %H:%M UTC")


def item_view(item: Item, likes: dict[str, int] | None = None, *,
              now: datetime | None = None) -> ItemView:
    doc = item.document
    place, join_url = _location(doc)
    title = _text(doc, "name") or ("(untitled event)" if item.kind == "event" else "")
    spec = _event_spec(item)
    if spec is not None:
        title, place, join_url = _spec_fields(spec, doc)
    return ItemView(
        uri=web_url(item.uri), kind=item.kind, title=title,
        summary=sanitized_markup(_text(doc, "summary")),
        content=sanitized_markup(_text(doc, "content")), published=item.published,
        starts_at=item.starts_at, join_url=join_url, place=place,
        dial_in=" ".join(x for x in (_text(doc, "dialIn"), _text(doc, "accessCode")) if x),
        poll=poll_view(doc, now) if item.kind == "poll" and now is not None else None,
        likes=(likes or {}).get(item.uri, 0), when=_event_when(item),
    )


def _load(engine: Engine, actor: LocalActor, now: datetime) -> tuple[Hub, Dashboard] | None:
    with engine.connect() as conn:
        row = conn.execute(select(_hub).where(_hub.c.actor_id == actor.id)).first()
        if row is None:
            return None
        hub = Hub(**row._mapping)
        return hub, build_dashboard(conn, hub, actor, now)


def _is_member(engine: Engine, hub_id: int, actor_uri: str) -> bool:
    with engine.connect() as conn:
        return member_role(conn, hub_id, actor_uri) is not None


async def can_manage(request: Request, hub: Hub) -> bool:
    """Whether the signed-in organizer (if any) is a member: the "Manage" link shows."""
    login = await current_login(request)
    if login is None or hub.id is None:
        return False
    return await run_in_threadpool(_is_member, node_of(request).engine, hub.id, login.actor.uri)


def member_handle(uri: str) -> str:
    """``@name@host`` from an actor URI of the usual ``https://host/.../name`` shape."""
    host = uri.split("://", 1)[-1].split("/", 1)[0]
    return f"@{uri.rstrip('/').rsplit('/', 1)[-1]}@{host}"


async def hub_page(request: Request, actor: LocalActor) -> Response:
    """Mission, pinned items, next calls and events, open polls and results of closed
    ones, recent items, members; times in the hub's timezone."""
    node = node_of(request)
    now = node.clock()
    loaded = await run_in_threadpool(_load, node.engine, actor, now)
    if loaded is None:
        raise HTTPException(404)
    hub, board = loaded
    context = {
        "zone": hub.timezone or node.settings.timezone,
        "actor": actor, "hub": hub, "handle": f"@{actor.username}@{node.settings.host}",
        "mission": sanitized_markup(actor.summary), "alternate": actor.uri,
        "links": [(link.get("name", ""), web_url(link.get("url"))) for link in hub.links],
        "pinned": [item_view(i, board.likes, now=now) for i in board.pinned],
        "upcoming": [item_view(i, board.likes, now=now) for i in board.upcoming],
        "polls": [item_view(i, board.likes, now=now) for i in board.polls],
        "results": [item_view(i, board.likes, now=now) for i in board.results],
        "recent": [item_view(i, board.likes, now=now) for i in board.recent],
        "members": [(web_url(uri), member_handle(uri), role) for uri, role in board.members],
        "followers": board.followers,
        "calendar_url": f"{actor.uri}/calendar.ics",
        "atom_url": f"{actor.uri}/feed.atom",
        "manage_url": f"/hubs/{actor.username}/manage" if await can_manage(request, hub) else "",
    }
    return await render(request, "hub.html", context)
