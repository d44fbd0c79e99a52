"""Notices: the short Notes that tell Mastodon readers an event moved, was cancelled or
has a new way to join (:func:`node.hubs.events.service.change_note`, and the feed
events' :mod:`node.hubs.feeds.events`).

On the wire they are ordinary Notes, since that is what a Mastodon follower reads. On
the hub page they belong to their event: shown as a line on its card, not as updates
(issue 8, item 3). A notice is recognised by its shape: a Note with no Markdown
``source`` (every update an organizer writes keeps one) whose content links to an event
or call of the same hub (each notice ends with its event's address).

What a notice says (its *kind*: :data:`NOTICE_KINDS`) is recorded where it is made, never
read back from its words: the Note carries it in ionode's ``noticeKind`` term
(:func:`notice_note`) and each hub item of it in ``hub_item.notice_kind``, written from
that term when a notice arrives from another node (:func:`notice_kind_of`). The page
then says it in the reader's language; a notice without a kind (from other software, or
an ionode node older than the term) is shown as its text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from sqlalchemy import Connection, select

from node.activitypub.models import StoredObject
from node.hubs.hub.models import HubItem
from node.hubs.hub.vocab import NAMESPACE, TERMS

_item = HubItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_HREF = re.compile(r'href="([^"]+)"')
NOTICES_SCANNED = 60  # newest updates read for the notices of the shown events
#: the item kinds a notice is filed as: an organizer's (an update) or the hub's own
#: about an event of its imported calendar (a feed post, :mod:`node.hubs.feeds.events`)
NOTICE_ITEMS: Final = ("update", "feed")
#: what a notice may say of its event: moved (time or place), cancelled, ended (a call
#: series cancelled: no further calls), joining (a new way to join the call)
NOTICE_KINDS: Final = frozenset({"moved", "cancelled", "ended", "joining"})
_TERM: Final = {"ionode": NAMESPACE, "noticeKind": TERMS["noticeKind"]}


@dataclass(frozen=True)
class NoticeText:
    """A notice as it is made: its kind, recorded, and its Markdown for Mastodon readers
    (English, as every Note this software writes for them)."""

    kind: str
    text: str

    def __post_init__(self) -> None:
        if self.kind not in NOTICE_KINDS:
            raise ValueError(f"not a notice kind: {self.kind!r}")


@dataclass(frozen=True)
class Notice:
    """The newest notice of an event as the page reads it: its content (sanitised HTML
    as stored) and its recorded kind, "" when it came without one."""

    content: str
    kind: str = ""


def notice_note(note: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """``note`` carrying ``kind`` in ionode's ``noticeKind`` term, declared in its
    ``@context``; its ``content`` (what Mastodon shows) is left as it is."""
    assert kind in NOTICE_KINDS
    context = note.get("@context")
    contexts = list(context) if isinstance(context, list) else [context] if context else []
    return {**note, "@context": [*contexts, dict(_TERM)], "noticeKind": kind}


def notice_kind_of(document: Mapping[str, Any]) -> str:
    """The kind a received Note records (``noticeKind``), "" if none or one we do not
    know: such a notice is shown as its text."""
    kind = document.get("noticeKind")
    if document.get("type") != "Note" or not isinstance(kind, str):  # a list is no kind
        return ""
    return kind if kind in NOTICE_KINDS else ""


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


def notices_of(conn: Connection, hub_id: int,
               event_uris: Sequence[str]) -> dict[str, Notice]:
    """The newest notice (content and recorded kind) of each of ``event_uris``, read
    from the hub's newest updates and feed posts (the dashboard's update list leaves
    both kinds of notice out: :func:`notice_target`)."""
    if not event_uris:
        return {}
    found = conn.execute(
        select(_object.c.document, _item.c.notice_kind)
        .join(_item, _item.c.object_uri == _object.c.uri)
        .where(_item.c.hub_id == hub_id, _item.c.kind.in_(NOTICE_ITEMS),
               _item.c.state == "published", _object.c.deleted_at.is_(None))
        .order_by(_item.c.id.desc()).limit(NOTICES_SCANNED))
    wanted, notices = set(event_uris), {}
    for document, kind in found:
        for href in links_of(document or {}):
            if href in wanted and href not in notices:
                notices[href] = Notice(str(document["content"]),
                                       kind if kind in NOTICE_KINDS else "")
    return notices
