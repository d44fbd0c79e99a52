"""The running node's shared services, built once by ``create_app`` and passed down.

Request handlers reach them as ``request.app.state.node``; workers and the CLI get the
same object. Nothing here is a module global.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import Engine

from node.clock import Clock
from node.settings import Settings

if TYPE_CHECKING:
    from starlette.requests import Request

    from node.services import Services


@dataclass
class Node:
    """Settings, database, clock, services and outbound HTTP transport of one node.

    ``transport`` replaces the guarded network transport in tests (an
    ``httpx.MockTransport`` serving recorded fixtures per host).
    """

    settings: Settings
    engine: Engine
    clock: Clock
    services: Services
    transport: httpx.AsyncBaseTransport | None = None


def node_of(request: Request) -> Node:
    """The :class:`Node` serving ``request``."""
    node = request.app.state.node
    assert isinstance(node, Node)
    return node
