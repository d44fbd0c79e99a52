"""What the hub's manage page shows: read-only queries and small view models.

A member sees the open polls and their own items; a steward (admin or moderator) also
sees every recent item, the moderation queue and the pending follow requests. Stored
HTML reaches the template only through :func:`~node.web.markup.sanitized_markup`;
everything else is plain text the template escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import Connection, Select, func, select

from node.activitypub.local_actors import USERNAME_RE
from node.activitypub.models import LocalActor, StoredObject
from node.hubs.hub import times
from node.hubs.hub.dashboard import ONGOING
from node.hubs.hub.follow_requests import pending
from node.hubs.hub.models import HubItem
from node.hubs.hub.moderation import queue
from node.hubs.hub.policy import STEWARDS, member_role
from node.hubs.hub.publish import HubError, HubTarget, load_hub
from node.hubs.polls import rules as polls
from node.web.hub_manage_series import ItemView, group_recent, group_upcoming
from node.web.hub_page import member_handle
from node.web.item_text import event_timing, plain_text, text_of
from node.web.markup import sanitized_markup
from node.web.queries import web_url

_item = HubItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
RECENT = 30
LISTED = 20
SNIPPET = 160
GROUPED = 5  # rows read per row shown, where a series' occurrences fold into one


@dataclass(frozen=True)
class Access:
    """A signed-in organizer's standing in one hub: its member role."""

    target: HubTarget
    role: str
    actor_uri: str
    username: str

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def steward(self) -> bool:
        return self.role in STEWARDS

    @property
    def manage_url(self) -> str:
        return f"/hubs/{self.name}/manage"


def find_access(conn: Connection, name: str, actor: LocalActor) -> tuple[HubTarget, str | None
                                                                         ] | None:
    """The hub called ``name`` and ``actor``'s role in it; None when there is no such hub
    (or ``name`` cannot be one: a NUL in it was a 500 on PostgreSQL)."""
    if not USERNAME_RE.fullmatch(name):
        return None
    try:
        target = load_hub(conn, name)
    except HubError:
        return None
    return target, member_role(conn, target.hub.id or 0, actor.uri)


@dataclass(frozen=True)
class PollView:
    uri: str
    content: Markup
    options: list[tuple[str, int]]
    multiple: bool
    voters: int
    closes: datetime | None
    can_close: bool


@dataclass(frozen=True)
class QueuedView:
    uri: str
    kind: str
    author: str
    author_url: str
    title: str
    content: Markup
    received_at: datetime
    note: str


@dataclass(frozen=True)
class FollowView:
    follower: str
    handle: str
    url: str
    requested_at: datetime


@dataclass(frozen=True)
class ManageData:
    items: list[ItemView]
    upcoming: list[ItemView]
    polls: list[PollView]
    queue: list[QueuedView]
    follows: list[FollowView]


def item_view(row: Any, access: Access, lang: str) -> ItemView:
    document: dict[str, Any] = row.document if isinstance(row.document, dict) else {}
    mine = row.author_uri == access.actor_uri
    when, timezone, start_value, _ = event_timing(document, lang)
    title = text_of(document, "name") or plain_text(text_of(document, "content"), SNIPPET)
    return ItemView(
        uri=row.object_uri, kind=row.kind, title=title,
        text=plain_text(text_of(document, "content"), SNIPPET),
        content=sanitized_markup(text_of(document, "content")),
        author=member_handle(row.author_uri) if row.author_uri else "", mine=mine,
        pinned=bool(row.pinned), editable=mine and document.get("type") in ("Note", "Article"),
        series=bool(document.get("rrule")), when=when, timezone=timezone,
        start_value=start_value, can_change=mine or access.steward,
        series_id=row.series_id)


def _published(target: HubTarget) -> Select[Any]:
    return (select(_item.c.object_uri, _item.c.kind, _item.c.author_uri, _item.c.pinned,
                   _item.c.starts_at, _item.c.series_id, _object.c.document)
            .join(_object, _object.c.uri == _item.c.object_uri)
            .where(_item.c.hub_id == target.hub.id, _item.c.state == "published",
                   _object.c.deleted_at.is_(None)))


def _mine_unless_steward(query: Select[Any], access: Access) -> Select[Any]:
    return query if access.steward else query.where(_item.c.author_uri == access.actor_uri)


def recent_items(conn: Connection, access: Access, lang: str) -> list[ItemView]:
    """The newest items, a call series once (its occurrences folded into it): more rows
    are read than shown, as a series' occurrences all arrive at once."""
    query = _mine_unless_steward(_published(access.target), access)
    rows = conn.execute(query.order_by(_item.c.id.desc()).limit(RECENT * GROUPED))
    return group_recent([item_view(row, access, lang) for row in rows], RECENT)


def _live(rows: Sequence[Any], access: Access, lang: str) -> list[ItemView]:
    return [item_view(row, access, lang) for row in rows
            if isinstance(row.document, dict) and not event_timing(row.document, lang)[3]]


