"""``ionode edit`` (new text for an update or minutes), ``ionode delete`` (any item) and
``ionode item targets`` (where a cross-posted item stands in each hub)."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from node.activitypub.vocab import isoformat
from node.hubs.hub.crossposts import TargetStatus, target_statuses
from node.hubs.hub.items import delete_item, edit_text, owned_document
from node.hubs.hub.publish import HubError, organizer
from node.runtime import Node, NodeAccess


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


def status_line(status: TargetStatus) -> str:
    """One target, tab-separated: hub, state, the next retry, the reason or error."""
    retry = isoformat(status.next_retry) if status.next_retry else ""
    return "\t".join((status.label, status.state, retry, status.reason or "")).rstrip()


def cmd_targets(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> list[TargetStatus]:
        owned_document(conn, organizer(conn, args.as_user), args.item)
        return target_statuses(conn, args.item)

    statuses = nodes.with_node(args, work, read_only=True)
    for status in statuses:
        print(status_line(status))
    if not statuses:
        print("ionode: the item was posted into no hub")
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
    item = sub.add_parser("item", help="an item's standing in the hubs it was posted in")
    actions = item.add_subparsers(dest="item_command", required=True)
    targets = actions.add_parser("targets", parents=[common],
                                 help="per target hub: published, held, refused, failing")
    targets.add_argument("--as", dest="as_user", required=True, metavar="USER",
                         help="the item's author")
    targets.add_argument("item", metavar="ITEM_URL")
    targets.set_defaults(run=partial(cmd_targets, nodes))
