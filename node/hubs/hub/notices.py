"""Notices: the short Notes that tell Mastodon readers an event moved, was cancelled or
has a new way to join (:func:`node.hubs.events.service.change_note`, and the feed
events' :mod:`node.hubs.feeds.events`).

On the wire they are ordinary Notes, since that is what a Mastodon follower reads. On
the hub page they belong to their event: shown as a line on its card, not as updates
(issue 8, item 3). A notice is recognised by its shape: a Note with no Markdown
``source`` (every update an organizer writes keeps one) whose content links to an event
or call of the same hub (each notice ends with its event's address).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, select

from node.activitypub.models import StoredObject
from node.hubs.hub.models import HubItem

_item = HubItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_HREF = re.compile(r'href="([^"]+)"')
NOTICES_SCANNED = 60  # newest updates read for the notices of the shown events


class _Shown(Protocol):
    @property
    def uri(self) -> str: ...
    @property
    def document(self) -> dict[str, Any]: ...


def links_of(document: dict[str, Any]) -> list[str]:
    """The link targets of a Note that may be a notice: none for anything else."""
    content = document.get("content")
    if document.get("type") != "Note" or "source" in document or not isinstance(content, str):
        return []
    return [html.unescape(href) for href in _HREF.findall(content)]


def _timed(conn: Connection, hub_id: int, uris: Iterable[str]) -> set[str]:
    wanted = set(uris)
    if not wanted:
        return set()
    found = conn.execute(select(_item.c.object_uri).where(
        _item.c.hub_id == hub_id, _item.c.kind.in_(("event", "call")),
        _item.c.object_uri.in_(wanted)))
    return set(found.scalars())


def notice_target(conn: Connection, hub_id: int, items: Sequence[_Shown]) -> set[str]:
    """The URIs of those ``items`` that are notices about an event of the hub."""
    linked = {item.uri: links_of(item.document) for item in items}
    events = _timed(conn, hub_id, (href for hrefs in linked.values() for href in hrefs))
    return {uri for uri, hrefs in linked.items() if events.intersection(hrefs)}


def notices_of(conn: Connection, hub_id: int, event_uris: Sequence[str]) -> dict[str, str]:
    """The newest notice's content (sanitised HTML as stored) of each of ``event_uris``,
    read from the hub's newest updates."""
    if not event_uris:
        return {}
    found = conn.execute(
        select(_object.c.document).join(_item, _item.c.object_uri == _object.c.uri)
        .where(_item.c.hub_id == hub_id, _item.c.kind == "update",
               _item.c.state == "published", _object.c.deleted_at.is_(None))
        .order_by(_item.c.id.desc()).limit(NOTICES_SCANNED))
    wanted, notices = set(event_uris), {}
    for document in found.scalars():
        for href in links_of(document or {}):
            if href in wanted and href not in notices:
                notices[href] = str(document["content"])
    return notices