def upcoming_items(conn: Connection, access: Access, now: datetime,
                   lang: str) -> list[ItemView]:
    """Events and calls not over yet, and live call series, each series once with its
    upcoming occurrences; not cancelled."""
    base = _mine_unless_steward(_published(access.target), access).where(
        _item.c.kind.in_(("event", "call")))
    dated = conn.execute(base.where(
        func.coalesce(_item.c.ends_at, _item.c.starts_at) >= now - ONGOING)
        .order_by(_item.c.starts_at, _item.c.id).limit(LISTED * GROUPED)).all()
    series = conn.execute(base.where(_item.c.starts_at.is_(None), _item.c.series_id.is_not(None))
                          .order_by(_item.c.id.desc()).limit(LISTED)).all()
    return group_upcoming(_live(dated, access, lang), _live(series, access, lang), LISTED)


def open_polls(conn: Connection, access: Access, now: datetime) -> list[PollView]:
    rows = conn.execute(_published(access.target).where(_item.c.kind == "poll")
                        .order_by(_item.c.id.desc()).limit(LISTED))
    views = []
    for row in rows:
        document = row.document if isinstance(row.document, dict) else {}
        if not times.is_open(document, now):
            continue
        tally = polls.tally_of(document)
        views.append(PollView(
            uri=row.object_uri, content=sanitized_markup(text_of(document, "content")),
            options=list(zip(polls.options_of(document), tally.counts, strict=False)),
            multiple=polls.is_multiple(document), voters=tally.voters,
            closes=times.ends_at(document),
            can_close=row.author_uri == access.actor_uri or access.steward))
    return views


def _documents(conn: Connection, uris: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not uris:
        return {}
    rows = conn.execute(select(_object.c.uri, _object.c.document).where(
        _object.c.uri.in_(list(uris)), _object.c.deleted_at.is_(None)))
    return {r.uri: r.document for r in rows if isinstance(r.document, dict)}


def queued(conn: Connection, target: HubTarget) -> list[QueuedView]:
    held = queue(conn, target)[:LISTED * 5]
    documents = _documents(conn, [item.object_uri for item in held])
    views = []
    for item in held:
        document = documents.get(item.object_uri, {})
        views.append(QueuedView(
            uri=item.object_uri, kind=item.kind, author=member_handle(item.author_uri),
            author_url=web_url(item.author_uri), title=text_of(document, "name"),
            content=sanitized_markup(text_of(document, "content")),
            received_at=item.received_at, note=item.note or ""))
    return views


def follow_views(conn: Connection, target: HubTarget) -> list[FollowView]:
    return [FollowView(follower=r.follower, handle=member_handle(r.follower),
                       url=web_url(r.follower), requested_at=r.requested_at)
            for r in pending(conn, target)[:LISTED * 5]]


def manage_data(conn: Connection, access: Access, now: datetime, lang: str) -> ManageData:
    """Everything on the manage page for this organizer, its times in ``lang``."""
    steward = access.steward
    return ManageData(
        items=recent_items(conn, access, lang),
        upcoming=upcoming_items(conn, access, now, lang),
        polls=open_polls(conn, access, now),
        queue=queued(conn, access.target) if steward else [],
        follows=follow_views(conn, access.target) if steward else [])


def default_timezone(conn: Connection, target: HubTarget, node_zone: str) -> str:
    """The zone a new event or call form starts with (the field is required): the hub's
    own timezone when its admins set one, else that of its latest event or call (a good
    guess for the next), else the node's ``IONODE_TIMEZONE``."""
    if target.hub.timezone:
        return target.hub.timezone
    query = select(_object.c.document).join(_item, _item.c.object_uri == _object.c.uri).where(
        _item.c.hub_id == target.hub.id, _item.c.kind.in_(("event", "call")))
    document = conn.execute(query.order_by(_item.c.id.desc()).limit(1)).scalar()
    zone = document.get("timezone") if isinstance(document, dict) else None
    return zone if isinstance(zone, str) and zone else node_zone


def hub_item_kind(conn: Connection, target: HubTarget, uri: str) -> str:
    """The kind of ``uri`` in this hub, or :class:`HubError` when it is not in the hub."""
    kind = conn.execute(select(_item.c.kind).where(
        _item.c.hub_id == target.hub.id, _item.c.object_uri == uri)).scalar()
    if kind is None:
        raise HubError(f"{uri} is not an item of {target.name}")
    return str(kind)


def item_document(conn: Connection, target: HubTarget, uri: str) -> dict[str, Any] | None:
    """The live document of an item of this hub (for the edit form)."""
    document = conn.execute(select(_object.c.document)
                            .join(_item, _item.c.object_uri == _object.c.uri)
                            .where(_item.c.hub_id == target.hub.id, _object.c.uri == uri,
                                   _object.c.deleted_at.is_(None))).scalar()
    return dict(document) if isinstance(document, dict) else None


def item_state(conn: Connection, target: HubTarget, uri: str) -> str:
    """``published``, ``held`` or ``refused``: the hub's decision on a new post."""
    state = conn.execute(select(_item.c.state).where(
        _item.c.hub_id == target.hub.id, _item.c.object_uri == uri)).scalar()
    return str(state or "published")

