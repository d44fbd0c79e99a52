"""Public HTML pages of actors and objects, served to browsers at the same URLs as the
ActivityPub JSON: :func:`node.web.lazy_pages.html_pages` registers both with the
protocol's content negotiation when the node is built (importing this module at the
first page asked for).

Both pages re-sanitise stored HTML before showing it, even though it was sanitised
on the way in: a bug or an old row must not become script on our origin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from node.accounts.sessions import Login
from node.activitypub.models import LocalActor, StoredObject
from node.hubs.hub.models import Hub, HubItem, HubMember
from node.hubs.hub.policy import ROLES, STEWARDS
from node.media.srcsets import COLUMN_SIZES, srcsets
from node.network.origins import posted_in
from node.newswire.forwards.service import forwardable_hub
from node.runtime import Node, node_of
from node.web.auth import current_login, reader_zone
from node.web.dates import shown
from node.web.event_view import EventPage, event_page
from node.web.hub_page import hub_page
from node.web.i18n import locale_of
from node.web.item_images import item_images
from node.web.item_text import plain_text
from node.web.markup import sanitized_markup
from node.web.news_views import news_front
from node.web.poll_page import flash_of, poll_page
from node.web.queries import (
    KIND_LABELS,
    author_link,
    followers_count,
    is_public,
    post_view,
    recent_public_posts,
    web_url,
)
from node.web.rsvp_page import rsvp_page
from node.web.sharing import ACTIVITY_JSON, Alternate, Share, hub_alternates, share
from node.web.templating import render

_hub = Hub.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_member = HubMember.__table__  # type: ignore[attr-defined]


def _actor_context(engine: Engine, actor: LocalActor) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            "followers": followers_count(conn, actor.uri),
            "posts": recent_public_posts(conn, actor.uri),
        }


async def actor_page(request: Request, actor: LocalActor) -> Response:
    """Profile of a local actor: name, handle, kind, summary, followers, recent posts."""
    if actor.deleted_at is not None:
        raise HTTPException(404)
    if actor.kind == "group":
        return await hub_page(request, actor)
    if actor.kind == "newswire":
        return await news_front(request, actor)
    node = node_of(request)
    data = await run_in_threadpool(_actor_context, node.engine, actor)
    context = {
        "actor": actor,
        "handle": f"@{actor.username}@{node.settings.host}",
        "kind_label": KIND_LABELS.get(actor.kind, actor.kind),
        "summary": sanitized_markup(actor.summary),
        "alternate": actor.uri,
        **data,
    }
    return await render(request, "actor.html", context)


def _object_context(engine: Engine, node: Node, obj: StoredObject,
                    login: Login | None, lang: str) -> dict[str, Any]:
    """Author, the timezone of the hub that holds the item, a Question's poll, an Event's
    facts, what a shared link to it shows, and the ``srcset`` of its attachments uploaded
    here (:mod:`node.media.srcsets`)."""
    document, now = obj.document or {}, node.clock()
    with engine.connect() as conn:
        zone = hub_zone_of(conn, obj.uri) or node.settings.timezone
        hub = hub_of(conn, obj.uri)
        author = author_link(conn, obj.attributed_to, node.settings.host)
        poll = poll_page(conn, node, obj, login) if obj.type == "Question" else None
        rsvp = rsvp_page(conn, node, obj, login) if obj.type == "Event" else None
        sets = srcsets(conn, node.settings.url, [image.url for image in item_images(document)])
        forward = forwardable_hub(conn, obj.uri, login.actor.uri) if login else None
        origins = posted_in(conn, [obj.uri]).get(obj.uri, [])
        mine = login is not None and obj.local and obj.attributed_to == login.actor.uri
        managed = managing_hub(conn, obj.uri, login.actor.uri, mine=mine) if login else None
    event = event_page(document, zone, lang, now, reader_zone(login))
    return {"author": author, "zone": zone, "poll": poll, "event": event, "hub": hub,
            "rsvp": rsvp, "srcsets": sets, "column_sizes": COLUMN_SIZES, "forward_hub": forward,
            "published": shown(obj.published, zone, lang, now) if obj.published else None,
            "share": item_share(obj, hub[1] if hub else "", event), "origins": origins,
            "targets_url": f"{obj.uri.removeprefix(node.settings.url)}/targets" if mine else "",
            "manage_url": f"/hubs/{managed}/manage" if managed else ""}


def managing_hub(conn: Connection, uri: str, actor_uri: str, *, mine: bool) -> str | None:
    """The name of a hub that published ``uri`` where ``actor_uri`` changes it on the
    manage page (its author, as a member; anyone else, as an admin or moderator): the
    item's page links there, since an organizer looking at their event looked for its
    Edit, Move and Cancel in vain."""
    roles = ROLES if mine else sorted(STEWARDS)
    name = conn.execute(
        select(_actor.c.username).join(_hub, _hub.c.actor_id == _actor.c.id)
        .join(_item, _item.c.hub_id == _hub.c.id)
        .join(_member, _member.c.hub_id == _hub.c.id)
        .where(_item.c.object_uri == uri, _item.c.state == "published",
               _member.c.actor_uri == actor_uri, _member.c.role.in_(roles),
               _actor.c.deleted_at.is_(None))
        .order_by(_item.c.id).limit(1)).scalar()
    return str(name) if name else None


def hub_of(conn: Connection, uri: str) -> tuple[str, str] | None:
    """(title, actor URI) of the first hub that published ``uri``, for the page's links."""
    row = conn.execute(select(_actor.c.display_name, _actor.c.uri, _actor.c.username)
                       .join(_hub, _hub.c.actor_id == _actor.c.id)
                       .join(_item, _item.c.hub_id == _hub.c.id)
                       .where(_item.c.object_uri == uri, _item.c.state == "published")
                       .order_by(_item.c.id).limit(1)).first()
    return (row.display_name or row.username, row.uri) if row is not None else None


