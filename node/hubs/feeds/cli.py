"""``ionode feed ...``: a hub's subscriptions to outside RSS, Atom and iCalendar feeds."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from node.hubs.feeds.service import (
    PollOutcome,
    list_feeds,
    poll_now,
    subscribe,
    unsubscribe,
)
from node.runtime import Node, NodeAccess

T = TypeVar("T")


def run_async(nodes: NodeAccess, args: argparse.Namespace,
              work: Callable[[Node], Awaitable[T]]) -> T:
    """Run ``work`` on a migrated node, then close its fetcher and database."""
    node = nodes.open(args)

    async def run() -> T:
        try:
            return await work(node)
        finally:
            await node.services.fetcher.aclose()

    try:
        return asyncio.run(run())
    finally:
        node.engine.dispose()


def cmd_add(nodes: NodeAccess, args: argparse.Namespace) -> int:
    result = run_async(nodes, args, lambda node: subscribe(node, args.hub, args.feed))
    title = f" ({result.title})" if result.title else ""
    print(f"ionode: {args.hub} now follows the feed {result.url}{title}; published the "
          f"{result.published} newest entries, later ones go out as they appear")
    return 0


def cmd_remove(nodes: NodeAccess, args: argparse.Namespace) -> int:
    nodes.with_node(args, lambda node, conn: unsubscribe(conn, args.hub, args.feed,
                                                    now=node.clock()))
    print(f"ionode: {args.hub} no longer follows the feed {args.feed}")
    return 0


def cmd_list(nodes: NodeAccess, args: argparse.Namespace) -> int:
    feeds = nodes.with_node(args, lambda node, conn: list_feeds(conn, args.hub),
                            read_only=True)
    for feed in feeds:
        state = f"failing ({feed.failures}x): {feed.last_error}" if feed.failures else "ok"
        print(f"{feed.url}\t{feed.title or '-'}\tnext poll {feed.next_poll_at:%Y-%m-%d %H:%M}"
              f"\t{state}")
    if not feeds:
        print(f"{args.hub} follows no feeds")
    return 0


def describe(outcome: PollOutcome) -> str:
    """One line per polled feed."""
    if outcome.error:
        return f"{outcome.url}: failed: {outcome.error}"
    if outcome.not_modified:
        return f"{outcome.url}: not modified"
    return f"{outcome.url}: {outcome.published} new entries published"


def cmd_poll(nodes: NodeAccess, args: argparse.Namespace) -> int:
    outcomes = run_async(nodes, args, lambda node: poll_now(node, args.hub))
    print("\n".join(describe(o) for o in sorted(outcomes, key=lambda o: o.url))
          or "ionode: no feeds to poll")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode feed add|remove|list|poll``."""
    feed = sub.add_parser("feed", help="outside feeds a hub republishes").add_subparsers(
        dest="action", required=True)
    add = feed.add_parser("add", parents=[common], help="subscribe a hub to a feed")
    add.add_argument("hub")
    # dest "feed" because the common ``--url`` flag already owns "url" (the node's URL)
    add.add_argument("feed", metavar="URL",
                     help="an RSS, Atom or iCalendar feed of the group's website")
    add.set_defaults(run=partial(cmd_add, nodes))
    remove = feed.add_parser("remove", parents=[common], help="unsubscribe a hub from a feed")
    remove.add_argument("hub")
    remove.add_argument("feed", metavar="URL")
    remove.set_defaults(run=partial(cmd_remove, nodes))
    listing = feed.add_parser("list", parents=[common], help="a hub's feeds and their state")
    listing.add_argument("hub")
    listing.set_defaults(run=partial(cmd_list, nodes))
    poll = feed.add_parser("poll", parents=[common], help="poll feeds now")
    poll.add_argument("hub", nargs="?", help="only this hub's feeds (default: every hub)")
    poll.set_defaults(run=partial(cmd_poll, nodes))
