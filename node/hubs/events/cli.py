"""``ionode event ...`` and ``ionode call ...``: events, calls and call series from the shell.

The same validation as the web forms: times are wall times in ``--timezone``; an end
before its start, an unknown timezone, a time the clocks skip or repeat, an RRULE that
never ends, each is refused with a message before the database is touched, so nothing
is stored (and anything refused later rolls back the command's one transaction).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta
from functools import partial, wraps
from typing import Any

from node.hubs.calls.rules import ScheduleError, parse_local, parse_rrule
from node.hubs.calls.service import cancel_call, create_call, list_calls, move_occurrence
from node.hubs.events import cli_edit
from node.hubs.events.rules import CallDetails, EventSpec, Online, Place, check
from node.hubs.events.service import EventChange, cancel_event, create_event, move_event
from node.hubs.hub.publish import HubError, ItemResult
from node.runtime import NodeAccess

Command = Callable[[NodeAccess, argparse.Namespace], int]


def refusals(command: Command) -> Command:
    """Refused input becomes a :class:`HubError`, which ``ionode`` prints as one line."""

    @wraps(command)
    def run(nodes: NodeAccess, args: argparse.Namespace) -> int:
        try:
            return command(nodes, args)
        except ScheduleError as exc:
            raise HubError(str(exc)) from exc

    return run


def _placed(result: ItemResult) -> str:
    states = ", ".join(f"{hub}: {d.state}" for hub, d in result.decisions.items())
    return f"{result.object['id']} ({states}; {result.deliveries} deliveries queued)"


def _changed(change: EventChange) -> str:
    note = f"; told in {change.note['id']}" if change.note else ""
    return f"{change.event['id']} ({change.deliveries} deliveries queued{note})"


@refusals
def cmd_event_create(nodes: NodeAccess, args: argparse.Namespace) -> int:
    location = (Place(args.place, args.address or "") if args.place
                else Online(args.online) if args.online else None)
    spec = check(EventSpec(
        title=args.title, start=parse_local(args.start, args.timezone),
        end=parse_local(args.end, args.timezone), timezone=args.timezone, location=location,
        capacity=args.capacity, description=args.description or ""))
    result = nodes.with_node(args, lambda node, conn: create_event(
        node, conn, author=args.as_user, hubs=args.hub, spec=spec, past=args.past))
    print(f"ionode: published event {_placed(result)}")
    return 0


@refusals
def cmd_event_move(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = nodes.with_node(args, lambda node, conn: move_event(
        node, conn, actor=args.as_user, uri=args.event, start=args.start, end=args.end,
        timezone=args.timezone, past=args.past))
    print(f"ionode: moved {_changed(change)}")
    return 0


@refusals
def cmd_event_edit(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = cli_edit.run_edit(nodes, args, args.event, call=False)
    print(f"ionode: edited {_changed(change)}")
    return 0


@refusals
def cmd_call_edit(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = cli_edit.run_edit(nodes, args, args.call, call=True)
    print(f"ionode: edited {_changed(change)}")
    return 0


@refusals
def cmd_event_cancel(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = nodes.with_node(args, lambda node, conn: cancel_event(
        node, conn, actor=args.as_user, uri=args.event))
    print(f"ionode: cancelled {_changed(change)}")
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
    result = nodes.with_node(args, lambda node, conn: create_call(
        node, conn, author=args.as_user, hub=args.hub, spec=spec, rrule=args.rrule,
        past=args.past))
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
    print(f"ionode: moved {_changed(change)}")
    return 0


@refusals
def cmd_call_cancel(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = nodes.with_node(args, lambda node, conn: cancel_call(
        node, conn, actor=args.as_user, uri=args.call))
    print(f"ionode: cancelled {_changed(change)}")
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


def _as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", required=True, metavar="USER")


def _past(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--past", action="store_true",
                        help="it is in the past on purpose, for the record")


def _event_parsers(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    event = sub.add_parser("event", help="events in hubs").add_subparsers(
        dest="action", required=True)
    create = event.add_parser("create", parents=[common], help="publish an event")
    _as(create)
    create.add_argument("--hub", action="append", required=True, metavar="NAME")
    create.add_argument("--title", required=True)
    create.add_argument("--start", required=True, help='local time, "2026-12-12 19:00"')
    create.add_argument("--end", required=True, help="local time")
    create.add_argument("--timezone", required=True, help="IANA name, America/Los_Angeles")
    where = create.add_mutually_exclusive_group()
    where.add_argument("--place", metavar="NAME")
    where.add_argument("--online", metavar="URL")
    create.add_argument("--address")
    create.add_argument("--capacity", type=int)
    create.add_argument("--description", metavar="MARKDOWN")
    _past(create)
    create.set_defaults(run=partial(cmd_event_create, nodes))
    move = event.add_parser("move", parents=[common], help="move an event (Update + Note)")
    _as(move)
    move.add_argument("event", metavar="EVENT_URL")
    move.add_argument("--start", required=True, help="new local start")
    move.add_argument("--end", help="new local end (default: same length)")
    move.add_argument("--timezone", help="default: the event's timezone")
    _past(move)
    move.set_defaults(run=partial(cmd_event_move, nodes))
    cli_edit.add_event_edit(event, common, partial(cmd_event_edit, nodes))
    cancel = event.add_parser("cancel", parents=[common], help="cancel an event")
    _as(cancel)
    cancel.add_argument("event", metavar="EVENT_URL")
    cancel.set_defaults(run=partial(cmd_event_cancel, nodes))


def _call_parsers(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    call = sub.add_parser("call", help="conference calls").add_subparsers(
        dest="action", required=True)
    create = call.add_parser("create", parents=[common], help="publish a call or series")
    _as(create)
    create.add_argument("--hub", required=True, metavar="NAME")
    create.add_argument("--title", required=True)
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
    _past(create)
    create.set_defaults(run=partial(cmd_call_create, nodes))
    move = call.add_parser("move", parents=[common], help="move one call or occurrence")
    _as(move)
    move.add_argument("call", metavar="OCCURRENCE_URL")
    move.add_argument("--start", required=True, help="new local start")
    move.add_argument("--end", help="new local end (default: same length)")
    _past(move)
    move.set_defaults(run=partial(cmd_call_move, nodes))
    cli_edit.add_call_edit(call, common, partial(cmd_call_edit, nodes))
    cancel = call.add_parser("cancel", parents=[common],
                             help="cancel one call or occurrence, or a whole series")
    _as(cancel)
    cancel.add_argument("call", metavar="URL")
    cancel.set_defaults(run=partial(cmd_call_cancel, nodes))
    listing = call.add_parser("list", parents=[common], help="a hub's upcoming calls")
    listing.add_argument("--hub", required=True, metavar="NAME")
    listing.set_defaults(run=partial(cmd_call_list, nodes))


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode event ...`` and ``ionode call ...`` (node.cli DOMAIN_COMMANDS)."""
    _event_parsers(sub, common, nodes)
    _call_parsers(sub, common, nodes)
