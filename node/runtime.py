"""The running node's shared services, built once by ``create_app`` and passed down.

Request handlers reach them as ``request.app.state.node``; workers and the CLI get the
same object. Nothing here is a module global.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy import Connection, Engine

from node.activitypub.keys import KeySource, generate_actor_keys
from node.clock import Clock
from node.settings import Settings

if TYPE_CHECKING:
    import httpx
    from starlette.requests import Request

    from node.services import Services

T = TypeVar("T")

@dataclass
class Node:
    """Settings, database, clock, services and outbound HTTP transport of one node.

    ``transport`` replaces the guarded network transport in tests (an
    ``httpx.MockTransport`` serving recorded fixtures per host); ``actor_keys`` gives the
    keys of the actors the node makes (``settings.actor_keys``, else fresh ones).
    """

    settings: Settings
    engine: Engine
    clock: Clock
    services: Services
    transport: httpx.AsyncBaseTransport | None = None
    actor_keys: KeySource = generate_actor_keys


def node_of(request: Request) -> Node:
    """The :class:`Node` serving ``request``."""
    node = request.app.state.node
    assert isinstance(node, Node)
    return node


class OpenNode(Protocol):
    """Opens the node a command acts on (``node.commands.open_node``)."""

    def __call__(self, args: argparse.Namespace, *, read_only: bool = False) -> Node: ...


@dataclass(frozen=True)
class NodeAccess:
    """How a command reaches a migrated node, handed down by the wiring.

    Domain CLI modules receive one in their ``register(sub, common, nodes)`` rather
    than importing ``node.commands`` (which builds the app): the domains never import
    the wiring (ARCHITECTURE.md section 7).
    """

    open: OpenNode

    def with_node(self, args: argparse.Namespace, work: Callable[[Node, Connection], T], *,
                  read_only: bool = False) -> T:
        """Run ``work`` in one transaction on a migrated database; a ``read_only`` command
        creates nothing (no database, secret key or folder) and refuses a missing one."""
        node = self.open(args, read_only=read_only)
        try:
            with node.engine.begin() as conn:
                return work(node, conn)
        finally:
            node.engine.dispose()
