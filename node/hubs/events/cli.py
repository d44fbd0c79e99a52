"""``ionode event ...``: events from the shell (calls: :mod:`node.hubs.calls.cli`).

The same validation as the web forms: times are wall times in ``--timezone``; an end
before its start, an unknown timezone, a time the clocks skip or repeat, an RRULE that
never ends, each is refused with a message before the database is touched, so nothing
is stored (and anything refused later rolls back the command's one transaction).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from sqlalchemy import Connection

from node.hubs.crosspost.cli import to_option, with_targets
from node.hubs.crosspost.resolve import Targets
from node.hubs.events import cli_edit
from node.hubs.events.rules import EventSpec, Online, Place, check
from node.hubs.events.service import EventChange, cancel_event, create_event, move_event
from node.hubs.hub.cli_images import given_image, image_options
from node.hubs.hub.publish import HubError, ItemResult, organizer
from node.media.files import attach
from node.runtime import Node, NodeAccess
from node.zones import ZoneError, parse_local

Command = Callable[[NodeAccess, argparse.Namespace], int]


def refusals(command: Command) -> Command:
    """Refused input becomes a :class:`HubError`, which ``ionode`` prints as one line."""

    @wraps(command)
    def run(nodes: NodeAccess, args: argparse.Namespace) -> int:
        try:
            return command(nodes, args)
        except ZoneError as exc:
            raise HubError(str(exc)) from exc

    return run


def _placed(result: ItemResult) -> str:
    states = ", ".join(f"{hub}: {d.state}" for hub, d in result.decisions.items())
    return f"{result.object['id']} ({states}; {result.deliveries} deliveries queued)"


def changed_text(change: EventChange) -> str:
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
    given = given_image(args.image, args.alt)  # the compose form's checks and messages

    def work(node: Node, conn: Connection, targets: Targets) -> ItemResult:
        attachments = [] if given is None else [
            attach(node, conn, *given, organizer(conn, args.as_user).uri)]
        return create_event(node, conn, author=args.as_user, hubs=[*args.hub, *targets.local],
                            spec=spec, past=args.past, attachments=attachments,
                            remote=targets.remote)

    result = with_targets(nodes, args, work)
    print(f"ionode: published event {_placed(result)}")
    return 0


@refusals
def cmd_event_move(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = nodes.with_node(args, lambda node, conn: move_event(
        node, conn, actor=args.as_user, uri=args.event, start=args.start, end=args.end,
        timezone=args.timezone, past=args.past))
    print(f"ionode: moved {changed_text(change)}")
    return 0


@refusals
def cmd_event_edit(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = cli_edit.run_edit(nodes, args, args.event, call=False)
    print(f"ionode: edited {changed_text(change)}")
    return 0


@refusals
def cmd_event_cancel(nodes: NodeAccess, args: argparse.Namespace) -> int:
    change = nodes.with_node(args, lambda node, conn: cancel_event(
        node, conn, actor=args.as_user, uri=args.event))
    print(f"ionode: cancelled {changed_text(change)}")
    return 0


def as_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", required=True, metavar="USER")


def past_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--past", action="store_true",
                        help="it is in the past on purpose, for the record")


def _event_parsers(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    event = sub.add_parser("event", help="events in hubs").add_subparsers(
        dest="action", required=True)
    create = event.add_parser("create", parents=[common], help="publish an event")
    as_option(create)
    create.add_argument("--hub", action="append", required=True, metavar="NAME")
    to_option(create)
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
    past_option(create)
    image_options(create)
    create.set_defaults(run=partial(cmd_event_create, nodes))
    move = event.add_parser("move", parents=[common], help="move an event (Update + Note)")
    as_option(move)
    move.add_argument("event", metavar="EVENT_URL")
    move.add_argument("--start", required=True, help="new local start")
    move.add_argument("--end", help="new local end (default: same length)")
    move.add_argument("--timezone", help="default: the event's timezone")
    past_option(move)
    move.set_defaults(run=partial(cmd_event_move, nodes))
    cli_edit.add_event_edit(event, common, partial(cmd_event_edit, nodes))
    cancel = event.add_parser("cancel", parents=[common], help="cancel an event")
    as_option(cancel)
    cancel.add_argument("event", metavar="EVENT_URL")
    cancel.set_defaults(run=partial(cmd_event_cancel, nodes))


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode event ...`` (node.cli DOMAIN_COMMANDS)."""
    _event_parsers(sub, common, nodes)
