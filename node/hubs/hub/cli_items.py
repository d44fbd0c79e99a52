"""``ionode edit`` (new text for an update or minutes) and ``ionode delete`` (any item)."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import Any

from node.hubs.hub.items import delete_item, edit_text
from node.hubs.hub.publish import HubError
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


def cmd_edit(nodes: NodeAccess, args: argparse.Namespace) -> int:
    text = read_source(args.text, literal_ok=True)
    result = nodes.with_node(args, lambda node, conn: edit_text(node, conn, args.as_user,
                                                                args.item, text))
    print(f"ionode: updated {args.item} ({result.deliveries} deliveries queued)")
    return 0


def cmd_delete(nodes: NodeAccess, args: argparse.Namespace) -> int:
    count = nodes.with_node(args, lambda node, conn: delete_item(node, conn, args.as_user,
                                                                 args.item))
    print(f"ionode: deleted {args.item} ({count} deliveries queued)")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode edit`` and ``ionode delete``, for items of every kind."""
    edit = sub.add_parser("edit", parents=[common], help="new text for an update or minutes")
    edit.add_argument("--as", dest="as_user", required=True, metavar="USER")
    edit.add_argument("item", metavar="ITEM_URL")
    edit.add_argument("text", metavar="TEXT_OR_FILE", help="the text, a file, or - for stdin")
    edit.set_defaults(run=partial(cmd_edit, nodes))
    delete = sub.add_parser("delete", parents=[common], help="delete one of your items")
    delete.add_argument("--as", dest="as_user", required=True, metavar="USER")
    delete.add_argument("item", metavar="ITEM_URL", help="the item's URL")
    delete.set_defaults(run=partial(cmd_delete, nodes))
