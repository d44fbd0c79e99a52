"""``ionode news digest run|send|status|schedule|list`` and ``ionode news subscribers``:
the same services as the digest admin page."""

from __future__ import annotations

import argparse
import os
import socket
from functools import partial
from typing import Any

import anyio
from sqlalchemy import Connection

from node.newswire.digest.confirmation import send_confirmation
from node.newswire.digest.progress import STATES, digest, digests
from node.newswire.digest.schedule import (
    WEEKDAYS,
    clear_schedule,
    next_slot,
    read_schedule,
    set_schedule,
)
from node.newswire.digest.subscribers import (
    subscribe,
    subscriber_counts,
    subscribers,
    unsubscribe_address,
)
from node.newswire.digest.tasks import digest_now, digest_sender
from node.newswire.errors import NewsError
from node.runtime import Node, NodeAccess

NO_DIGEST = "no digest yet"


def _counts(mail: Any) -> str:
    return ", ".join(f"{mail[state]} {state}" for state in STATES)


async def send_queued(node: Node) -> int:
    """Send every due mail now, batch after batch; how many reached an outcome."""
    sender = digest_sender(node, f"cli@{socket.gethostname()[:40]}:{os.getpid()}")
    if sender is None:
        raise NewsError("no SMTP server is set: set IONODE_SMTP_URL to send the mail")
    total = 0
    while done := await sender.run_once():
        total += done
    return total


def _send(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    try:
        return anyio.run(send_queued, node)
    finally:
        node.engine.dispose()


def cmd_run(nodes: NodeAccess, args: argparse.Namespace) -> int:
    made = _make(nodes, args)
    if made is None:
        print("ionode: no news was approved since the last digest: no digest made")
        return 0
    print(f"ionode: digest {made.id}: {made.title}; {made.entries} news items; "
          f"{made.queued} mails queued; Article {made.object_uri}")
    if not args.queue_only:
        print(f"ionode: {_send(nodes, args)} mails handled; "
              "see `ionode news digest status`")
    return 0


def _make(nodes: NodeAccess, args: argparse.Namespace) -> Any:
    node = nodes.open(args)
    try:
        return digest_now(node, node.clock())
    finally:
        node.engine.dispose()


def cmd_send(nodes: NodeAccess, args: argparse.Namespace) -> int:
    print(f"ionode: {_send(nodes, args)} mails handled")
    return 0


def cmd_status(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> Any:
        found = digest(conn, args.id) if args.id else next(iter(digests(conn, limit=1)[0]),
                                                             None)
        return found, subscriber_counts(conn), read_schedule(conn), node

    found, counts, schedule, node = nodes.with_node(args, work, read_only=True)
    if schedule is None:
        print("schedule: none (ionode news digest schedule --weekday monday --hour 9)")
    else:
        upcoming = next_slot(node.clock(), schedule, node.settings.timezone)
        print(f"schedule: {schedule.weekday_name} {schedule.hour:02d}:00 "
              f"{node.settings.timezone}; next {upcoming:%Y-%m-%d %H:%M} UTC")
    print(f"subscribers: {counts['confirmed']} confirmed, {counts['pending']} pending, "
          f"{counts['unsubscribed']} unsubscribed")
    if found is None:
        print(f"ionode: {NO_DIGEST}")
        return 0
    print(f"digest {found.id}: {found.title}\nmail: {_counts(found.mail)}")
    return 0


def cmd_schedule(nodes: NodeAccess, args: argparse.Namespace) -> int:
    if args.off:
        nodes.with_node(args, lambda node, conn: clear_schedule(conn))
        print("ionode: no automatic digest now")
        return 0
    if args.weekday is None or args.hour is None:
        raise NewsError("give --weekday and --hour, or --off")
    schedule = nodes.with_node(args, lambda node, conn: set_schedule(
        conn, args.weekday, args.hour, node.clock()))
    print(f"ionode: a digest every {schedule.weekday_name} at {schedule.hour:02d}:00 "
          "in the node's timezone (IONODE_TIMEZONE)")
    return 0


def cmd_list(nodes: NodeAccess, args: argparse.Namespace) -> int:
    found, _ = nodes.with_node(args, lambda node, conn: digests(conn, limit=args.limit),
                               read_only=True)
    for d in found:
        print("\t".join([str(d.id), f"{d.created_at:%Y-%m-%d %H:%M}", d.title,
                         _counts(d.mail)]))
    if not found:
        print(f"ionode: {NO_DIGEST}")
    return 0


def cmd_subscribers(nodes: NodeAccess, args: argparse.Namespace) -> int:
    if args.action == "list":
        for s in nodes.with_node(args, lambda node, conn: subscribers(conn, args.state),
                                 read_only=True):
            print("\t".join([str(s.id), s.email, s.state, s.lang,
                             f"{s.created_at:%Y-%m-%d %H:%M}"]))
        return 0
    if not args.email:
        raise NewsError(f"give the address to {args.action}")
    if args.action == "remove":
        nodes.with_node(args, lambda node, conn: unsubscribe_address(conn, args.email,
                                                                     node.clock()))
        print(f"ionode: {args.email} is unsubscribed")
        return 0
    node = nodes.open(args)
    try:
        with node.engine.begin() as conn:
            token = subscribe(conn, args.email, args.lang, node.clock())
        if token is None:
            print(f"ionode: {args.email} is already subscribed or was just sent a link")
            return 0
        sent = anyio.run(send_confirmation, node, args.email.strip().lower(), token,
                         args.lang)
    finally:
        node.engine.dispose()
    print(f"ionode: {args.email} is pending; " + ("a confirmation link was mailed"
          if sent else "the confirmation mail could not be sent (see the log)"))
    return 0


def register(news: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode news digest ...`` and ``ionode news subscribers ...``."""
    digest_cmd = news.add_parser("digest", help="the weekly digest and its e-mail"
                                 ).add_subparsers(dest="digest_action", required=True)
    run = digest_cmd.add_parser("run", parents=[common],
                                help="make the digest of the news since the last one now")
    run.add_argument("--queue-only", action="store_true",
                     help="queue the mail for the workers instead of sending it here")
    run.set_defaults(run=partial(cmd_run, nodes))
    digest_cmd.add_parser("send", parents=[common], help="send the queued mail now"
                          ).set_defaults(run=partial(cmd_send, nodes))
    status = digest_cmd.add_parser("status", parents=[common],
                                   help="schedule, subscribers and a digest's mail")
    status.add_argument("id", type=int, nargs="?", help="a digest (default: the latest)")
    status.set_defaults(run=partial(cmd_status, nodes))
    schedule = digest_cmd.add_parser("schedule", parents=[common],
                                     help="when the digest is made")
    schedule.add_argument("--weekday", choices=WEEKDAYS)
    schedule.add_argument("--hour", type=int, choices=range(24), metavar="0-23")
    schedule.add_argument("--off", action="store_true", help="no automatic digest")
    schedule.set_defaults(run=partial(cmd_schedule, nodes))
    listing = digest_cmd.add_parser("list", parents=[common], help="the digests")
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(run=partial(cmd_list, nodes))
    subs = news.add_parser("subscribers", parents=[common], help="the digest's subscribers")
    subs.add_argument("action", choices=("list", "add", "remove"))
    subs.add_argument("email", nargs="?", default="")
    subs.add_argument("--state", choices=("pending", "confirmed", "unsubscribed"))
    subs.add_argument("--lang", default="en", help="the language of the mail (add)")
    subs.set_defaults(run=partial(cmd_subscribers, nodes))
