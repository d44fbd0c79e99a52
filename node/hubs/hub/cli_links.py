"""``ionode hub link|unlink|links|hide|unhide``: linked hubs (issue 9 item 2).

The operator acts as the hub's steward (``by=None``), through the services the hub's
"Linked hubs" page calls, so both refuse the same things.
"""

from __future__ import annotations

import argparse
import asyncio
from functools import partial
from typing import Any

from node.hubs.hub.links import LinkTarget, find_hub, known_hub, link, links, set_hidden, unlink
from node.hubs.hub.publish import load_hub
from node.runtime import Node, NodeAccess


def _found(node: Node, target: str) -> LinkTarget:
    async def run() -> LinkTarget:
        try:
            return await find_hub(node, target)
        finally:
            await node.services.fetcher.aclose()

    return asyncio.run(run())


def cmd_link(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    try:
        other = _found(node, args.target)
        with node.engine.begin() as conn:
            link(node, conn, load_hub(conn, args.name), other)
    finally:
        node.engine.dispose()
    print(f"ionode: {args.name} asked to link {other.uri} (pending until its stewards accept)")
    return 0


def cmd_unlink(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Any) -> tuple[str, int]:
        other = known_hub(node, conn, args.target)
        return other, unlink(node, conn, load_hub(conn, args.name), other)

    other, gone = nodes.with_node(args, work)
    print(f"ionode: {args.name} is no longer linked to {other} ({gone} items taken off its page)")
    return 0


def cmd_links(nodes: NodeAccess, args: argparse.Namespace) -> int:
    rows = nodes.with_node(args, lambda node, conn: links(conn, load_hub(conn, args.name)),
                           read_only=True)
    for r in rows:
        mutual = "\tmutual" if r.mutual else ""
        print(f"{r.uri}\twe follow: {r.ours or '-'}\tfollows us: {r.theirs or '-'}{mutual}")
    if not rows:
        print(f"{args.name} has no linked hubs")
    return 0


def cmd_hide(nodes: NodeAccess, args: argparse.Namespace) -> int:
    hidden = args.action == "hide"
    nodes.with_node(args, lambda node, conn: set_hidden(conn, load_hub(conn, args.name),
                                                        args.item, hidden))
    print(f"ionode: {args.item} is {'hidden from' if hidden else 'shown again on'} "
          f"{args.name}'s page")
    return 0


def register_link_commands(hub: Any, common: argparse.ArgumentParser,
                           nodes: NodeAccess) -> None:
    """Add the linked-hub actions to the ``ionode hub`` subcommands."""
    for action, text, run in (("link", "ask to link another hub (follow it)", cmd_link),
                              ("unlink", "stop following a linked hub", cmd_unlink)):
        cmd = hub.add_parser(action, parents=[common], help=text)
        cmd.add_argument("name")
        cmd.add_argument("target", metavar="NAME|HANDLE|URL",
                         help="a hub here by its name, @hub@other.example, "
                         "acct:hub@other.example or the hub's URL")
        cmd.set_defaults(run=partial(run, nodes))
    cmd = hub.add_parser("links", parents=[common], help="the hubs linked to a hub, both ways")
    cmd.add_argument("name")
    cmd.set_defaults(run=partial(cmd_links, nodes))
    for action, text in (("hide", "hide a linked hub's item from the hub's page"),
                         ("unhide", "show a hidden linked item again")):
        cmd = hub.add_parser(action, parents=[common], help=text)
        cmd.add_argument("name")
        cmd.add_argument("item", metavar="ITEM_URL")
        cmd.set_defaults(run=partial(cmd_hide, nodes))
