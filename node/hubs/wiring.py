"""Everything the hub domain plugs into the node: handlers, hooks, routes, commands."""

from __future__ import annotations

from starlette.routing import BaseRoute

from node.activitypub.actor_sources import ActorSources
from node.activitypub.dispatch import Dispatcher
from node.activitypub.outbox import Outbox
from node.hubs.crosspost import inbound as crosspost_inbound
from node.hubs.crosspost.targets import TargetDeliveries
from node.hubs.events import rsvp
from node.hubs.hub import (
    featured,
    inbound,
    inbound_updates,
    linked_inbound,
    linked_items,
    source_inbound,
)
from node.hubs.hub.linked_items import LocalLinks
from node.hubs.polls import votes as poll_votes
from node.lazy_routes import LazyRoutes
from node.services import BackfillHook


def register_handlers(dispatcher: Dispatcher) -> Dispatcher:
    """Hub handlers and hooks, beside the protocol's own.

    Hook order matters: a vote on a local poll is taken before a post into a hub; a
    followed source's edits and deletes of what hubs hold only as its items before the
    hubs' own, its Creates after a post into a hub.
    """
    rsvp.register(dispatcher)
    poll_votes.register(dispatcher)
    source_inbound.register_edits(dispatcher)
    inbound.register(dispatcher)
    inbound_updates.register(dispatcher)
    linked_inbound.register(dispatcher)
    source_inbound.register(dispatcher)
    crosspost_inbound.register(dispatcher)
    return dispatcher


def install_links(outbox: Outbox) -> Outbox:
    """Hubs of this node linked to each other see each other's shares as they are written."""
    outbox.add_hook(LocalLinks())
    return outbox


def install_crosspost(outbox: Outbox) -> Outbox:
    """An author's Create, Update and Delete of a cross-posted item reach every remote
    target hub (:mod:`node.hubs.crosspost.targets`)."""
    outbox.add_hook(TargetDeliveries())
    return outbox


def routes() -> list[BaseRoute]:
    """The calendars and the Atom feed, each module imported at its first request."""
    return [
        LazyRoutes("node.hubs.events.calendar_views", "/hubs/{name}/calendar.ics$",
                   "/calendar.ics$", "/events/", "/calendar/event.ics$",
                   "/objects/{id}/attendees$", "/ns$"),
        LazyRoutes("node.hubs.hub.atom_views", "/hubs/{name}/feed.atom$"),
    ]


def actor_sources() -> ActorSources:
    """What Group actor documents get from hubs: pinned items, the header image."""
    return featured.actor_sources()


def backfill_hooks() -> list[BackfillHook]:
    """What hubs do with what a backfill keeps: a linked hub's history on our hubs."""
    return [linked_items.backfilled]
