"""``ionode news ...``: submit, the queue, approve, reject, the log, moderators and the
Code of Conduct, with the same rules and refusals as the pages (one domain service)."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from node.activitypub.local_actors import find_by_username
from node.newswire.conduct.rules import DOCUMENTS, clauses
from node.newswire.conduct.service import in_force, publish_version
from node.newswire.digest import cli as digest_cli
from node.newswire.errors import NewsError
from node.newswire.forwards.service import forward_item
from node.newswire.log.service import log_page
from node.newswire.moderation.merge import merge
from node.newswire.moderation.roles import (
    NO_SUCH_USER,
    add_moderator,
    list_moderators,
    remove_moderator,
    role_of_user,
)
from node.newswire.moderation.service import approve, reject, waiting
from node.newswire.network_news import cli as network_cli
from node.newswire.submissions.rules import check_submission
from node.newswire.submissions.service import store_submission, tracking_link
from node.runtime import Node, NodeAccess

NO_FILE = "cannot read the file"


def read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NewsError(f"{NO_FILE} {path}: {exc}") from exc


def _body(args: argparse.Namespace) -> str | None:
    if getattr(args, "body_file", None):
        return read_text(args.body_file)
    body: str | None = getattr(args, "body", None)
    return body


def cmd_submit(nodes: NodeAccess, args: argparse.Namespace) -> int:
    submission = check_submission(title=args.title, body=_body(args) or "",
                                  links=args.link or [], source_url=args.source or "",
                                  submitter_name=args.name or "",
                                  contact_email=args.email or "")

    def work(node: Node, conn: Connection) -> str:
        item_id, token = store_submission(conn, submission, now=node.clock())
        return f"{item_id}\t{tracking_link(node.settings.url, token)}"

    item_id, link = nodes.with_node(args, work).split("\t")
    print(f"ionode: news {item_id} is waiting for a moderator; follow it privately at\n{link}")
    return 0


def cmd_forward(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> int:
        steward = find_by_username(conn, args.as_user.strip().lstrip("@"))
        if steward is None:
            raise NewsError(NO_SUCH_USER)
        return forward_item(node, conn, args.hub, args.item, by=steward.uri)

    item_id = nodes.with_node(args, work)
    print(f"ionode: {args.item} is news {item_id}, waiting for a moderator")
    return 0


def cmd_queue(nodes: NodeAccess, args: argparse.Namespace) -> int:
    items = nodes.with_node(args, lambda node, conn: waiting(conn), read_only=True)
    for item in items:
        sender = ([item.submitter_handle, item.submitter_actor] if item.submitter_actor
                  else [item.submitter_name or "-", item.contact_email or "-"])
        print("\t".join([str(item.id), f"{item.submitted_at:%Y-%m-%d %H:%M}", item.title,
                         *sender]))
    if not items:
        print("ionode: the queue is empty")
    return 0


def cmd_approve(nodes: NodeAccess, args: argparse.Namespace) -> int:
    body = _body(args)

    def work(node: Node, conn: Connection) -> Any:
        role = role_of_user(conn, args.as_user)
        return approve(node, conn, args.id, role=role, title=args.title, body=body)

    done = nodes.with_node(args, work)
    print(f"ionode: approved{' (edited)' if done.edited else ''}: {done.object_uri}; "
          f"delivered to {done.deliveries} inboxes")
    return 0


def cmd_reject(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> str:
        role = role_of_user(conn, args.as_user)
        return reject(node, conn, args.id, role=role, clause=args.clause, note=args.note or "")

    print(f"ionode: rejected, citing {nodes.with_node(args, work)}")
    return 0


def cmd_merge(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> Any:
        return merge(node, conn, args.id, into=args.into,
                     role=role_of_user(conn, args.as_user))

    done = nodes.with_node(args, work)
    print(f"ionode: news {done.id} merged as a duplicate into {done.into} ({done.into_title})")
    return 0


def cmd_log(nodes: NodeAccess, args: argparse.Namespace) -> int:
    entries, _ = nodes.with_node(args, lambda node, conn: log_page(conn, args.before),
                                 read_only=True)
    for e in entries:
        print("\t".join([str(e.id), f"{e.at:%Y-%m-%d %H:%M}", e.action, e.title,
                         e.clause or "-", e.role]))
    return 0


def cmd_moderator(nodes: NodeAccess, args: argparse.Namespace) -> int:
    if args.action == "list":
        for name in nodes.with_node(args, lambda node, conn: list_moderators(conn),
                                    read_only=True):
            print(name)
        return 0

    def work(node: Node, conn: Connection) -> None:
        if args.action == "add":
            add_moderator(conn, args.name, node.clock())
        else:
            remove_moderator(conn, args.name)

    nodes.with_node(args, work)
    print(f"ionode: {args.name} {'is' if args.action == 'add' else 'is no longer'} "
          "a news moderator")
    return 0


DEFAULT_NOTE = ("default Code of Conduct: in force until you publish your own "
                "(ionode news conduct edit --file FILE)")


def cmd_conduct(nodes: NodeAccess, args: argparse.Namespace) -> int:
    if args.action == "show":
        found = nodes.with_node(args, lambda node, conn: in_force(conn, args.document),
                                read_only=True)
        if found is None:
            print(f"ionode: no {args.document} document yet")
            return 0
        print(DEFAULT_NOTE if found.created_at is None else
              f"version {found.version}, {found.created_at:%Y-%m-%d %H:%M}")
        print(found.markdown)
        for clause in clauses(found.markdown) if args.document == "conduct" else []:
            print(f"clause {clause.number}: {clause.text}")
        return 0
    if not args.file:
        raise NewsError("give the new version with --file FILE")
    text = read_text(args.file)
    number = nodes.with_node(
        args, lambda node, conn: publish_version(conn, args.document, text, node.clock()))
    replaced = "; it replaces the default Code of Conduct" if (
        number == 1 and args.document == "conduct") else ""
    print(f"ionode: published version {number} of the {args.document} document at "
          f"/news/conduct{replaced}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode news submit|forward|queue|approve|reject|merge|log|moderator|conduct``, the
    network newswire's ``follow|unfollow|following|network|pick`` and the weekly
    ``digest|subscribers``."""
    news = sub.add_parser("news", help="the newswire").add_subparsers(dest="action_",
                                                                       required=True)
    submit = news.add_parser("submit", parents=[common], help="submit news to the queue")
    submit.add_argument("--title", required=True)
    text = submit.add_mutually_exclusive_group(required=True)
    text.add_argument("--body", help="the text (Markdown)")
    text.add_argument("--body-file", help="a file holding the text (Markdown)")
    submit.add_argument("--link", action="append", help="a related link (repeatable)")
    submit.add_argument("--source", help="the source's web address")
    submit.add_argument("--name", help="the submitter's name, published with the news")
    submit.add_argument("--email", help="a contact e-mail for the moderators, never published")
    submit.set_defaults(run=partial(cmd_submit, nodes))
    forward = news.add_parser("forward", parents=[common],
                              help="send an item of a hub to the newswire's queue")
    forward.add_argument("hub", metavar="HUB")
    forward.add_argument("item", metavar="ITEM_URL")
    forward.add_argument("--as", dest="as_user", required=True, metavar="NAME",
                         help="an admin or moderator of the hub")
    forward.set_defaults(run=partial(cmd_forward, nodes))
    news.add_parser("queue", parents=[common], help="news waiting for a moderator"
                    ).set_defaults(run=partial(cmd_queue, nodes))
    ok = news.add_parser("approve", parents=[common], help="publish news to @news's followers")
    ok.add_argument("id", type=int)
    ok.add_argument("--as", dest="as_user", required=True, metavar="NAME",
                    help="a node admin or news moderator")
    ok.add_argument("--title", help="an edited title (shown as edited)")
    ok.add_argument("--body-file", help="an edited text (Markdown; shown as edited)")
    ok.set_defaults(run=partial(cmd_approve, nodes))
    no = news.add_parser("reject", parents=[common], help="reject news citing a clause")
    no.add_argument("id", type=int)
    no.add_argument("--as", dest="as_user", required=True, metavar="NAME")
    no.add_argument("--clause", required=True, help="the number of a Code of Conduct clause")
    no.add_argument("--note", help="a public note beside the clause")
    no.set_defaults(run=partial(cmd_reject, nodes))
    dup = news.add_parser("merge", parents=[common],
                          help="close waiting news as a duplicate of another item")
    dup.add_argument("id", type=int)
    dup.add_argument("--into", type=int, required=True, metavar="ID",
                     help="the news item it duplicates (waiting or published)")
    dup.add_argument("--as", dest="as_user", required=True, metavar="NAME")
    dup.set_defaults(run=partial(cmd_merge, nodes))
    log = news.add_parser("log", parents=[common], help="the public moderation log")
    log.add_argument("--before", type=int, help="entries older than this id")
    log.set_defaults(run=partial(cmd_log, nodes))
    mod = news.add_parser("moderator", parents=[common], help="news moderators")
    mod.add_argument("action", choices=("add", "remove", "list"))
    mod.add_argument("name", nargs="?", default="")
    mod.set_defaults(run=partial(cmd_moderator, nodes))
    conduct = news.add_parser("conduct", parents=[common],
                              help="the Code of Conduct and Principles of Accountability")
    conduct.add_argument("action", choices=("edit", "show"))
    conduct.add_argument("--file", help="the new version (Markdown), for edit")
    conduct.add_argument("--document", choices=DOCUMENTS, default="conduct")
    conduct.set_defaults(run=partial(cmd_conduct, nodes))
    network_cli.register(news, common, nodes)
    digest_cli.register(news, common, nodes)
