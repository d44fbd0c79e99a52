"""``ionode post``: an update (a public Note, Markdown) by an organizer, into hubs."""

from __future__ import annotations

import argparse
from functools import partial
from typing import Any

from sqlalchemy import Connection

from node.hubs.crosspost.cli import to_option, with_targets
from node.hubs.crosspost.resolve import Targets
from node.hubs.hub.cli_images import given_image, image_options
from node.hubs.hub.publish import organizer
from node.hubs.updates.service import PostResult, post_update
from node.media.files import attach
from node.runtime import Node, NodeAccess


def cmd_post(nodes: NodeAccess, args: argparse.Namespace) -> int:
    """The image (``--image``, ``--alt``) is checked before the database is touched, with
    the compose form's checks and messages, then stored and attached as the form does."""
    given = given_image(args.image, args.alt)

    def work(node: Node, conn: Connection, targets: Targets) -> PostResult:
        attachments = [] if given is None else [
            attach(node, conn, *given, organizer(conn, args.as_user).uri)]
        return post_update(node, conn, args.as_user, args.text, [*args.hub, *targets.local],
                           attachments, remote=targets.remote)

    result = with_targets(nodes, args, work)
    print(f"ionode: published {result.note['id']} ({result.deliveries} deliveries queued)")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode post``."""
    post = sub.add_parser("post", parents=[common],
                          help="publish an update (a public Note, Markdown) into hubs")
    post.add_argument("--as", dest="as_user", required=True, metavar="USER")
    post.add_argument("--hub", action="append", default=[], metavar="NAME")
    to_option(post)
    post.add_argument("text")
    image_options(post)
    post.set_defaults(run=partial(cmd_post, nodes))
