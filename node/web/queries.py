"""Read-only queries behind the HTML pages, and the view models the templates get.

Templates receive plain dataclasses with HTML already sanitised into ``Markup``, so
no template ever decides what is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup
from sqlalchemy import Connection, func, or_, select

from node.activitypub import vocab
from node.activitypub.models import (
    Follow,
    LocalActor,
    OutboxActivity,
    RemoteActor,
    StoredObject,
)
from node.web.item_images import ImageView, item_images
from node.web.markup import sanitized_markup

KIND_LABELS = {"person": "organizer", "group": "hub", "node": "node", "service": "service",
               "newswire": "newswire"}
LIST_LIMIT = 500  # actors listed on the home page per kind
POSTS_SCANNED = 200  # newest rows scanned for public posts (non-public ones are skipped)

_actor = LocalActor.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ActorLink:
    username: str
    name: str
    handle: str
    url: str
    avatar: str = ""  # the actor's icon URL (a remote one is shown through the proxy)


def icon_of(document: Any) -> str:
    """The URL of an actor document's ``icon`` (AS2: an Image, a link, or a list of them)."""
    icon = document.get("icon") if isinstance(document, dict) else None
    if isinstance(icon, list):
        icon = next(iter(icon), None)
    url = icon.get("url") if isinstance(icon, dict) else icon
    if isinstance(url, list):
        url = next(iter(url), None)
    if isinstance(url, dict):
        url = url.get("href")
    return url if isinstance(url, str) else ""


@dataclass(frozen=True)
class PostView:
    uri: str
    type: str
    title: str
    summary: Markup
    content: Markup
    published: datetime | None
    images: tuple[ImageView, ...] = ()  # image attachments (node.web.item_images)


def web_url(value: str | None) -> str:
    """``value`` if it is an absolute http(s) URL, else "" (templates then show no link).

    Autoescaping does not stop ``javascript:`` in an ``href``; remote ids must not
    become links unless they are web addresses.
    """
    if not value:
        return ""
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else ""


def object_uri(base_url: str, object_id: str) -> str | None:
    """The URI of our ``/objects/{id}``, or None when ``id`` cannot name one (a NUL or
    other control character: PostgreSQL refuses NUL in a query, which was a 500)."""
    return f"{base_url}/objects/{object_id}" if object_id.isprintable() else None


def is_public(document: dict[str, Any] | None) -> bool:
    """True when the object is addressed to the public collection (``to`` or ``cc``)."""
    return isinstance(document, dict) and vocab.is_public(document)


def _text(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    return value if isinstance(value, str) else ""


def post_view(obj: StoredObject) -> PostView:
    """What a template shows of a stored object; every HTML field sanitised again here."""
    document = obj.document or {}
    return PostView(
        uri=web_url(obj.uri),
        type=obj.type,
        title=_text(document, "name"),
        summary=sanitized_markup(_text(document, "summary")),
        content=sanitized_markup(_text(document, "content")),
        published=obj.published,
        images=item_images(document),
    )


def local_actors(conn: Connection, kind: str, host: str) -> list[ActorLink]:
    """Listed (discoverable, not deleted) local actors of ``kind``, by username."""
    rows = conn.execute(
        select(_actor.c.username, _actor.c.display_name, _actor.c.uri)
        .where(_actor.c.kind == kind, _actor.c.discoverable.is_(True),
               _actor.c.deleted_at.is_(None))
        .order_by(_actor.c.username).limit(LIST_LIMIT)
    ).all()
    return [
        ActorLink(username=r.username, name=r.display_name or r.username,
                  handle=f"@{r.username}@{host}", url=r.uri)
        for r in rows
    ]


def followers_count(conn: Connection, uri: str) -> int:
    """Accepted followers only: a pending Follow is not a follower yet."""
    count: int = conn.execute(
        select(func.count()).select_from(_follow)
        .where(_follow.c.following == uri, _follow.c.state == "accepted")
    ).scalar_one()
    return count


def recent_public_posts(conn: Connection, uri: str, limit: int = 20) -> list[PostView]:
    """The actor's newest public, not deleted objects: its own, and those it shared.

    A hub authors nothing itself: its posts are the members' objects it Announced.
    """
    shared = (
        select(_outbox.c.object_uri)
        .join(_actor, _actor.c.id == _outbox.c.actor_id)
        .where(_actor.c.uri == uri, _outbox.c.type == "Announce")
    )
    rows = conn.execute(
        select(_object)
        .where(or_(_object.c.attributed_to == uri, _object.c.uri.in_(shared)),
               _object.c.deleted_at.is_(None))
        .where(or_(_object.c.local.is_(True), _object.c.uri.in_(shared)))
        .order_by(_object.c.published.desc(), _object.c.id.desc()).limit(POSTS_SCANNED)
    ).all()
    objects = (StoredObject(**row._mapping) for row in rows)
    return [post_view(obj) for obj in objects if is_public(obj.document)][:limit]


def author_link(conn: Connection, uri: str | None, host: str) -> ActorLink | None:
    """Name, handle and link of an object's author, local or cached remote."""
    if not uri:
        return None
    local = conn.execute(
        select(_actor.c.username, _actor.c.display_name)
        .where(_actor.c.uri == uri, _actor.c.deleted_at.is_(None))
    ).first()
    if local is not None:
        return ActorLink(username=local.username, name=local.display_name or local.username,
                         handle=f"@{local.username}@{host}", url=uri)
    remote = conn.execute(
        select(_remote.c.preferred_username, _remote.c.display_name, _remote.c.host)
        .where(_remote.c.uri == uri)
    ).first()
    if remote is None:
        return ActorLink(username="", name=uri, handle="", url=web_url(uri))
    handle = f"@{remote.preferred_username}@{remote.host}" if remote.preferred_username else ""
    return ActorLink(username=remote.preferred_username,
                     name=remote.display_name or remote.preferred_username or uri,
                     handle=handle, url=web_url(uri))


def authors(conn: Connection, uris: set[str], host: str) -> dict[str, ActorLink]:
    """:func:`author_link` of many authors in two queries (a page of cards)."""
    wanted = {uri for uri in uris if uri}
    if not wanted:
        return {}
    found: dict[str, ActorLink] = {}
    for r in conn.execute(select(_actor.c.uri, _actor.c.username, _actor.c.display_name,
                                 _actor.c.icon_url)
                          .where(_actor.c.uri.in_(wanted), _actor.c.deleted_at.is_(None))):
        found[r.uri] = ActorLink(username=r.username, name=r.display_name or r.username,
                                 handle=f"@{r.username}@{host}", url=r.uri,
                                 avatar=r.icon_url or "")
    rest = wanted - set(found)
    for r in conn.execute(select(_remote.c.uri, _remote.c.preferred_username,
                                 _remote.c.display_name, _remote.c.host, _remote.c.document)
                          .where(_remote.c.uri.in_(rest))) if rest else ():
        handle = f"@{r.preferred_username}@{r.host}" if r.preferred_username else ""
        found[r.uri] = ActorLink(username=r.preferred_username or "",
                                 name=r.display_name or r.preferred_username or handle,
                                 handle=handle, url=web_url(r.uri),
                                 avatar=icon_of(r.document))
    return found
