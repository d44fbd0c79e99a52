"""``ionode hub source add|list|remove``: the sources a hub follows (issue 9 item 3).

The operator acts as the hub's steward (``by=None``), through the services the hub's
"Sources" form calls (:mod:`node.hubs.hub.sources`), so both refuse the same things:
nothing found, not an actor that publishes, already followed, an ionode hub (linked
with ``ionode hub link`` instead).
"""

from __future__ import annotations

import argparse
import asyncio
from functools import partial
from typing import Any

from node.hubs.hub.links import LinkTarget
from node.hubs.hub.publish import load_hub
from node.hubs.hub.sources import add_source, find_hub_source, known_source, remove_source
from node.hubs.hub.sources import sources as hub_sources
from node.runtime import Node, NodeAccess

STATES = {
    "pending": "pending (asked, no answer yet)",
    "accepted": "following",
    "rejected": "refused by the source",
}


def _found(node: Node, target: str) -> LinkTarget:
    async def run() -> LinkTarget:
        try:
            return await find_hub_source(node, target)
        finally:
            await node.services.fetcher.aclose()

    return asyncio.run(run())


def cmd_add(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    try:
        with node.engine.begin() as conn:
            load_hub(conn, args.name)  # an unknown hub is refused before any look-up
        source = _found(node, args.target)
        with node.engine.begin() as conn:
            add_source(node, conn, load_hub(conn, args.name), source)
    finally:
        node.engine.dispose()
    print(f"ionode: {args.name} asked to follow {source.uri} (pending until it accepts)")
    return 0


def cmd_remove(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Any) -> tuple[str, int]:
        target = load_hub(conn, args.name)
        uri = known_source(conn, target, args.target)
        return uri, remove_source(node, conn, target, uri)

    uri, gone = nodes.with_node(args, work)
    print(f"ionode: {args.name} no longer follows {uri} ({gone} items taken off its page)")
    return 0


def cmd_list(nodes: NodeAccess, args: argparse.Namespace) -> int:
    rows = nodes.with_node(
        args, lambda node, conn: hub_sources(conn, load_hub(conn, args.name)), read_only=True
    )
    for row in rows:
        print(f"{row.uri}\t{STATES.get(row.state, row.state)}")
    if not rows:
        print(f"{args.name} follows no sources")
    return 0


def register_source_commands(hub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode hub source add|list|remove`` to the ``ionode hub`` subcommands."""
    source = hub.add_parser("source", help="fediverse sources a hub follows").add_subparsers(
        dest="source_action", required=True
    )
    target_help = (
        "@group@mobilizon.example, !community@lemmy.example, @user@mastodon.example or an actor URL"
    )
    add = source.add_parser(
        "add",
        parents=[common],
        help="follow a Mobilizon group, Gancio instance, Mastodon "
        "account or Lemmy community as the hub",
    )
    add.add_argument("name", metavar="HUB")
    add.add_argument("target", metavar="TARGET", help=target_help)
    add.set_defaults(run=partial(cmd_add, nodes))
    remove = source.add_parser("remove", parents=[common], help="stop following a source")
    remove.add_argument("name", metavar="HUB")
    remove.add_argument("target", metavar="TARGET", help=target_help)
    remove.set_defaults(run=partial(cmd_remove, nodes))
    listing = source.add_parser("list", parents=[common], help="a hub's sources and states")
    listing.add_argument("name", metavar="HUB")
    listing.set_defaults(run=partial(cmd_list, nodes))
