"""``ionode minutes`` (an Article from a Markdown file) and ``ionode edit`` (new text)."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import Any

from node.hubs.cli_governance import name_value
from node.hubs.items import edit_text
from node.hubs.minutes import post_minutes
from node.hubs.publish import HubError
from node.runtime import NodeAccess


def read_source(source: str, *, literal_ok: bool) -> str:
    """``-`` is stdin; an existing file is read; otherwise the text itself if allowed."""
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise HubError(f"cannot read {source}: {exc}") from exc
    if literal_ok:
        return source
    raise HubError(f"no file {source} (use - for standard input)")


def cmd_minutes(nodes: NodeAccess, args: argparse.Namespace) -> int:
    markdown = read_source(args.file, literal_ok=False)
    attachments = [name_value(pair, "--attach") for pair in args.attach]
    result = nodes.with_node(args, lambda node, conn: post_minutes(
        node, conn, args.as_user, args.hub, title=args.title, markdown=markdown,
        summary=args.summary or "", attachments=attachments))
    print(f"ionode: published {result.object['id']} ({result.deliveries} deliveries queued)")
    return 0


def cmd_edit(nodes: NodeAccess, args: argparse.Namespace) -> int:
    text = read_source(args.text, literal_ok=True)
    result = nodes.with_node(args, lambda node, conn: edit_text(node, conn, args.as_user, args.item,
                                                          text))
    print(f"ionode: updated {args.item} ({result.deliveries} deliveries queued)")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode minutes`` and ``ionode edit``."""
    minutes = sub.add_parser("minutes", parents=[common], help="publish minutes or a report")
    minutes.add_argument("--as", dest="as_user", required=True, metavar="USER")
    minutes.add_argument("--hub", action="append", default=[], required=True, metavar="NAME")
    minutes.add_argument("--title", required=True)
    minutes.add_argument("--summary", help="one or two plain sentences Mastodon shows")
    minutes.add_argument("--attach", action="append", default=[], metavar="NAME=URL")
    minutes.add_argument("file", metavar="FILE", help="Markdown file, - for standard input")
    minutes.set_defaults(run=partial(cmd_minutes, nodes))
    edit = sub.add_parser("edit", parents=[common], help="new text for an update or minutes")
    edit.add_argument("--as", dest="as_user", required=True, metavar="USER")
    edit.add_argument("item", metavar="ITEM_URL")
    edit.add_argument("text", metavar="TEXT_OR_FILE", help="the text, a file, or - for stdin")
    edit.set_defaults(run=partial(cmd_edit, nodes))
