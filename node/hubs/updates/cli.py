"""``ionode post``: an update (a public Note, Markdown) by an organizer, into hubs."""

from __future__ import annotations

import argparse
from functools import partial
from typing import Any

from node.hubs.updates.service import post_update
from node.runtime import NodeAccess


def cmd_post(nodes: NodeAccess, args: argparse.Namespace) -> int:
    result = nodes.with_node(args, lambda node, conn: post_update(node, conn, args.as_user,
                                                                  args.text, args.hub))
    print(f"ionode: published {result.note['id']} ({result.deliveries} deliveries queued)")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode post``."""
    post = sub.add_parser("post", parents=[common],
                          help="publish an update (a public Note, Markdown) into hubs")
    post.add_argument("--as", dest="as_user", required=True, metavar="USER")
    post.add_argument("--hub", action="append", default=[], metavar="NAME")
    post.add_argument("text")
    post.set_defaults(run=partial(cmd_post, nodes))
