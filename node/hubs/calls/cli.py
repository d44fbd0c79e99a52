"""``ionode call ...``: conference calls and call series from the shell.

The same validation as the web forms and ``ionode event``: times are wall times in
``--timezone``; a series' RRULE must end; refused input stores nothing.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from functools import partial
from typing import Any

from node.hubs.calls.service import cancel_call, create_call, list_calls, move_occurrence
from node.hubs.crosspost.cli import remote_only, to_option, with_targets
from node.hubs.events import cli_edit
from node.hubs.events.cli import as_option, changed_text, past_option, refusals
from node.hubs.events.recurrence import parse_rrule
from node.hubs.events.rules import CallDetails, EventSpec, Online, check
from node.hubs.hub.publish import HubError
from node.runtime import NodeAccess
from node.zones import parse_local


@refusals
def cmd_call_edit(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = cli_edit.run_edit(nodes, args, args.call, call=True)
    print(f"ionode: edited {changed_text(change)}")
    return 0


@refusals
def cmd_call_create(nodes: NodeAccess, args: argparse.Namespace) -> int:
    if args.duration < 1:
        raise HubError("--duration is a number of minutes, at least 1")
    start = parse_local(args.start, args.timezone)
    call = CallDetails(call_url=args.call_url or "", dial_in=args.dial_in or "",
                       access_code=args.access_code or "", facilitator=args.facilitator or "",
                       agenda=args.agenda or "", breakout_rooms=tuple(args.breakout))
    spec = check(EventSpec(title=args.title, start=start, timezone=args.timezone, call=call,
                           end=start + timedelta(minutes=args.duration),
                           location=Online(call.call_url) if call.call_url else None))
    if args.rrule:
        parse_rrule(args.rrule, spec.start, spec.timezone)
    result = with_targets(nodes, args, lambda node, conn, targets: create_call(
        node, conn, author=args.as_user, hub=args.hub, spec=spec, rrule=args.rrule,
        past=args.past, remote=remote_only(targets, "a call goes into its one --hub here")))
    kind = "call series" if result.series_id is not None else "call"
    print(f"ionode: published {kind} {result.event['id']} ({result.deliveries} deliveries "
          "queued)")
    for uri in result.occurrences:
        print(f"ionode: published occurrence {uri}")
    return 0


@refusals
def cmd_call_move(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = nodes.with_node(args, lambda node, conn: move_occurrence(
        node, conn, actor=args.as_user, uri=args.call, start=args.start, end=args.end,
        past=args.past))
    print(f"ionode: moved {changed_text(change)}")
    return 0


@refusals
def cmd_call_cancel(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = nodes.with_node(args, lambda node, conn: cancel_call(
        node, conn, actor=args.as_user, uri=args.call))
    print(f"ionode: cancelled {changed_text(change)}")
    return 0


def cmd_call_list(nodes: NodeAccess, args: argparse.Namespace) -> int:
    listed = nodes.with_node(args, lambda node, conn: list_calls(conn, args.hub, node.clock()),
                             read_only=True)
    for item in listed:
        print(f"{item.start:%Y-%m-%d %H:%M} {item.start.tzname()}\t{item.status}\t"
              f"{item.title}\t{item.uri}")
    if not listed:
        print(f"{args.hub} has no upcoming calls")
    return 0


def _call_parsers(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    call = sub.add_parser("call", help="conference calls").add_subparsers(
        dest="action", required=True)
    create = call.add_parser("create", parents=[common], help="publish a call or series")
    as_option(create)
    create.add_argument("--hub", required=True, metavar="NAME")
    create.add_argument("--title", required=True)
    to_option(create)
    create.add_argument("--start", required=True, help='local time, "2026-12-14 19:00"')
    create.add_argument("--duration", type=int, required=True, metavar="MIN")
    create.add_argument("--timezone", required=True, help="IANA name, America/New_York")
    create.add_argument("--rrule", help='RFC 5545, "FREQ=WEEKLY;BYDAY=MO;COUNT=10"')
    create.add_argument("--call-url", metavar="URL")
    create.add_argument("--dial-in", metavar="NUMBER")
    create.add_argument("--access-code", metavar="CODE")
    create.add_argument("--facilitator", metavar="NAME")
    create.add_argument("--agenda", metavar="MARKDOWN")
    create.add_argument("--breakout", action="append", default=[], metavar="ROOM")
    past_option(create)
    create.set_defaults(run=partial(cmd_call_create, nodes))
    move = call.add_parser("move", parents=[common], help="move one call or occurrence")
    as_option(move)
    move.add_argument("call", metavar="OCCURRENCE_URL")
    move.add_argument("--start", required=True, help="new local start")
    move.add_argument("--end", help="new local end (default: same length)")
    past_option(move)
    move.set_defaults(run=partial(cmd_call_move, nodes))
    cli_edit.add_call_edit(call, common, partial(cmd_call_edit, nodes))
    cancel = call.add_parser("cancel", parents=[common],
                             help="cancel one call or occurrence, or a whole series")
    as_option(cancel)
    cancel.add_argument("call", metavar="URL")
    cancel.set_defaults(run=partial(cmd_call_cancel, nodes))
    listing = call.add_parser("list", parents=[common], help="a hub's upcoming calls")
    listing.add_argument("--hub", required=True, metavar="NAME")
    listing.set_defaults(run=partial(cmd_call_list, nodes))


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode call ...`` (node.cli DOMAIN_COMMANDS)."""
    _call_parsers(sub, common, nodes)
