"""``ionode event edit`` and ``ionode call edit``: change an event's or a call's details.

Each option changes one field and leaves the others as they are; the result is checked
as a new event is (:func:`node.hubs.events.edit.revise`), and followers get ``Update``
and, when the time, place or way to join changed, a short Note Mastodon users read.
"""

from __future__ import annotations

import argparse
from typing import Any

from node.hubs.events.edit import EventEdit, applied, revise
from node.hubs.events.service import EventChange, load_event
from node.hubs.hub.publish import HubError
from node.runtime import NodeAccess


def _text(args: argparse.Namespace, name: str) -> str | None:
    value = getattr(args, name, None)
    return value if isinstance(value, str) else None


def edit_of(args: argparse.Namespace) -> EventEdit:
    """The options given, as an :class:`EventEdit` (None for each one left out)."""
    rooms = getattr(args, "breakout", None)
    if getattr(args, "clear_breakouts", False):
        rooms = []
    return EventEdit(
        title=args.title, description=_text(args, "description"), start=args.start,
        end=_text(args, "end"), duration=getattr(args, "duration", None),
        timezone=_text(args, "timezone"), place=_text(args, "place"),
        address=_text(args, "address"), online=_text(args, "online"),
        capacity=getattr(args, "capacity", None), call_url=_text(args, "call_url"),
        dial_in=_text(args, "dial_in"), access_code=_text(args, "access_code"),
        facilitator=_text(args, "facilitator"), agenda=_text(args, "agenda"),
        breakout_rooms=None if rooms is None else tuple(rooms))


def run_edit(nodes: NodeAccess, args: argparse.Namespace, uri: str, call: bool) -> EventChange:
    edit = edit_of(args)
    if edit == EventEdit():
        what = "call" if call else "event"
        raise HubError(f"say what to change, e.g. --title or --start: see "
                       f"`ionode {what} edit --help`")
    return nodes.with_node(args, lambda node, conn: revise(
        node, conn, actor=args.as_user, uri=uri, call=call, past=args.past,
        spec=applied(load_event(conn, uri).spec, edit)))


def _common(parser: argparse.ArgumentParser, url: str) -> None:
    parser.add_argument("--as", dest="as_user", required=True, metavar="USER")
    parser.add_argument(url, metavar=url.upper() + "_URL")
    parser.add_argument("--title")
    parser.add_argument("--start", help="new local start (wall time in the timezone)")
    parser.add_argument("--past", action="store_true",
                        help="the new time is in the past on purpose (for the record)")


def add_event_edit(event: Any, common: argparse.ArgumentParser, run: Any) -> None:
    """``ionode event edit EVENT_URL [--title ...] ...``."""
    edit = event.add_parser("edit", parents=[common],
                            help="change an event's title, text, time or place (Update)")
    _common(edit, "event")
    edit.add_argument("--end", help="new local end (default: the same length)")
    edit.add_argument("--timezone", help="IANA name; alone, the same wall times there")
    where = edit.add_mutually_exclusive_group()
    where.add_argument("--place", metavar="NAME")
    where.add_argument("--online", metavar="URL")
    edit.add_argument("--address", help="the place's address")
    edit.add_argument("--capacity", type=int)
    edit.add_argument("--description", metavar="MARKDOWN")
    edit.set_defaults(run=run)


def add_call_edit(call: Any, common: argparse.ArgumentParser, run: Any) -> None:
    """``ionode call edit URL [--title ...] [--dial-in ...] ...`` (a series as a whole)."""
    edit = call.add_parser("edit", parents=[common],
                           help="change a call's (or a whole series') title and details")
    _common(edit, "call")
    edit.add_argument("--duration", type=int, metavar="MIN")
    edit.add_argument("--call-url", metavar="URL", help='"" removes it')
    edit.add_argument("--dial-in", metavar="NUMBER", help='"" removes it')
    edit.add_argument("--access-code", metavar="CODE")
    edit.add_argument("--facilitator", metavar="NAME")
    edit.add_argument("--agenda", metavar="MARKDOWN")
    rooms = edit.add_mutually_exclusive_group()
    rooms.add_argument("--breakout", action="append", metavar="ROOM",
                       help="replaces the breakout rooms; repeat")
    rooms.add_argument("--clear-breakouts", action="store_true")
    edit.set_defaults(run=run)
