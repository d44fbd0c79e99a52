"""Creating, editing, moving and cancelling events in hubs (FEP-8a8e over FEP-1b12).

An event is created by its organizer and Announced by each hub (:func:`publish_item`).
An edit rebuilds the whole Event from its :class:`EventSpec` and sends ``Update`` with a
newer ``updated`` to the organizer's and the hubs' followers (they got the Event through
the hubs' Announce, as :func:`node.hubs.hub.items.tombstone_object` reasons for
Delete). Mastodon ignores Updates of an Event (INTEROP.md "Objects"), so a move or a
cancellation is also told in a short Note posted into the same hubs, which the hubs
Announce.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from node.activitypub.delivery import deliveries_for_followers
from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import LocalActor, StoredObject
from node.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, activity, isoformat, refs
from node.hubs.crosspost.targets import RemoteHub
from node.hubs.events.checks import careful
from node.hubs.events.rules import (
    CallDetails,
    EventSpec,
    call_lines,
    check,
    event_document,
    spec_from_document,
    where_text,
)
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.notices import NoticeText, notice_note
from node.hubs.hub.policy import STEWARDS, member_role
from node.hubs.hub.publish import (
    HubError,
    HubTarget,
    ItemResult,
    load_hub,
    organizer,
    publish_item,
)
from node.messages import N_, Text
from node.runtime import Node
from node.text import post_html
from node.zones import parse_local, when_text

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


@dataclass(frozen=True)
class StoredEvent:
    """One of our Events, read back: its document, spec, organizer and hubs."""

    uri: str
    document: dict[str, Any]
    spec: EventSpec
    owner: LocalActor
    hubs: list[HubTarget]


@dataclass(frozen=True)
class EventChange:
    """The Update's new Event, the Note telling of it (if any), deliveries queued."""

    event: dict[str, Any]
    note: dict[str, Any] | None
    deliveries: int


def publish_event(node: Node, conn: Connection, author: LocalActor, hubs: Sequence[HubTarget],
                  spec: EventSpec, *, series_id: int | None = None,
                  dated: bool = True, id: str | None = None,
                  attachments: Sequence[Mapping[str, Any]] = (),
                  remote: Sequence[RemoteHub] = ()) -> ItemResult:
    """Validate ``spec``, then Create it by ``author`` into ``hubs`` under their policies
    (and into ``remote`` hubs of other nodes, :mod:`node.hubs.crosspost`).

    ``attachments``: ``Image`` objects (an uploaded picture, :mod:`node.media.service`)."""
    if not hubs:
        raise HubError(Text(N_("post the event into at least one hub (--hub)")))
    spec = check(spec)
    doc = event_document(spec, id=id or node.services.outbox.new_id("objects"),
                         author=author.uri, hubs=[t.actor.uri for t in hubs],
                         published=node.clock())
    if attachments:
        doc["attachment"] = [dict(a) for a in attachments]
    return publish_item(node, conn, author=author, obj=doc, kind=spec.kind, hubs=hubs,
                        starts_at=spec.start.astimezone(UTC) if dated else None,
                        ends_at=spec.end.astimezone(UTC) if dated else None,
                        series_id=series_id, remote=remote)


def create_event(node: Node, conn: Connection, *, author: str, hubs: Sequence[str],
                 spec: EventSpec, past: bool = False,
                 attachments: Sequence[Mapping[str, Any]] = (),
                 remote: Sequence[RemoteHub] = ()) -> ItemResult:
    """``ionode event create``: an Event by organizer ``author`` into the named hubs.

    Refused as a careful organizer tool would (:func:`node.hubs.events.checks.careful`): in
    the past unless ``past`` says it is on purpose, with neither a place nor a link.
    """
    careful(check(spec), node.clock(), past=past)
    actor = organizer(conn, author)
    targets = [load_hub(conn, name) for name in dict.fromkeys(hubs)]
    return publish_event(node, conn, actor, targets, spec, attachments=attachments,
                         remote=remote)


