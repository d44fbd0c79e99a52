"""A hub forwarding one of its items to the newswire (issue 10 item 2, "a hub forwarding
one of its items"): a steward of the hub sends a published item of the hub to the
moderation queue, where it waits like any submission.

The submission is the hub's: its sender is the hub's ``Group`` actor (``submitter_actor``
and the ``@hub@host`` handle, so the queue links it) and its name is the hub's, which
the approved Article prints linked to the hub. Title, text and source link are read
from the item's document as news by mention reads a post
(:func:`node.newswire.fediverse.rules.submission_from`): the source link is the item's
own page. The item's id is the submission's ``submitted_object``, unique, so an item is
forwarded once whoever sends it (a second try is refused, nothing stored). No reply is
sent: the hub is on this node and its stewards see the state in the queue's log.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, select

from node.activitypub.models import LocalActor, StoredObject
from node.hubs.hub.models import Hub, HubItem, HubMember
from node.hubs.hub.policy import STEWARDS, member_role
from node.hubs.hub.publish import HubError, load_hub
from node.newswire.errors import NewsError
from node.newswire.fediverse.rules import submission_from
from node.newswire.models import NewsItem
from node.newswire.submissions.rules import MAX_NAME
from node.newswire.submissions.service import store_submission
from node.runtime import Node

NOT_STEWARD = "only the hub's admins and moderators may send its items to the newswire"
NOT_IN_HUB = "that item is not published in this hub"
ALREADY_SENT = "this item was already sent to the newswire"

_item = NewsItem.__table__  # type: ignore[attr-defined]
_hub_item = HubItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_member = HubMember.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


def forwarded(conn: Connection, uris: list[str]) -> set[str]:
    """Which of ``uris`` were sent to the newswire already (the manage page's buttons)."""
    if not uris:
        return set()
    return set(conn.execute(select(_item.c.submitted_object)
                            .where(_item.c.submitted_object.in_(uris))).scalars())


def forwardable_hub(conn: Connection, item_uri: str, steward_uri: str) -> str | None:
    """The name of a hub that published ``item_uri`` and that ``steward_uri`` stewards,
    when the item was not sent yet (the item page's button); else None."""
    if forwarded(conn, [item_uri]):
        return None
    name = conn.execute(
        select(_actor.c.username).join(_hub, _hub.c.actor_id == _actor.c.id)
        .join(_hub_item, _hub_item.c.hub_id == _hub.c.id)
        .join(_member, _member.c.hub_id == _hub.c.id)
        .where(_hub_item.c.object_uri == item_uri, _hub_item.c.state == "published",
               _member.c.actor_uri == steward_uri, _member.c.role.in_(sorted(STEWARDS)),
               _actor.c.deleted_at.is_(None))
        .order_by(_hub_item.c.id).limit(1)).scalar()
    return str(name) if name else None


def forward_item(node: Node, conn: Connection, hub_name: str, item_uri: str, *,
                 by: str) -> int:
    """Queue hub ``hub_name``'s published item ``item_uri`` as news sent by the hub;
    ``by`` (an actor URI) must be a steward of the hub. The news item's id."""
    try:
        target = load_hub(conn, hub_name)
    except HubError as exc:
        raise NewsError(str(exc)) from exc
    if member_role(conn, target.hub.id or 0, by) not in STEWARDS:
        raise NewsError(NOT_STEWARD)
    document = conn.execute(
        select(_object.c.document).join(_hub_item, _hub_item.c.object_uri == _object.c.uri)
        .where(_hub_item.c.hub_id == target.hub.id, _hub_item.c.object_uri == item_uri,
               _hub_item.c.state == "published", _object.c.deleted_at.is_(None))).scalar()
    if not isinstance(document, dict):
        raise NewsError(NOT_IN_HUB)
    if forwarded(conn, [item_uri]):
        raise NewsError(ALREADY_SENT)
    hub = target.actor
    submission = replace(submission_from(document, f"{node.settings.url}/news"),
                         submitter_name=(hub.display_name or hub.username)[:MAX_NAME])
    item_id, _token = store_submission(
        conn, submission, now=node.clock(), submitter_actor=hub.uri,
        submitter_handle=f"@{hub.username}@{node.settings.host}", submitted_object=item_uri)
    return item_id
