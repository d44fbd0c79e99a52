"""``ionode news follow|unfollow|following|network|pick``: the network newswire, with
the same services as the moderators' pages."""

from __future__ import annotations

import argparse
import asyncio
from functools import partial
from typing import Any

from sqlalchemy import Connection

from node.activitypub.following import FollowTarget
from node.newswire.moderation.roles import role_of_user
from node.newswire.network_news.service import network_page, pick
from node.newswire.network_news.sources import (
    find_source,
    follow_source,
    sources,
    unfollow_source,
)
from node.runtime import Node, NodeAccess


def _lookup(node: Node, target: str) -> FollowTarget:
    async def run() -> FollowTarget:
        try:
            return await find_source(node, target)
        finally:
            await node.services.fetcher.aclose()

    return asyncio.run(run())


def cmd_follow(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    try:
        target = _lookup(node, args.source)
        with node.engine.begin() as conn:
            follow_source(node, conn, target)
    finally:
        node.engine.dispose()
    print(f"ionode: @news asked to follow {target.uri} (pending until accepted)")
    return 0


def cmd_unfollow(nodes: NodeAccess, args: argparse.Namespace) -> int:
    nodes.with_node(args, lambda node, conn: unfollow_source(node, conn, args.source))
    print(f"ionode: @news no longer follows {args.source}")
    return 0


def cmd_following(nodes: NodeAccess, args: argparse.Namespace) -> int:
    found = nodes.with_node(args, lambda node, conn: sources(conn, node.settings.url),
                            read_only=True)
    for source in found:
        print("\t".join([source.uri, source.handle or "-", source.state]))
    if not found:
        print("ionode: @news follows no news source yet")
    return 0


def cmd_network(nodes: NodeAccess, args: argparse.Namespace) -> int:
    entries, _ = nodes.with_node(args, lambda node, conn: network_page(conn, args.before),
                                 read_only=True)
    for e in entries:
        print("\t".join([str(e.id), f"{e.received_at:%Y-%m-%d %H:%M}", e.title,
                         e.author_handle, e.url, "picked" if e.picked else "-"]))
    return 0


def cmd_pick(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> str:
        return pick(node, conn, args.id, role=role_of_user(conn, args.as_user))

    announce = nodes.with_node(args, work)
    print(f"ionode: picked into the newswire; @news Announced it ({announce})")
    return 0


def register(news: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add the network newswire's commands under ``ionode news``."""
    follow = news.add_parser("follow", parents=[common],
                             help="@news follows a news source (@news@other, a URL)")
    follow.add_argument("source", metavar="HANDLE|URL")
    follow.set_defaults(run=partial(cmd_follow, nodes))
    unfollow = news.add_parser("unfollow", parents=[common], help="stop following a source")
    unfollow.add_argument("source", metavar="HANDLE|URL")
    unfollow.set_defaults(run=partial(cmd_unfollow, nodes))
    news.add_parser("following", parents=[common], help="the sources @news follows"
                    ).set_defaults(run=partial(cmd_following, nodes))
    network = news.add_parser("network", parents=[common],
                              help="the network news the sources sent, newest first")
    network.add_argument("--before", type=int, help="items older than this id")
    network.set_defaults(run=partial(cmd_network, nodes))
    chosen = news.add_parser("pick", parents=[common],
                             help="pick a network item into this node's newswire")
    chosen.add_argument("id", type=int)
    chosen.add_argument("--as", dest="as_user", required=True, metavar="NAME",
                        help="a node admin or news moderator")
    chosen.set_defaults(run=partial(cmd_pick, nodes))
