"""``create_app(settings)``: the route table and the lifespan that starts the workers.

No logic lives here: each route belongs to the module of its concept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from node.activitypub import actor_views, discovery
from node.clock import Clock, system_clock
from node.db import make_engine, migrate
from node.runtime import Node
from node.settings import Settings
from node.web import views as web_views


def all_routes() -> list[BaseRoute]:
    return [*discovery.routes(), *actor_views.routes(), *web_views.routes()]


def create_app(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = system_clock,
    start_workers: bool = True,
) -> Starlette:
    """Build the ASGI app of one node; workers start in the lifespan when asked."""
    node = Node(settings=settings, engine=make_engine(settings.database), clock=clock,
                transport=transport)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        migrate(node.engine)
        try:
            yield
        finally:
            node.engine.dispose()

    app = Starlette(routes=all_routes(), lifespan=lifespan)
    app.state.node = node
    return app
