"""What each organizer form does, inside one transaction: call the domain service.

Every function here runs in a ``engine.begin()`` transaction: a refusal (a
``ValueError`` subclass with a message for the organizer) rolls everything back, so
nothing is stored. Who may do what is the services' decision (authors edit and delete
their own items; stewards pin, moderate and answer follow requests; authors or stewards
move, cancel and close); these functions only check that the item is in this hub.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from starlette.datastructures import FormData

from node.hubs.calls.service import cancel_call, create_call, move_occurrence
from node.hubs.crosspost.resolve import Targets
from node.hubs.events.service import cancel_event, create_event, move_event
from node.hubs.hub.featured import set_pinned
from node.hubs.hub.follow_requests import approve, reject
from node.hubs.hub.items import delete_item, edit_text
from node.hubs.hub.moderation import publish_held, refuse_held, remove_item
from node.hubs.minutes.service import post_minutes
from node.hubs.polls.service import close_poll, create_poll
from node.hubs.polls.votes import vote
from node.hubs.updates.service import post_update
from node.media.files import attach
from node.newswire.errors import NewsError
from node.newswire.forwards.service import forward_item
from node.runtime import Node
from node.web.hub_forms import (
    FormError,
    Values,
    call_input,
    event_spec,
    field,
    minutes_input,
    past,
    poll_spec,
    update_text,
)
from node.web.hub_manage import Access, hub_item_kind, item_state
from node.web.i18n import N_
from node.web.uploads import ImageUpload

Attachments = Sequence[dict[str, Any]]
Poster = Callable[[Node, Connection, Access, Values, Attachments, Targets], str]
Action = Callable[[Node, Connection, Access, FormData], str]


def _update(node: Node, conn: Connection, access: Access, values: Values,
            attachments: Attachments, targets: Targets) -> str:
    result = post_update(node, conn, access.username, update_text(values),
                         [access.name, *targets.local], attachments, remote=targets.remote)
    return str(result.note["id"])


def _minutes(node: Node, conn: Connection, access: Access, values: Values,
             attachments: Attachments, targets: Targets) -> str:
    given = minutes_input(values)
    result = post_minutes(node, conn, access.username, [access.name, *targets.local],
                          title=given.title, markdown=given.markdown, summary=given.summary,
                          attachments=given.attachments, remote=targets.remote)
    return str(result.object["id"])


def _event(node: Node, conn: Connection, access: Access, values: Values,
           attachments: Attachments, targets: Targets) -> str:
    result = create_event(node, conn, author=access.username,
                          hubs=[access.name, *targets.local], spec=event_spec(values),
                          past=past(values), attachments=attachments, remote=targets.remote)
    return str(result.object["id"])


def _call(node: Node, conn: Connection, access: Access, values: Values,
          attachments: Attachments, targets: Targets) -> str:
    spec, rrule = call_input(values)
    if targets.local:
        raise FormError(N_("A call goes into this hub only; add hubs of other nodes."))
    result = create_call(node, conn, author=access.username, hub=access.name, spec=spec,
                         rrule=rrule, past=past(values), remote=targets.remote)
    return str(result.event["id"])


def _poll(node: Node, conn: Connection, access: Access, values: Values,
          attachments: Attachments, targets: Targets) -> str:
    result = create_poll(node, conn, access.username, [access.name, *targets.local],
                         poll_spec(values, node.clock()), remote=targets.remote)
    return str(result.object["id"])


POSTERS: dict[str, Poster] = {"update": _update, "minutes": _minutes, "event": _event,
                              "call": _call, "poll": _poll}
#: The kinds whose form has an optional image (attached to the Note or Event).
IMAGE_KINDS = ("update", "event")


def post_kind(node: Node, conn: Connection, access: Access, kind: str, values: Values,
              image: ImageUpload | None = None,
              targets: Targets | None = None) -> tuple[str, str]:
    """Post one item of ``kind`` into the hub (and the other ``targets``, looked up
    already: :mod:`node.hubs.crosspost`); its URI and this hub's decision (published
    or held).

    ``image``, already checked, is stored by its poster and attached to the item."""
    attachments = []
    if image is not None and kind in IMAGE_KINDS:
        attachments.append(attach(node, conn, image.image, image.alt, access.actor_uri))
    uri = POSTERS[kind](node, conn, access, values, attachments, targets or Targets())
    return uri, item_state(conn, access.target, uri)


def item_uri(form: FormData) -> str:
    uri = field(form, "uri")
    if not uri:
        raise FormError(N_("Choose an item of this hub."))
    return uri


def _in_hub(conn: Connection, access: Access, form: FormData) -> tuple[str, str]:
    """(uri, kind) of the form's item, which must be in this hub."""
    uri = item_uri(form)
    return uri, hub_item_kind(conn, access.target, uri)


