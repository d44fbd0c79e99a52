"""The app ``create_app`` builds carries every hub hook and route itself.

The hub tests once wired these in by hand (``wire_hubs``, ``wire_polls``,
``with_hub_routes``); those shims would have hidden ``create_app`` dropping one, so
the tests now use the app as built and this module checks the wiring once.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from node.app import create_app
from node.clock import fixed_clock
from node.hubs.events import calendar_views
from node.hubs.hub import atom_views, inbound, inbound_updates
from node.hubs.polls import votes as poll_votes
from node.lazy_routes import LazyRoutes
from node.settings import Settings
from node.web import hub_admin_views, hub_event_views
from tests.conftest import NOW


def _signatures(routes: list[BaseRoute]) -> set[tuple[str, frozenset[str]]]:
    """Every route's path and methods, those of lazily imported modules included."""
    flat = [inner for r in routes for inner in (r.routes if isinstance(r, LazyRoutes) else [r])]
    return {(r.path, frozenset(r.methods or ())) for r in flat if isinstance(r, Route)}


def test_create_app_registers_the_hub_hooks_in_order(settings: Settings) -> None:
    app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
    dispatcher = app.state.node.services.dispatcher
    creates = dispatcher.hooks("Create")
    assert inbound.on_create in creates and poll_votes.take_vote in creates
    # a vote on a local poll is taken before the same Create is read as a hub post
    assert creates.index(poll_votes.take_vote) < creates.index(inbound.on_create)
    assert inbound.on_delete in dispatcher.hooks("Delete")
    assert inbound_updates.on_update in dispatcher.hooks("Update")


def test_create_app_serves_the_hub_routes_and_the_web_pages(settings: Settings) -> None:
    app = create_app(settings, clock=fixed_clock(NOW), start_workers=False)
    served = _signatures(app.router.routes)
    for module in (atom_views, calendar_views, hub_admin_views, hub_event_views):
        wanted = _signatures(module.routes())
        assert wanted and wanted <= served, module.__name__
    assert app.state.web_installed and app.state.jinja is not None
