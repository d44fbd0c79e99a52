"""``ionode network ...``: this node follows other nodes and relays, answers their
requests, sets who may follow it, and shows the state of it all."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Coroutine
from typing import Any

from node.activitypub.following import FollowTarget
from node.network.follows import (
    answer_request,
    find_peer,
    follow_peer,
    peer_to_unfollow,
    pending_requests,
    unfollow_peer,
)
from node.network.policy import POLICIES, set_follow_policy
from node.network.sources import SOURCE, find_source, follow_source
from node.network.status import followers, following, status_lines
from node.runtime import Node, NodeAccess


def _looked_up(node: Node, lookup: Coroutine[Any, Any, FollowTarget]) -> FollowTarget:
    async def run() -> FollowTarget:
        try:
            return await lookup
        finally:
            await node.services.fetcher.aclose()

    return asyncio.run(run())


def cmd_follow(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    try:
        target = _looked_up(node, find_peer(node, args.target, relay=args.relay))
        with node.engine.begin() as conn:
            follow_peer(node, conn, target, relay=args.relay)
    finally:
        node.engine.dispose()
    what = "relay" if args.relay else "node"
    print(f"ionode: this node asked to follow the {what} {target.uri} (pending until accepted)")
    return 0


def cmd_source_add(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    try:
        target = _looked_up(node, find_source(node, args.target))
        with node.engine.begin() as conn:
            follow_source(node, conn, target)
    finally:
        node.engine.dispose()
    print(f"ionode: this node asked to follow the source {target.uri} (pending until accepted)")
    return 0


def cmd_source_list(nodes: NodeAccess, args: argparse.Namespace) -> int:
    rows = nodes.with_node(args, lambda node, conn: following(conn), read_only=True)
    for r in rows:
        if r.kind == SOURCE:
            print(f"{r.actor}\t{r.state}\t{r.received} received")
    return 0


def cmd_unfollow(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    try:
        target = _looked_up(node, peer_to_unfollow(node, args.target))
        with node.engine.begin() as conn:
            unfollow_peer(node, conn, target)
    finally:
        node.engine.dispose()
    print(f"ionode: this node no longer follows {target.uri}")
    return 0


def cmd_following(nodes: NodeAccess, args: argparse.Namespace) -> int:
    rows = nodes.with_node(args, lambda node, conn: following(conn), read_only=True)
    for r in rows:
        print(f"{r.actor}\t{r.kind}\t{r.state}")
    return 0


def cmd_followers(nodes: NodeAccess, args: argparse.Namespace) -> int:
    rows = nodes.with_node(args, lambda node, conn: followers(conn), read_only=True)
    for r in rows:
        print(f"{r.actor}\t{r.kind}\t{r.state}")
    return 0


def cmd_requests(nodes: NodeAccess, args: argparse.Namespace) -> int:
    for actor in nodes.with_node(args, lambda node, conn: pending_requests(conn),
                                 read_only=True):
        print(actor)
    return 0


def cmd_answer(nodes: NodeAccess, args: argparse.Namespace, *, accept: bool) -> int:
    def work(node: Node, conn: Any) -> None:
        answer_request(node, conn, args.actor, accept=accept)

    nodes.with_node(args, work)
    print(f"ionode: {'accepted' if accept else 'rejected'} {args.actor}")
    return 0


def cmd_policy(nodes: NodeAccess, args: argparse.Namespace) -> int:
    nodes.with_node(args, lambda node, conn: set_follow_policy(conn, args.policy))
    print(f"ionode: follow policy is now {args.policy}")
    return 0


def cmd_status(nodes: NodeAccess, args: argparse.Namespace) -> int:
    print("\n".join(nodes.with_node(args, lambda node, conn: status_lines(conn),
                                    read_only=True)))
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    network = sub.add_parser("network", help="this node follows other nodes and relays"
                             ).add_subparsers(dest="action", required=True)

    def add(name: str, run: Any, help: str) -> argparse.ArgumentParser:
        cmd: argparse.ArgumentParser = network.add_parser(name, parents=[common], help=help)
        cmd.set_defaults(run=lambda args: run(nodes, args))
        return cmd

    follow = add("follow", cmd_follow, "follow another node (or subscribe to a relay)")
    follow.add_argument("--relay", action="store_true",
                        help="TARGET is a LitePub relay's actor URL (Follow of as:Public)")
    follow.add_argument("target", help="https://other.example, @ionode@other.example or "
                        "an actor URL")
    add("unfollow", cmd_unfollow, "stop following a node or relay").add_argument(
        "target", help="https://other.example, @ionode@other.example or an actor URL")
    add("following", cmd_following, "the nodes and relays this node follows")
    add("followers", cmd_followers, "the nodes and relays following this node")
    add("requests", cmd_requests, "follow requests waiting (approval policy)")
    add("approve", lambda n, a: cmd_answer(n, a, accept=True),
        "accept a follow request").add_argument("actor")
    add("reject", lambda n, a: cmd_answer(n, a, accept=False),
        "reject a follow request").add_argument("actor")
    add("policy", cmd_policy, "who may follow this node").add_argument("policy",
                                                                       choices=POLICIES)
    add("status", cmd_status, "follows with their state, followers, items received")
    source = network.add_parser("source", help="follow any actor that publishes events "
                                "or news: a Mobilizon group, a Gancio instance, a Mastodon "
                                "account, a Lemmy community, a hub"
                                ).add_subparsers(dest="source_action", required=True)
    source_add = source.add_parser("add", parents=[common], help="follow a source")
    source_add.add_argument("target", help="@group@mobilizon.example, !community@lemmy."
                            "example, an actor or profile URL, or a site URL")
    source_add.set_defaults(run=lambda args: cmd_source_add(nodes, args))
    source.add_parser("list", parents=[common], help="the sources this node follows"
                      ).set_defaults(run=lambda args: cmd_source_list(nodes, args))
