"""An event's RSVP on its own page: going or not going in one click, or from elsewhere.

A signed-in organizer of this node sees whether they are going and one button that
changes it (``POST /objects/{id}/rsvp``, :mod:`node.web.rsvp_view`), counted by the
RSVP service like a remote ``Join`` (:mod:`node.hubs.events.attend`). Anyone else gets
the link to RSVP from their own fediverse account (:mod:`node.web.remote_interaction_view`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from node.accounts.sessions import Login
from node.activitypub.models import StoredObject
from node.hubs.events.rsvp import attendees, event_row, is_attending
from node.hubs.events.rules import EventError, spec_from_document
from node.runtime import Node
from node.web.poll_page import path_of


@dataclass(frozen=True)
class RsvpPage:
    """The event's attendance and what the viewer may do about it."""

    page_path: str
    attendees: int
    capacity: int | None
    cancelled: bool
    over: bool
    signed_in: bool
    going: bool  # the signed-in organizer's answer so far

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.attendees >= self.capacity

    @property
    def can_join(self) -> bool:
        """Open to one more person: not cancelled, not over, not full."""
        return not (self.cancelled or self.over or self.full)

    @property
    def rsvp_url(self) -> str:
        return f"{self.page_path}/rsvp"

    @property
    def interact_url(self) -> str:
        return f"{self.page_path}/interact"


def rsvp_page(conn: Connection, node: Node, obj: StoredObject,
              login: Login | None) -> RsvpPage | None:
    """The RSVP part of our public Event ``obj``'s page; None for anything else."""
    row = event_row(conn, obj.uri)
    if row is None:
        return None
    try:
        spec = spec_from_document(dict(row.document))
    except EventError:
        return None
    person = login.actor.uri if login is not None else None
    return RsvpPage(page_path=path_of(obj.uri, node), attendees=attendees(conn, obj.uri),
                    capacity=spec.capacity, cancelled=spec.cancelled,
                    over=spec.end <= node.clock(), signed_in=login is not None,
                    going=person is not None and is_attending(conn, obj.uri, person))