def publish(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    publish_held(node, conn, access.target, item_uri(form), by=access.actor_uri)
    return "published"


def refuse(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    refuse_held(node, conn, access.target, item_uri(form), field(form, "reason"),
                by=access.actor_uri)
    return "refused"


def remove(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    remove_item(node, conn, access.target, item_uri(form), by=access.actor_uri,
                reason=field(form, "reason"))
    return "removed"


def approve_follow(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    approve(node, conn, access.target, field(form, "follower"), by=access.actor_uri)
    return "approved"


def reject_follow(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    reject(node, conn, access.target, field(form, "follower"), by=access.actor_uri)
    return "rejected"


def pin(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    set_pinned(node, conn, access.target, item_uri(form), True, by=access.actor_uri)
    return "pinned"


def unpin(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    set_pinned(node, conn, access.target, item_uri(form), False, by=access.actor_uri)
    return "unpinned"


def delete(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    uri, _ = _in_hub(conn, access, form)
    delete_item(node, conn, access.username, uri)
    return "deleted"


def edit(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    uri, _ = _in_hub(conn, access, form)
    edit_text(node, conn, access.username, uri, field(form, "text"))
    return "edited"


def to_newswire(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    """Send the item to the node's newswire queue (issue 10 item 2: a hub forwarding
    one of its items); the newswire's refusal is shown as the form's."""
    try:
        forward_item(node, conn, access.name, item_uri(form), by=access.actor_uri)
    except NewsError as exc:
        raise FormError(str(exc)) from exc
    return "forwarded"


def close(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    uri, _ = _in_hub(conn, access, form)
    close_poll(node, conn, access.username, uri)
    return "closed"


def cast(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    uri, _ = _in_hub(conn, access, form)
    choices = [value for value in form.getlist("option") if isinstance(value, str)]
    outcome = vote(node, conn, access.username, uri, choices)
    return "voted" if outcome.counted else "counted-before"


def move(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    uri, kind = _in_hub(conn, access, form)
    start = field(form, "start")
    if not start:
        raise FormError(N_("Give the new start date and time."))
    before = bool(field(form, "past"))
    if kind == "call":
        move_occurrence(node, conn, actor=access.username, uri=uri, start=start, past=before)
    else:
        move_event(node, conn, actor=access.username, uri=uri, start=start, past=before)
    return "moved"


def cancel(node: Node, conn: Connection, access: Access, form: FormData) -> str:
    uri, kind = _in_hub(conn, access, form)
    if kind == "call":
        cancel_call(node, conn, actor=access.username, uri=uri)
    else:
        cancel_event(node, conn, actor=access.username, uri=uri)
    return "cancelled"


#: POST /hubs/{name}/<path>: the manage page's buttons.
ACTIONS: dict[str, Action] = {
    "queue/publish": publish, "queue/refuse": refuse,
    "follows/approve": approve_follow, "follows/reject": reject_follow,
    "items/pin": pin, "items/unpin": unpin, "items/delete": delete, "items/remove": remove,
    "polls/close": close, "polls/vote": cast,
    "events/move": move, "events/cancel": cancel,
    "items/newswire": to_newswire,
}

FLASHES = {
    "posted": N_("Posted: the hub shared it with its followers."),
    "held": N_("Posted. The hub is moderated: your post waits for a moderator before the "
               "hub shares it."),
    "published": N_("Published: the hub shared it with its followers."),
    "refused": N_("Refused: the hub will not share it."),
    "removed": N_("Removed from the hub: its followers were told it no longer shares it."),
    "approved": N_("Follow request approved."),
    "rejected": N_("Follow request rejected."),
    "pinned": N_("Pinned to the top of the hub page."),
    "unpinned": N_("Unpinned."),
    "deleted": N_("Deleted, and the deletion sent to everyone who had it."),
    "edited": N_("Edited, and the new version sent to everyone who had it."),
    "closed": N_("Poll closed; the final tally went out."),
    "voted": N_("Vote counted."),
    "counted-before": N_("That vote was counted before."),
    "moved": N_("Moved: followers got the new time and a note saying so."),
    "event-edited": N_("Saved: followers got the new version (and a note, if the time, "
                       "place or way to join changed)."),
    "cancelled": N_("Cancelled: followers got the change and a note saying so."),
    "forwarded": N_("Sent to the newswire: it waits for a news moderator."),
}
