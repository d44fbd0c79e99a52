"""``ionode report create|list|show|resolve|dismiss``: the same rules as the report form
and the moderators' page (one domain service)."""

from __future__ import annotations

import argparse
import asyncio
from functools import partial
from typing import Any

from sqlalchemy import Connection

from node.newswire.moderation.roles import account_id_of, role_of_user
from node.newswire.reports.decisions import ACTIONS, act, dismiss
from node.newswire.reports.filing import Typed, submit_report
from node.newswire.reports.rules import FIXED_REASONS
from node.newswire.reports.service import Filed, ReportRow, report, reports
from node.runtime import Node, NodeAccess


def cmd_create(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    try:
        reporter = None
        if args.as_user:
            with node.engine.connect() as conn:
                reporter = account_id_of(conn, args.as_user)
        typed = Typed(object_uri=args.object or "", account_uri=args.account or "",
                      reason=args.reason, comment=args.comment or "",
                      include_identity=args.include_identity)

        async def run() -> Filed:
            try:
                return await submit_report(node, typed, source="cli",
                                           reporter_account_id=reporter)
            finally:
                await node.services.fetcher.aclose()

        filed = asyncio.run(run())
    finally:
        node.engine.dispose()
    where = f"; sent as a Flag ({filed.flag_uri}) to the origin" if filed.flag_uri else ""
    print(f"ionode: report {filed.id} is in the reports queue{where}; follow it at\n"
          f"{node.settings.url}/report/track/{filed.token}")
    return 0


def _line(r: ReportRow) -> str:
    return "\t".join([str(r.id), f"{r.created_at:%Y-%m-%d %H:%M}", r.state,
                      r.action or "-", r.kind, r.label, r.reason, r.source])


def cmd_list(nodes: NodeAccess, args: argparse.Namespace) -> int:
    found = nodes.with_node(args, lambda node, conn: reports(conn, open_only=not args.all),
                            read_only=True)
    for r in found:
        print(_line(r))
    if not found:
        print("ionode: no open reports" if not args.all else "ionode: no reports")
    return 0


def cmd_show(nodes: NodeAccess, args: argparse.Namespace) -> int:
    r = nodes.with_node(args, lambda node, conn: report(conn, args.id), read_only=True)
    print(_line(r))
    for name, value in (("account", r.account_uri), ("objects", " ".join(r.object_uris)),
                        ("reporter", r.reporter or "anonymous"),
                        ("identity shared", "yes" if r.include_identity else "no"),
                        ("flag", r.flag_uri or "-"), ("forwarded to", r.forwarded_to or "-"),
                        ("note", r.note or "-"), ("comment", r.comment or "-")):
        print(f"{name}: {value}")
    return 0


def cmd_resolve(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> int:
        role = role_of_user(conn, args.as_user)
        return act(node, conn, args.id, role=role, action=args.action, note=args.note or "")

    deliveries = nodes.with_node(args, work)
    print(f"ionode: report {args.id} {args.action}; logged publicly"
          + (f"; Delete sent to {deliveries} inboxes" if args.action == "removed" else ""))
    return 0


def cmd_dismiss(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> None:
        dismiss(node, conn, args.id, role=role_of_user(conn, args.as_user),
                note=args.note or "")

    nodes.with_node(args, work)
    print(f"ionode: report {args.id} dismissed; logged publicly")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode report create|list|show|resolve|dismiss``."""
    cmds = sub.add_parser("report", help="reports on items and accounts").add_subparsers(
        dest="action_", required=True)
    create = cmds.add_parser("create", parents=[common], help="report an item or account")
    what = create.add_mutually_exclusive_group(required=True)
    what.add_argument("--object", help="the item's URI")
    what.add_argument("--account", help="the account's URI")
    create.add_argument("--reason", required=True,
                        help=f"{', '.join(FIXED_REASONS)} or conduct:N (a clause number)")
    create.add_argument("--comment", help="what the moderators should know")
    create.add_argument("--as", dest="as_user", metavar="NAME",
                        help="the organizer reporting (else the report is anonymous)")
    create.add_argument("--include-identity", action="store_true",
                        help="name the reporter in the Flag sent to a remote origin")
    create.set_defaults(run=partial(cmd_create, nodes))
    listing = cmds.add_parser("list", parents=[common], help="open reports (--all: every one)")
    listing.add_argument("--all", action="store_true")
    listing.set_defaults(run=partial(cmd_list, nodes))
    show = cmds.add_parser("show", parents=[common], help="one report")
    show.add_argument("id", type=int)
    show.set_defaults(run=partial(cmd_show, nodes))
    resolve = cmds.add_parser("resolve", parents=[common], help="act on a report")
    resolve.add_argument("id", type=int)
    resolve.add_argument("--as", dest="as_user", required=True, metavar="NAME")
    resolve.add_argument("--action", required=True, choices=ACTIONS)
    resolve.add_argument("--note", help="a public note in the moderation log")
    resolve.set_defaults(run=partial(cmd_resolve, nodes))
    no = cmds.add_parser("dismiss", parents=[common], help="dismiss a report")
    no.add_argument("id", type=int)
    no.add_argument("--as", dest="as_user", required=True, metavar="NAME")
    no.add_argument("--note", help="a public note in the moderation log")
    no.set_defaults(run=partial(cmd_dismiss, nodes))
