"""Cross-posting from the shell: ``--to`` on the posting commands.

``ionode post --as ana --hub portshutdown --to @dockers@oakland.example "text"`` posts
one item into the hub here and the hub on the other node; ``--to`` takes hubs here by
name as well. The handles are looked up (WebFinger) before the command's transaction.
(``ionode item targets`` is :mod:`node.hubs.hub.cli_items`.)
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection

from node.hubs.crosspost.resolve import TargetError, Targets, resolve_targets
from node.hubs.crosspost.targets import RemoteHub
from node.runtime import Node, NodeAccess

T = TypeVar("T")


def to_option(parser: argparse.ArgumentParser) -> None:
    """``--to HUB``: a hub here by name, or ``@hub@node`` on another node (repeatable)."""
    parser.add_argument("--to", action="append", default=[], metavar="HUB",
                        help="also post into this hub: a name here, or @hub@other.node")


def _resolved(node: Node, given: list[str]) -> Targets:
    async def run() -> Targets:
        try:
            return await resolve_targets(node, given)
        finally:
            await node.services.fetcher.aclose()

    return asyncio.run(run()) if given else Targets()


def with_targets(nodes: NodeAccess, args: argparse.Namespace,
                 work: Callable[[Node, Connection, Targets], T]) -> T:
    """Look up ``args.to``, then run ``work`` in one transaction with the targets."""
    node = nodes.open(args)
    try:
        targets = _resolved(node, list(args.to))
        with node.engine.begin() as conn:
            return work(node, conn, targets)
    finally:
        node.engine.dispose()


def remote_only(targets: Targets, why: str) -> list[RemoteHub]:
    """The remote hubs, for a command whose hubs here are given otherwise."""
    if targets.local:
        raise TargetError(f"--to {targets.local[0]}: {why}; --to takes hubs of other nodes")
    return targets.remote
