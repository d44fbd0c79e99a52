"""Our organizers' own RSVP to our events: going or not going, one click on the event page.

The same place-keeping as a remote ``Join`` (:func:`node.hubs.events.rsvp.admit`: one
row per person, the capacity, cancelled and finished rules), and the same activities
on the wire: ``Join{object: event}`` and ``Leave{object: event}`` (FEP-8a8e "RSVP",
Mobilizon's form), signed and kept in the person's outbox, addressed to the event's
organizer. The organizer is on this node (only our events have pages here), so the
attendance row is written directly rather than by delivering the Join to ourselves;
the event's public ``attendees`` collection counts it at once for every server.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from node.activitypub.vocab import activity
from node.hubs.events.rsvp import admit, event_row, is_attending, withdraw
from node.hubs.hub.publish import HubError, organizer
from node.runtime import Node


class RsvpError(HubError):
    """An RSVP that cannot be taken; the message says why (shown as is)."""


@dataclass(frozen=True)
class RsvpOutcome:
    """Whether the person now goes, and whether this click changed anything."""

    going: bool
    changed: bool


def rsvp(node: Node, conn: Connection, username: str, uri: str, going: bool) -> RsvpOutcome:
    """``username`` goes (``going``) or no longer goes to our event ``uri``.

    Saying again what is already so changes nothing and publishes nothing. Joining a
    cancelled, finished or full event is refused with :class:`RsvpError`; leaving is
    always allowed.
    """
    person = organizer(conn, username, RsvpError)
    row = event_row(conn, uri, lock=True)
    if row is None:
        raise RsvpError(f"no event {uri} on this node")
    if is_attending(conn, uri, person.uri) == going:
        return RsvpOutcome(going=going, changed=False)
    outbox, now = node.services.outbox, node.clock()
    activity_id = outbox.new_id("activities")
    if going:
        reason = admit(conn, row, person.uri, activity_id, now)
        if reason is not None:
            raise RsvpError(reason)
    else:
        withdraw(conn, uri, person.uri)
    to = [row.attributed_to] if row.attributed_to else []
    document = activity("Join" if going else "Leave", id=activity_id, actor=person.uri,
                        object=uri, to=to)
    outbox.publish(conn, actor=person, activity=document, now=now, to_followers=False)
    return RsvpOutcome(going=going, changed=True)
