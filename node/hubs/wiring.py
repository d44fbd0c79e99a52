"""Everything the hub domain plugs into the node: handlers, hooks, routes, commands."""

from __future__ import annotations

from starlette.routing import BaseRoute

from node.activitypub.dispatch import Dispatcher
from node.hubs import calendar_views, rsvp


def register_handlers(dispatcher: Dispatcher) -> Dispatcher:
    """Hub handlers and hooks, beside the protocol's own."""
    rsvp.register(dispatcher)
    return dispatcher


def routes() -> list[BaseRoute]:
    return [*calendar_views.routes()]
