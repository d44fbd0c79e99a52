"""``ionode user ...`` and ``ionode node ...``: accounts, invites and the node's live
settings from the command line, with the rules (and refusals) of the ``/admin`` page."""

from __future__ import annotations

import argparse
import getpass
import sys
from functools import partial
from typing import Any

from sqlalchemy import Connection

from node.accounts.invites import create_invite, invite_link
from node.accounts.node_settings import apply_node_settings
from node.accounts.passwords import PasswordError
from node.accounts.users import create_user, list_users, set_disabled
from node.node_record import REGISTRATION_CHOICES, node_profile
from node.runtime import Node, NodeAccess


def read_password(args: argparse.Namespace) -> str:
    """The new password: a line of standard input with ``--password-stdin``, else typed
    twice at the prompt. Ctrl-D at the prompt (or no terminal and nothing piped) is an
    operator error with the way out, not a traceback of ``getpass``."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        first = getpass.getpass("Password: ")
        again = getpass.getpass("Repeat password: ")
    except EOFError:
        raise PasswordError("no password was typed; type it at the prompt, or give it on "
                            "standard input with --password-stdin") from None
    if first != again:
        raise PasswordError("the two passwords differ")
    return first


def cmd_create(nodes: NodeAccess, args: argparse.Namespace) -> int:
    password = read_password(args)

    def work(node: Node, conn: Connection) -> str:
        user = create_user(conn, base_url=node.settings.url, username=args.name,
                           password=password, now=node.clock(),
                           cost=node.settings.password_cost,
                           display_name=args.display_name or "", admin=args.admin,
                           keys=node.actor_keys)
        return user.uri + (" (node admin)" if user.is_admin else "")

    print(f"ionode: created organizer {nodes.with_node(args, work)}")
    return 0


def cmd_invite(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> str:
        token, expires = create_invite(conn, now=node.clock())
        return (f"{invite_link(node.settings.url, token)}\n"
                f"ionode: the link works once, until {expires:%Y-%m-%d %H:%M} UTC")

    print(nodes.with_node(args, work))
    return 0


def cmd_list(nodes: NodeAccess, args: argparse.Namespace) -> int:
    users = nodes.with_node(args, lambda node, conn: list_users(conn), read_only=True)
    for user in users:
        marks = [word for word, on in (("admin", user.is_admin), ("disabled", user.disabled))
                 if on]
        print("\t".join([user.username, user.display_name, ",".join(marks) or "-"]))
    return 0


def cmd_disable(nodes: NodeAccess, disabled: bool, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> str:
        return set_disabled(conn, args.name, disabled=disabled, now=node.clock()).username

    name = nodes.with_node(args, work)
    print(f"ionode: {name} is {'disabled; their sessions ended' if disabled else 'enabled'}")
    return 0


def cmd_node_show(nodes: NodeAccess, args: argparse.Namespace) -> int:
    profile = nodes.with_node(
        args, lambda node, conn: node_profile(conn, node.settings.node_name), read_only=True)
    print(f"name: {profile.name}\nregistrations: {profile.registrations}\n"
          f"description: {profile.description}")
    return 0


def cmd_node_set(nodes: NodeAccess, args: argparse.Namespace) -> int:
    def work(node: Node, conn: Connection) -> int:
        return apply_node_settings(node, conn, name=args.name, description=args.description,
                                   registrations=args.registrations)

    sent = nodes.with_node(args, work)
    print("ionode: node settings saved"
          + (f"; Update sent to {sent} inboxes of the node actor's followers" if sent else ""))
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode user create|invite|list|disable|enable`` and ``ionode node show|set``."""
    user = sub.add_parser("user", help="organizer accounts").add_subparsers(
        dest="action", required=True)
    create = user.add_parser("create", parents=[common], help="create an organizer "
                             "(the node's first is always a node admin)")
    create.add_argument("name")
    create.add_argument("--password-stdin", action="store_true")
    create.add_argument("--display-name")
    create.add_argument("--admin", action="store_true", help="a node admin (the /admin page)")
    create.set_defaults(run=partial(cmd_create, nodes))
    user.add_parser("invite", parents=[common], help="print a one-time sign-up link "
                    "(valid 7 days)").set_defaults(run=partial(cmd_invite, nodes))
    user.add_parser("list", parents=[common], help="the node's organizers"
                    ).set_defaults(run=partial(cmd_list, nodes))
    for action, disabled in (("disable", True), ("enable", False)):
        cmd = user.add_parser(action, parents=[common], help=f"{action} an organizer's sign-in")
        cmd.add_argument("name")
        cmd.set_defaults(run=partial(cmd_disable, nodes, disabled))
    node = sub.add_parser("node", help="the node's name, description and registrations"
                          ).add_subparsers(dest="action", required=True)
    node.add_parser("show", parents=[common], help="the node's live settings"
                    ).set_defaults(run=partial(cmd_node_show, nodes))
    node_set = node.add_parser("set", parents=[common], help="change live settings")
    node_set.add_argument("--name", help="the node's name (home page, /actor, NodeInfo)")
    node_set.add_argument("--description", help="a short description of the node")
    node_set.add_argument("--registrations", choices=REGISTRATION_CHOICES,
                          help="invite: admins hand out sign-up links; closed: none")
    node_set.set_defaults(run=partial(cmd_node_set, nodes))