def hubs_of(conn: Connection, uri: str) -> list[HubTarget]:
    """The local hubs an object was posted into."""
    joined = _item.join(_hub, _hub.c.id == _item.c.hub_id).join(
        _actor, _actor.c.id == _hub.c.actor_id)
    names = conn.execute(select(_actor.c.username).select_from(joined)
                         .where(_item.c.object_uri == uri).order_by(_item.c.id)).scalars().all()
    return [load_hub(conn, name) for name in names]


def load_event(conn: Connection, uri: str) -> StoredEvent:
    """Our live Event at ``uri``, or :class:`HubError`."""
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    if row is None or not row.local or row.deleted_at is not None or row.type != "Event":
        raise HubError(Text(N_("no event %(uri)s on this node"), uri=uri))
    owner = find_by_uri(conn, row.attributed_to or "")
    if owner is None or owner.deleted_at is not None:
        raise HubError(Text(
            N_("the organizer of %(uri)s is gone; the event cannot be changed"),
            uri=uri))
    document = dict(row.document)
    return StoredEvent(uri=uri, document=document, spec=spec_from_document(document),
                       owner=owner, hubs=hubs_of(conn, uri))


def may_change(conn: Connection, event: StoredEvent, actor: LocalActor) -> None:
    """Its organizer may change an event, and so may an admin or moderator of its hubs."""
    if actor.uri == event.owner.uri:
        return
    if any(member_role(conn, h.hub.id or 0, actor.uri) in STEWARDS for h in event.hubs):
        return
    raise HubError(Text(
        N_("%(username)s may not change %(uri)s: only its organizer or an admin or moderator of "
           "its hub may"),
        username=actor.username, uri=event.uri))


def send_update(node: Node, conn: Connection, event: StoredEvent, spec: EventSpec,
                attachments: Sequence[Mapping[str, Any]] | None = None) -> ItemResult:
    """Rebuild the Event from ``spec`` and send Update to every follower who has it.

    ``attachments`` replace the Event's images (``[]`` removes them); None keeps them."""
    spec = check(spec)
    now = node.clock()
    previous = event.document.get("updated") or event.document["published"]
    stamp = max(now, datetime.fromisoformat(previous) + timedelta(seconds=1))  # newer, always
    hubs = [h for h in refs(event.document.get("to")) if h != PUBLIC]
    doc = event_document(spec, id=event.uri, author=event.owner.uri, hubs=hubs,
                         published=datetime.fromisoformat(event.document["published"]),
                         updated=stamp)
    if attachments is not None:
        if attachments:
            doc["attachment"] = [dict(a) for a in attachments]
    elif "attachment" in event.document:  # the spec does not hold the image: keep it
        doc["attachment"] = event.document["attachment"]
    outbox = node.services.outbox
    update_activity = activity("Update", id=outbox.new_id("activities"), actor=event.owner.uri,
                               object=event.uri, published=now, to=doc["to"], cc=doc["cc"])
    inboxes = [i for h in event.hubs for i in deliveries_for_followers(conn, h.actor.uri)]
    published = outbox.publish(conn, actor=event.owner, activity=update_activity, obj=doc,
                               now=now, inboxes=inboxes)
    dates = {} if spec.rrule else {"starts_at": spec.start.astimezone(UTC),
                                   "ends_at": spec.end.astimezone(UTC)}
    conn.execute(update(_item).where(_item.c.object_uri == event.uri).values(
        updated_at=stamp, **dates))  # a new stamp: calendar caches key on it
    return ItemResult(object=published.activity["object"], deliveries=published.deliveries)


