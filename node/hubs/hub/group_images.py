"""The ``icon`` (avatar) and ``image`` (header) of a hub's Group document.

An image uploaded to this node (:mod:`node.hubs.hub.images`) is described in full:
``mediaType``, ``width``, ``height``, ``blurhash`` and its alt text as ``name``
(:func:`node.media.service.describe`); one set by URL is only its ``url``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, select

from node.activitypub.models import LocalActor
from node.hubs.hub.models import Hub
from node.media.service import describe

_hub = Hub.__table__  # type: ignore[attr-defined]


def header_url(conn: Connection, actor: LocalActor) -> str:
    """The hub's header URL, "" for none."""
    header = conn.execute(select(_hub.c.header_url).where(
        _hub.c.actor_id == actor.id)).scalar_one_or_none()
    return header or ""


def group_images(conn: Connection, actor: LocalActor) -> dict[str, Any]:
    """``icon`` and ``image`` for ``actor``'s document (a local actor: the node's base URL
    is its id's origin, since ``IONODE_URL`` is an origin)."""
    parts = urlsplit(actor.uri)
    base_url = f"{parts.scheme}://{parts.netloc}"
    images: dict[str, Any] = {}
    if actor.icon_url:
        images["icon"] = describe(conn, base_url, actor.icon_url, actor.uri)
    header = header_url(conn, actor)
    if header:
        images["image"] = describe(conn, base_url, header, actor.uri)
    return images
