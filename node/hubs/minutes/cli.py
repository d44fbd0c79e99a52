"""``ionode minutes``: minutes or a report, an Article from a Markdown file."""

from __future__ import annotations

import argparse
from functools import partial
from typing import Any

from node.hubs.crosspost.cli import to_option, with_targets
from node.hubs.hub.cli_items import read_source
from node.hubs.hub.settings import link_pair
from node.hubs.minutes.service import post_minutes
from node.runtime import NodeAccess


def cmd_minutes(nodes: NodeAccess, args: argparse.Namespace) -> int:
    markdown = read_source(args.file, literal_ok=False)
    attachments = [link_pair(pair, "--attach") for pair in args.attach]
    result = with_targets(nodes, args, lambda node, conn, targets: post_minutes(
        node, conn, args.as_user, [*args.hub, *targets.local], title=args.title,
        markdown=markdown, summary=args.summary or "", attachments=attachments,
        remote=targets.remote))
    print(f"ionode: published {result.object['id']} ({result.deliveries} deliveries queued)")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode minutes``."""
    minutes = sub.add_parser("minutes", parents=[common], help="publish minutes or a report")
    minutes.add_argument("--as", dest="as_user", required=True, metavar="USER")
    minutes.add_argument("--hub", action="append", default=[], required=True, metavar="NAME")
    minutes.add_argument("--title", required=True)
    to_option(minutes)
    minutes.add_argument("--summary", help="one or two plain sentences Mastodon shows")
    minutes.add_argument("--attach", action="append", default=[], metavar="NAME=URL")
    minutes.add_argument("file", metavar="FILE", help="Markdown file, - for standard input")
    minutes.set_defaults(run=partial(cmd_minutes, nodes))