def markdown_literal(text: str) -> str:
    """Organizer text made literal inside Markdown (CommonMark backslash escapes)."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def change_note(node: Node, conn: Connection, actor: LocalActor, event: StoredEvent,
                notice: NoticeText) -> ItemResult:
    """A short Note, posted into the event's hubs, telling Mastodon users what changed;
    its kind is recorded on the Note (``noticeKind``) and its hub items."""
    note_id = node.services.outbox.new_id("objects")
    to = [PUBLIC, *(h.actor.uri for h in event.hubs)]
    note: dict[str, Any] = {
        "@context": list(ACTIVITY_CONTEXT), "id": note_id, "type": "Note",
        "attributedTo": actor.uri, "content": post_html(f"{notice.text}\n<{event.uri}>"),
        "published": isoformat(node.clock()), "url": note_id, "to": to,
        "cc": [f"{actor.uri}/followers"],
    }
    if event.hubs:
        note["audience"] = event.hubs[0].actor.uri
    return publish_item(node, conn, author=actor, obj=notice_note(note, notice.kind),
                        kind="update", hubs=event.hubs, notice_kind=notice.kind)


def change_text(old: EventSpec, new: EventSpec) -> NoticeText | None:
    """What a Mastodon reader must be told, and its kind: cancelled, moved, a new way to
    join, or nothing (a new title or description reaches them in the Event's Update)."""
    title = markdown_literal(new.title)
    if new.cancelled and not old.cancelled:
        when = when_text(old.start, old.end, old.timezone)
        return NoticeText("cancelled", f"**Cancelled:** {title}, {markdown_literal(when)}")
    if (old.start, old.end, old.timezone, old.location) != (
            new.start, new.end, new.timezone, new.location):
        where = where_text(new.location) if new.location != old.location else ""
        when = when_text(new.start, new.end, new.timezone)
        return NoticeText("moved", f"**Moved:** {title} is now "
                                   f"{markdown_literal(' '.join(filter(None, [when, where])))}")
    if old.call is not None and new.call is not None and _joining(old.call) != _joining(
            new.call):
        return NoticeText("joining", f"**New way to join:** {title}. "
                                     f"{markdown_literal('. '.join(call_lines(new.call)[:2]))}")
    return None


def _joining(call: CallDetails) -> tuple[str, str, str]:
    return call.call_url, call.dial_in, call.access_code


def edit_event(node: Node, conn: Connection, *, actor: str, uri: str, past: bool = False,
               **changes: Any) -> EventChange:
    """Change fields of an event's spec; a move or cancellation is also told in a Note."""
    event = load_event(conn, uri)
    return change_event(node, conn, organizer(conn, actor), event,
                        replace(event.spec, **changes), past=past)


def change_event(node: Node, conn: Connection, who: LocalActor, event: StoredEvent,
                 new: EventSpec, *, past: bool = False,
                 attachments: Sequence[Mapping[str, Any]] | None = None) -> EventChange:
    """Send ``new`` as the event's Update; tell Mastodon readers of a move in a Note.

    A new time must not lie in the past unless ``past`` says so (the careful rules apply
    to what changed: an old event's title can be corrected without ``past``).
    ``attachments``, if given, replace the event's images (:func:`send_update`).
    """
    uri = event.uri
    may_change(conn, event, who)
    if event.spec.cancelled:
        raise HubError(Text(N_("%(uri)s is cancelled; it cannot be changed any more"), uri=uri))
    same_images = attachments is None or [dict(a) for a in attachments] == list(
        event.document.get("attachment") or [])
    if new == event.spec and same_images:
        raise HubError(Text(N_("nothing to change")))
    if not new.cancelled:
        moved = (new.start, new.end) != (event.spec.start, event.spec.end)
        careful(check(new), node.clock(), past=past, timed=moved)
    result = send_update(node, conn, event, new, attachments)
    notice = change_text(event.spec, new)
    note = change_note(node, conn, who, event, notice) if notice else None
    return EventChange(event=result.object, note=note.object if note else None,
                       deliveries=result.deliveries + (note.deliveries if note else 0))


def move_event(node: Node, conn: Connection, *, actor: str, uri: str, start: str,
               end: str | None = None, timezone: str | None = None,
               past: bool = False) -> EventChange:
    """A new start (and end, else the same length) as wall times in the event's zone."""
    spec = load_event(conn, uri).spec
    tz = timezone or spec.timezone
    new_start = parse_local(start, tz)
    new_end = parse_local(end, tz) if end else new_start + (spec.end - spec.start)
    return edit_event(node, conn, actor=actor, uri=uri, start=new_start, end=new_end,
                      timezone=tz, past=past)


def cancel_event(node: Node, conn: Connection, *, actor: str, uri: str) -> EventChange:
    """Mark the event cancelled (FEP-8a8e ``eventStatus``) and say so in a Note."""
    return edit_event(node, conn, actor=actor, uri=uri, cancelled=True)
