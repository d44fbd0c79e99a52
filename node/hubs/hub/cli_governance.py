"""``ionode hub set|requests|approve|reject|queue|publish|refuse|remove|pin|unpin``.

The operator runs these as the hub's steward (``by=None``); the checks and messages are
those of the services, so the CLI and the web forms refuse the same things.
"""

from __future__ import annotations

import argparse
from functools import partial
from typing import Any

from node.hubs.hub.featured import set_pinned
from node.hubs.hub.follow_requests import approve, follower_uri, pending, reject
from node.hubs.hub.moderation import publish_held, queue, refuse_held, remove_item
from node.hubs.hub.policy import FOLLOW_POLICIES, POSTING_POLICIES
from node.hubs.hub.publish import load_hub
from node.hubs.hub.settings import HubSettings, apply_settings, link_pair
from node.runtime import Node, NodeAccess

LINK_MARK = "\tlink request"  # a hub asking to link (:mod:`node.hubs.hub.links`)


def hub_settings(args: argparse.Namespace) -> HubSettings:
    tags = [] if args.clear_tags else args.tag
    links = [] if args.clear_links else args.link
    return HubSettings(
        title=args.title, summary=args.summary, follow_policy=args.follow_policy,
        posting_policy=args.posting_policy, region=args.region, avatar_url=args.avatar,
        header_url=args.header, tags=tags, timezone=args.timezone,
        links=None if links is None else [link_pair(p, "--link") for p in links])


def cmd_set(nodes: NodeAccess, args: argparse.Namespace) -> int:
    settings = hub_settings(args)
    result = nodes.with_node(args, lambda node, conn: apply_settings(
        node, conn, load_hub(conn, args.name), settings))
    sent = (f"profile Update queued for {result.deliveries} deliveries"
            if result.profile_changed else "profile unchanged")
    accepted = f"; accepted {result.accepted} pending follows" if result.accepted else ""
    print(f"ionode: updated hub {args.name} ({sent}{accepted})")
    return 0


def cmd_requests(nodes: NodeAccess, args: argparse.Namespace) -> int:
    rows = nodes.with_node(args, lambda node, conn: pending(conn, load_hub(conn, args.name)),
                           read_only=True)
    print("\n".join(f"{r.requested_at:%Y-%m-%d %H:%M}\t{r.follower}"
                    f"{LINK_MARK if r.link else ''}" for r in rows)
          or f"{args.name} has no pending follow requests")
    return 0


def cmd_answer(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Any) -> str:
        who = follower_uri(conn, args.actor)
        if args.action == "approve":
            approve(node, conn, load_hub(conn, args.name), who, link_back=args.link_back)
        else:
            reject(node, conn, load_hub(conn, args.name), who)
        return who

    done = "may now follow" if args.action == "approve" else "was refused by"
    print(f"ionode: {nodes.with_node(args, work)} {done} {args.name}")
    return 0


def cmd_queue(nodes: NodeAccess, args: argparse.Namespace) -> int:
    rows = nodes.with_node(args, lambda node, conn: queue(conn, load_hub(conn, args.name)),
                           read_only=True)
    print("\n".join(f"{r.kind}\t{r.author_uri}\t{r.object_uri}" for r in rows)
          or f"nothing is waiting in {args.name}")
    return 0


def cmd_publish(nodes: NodeAccess, args: argparse.Namespace) -> int:
    count = nodes.with_node(args, lambda node, conn: publish_held(
        node, conn, load_hub(conn, args.name), args.item))
    print(f"ionode: {args.name} published {args.item} ({count} deliveries queued)")
    return 0


def cmd_refuse(nodes: NodeAccess, args: argparse.Namespace) -> int:
    nodes.with_node(args, lambda node, conn: refuse_held(
        node, conn, load_hub(conn, args.name), args.item, args.reason or ""))
    print(f"ionode: {args.name} refused {args.item}")
    return 0


def cmd_remove(nodes: NodeAccess, args: argparse.Namespace) -> int:
    count = nodes.with_node(args, lambda node, conn: remove_item(
        node, conn, load_hub(conn, args.name), args.item, by=None, reason=args.reason or ""))
    print(f"ionode: {args.name} removed {args.item} (Undo of its Announces queued for "
          f"{count} deliveries)")
    return 0


def cmd_pin(nodes: NodeAccess, args: argparse.Namespace) -> int:
    pinned = args.action == "pin"
    nodes.with_node(args, lambda node, conn: set_pinned(
        node, conn, load_hub(conn, args.name), args.item, pinned))
    print(f"ionode: {args.item} is {'now' if pinned else 'no longer'} pinned in {args.name}")
    return 0


def _set_parser(hub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    cmd = hub.add_parser("set", parents=[common], help="change a hub's profile and policies")
    cmd.add_argument("name")
    cmd.add_argument("--title")
    cmd.add_argument("--summary", metavar="MD", help="mission statement (Markdown)")
    cmd.add_argument("--follow-policy", choices=FOLLOW_POLICIES)
    cmd.add_argument("--posting-policy", choices=POSTING_POLICIES)
    cmd.add_argument("--region")
    cmd.add_argument("--tag", action="append", metavar="T", help="replaces the tags; repeat")
    cmd.add_argument("--clear-tags", action="store_true")
    cmd.add_argument("--link", action="append", metavar="NAME=URL",
                     help="replaces the links; repeat")
    cmd.add_argument("--clear-links", action="store_true")
    cmd.add_argument("--avatar", metavar="URL", help='image URL ("" removes it)')
    cmd.add_argument("--header", metavar="URL", help='header image URL ("" removes it)')
    cmd.add_argument("--timezone", metavar="IANA_NAME",
                     help='the zone its pages show times in, e.g. Europe/Madrid ("" follows '
                          "the node's IONODE_TIMEZONE)")
    cmd.set_defaults(run=partial(cmd_set, nodes))


def register_hub_actions(hub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add the governance actions to the ``ionode hub`` subcommands."""
    _set_parser(hub, common, nodes)
    cmd = hub.add_parser("requests", parents=[common], help="pending follow requests")
    cmd.add_argument("name")
    cmd.set_defaults(run=partial(cmd_requests, nodes))
    for action, text in (("approve", "accept a follow request"),
                         ("reject", "refuse a follow request")):
        cmd = hub.add_parser(action, parents=[common], help=text)
        cmd.add_argument("name")
        cmd.add_argument("actor", help="actor URL or @user@host")
        if action == "approve":
            cmd.add_argument("--link-back", action="store_true",
                             help="a hub's link request: link back to it (mutual link)")
        cmd.set_defaults(run=partial(cmd_answer, nodes))
    cmd = hub.add_parser("queue", parents=[common], help="posts waiting for a moderator")
    cmd.add_argument("name")
    cmd.set_defaults(run=partial(cmd_queue, nodes))
    for action, text, run in (("publish", "publish a held post", cmd_publish),
                              ("refuse", "refuse a held post", cmd_refuse),
                              ("remove", "take a published item out of the hub",
                               cmd_remove),
                              ("pin", "pin an item (featured)", cmd_pin),
                              ("unpin", "unpin an item", cmd_pin)):
        cmd = hub.add_parser(action, parents=[common], help=text)
        cmd.add_argument("name")
        cmd.add_argument("item", metavar="ITEM_URL")
        if action in ("refuse", "remove"):
            cmd.add_argument("--reason", help="kept with the item")
        cmd.set_defaults(run=partial(run, nodes))