def item_share(obj: StoredObject, hub_uri: str, event: EventPage | None) -> Share:
    """Open Graph of an item; its ActivityPub form, and its hub's feeds beside it."""
    document = obj.document or {}
    text = document.get("summary") if obj.type in ("Event", "Article") else None
    html = text if isinstance(text, str) and text else str(document.get("content") or "")
    title = str(document.get("name") or "") or plain_text(html, 80).split("\n")[0]
    alternates = (Alternate(ACTIVITY_JSON, obj.uri),
                  *(hub_alternates(hub_uri, "")[1:] if hub_uri else ()))
    image = _image_of(document)
    return share(title=title, html=html, url=obj.uri, image=image,
                 kind="article", alternates=alternates)


def _image_of(document: dict[str, Any]) -> str:
    """The first image attached to an item (Mastodon's ``attachment`` of ``Image`` or
    ``Document`` with an image media type), or ""."""
    for attached in document.get("attachment") or []:
        if not isinstance(attached, dict):
            continue
        media = str(attached.get("mediaType") or "")
        if attached.get("type") == "Image" or media.startswith("image/"):
            url = attached.get("url") or attached.get("href")
            return url if isinstance(url, str) else ""
    return ""


def hub_zone_of(conn: Connection, uri: str) -> str:
    """The timezone of the first hub that published ``uri``; "" when none set one."""
    zone = conn.execute(select(_hub.c.timezone).join(_item, _item.c.hub_id == _hub.c.id)
                        .where(_item.c.object_uri == uri, _item.c.state == "published")
                        .order_by(_item.c.id).limit(1)).scalar()
    return zone if isinstance(zone, str) else ""


async def object_page(request: Request, obj: StoredObject, *, status: int = 200,
                      error: str = "") -> Response:
    """One public post with its author; anything deleted or not public is one plain 404.

    A poll (Question) shows its options, tallies and vote form (:mod:`node.web.poll_page`);
    times are shown in the timezone of the hub the item is in.
    """
    if obj.deleted_at is not None or not is_public(obj.document):
        raise HTTPException(404)
    node = node_of(request)
    login = await current_login(request)
    data = await run_in_threadpool(_object_context, node.engine, node, obj, login,
                                   locale_of(request))
    context = {"post": post_view(obj), "alternate": web_url(obj.uri), "error": error,
               "flash": "" if error else flash_of(request), **data}
    return await render(request, "object.html", context, status=status)
