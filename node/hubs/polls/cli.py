"""``ionode poll create|vote|close|show``: straw polls from the command line.

Every refusal (no options, more than 20, an end in the past, a vote on a closed poll,
an unknown option ...) is a :class:`~node.hubs.polls.rules.PollError`, printed as one line by
the CLI's main; the transaction rolls back, so nothing is stored.
"""

from __future__ import annotations

import argparse
import asyncio
from functools import partial
from typing import Any

from node.activitypub.actors import LookupFailed
from node.activitypub.vocab import ref
from node.hubs.crosspost.cli import to_option, with_targets
from node.hubs.polls import rules as polls
from node.hubs.polls.rules import PollError, PollSpec
from node.hubs.polls.service import close_poll, create_poll, stored_question
from node.hubs.polls.votes import vote
from node.runtime import Node, NodeAccess


def spec_from_args(args: argparse.Namespace, node: Node) -> PollSpec:
    now = node.clock()
    end = polls.end_time(now, ends_in=args.ends_in, ends_at=args.ends_at)
    if args.keypad:
        if args.option or args.multiple:
            raise PollError("--keypad sets the options (agree, disagree, more questions) and "
                            "one choice: leave out --option and --multiple")
        return polls.keypad_spec(args.question, end=end, now=now)
    return polls.make_spec(args.question or "", args.option, multiple=args.multiple, end=end,
                           now=now)


def cmd_create(nodes: NodeAccess, args: argparse.Namespace) -> int:
    result = with_targets(nodes, args, lambda node, conn, targets: create_poll(
        node, conn, args.as_user, [*args.hub, *targets.local], spec_from_args(args, node),
        remote=targets.remote))
    print(f"ionode: published poll {result.object['id']} ({result.deliveries} deliveries queued)")
    for hub, decision in result.decisions.items():
        if decision.state == "held":
            print(f"ionode: held for moderation in {hub}")
    return 0


def know_author(node: Node, uri: str) -> None:
    """Make sure a remote poll's author is cached (its inbox is where votes go)."""
    with node.engine.connect() as conn:
        document = stored_question(conn, uri)
    author = ref(document.get("attributedTo")) if document else None
    if author is None:
        return

    async def lookup() -> None:
        try:
            found = await node.services.actors.actor(author)
        finally:
            await node.services.fetcher.aclose()
        if isinstance(found, LookupFailed):
            raise PollError(f"cannot reach the poll's author {author}: {found.reason}")

    asyncio.run(lookup())


def cmd_vote(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    try:
        if not args.poll.startswith(f"{node.settings.url}/"):
            know_author(node, args.poll)
        with node.engine.begin() as conn:
            outcome = vote(node, conn, args.as_user, args.poll, args.option)
    finally:
        node.engine.dispose()
    for name in outcome.counted:
        print(f"ionode: voted {name!r}")
    for name in outcome.duplicates:
        print(f"ionode: {name!r} was counted already")
    return 0


def cmd_close(nodes: NodeAccess, args: argparse.Namespace) -> int:
    count = nodes.with_node(args, lambda node, conn: close_poll(node, conn, args.as_user,
                                                                args.poll))
    print(f"ionode: closed {args.poll} ({count} deliveries queued)")
    return 0


def show_lines(document: dict[str, Any], node: Node) -> list[str]:
    """The question, each option with its votes, voters and state."""
    tally = polls.tally_of(document)
    options = polls.options_of(document)
    width = max((len(name) for name in options), default=0)
    lines = [polls.question_text(document)]
    lines += [f"  {name:<{width}}  {count}"
              for name, count in zip(options, tally.counts, strict=False)]
    choice = "several choices" if polls.is_multiple(document) else "one choice"
    state = polls.closed_reason(document, node.clock()) or f"open until {document.get('endTime')}"
    lines.append(f"{polls.voters_text(tally.voters)}, {choice}; {state}")
    return lines


def cmd_show(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Any) -> list[str]:
        document = stored_question(conn, args.poll)
        if document is None:
            raise PollError(f"no poll {args.poll} known on this node")
        return show_lines(document, node)

    print("\n".join(nodes.with_node(args, work, read_only=True)))
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    poll = sub.add_parser("poll", help="straw polls").add_subparsers(dest="action",
                                                                      required=True)
    create = poll.add_parser("create", parents=[common], help="publish a poll into hubs")
    create.add_argument("--as", dest="as_user", required=True, metavar="USER")
    create.add_argument("--hub", action="append", default=[], required=True, metavar="NAME")
    create.add_argument("--question", metavar="TEXT", help="the question (Markdown)")
    to_option(create)
    create.add_argument("--option", action="append", default=[], metavar="TEXT",
                        help=f"an option (repeat, {polls.MIN_OPTIONS} to {polls.MAX_OPTIONS})")
    create.add_argument("--multiple", action="store_true", help="voters may pick several")
    ends = create.add_mutually_exclusive_group()
    ends.add_argument("--ends-in", metavar="DURATION", help="e.g. 30m, 1h, 2d (default 1d)")
    ends.add_argument("--ends-at", metavar="ISO", help="e.g. 2026-11-22T18:00:00Z")
    create.add_argument("--keypad", action="store_true",
                        help="the call keypad poll: agree (2), disagree (3), more questions (5)")
    create.set_defaults(run=partial(cmd_create, nodes))
    cast = poll.add_parser("vote", parents=[common], help="vote on a poll")
    cast.add_argument("--as", dest="as_user", required=True, metavar="USER")
    cast.add_argument("poll", metavar="POLL_URL")
    cast.add_argument("option", nargs="+", metavar="OPTION",
                      help="an option's text; on a keypad poll its digit (2, 3 or 5) too")
    cast.set_defaults(run=partial(cmd_vote, nodes))
    close = poll.add_parser("close", parents=[common], help="close a poll now")
    close.add_argument("--as", dest="as_user", required=True, metavar="USER")
    close.add_argument("poll", metavar="POLL_URL")
    close.set_defaults(run=partial(cmd_close, nodes))
    show = poll.add_parser("show", parents=[common], help="print a poll's tallies")
    show.add_argument("poll", metavar="POLL_URL")
    show.set_defaults(run=partial(cmd_show, nodes))
