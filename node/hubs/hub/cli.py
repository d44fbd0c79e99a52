"""``ionode hub ...``: create hubs and manage their members; the governance actions are
added from :mod:`node.hubs.hub.cli_governance`."""

from __future__ import annotations

import argparse
import asyncio
from functools import partial
from typing import Any

from node.hubs.hub import cli_governance
from node.hubs.hub.cli_images import register_image_command
from node.hubs.hub.cli_links import register_link_commands
from node.hubs.hub.cli_sources import register_source_commands
from node.hubs.hub.listing import describe, hub_lines
from node.hubs.hub.members import members, remove_member, resolve_member, set_member
from node.hubs.hub.policy import ROLES
from node.hubs.hub.publish import load_hub, organizer
from node.hubs.hub.service import create_hub
from node.runtime import Node, NodeAccess


def member_uri(node: Node, who: str) -> str:
    """A local username, or a remote account (``@user@host``, ``acct:``, actor URL)."""

    async def resolve() -> str:
        try:
            return await resolve_member(node, who)
        finally:
            await node.services.fetcher.aclose()

    return asyncio.run(resolve())


def cmd_create(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Any) -> str:
        admins = [organizer(conn, admin).uri for admin in args.admin]
        actor = create_hub(conn, base_url=node.settings.url, name=args.name, title=args.title,
                           summary=args.summary or "", now=node.clock(), admins=admins,
                           keys=node.actor_keys)
        return actor.uri

    print(f"ionode: created hub {nodes.with_node(args, work)}")
    return 0


def cmd_list(nodes: NodeAccess, args: argparse.Namespace) -> int:
    lines = nodes.with_node(args, lambda node, conn: hub_lines(conn), read_only=True)
    print("\n".join(describe(line) for line in lines)
          or "ionode: this node has no hubs yet (ionode hub create NAME --title TITLE)")
    return 0


def cmd_member_add(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    uri = member_uri(node, args.who)
    with node.engine.begin() as conn:
        set_member(conn, load_hub(conn, args.hub), uri, args.role, node.clock())
    print(f"ionode: {uri} is now {args.role} of {args.hub}")
    return 0


def cmd_member_remove(nodes: NodeAccess, args: argparse.Namespace) -> int:
    node = nodes.open(args)
    uri = member_uri(node, args.who)
    with node.engine.begin() as conn:
        remove_member(conn, load_hub(conn, args.hub), uri)
    print(f"ionode: {uri} is no longer a member of {args.hub}")
    return 0


def cmd_members(nodes: NodeAccess, args: argparse.Namespace) -> int:
    rows = nodes.with_node(args, lambda node, conn: members(conn, load_hub(conn, args.hub)),
                           read_only=True)
    print("\n".join(f"{role}\t{uri}" for uri, role in rows) or f"{args.hub} has no members")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    hub = sub.add_parser("hub", help="hubs").add_subparsers(dest="action", required=True)
    create = hub.add_parser("create", parents=[common], help="create a hub")
    create.add_argument("name")
    create.add_argument("--title", required=True)
    create.add_argument("--summary", help="mission statement (Markdown)")
    create.add_argument("--admin", action="append", default=[], metavar="USER",
                        help="a local organizer who administers the hub (repeatable)")
    create.set_defaults(run=partial(cmd_create, nodes))
    hub.add_parser("list", parents=[common], help="the node's hubs: policies, items, "
                   "followers").set_defaults(run=partial(cmd_list, nodes))
    member = hub.add_parser("member", help="hub members").add_subparsers(
        dest="member_action", required=True)
    add = member.add_parser("add", parents=[common], help="add a member or change a role")
    add.add_argument("hub")
    add.add_argument("who", help="local username, @user@host, acct:user@host or actor URL")
    add.add_argument("--role", choices=ROLES, default="member")
    add.set_defaults(run=partial(cmd_member_add, nodes))
    remove = member.add_parser("remove", parents=[common], help="remove a member")
    remove.add_argument("hub")
    remove.add_argument("who")
    remove.set_defaults(run=partial(cmd_member_remove, nodes))
    listing = hub.add_parser("members", parents=[common], help="list a hub's members")
    listing.add_argument("hub")
    listing.set_defaults(run=partial(cmd_members, nodes))
    cli_governance.register_hub_actions(hub, common, nodes)
    register_image_command(hub, common, nodes)
    register_link_commands(hub, common, nodes)
    register_source_commands(hub, common, nodes)
