"""``ionode network ...``: this node follows other nodes and relays, answers their
requests, sets who may follow it, and shows the state of it all."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy import Connection

from node.activitypub.following import FollowTarget
from node.keyset import TextKey
from node.network.backfill import backfill_again, progress, progress_line
from node.network.backfill_run import run_due
from node.network.directory import sync_local
from node.network.directory_query import DirectoryEntry, DirectoryFilters, directory_page
from node.network.follows import (
    answer_request,
    find_peer,
    follow_peer,
    peer_to_unfollow,
    pending_requests,
    resolve_node,
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


def _look_up_then(nodes: NodeAccess, args: argparse.Namespace,
                  lookup: Callable[[Node], Coroutine[Any, Any, FollowTarget]],
                  act: Callable[[Node, Connection, FollowTarget], object]) -> FollowTarget:
    """Find the target (WebFinger, actor fetch), then act on it in one transaction."""
    node = nodes.open(args)
    try:
        target = _looked_up(node, lookup(node))
        with node.engine.begin() as conn:
            act(node, conn, target)
    finally:
        node.engine.dispose()
    return target


def cmd_follow(nodes: NodeAccess, args: argparse.Namespace) -> int:
    target = _look_up_then(
        nodes, args, lambda node: find_peer(node, args.target, relay=args.relay),
        lambda node, conn, found: follow_peer(node, conn, found, relay=args.relay))
    what = "relay" if args.relay else "node"
    print(f"ionode: this node asked to follow the {what} {target.uri} (pending until accepted)")
    return 0


def cmd_source_add(nodes: NodeAccess, args: argparse.Namespace) -> int:
    target = _look_up_then(nodes, args, lambda node: find_source(node, args.target),
                           follow_source)
    print(f"ionode: this node asked to follow the source {target.uri} (pending until accepted)")
    return 0


def cmd_source_list(nodes: NodeAccess, args: argparse.Namespace) -> int:
    rows = nodes.with_node(args, lambda node, conn: following(conn), read_only=True)
    for r in rows:
        if r.kind == SOURCE:
            print(f"{r.actor}\t{r.state}\t{r.received} received")
    return 0


def cmd_unfollow(nodes: NodeAccess, args: argparse.Namespace) -> int:
    target = _look_up_then(nodes, args, lambda node: peer_to_unfollow(node, args.target),
                           unfollow_peer)
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


def cmd_backfill(nodes: NodeAccess, args: argparse.Namespace) -> int:
    """Queue the actor's backfill again and, unless ``--queue``, walk it now (and the
    hubs a node lists), printing the progress lines."""
    node = nodes.open(args)

    async def run() -> list[str]:
        try:
            uri = await asyncio.to_thread(_known, node, args.target.strip()) or \
                await resolve_node(node, args.target)
            await asyncio.to_thread(_queue_again, node, uri)
            if not args.queue:
                while await run_due(node, worker=f"cli-backfill-{os.getpid()}"):
                    pass
            return await asyncio.to_thread(_lines_about, node, uri)
        finally:
            await node.services.fetcher.aclose()

    try:
        lines = asyncio.run(run())
    finally:
        node.engine.dispose()
    print("\n".join(lines))
    return 0


def _known(node: Node, target: str) -> str | None:
    """An actor URL this node already backfilled: no lookup (it may be down now)."""
    with node.engine.connect() as conn:
        return target if any(p.actor == target for p in progress(conn)) else None


def _queue_again(node: Node, uri: str) -> None:
    with node.engine.begin() as conn:
        backfill_again(conn, uri, node.clock())


def _lines_about(node: Node, uri: str) -> list[str]:
    with node.engine.connect() as conn:
        return [progress_line(p) for p in progress(conn) if uri in (p.actor, p.parent)]


def cmd_directory(nodes: NodeAccess, args: argparse.Namespace) -> int:
    """The hub directory, one hub a line: handle, title, region, tags, followers, id.

    The handle is written as ``@name@host``, which is what ``--to`` on the posting
    commands takes (a hub without a name: its id, which ``--to`` takes too)."""
    filters = DirectoryFilters(search=args.search or "", tag=(args.tag or "").lower(),
                               region=args.region or "", node=(args.node or "").lower())

    def read(node: Node, conn: Any) -> list[DirectoryEntry]:
        sync_local(conn, node.settings.url, node.services.actor_sources.extras, node.clock())
        found: list[DirectoryEntry] = []
        after: TextKey | None = None
        while True:
            page = directory_page(conn, filters, after=after, limit=200)
            found += page.entries
            if page.after is None or len(found) >= args.limit:
                return found[:args.limit]
            after = page.after

    for hub in nodes.with_node(args, read):
        tags = " ".join(f"#{t}" for t in hub.tags)
        followers = "?" if hub.followers is None else str(hub.followers)
        handle = f"@{hub.handle}" if hub.handle else hub.uri  # what --to takes
        print("\t".join((handle, hub.title, hub.region or "-", tags or "-",
                         f"{followers} followers", hub.uri)))
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
    directory = add("directory", cmd_directory, "the hubs this node knows (search, filter); "
                    "the first column is the handle to give to --to when posting")
    directory.add_argument("--search", help="words of a hub's title, handle or mission")
    directory.add_argument("--tag", help="only hubs with this tag (without #)")
    directory.add_argument("--region", help="only hubs of this region")
    directory.add_argument("--node", help="only hubs on this host")
    directory.add_argument("--limit", type=int, default=1000, help="at most this many")
    backfill = add("backfill", cmd_backfill, "pull a followed actor's recent history again")
    backfill.add_argument("target", help="@hub@other.example, https://other.example (a "
                          "node: its hubs too) or an actor URL")
    backfill.add_argument("--queue", action="store_true",
                          help="leave it to the workers instead of walking it now")
